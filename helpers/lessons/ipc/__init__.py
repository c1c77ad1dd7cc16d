"""Lesson code for lessons/*_ipc.md (see course.toml)."""
