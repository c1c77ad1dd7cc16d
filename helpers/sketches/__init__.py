"""BROKEN ON PURPOSE: the syllabus's sketches of Condition, Semaphore and ThreadPoolExecutor.

The syllabus explains each primitive with a small class that looks plausible and is wrong in
ways that matter. The course keeps them here, apart from everything else, so lessons can run
each failure *safely* next to the standard class and the course's teaching one
(:mod:`helpers.teaching`), and the interleaving lab can step them. Never use them for real work.

- :mod:`.condition`: ``BrokenCondition``
- :mod:`.semaphore`: ``BrokenSemaphore``
- :mod:`.executor`: ``SyllabusSketch1`` and ``SyllabusSketch2``
"""

#: The longest any wait in a sketch can last (the syllabus would wait forever).
SAFETY_CAP_S = 10.0
