"""helpers.lessons.gil.turns: turns and hand-overs, read off the running intervals of a run."""

from __future__ import annotations

from helpers.lessons.gil import turns as gil_turns


def test_turns_merge_consecutive_pieces_of_one_worker_and_count_handoffs(record, fake_run) -> None:
    run = fake_run(
        [
            record(0, thread=10, running=((0.0, 1.0), (3.0, 4.0))),
            record(1, thread=20, running=((1.5, 2.5), (4.5, 5.0))),
            record(2, thread=10, running=((5.2, 6.0),)),
        ]
    )
    turns = gil_turns.turns_of(run)
    assert [(t.worker, t.start, t.end) for t in turns] == [
        (0, 0.0, 1.0),
        (1, 1.5, 2.5),
        (0, 3.0, 4.0),
        (1, 4.5, 5.0),
        (0, 5.2, 6.0),
    ]
    assert gil_turns.handoffs(turns) == 4


def test_one_worker_never_hands_over(record, fake_run) -> None:
    run = fake_run(
        [
            record(0, thread=1, running=((0.0, 1.0),)),
            record(1, thread=1, running=((1.0, 2.0), (2.5, 3.0))),
        ],
        workers=1,
    )
    turns = gil_turns.turns_of(run)
    assert len(turns) == 1 and (turns[0].start, turns[0].end) == (0.0, 3.0)
    assert gil_turns.handoffs(turns) == 0
