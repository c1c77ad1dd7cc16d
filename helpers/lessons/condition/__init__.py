"""Lesson code for lessons/*_condition.md (see course.toml)."""
