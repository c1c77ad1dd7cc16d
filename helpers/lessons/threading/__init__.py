"""Lesson code for lessons/*_threading.md (see course.toml)."""
