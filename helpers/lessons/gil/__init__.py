"""Lesson code for lessons/*_gil.md (see course.toml)."""
