"""Lesson code for lessons/12_beyond_one_machine.md (see course.toml).

``cluster`` starts and closes a Dask ``LocalCluster`` the course's way (and says plainly when
``distributed`` is not installed); ``compare`` measures it against a ``ProcessPoolExecutor``;
``failures`` kills a worker in the middle of a task; ``child`` is what Dask workers and pool
processes run; ``exercises`` holds the checkers.
"""
