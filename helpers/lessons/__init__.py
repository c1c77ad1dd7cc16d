"""Each lesson's own code, one package per lesson, named with the lesson's slug.

``helpers.lessons.<slug>`` holds what ``lessons/NN_<slug>.md`` needs and nothing another
lesson uses: its demos and figures, its child-process targets, and its exercise checkers
(``exercises``). A lesson package imports shared parts (``helpers.core``, ``helpers.draw``,
``helpers.lab``, ``helpers.teaching``, ``helpers.sketches``) and never another lesson's
package; ``tests/course/test_imports.py`` enforces it. The course map is ``course.toml``.
"""
