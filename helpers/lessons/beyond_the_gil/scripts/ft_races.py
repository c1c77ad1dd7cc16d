"""Shared state from several threads, on whatever interpreter runs this; prints one JSON object.

    python ft_races.py THREADS INCREMENTS

Standard library only and runnable by path (notebook 10 runs it on each interpreter it finds).
Two things happen at once on ``THREADS`` threads: ``counter += 1`` on a shared attribute (a
read-modify-write: a race on every build) and ``list.append`` (one operation on a built-in
container: safe on every build; free-threaded CPython locks the list internally).
"""

from __future__ import annotations

import json
import sys
import threading


class Shared:
    counter = 0


def main(argv: list[str]) -> int:
    threads, increments = int(argv[0]), int(argv[1])
    shared, items = Shared(), []
    start = threading.Barrier(threads)

    def work() -> None:
        start.wait(timeout=60)
        for i in range(increments):
            shared.counter += 1
            items.append(i)

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(300)
    if any(worker.is_alive() for worker in workers):
        raise TimeoutError("threads did not finish within 300 s")
    print(json.dumps({"counter": shared.counter, "appended": len(items)}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
