"""Teaching implementations of the standard primitives: short, commented, and exactly as correct.

Each module mirrors one standard-library class (``threading.RLock``, ``threading.Condition``,
``threading.Semaphore``, ``concurrent.futures.ThreadPoolExecutor``). Tests run one behavioural
suite against the teaching class and the standard one.
"""
