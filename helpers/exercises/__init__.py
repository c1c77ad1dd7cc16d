"""Exercise checkers, one module per notebook (``helpers.exercises.start_here`` and so on).

Every checker returns :class:`helpers.checks.Feedback` and never raises into the notebook.
"""
