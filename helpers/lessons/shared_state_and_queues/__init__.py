"""Lesson code for lessons/*_shared_state_and_queues.md (see course.toml)."""
