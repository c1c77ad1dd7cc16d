"""Lesson code for lessons/*_multiprocessing.md (see course.toml)."""
