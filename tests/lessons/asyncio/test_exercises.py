"""Checkers of notebook 11: each accepts two different correct answers and rejects plausible
wrong ones, including one that works only by luck of timing. Nothing is left running."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from checker_cases import Checker, assert_rejected, assert_solutions_pass  # tests/support/

from helpers.lessons.asyncio.exercises import check_deposit, check_lookup_all, check_pipeline

pytestmark = pytest.mark.usefixtures("nothing_left")


# --- Exercise 1: the lost deposit ---------------------------------------------------------------


deposit = Checker(check_deposit)
deposit.also_rejects(None, "still None")


@deposit.accepts
async def deposit_no_await_between(account: Any, amount: int) -> None:
    await account.audit(amount)
    account.balance += amount  # read and write with no await in between


_lock = asyncio.Lock()


@deposit.accepts
async def deposit_with_lock(account: Any, amount: int) -> None:
    async with _lock:
        balance = account.balance
        await account.audit(amount)
        account.balance = balance + amount


@deposit.rejects("was lost")
async def deposit_original(account: Any, amount: int) -> None:
    balance = account.balance
    await account.audit(amount)
    account.balance = balance + amount


@deposit.rejects("was lost")
async def deposit_sleep_zero(account: Any, amount: int) -> None:
    await asyncio.sleep(0)  # "give the others a turn first"
    balance = account.balance
    await account.audit(amount)
    account.balance = balance + amount


@deposit.rejects("was lost")
async def deposit_staggered(account: Any, amount: int) -> None:
    # Luck of timing: each deposit starts a little later than the one before, which works
    # only while every audit is shorter than the gap (the checker's first audits are).
    await asyncio.sleep(0.01 * amount)
    balance = account.balance
    await account.audit(amount)
    account.balance = balance + amount


_thread_lock = threading.Lock()


async def deposit_thread_lock(account: Any, amount: int) -> None:
    with _thread_lock:  # blocks the loop's only thread while another deposit holds it
        balance = account.balance
        await account.audit(amount)
        account.balance = balance + amount


@deposit.rejects("async def")
def deposit_not_async(account: Any, amount: int) -> None:
    account.balance += amount


test_deposit_accepts_correct_answers, test_deposit_rejects_mistakes = deposit.tests()


def test_a_threading_lock_is_rejected_and_the_stuck_loop_freed() -> None:
    assert_rejected(check_deposit(deposit_thread_lock), "threading.Lock", "asyncio.Lock")
    assert not _thread_lock.locked()


# --- Exercise 2: unblock the loop ---------------------------------------------------------------


lookup_all = Checker(check_lookup_all)
lookup_all.also_rejects(None, "still None")


@lookup_all.accepts
async def lookup_all_to_thread(lookup: Any, names: list[str]) -> list[Any]:
    calls = [asyncio.to_thread(lookup, name) for name in names]
    return list(await asyncio.wait_for(asyncio.gather(*calls), timeout=10))


@lookup_all.accepts
async def lookup_all_executor(lookup: Any, names: list[str]) -> list[Any]:
    from concurrent.futures import ThreadPoolExecutor

    loop = asyncio.get_running_loop()
    with ThreadPoolExecutor(max_workers=len(names)) as pool:
        futures = [loop.run_in_executor(pool, lookup, name) for name in names]
        return list(await asyncio.wait_for(asyncio.gather(*futures), timeout=10))


@lookup_all.rejects("one at a time")
async def lookup_all_blocking(lookup: Any, names: list[str]) -> list[Any]:
    return [lookup(name) for name in names]


@lookup_all.rejects("one at a time")
async def lookup_all_one_by_one(lookup: Any, names: list[str]) -> list[Any]:
    return [await asyncio.to_thread(lookup, name) for name in names]


@lookup_all.rejects("one at a time")
async def lookup_all_fake_async(lookup: Any, names: list[str]) -> list[Any]:
    async def one(name: str) -> Any:
        return lookup(name)  # still a blocking call on the loop's thread

    return list(await asyncio.gather(*(one(name) for name in names)))


@lookup_all.rejects("fixed time")
async def lookup_all_guessing(lookup: Any, names: list[str]) -> list[Any]:
    # Luck of timing: start threads, then wait "long enough" instead of waiting for them.
    results: list[Any] = [None] * len(names)

    def run(i: int, name: str) -> None:
        results[i] = lookup(name)

    for i, name in enumerate(names):
        threading.Thread(target=run, args=(i, name), daemon=True).start()
    await asyncio.sleep(0.3)
    return results


test_lookup_all_accepts_correct_answers, test_lookup_all_rejects_mistakes = lookup_all.tests()


# --- Exercise 3: a pipeline that stops cleanly ---------------------------------------------


pipeline = Checker(check_pipeline)
pipeline.also_rejects(None, "still None")


async def alongside_a_producer(
    queue: asyncio.Queue[Any],
    source: Any,
    consume: Callable[[], Awaitable[None]],
    consumers: int,
) -> None:
    """Run ``consumers`` copies of ``consume`` while a task of its own puts every item of
    ``source`` into ``queue``: the two answers that do so (pipeline_until_empty and
    pipeline_get_timeout) differ only in when their consumers stop."""

    async def produce() -> None:
        async for item in source:
            await queue.put(item)

    producer = asyncio.create_task(produce())
    await asyncio.gather(*(consume() for _ in range(consumers)))
    await producer


@pipeline.accepts
async def pipeline_sentinels(source: Any, handle: Any, consumers: int) -> None:
    queue: asyncio.Queue[Any] = asyncio.Queue(maxsize=consumers)
    done = object()

    async def consume() -> None:
        while True:
            item = await asyncio.wait_for(queue.get(), timeout=10)
            if item is done:
                return
            await handle(item)

    workers = [asyncio.create_task(consume()) for _ in range(consumers)]
    async for item in source:
        await asyncio.wait_for(queue.put(item), timeout=10)
    for _ in workers:
        await asyncio.wait_for(queue.put(done), timeout=10)
    await asyncio.wait_for(asyncio.gather(*workers), timeout=10)


@pipeline.accepts
async def pipeline_join_then_cancel(source: Any, handle: Any, consumers: int) -> None:
    queue: asyncio.Queue[Any] = asyncio.Queue()

    async def consume() -> None:
        while True:
            item = await queue.get()
            try:
                await handle(item)
            finally:
                queue.task_done()

    workers = [asyncio.create_task(consume()) for _ in range(consumers)]
    async for item in source:
        queue.put_nowait(item)
    await asyncio.wait_for(queue.join(), timeout=10)
    for worker in workers:
        worker.cancel()
    await asyncio.gather(*workers, return_exceptions=True)


@pipeline.rejects("never handled")
async def pipeline_until_empty(source: Any, handle: Any, consumers: int) -> None:
    # Luck of timing: "the queue is empty, so we are done" holds only if the producer never
    # falls behind the consumers.
    queue: asyncio.Queue[Any] = asyncio.Queue()

    async def consume() -> None:
        await asyncio.sleep(0.001)
        while not queue.empty():
            await handle(await queue.get())

    await alongside_a_producer(queue, source, consume, consumers)


@pipeline.rejects("paused")
async def pipeline_get_timeout(source: Any, handle: Any, consumers: int) -> None:
    queue: asyncio.Queue[Any] = asyncio.Queue()

    async def consume() -> None:
        while True:
            try:
                item = await asyncio.wait_for(queue.get(), timeout=0.1)
            except asyncio.TimeoutError:
                return  # "nothing for 0.1 s: the producer must be done"
            await handle(item)

    await alongside_a_producer(queue, source, consume, consumers)


@pipeline.rejects("never learns")
async def pipeline_one_sentinel(source: Any, handle: Any, consumers: int) -> None:
    queue: asyncio.Queue[Any] = asyncio.Queue()

    async def consume() -> None:
        while True:
            item = await queue.get()
            if item is None:
                return
            await handle(item)

    workers = [asyncio.create_task(consume()) for _ in range(consumers)]
    async for item in source:
        await queue.put(item)
    await queue.put(None)  # one sentinel stops one consumer; the others wait forever
    await asyncio.gather(*workers)


@pipeline.rejects("one at a time")
async def pipeline_serial(source: Any, handle: Any, consumers: int) -> None:
    async for item in source:
        await handle(item)


@pipeline.rejects("still running")
async def pipeline_leaves_consumers(source: Any, handle: Any, consumers: int) -> None:
    queue: asyncio.Queue[Any] = asyncio.Queue()

    async def consume() -> None:
        while True:
            item = await queue.get()
            await handle(item)
            queue.task_done()

    for _ in range(consumers):
        asyncio.create_task(consume())  # noqa: RUF006 - the mistake this answer makes
    async for item in source:
        queue.put_nowait(item)
    await queue.join()


test_pipeline_accepts_correct_answers, test_pipeline_rejects_mistakes = pipeline.tests()


def test_the_stubs_say_not_started_yet() -> None:
    async def stub(*args: Any) -> Any:
        raise NotImplementedError

    for check in (check_deposit, check_lookup_all, check_pipeline):
        assert_rejected(check(stub), "not started yet")


def test_the_solutions_in_the_lesson_pass() -> None:
    assert_solutions_pass(
        "11_asyncio.md",
        {"asyncio": asyncio},
        {
            "deposit": check_deposit,
            "lookup_all": check_lookup_all,
            "pipeline": check_pipeline,
        },
    )
