"""Lesson code for lessons/11_asyncio.md (see course.toml).

``runner`` runs a coroutine the way a script's ``asyncio.run`` does, from anywhere (a cell, a
widget callback, a checker); ``demos`` holds the small scenarios the notebook explains;
``server`` starts and stops the local socket server; ``measure`` puts threads and tasks side by
side; ``child`` is what the server process and the process pool run; ``toy_loop`` is a tiny
event loop, for *Under the hood*; ``exercises`` holds the checkers.
"""
