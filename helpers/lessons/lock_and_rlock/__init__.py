"""Lesson code for lessons/*_lock_and_rlock.md (see course.toml)."""
