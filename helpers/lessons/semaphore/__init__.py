"""Lesson code for lessons/*_semaphore.md (see course.toml)."""
