"""Lesson code for lessons/*_beyond_the_gil.md (see course.toml)."""
