"""Lesson code for lessons/*_start_here.md (see course.toml)."""
