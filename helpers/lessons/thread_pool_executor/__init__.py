"""Lesson code for lessons/*_thread_pool_executor.md (see course.toml)."""
