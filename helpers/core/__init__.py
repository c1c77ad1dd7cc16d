"""The child-safe core: what worker processes import.

Nothing here imports matplotlib, ipywidgets or IPython at module import time (a test checks
it in a fresh interpreter), so a process started with ``spawn`` or ``forkserver`` stays light.
Modules: ``machine`` (cores, build, GIL, start method), ``workloads`` (calibrated tasks),
``timing`` (run tasks on an executor, who ran what when), ``spans`` (the timeline's record),
``lifecycle`` (bounded starts, joins and stops), ``races`` (the shared counter race),
``domains`` and ``validate`` (argument checks), ``checks`` and ``learner`` (exercise
checkers), ``facts`` (comparison tables), ``leftovers`` (nothing left running), ``progress`` (a
measurement's step count for its progress bar), ``source``.
"""
