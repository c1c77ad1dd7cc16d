"""Drawing: figures, the timeline, widgets and explorers. Never imported by a child process.

``plots`` (style, labelled axes), ``scales`` (log axes with plain-number ticks),
``timeline`` (the course's signature picture of spans),
``widgets`` (the :class:`~helpers.draw.widgets.Explorer`) and ``explore`` (the plain figure
functions behind the shared explorers).
"""
