"""The network pool: bounded, daemon threads, and a turn a caller can take back."""

from __future__ import annotations

import threading

from bot.market.netio import DaemonPool, Ticket, Turn


def pool_threads(name: str) -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith(f"{name}-")]


def test_pool_is_bounded_and_its_threads_are_daemons():
    pool = DaemonPool(3, "test-net")
    gate = threading.Event()
    futures = [pool.submit(lambda i=i: gate.wait(5) and i) for i in range(20)]
    running = pool_threads("test-net")
    assert len(running) == 3 and all(t.daemon for t in running)
    gate.set()
    assert [f.result(timeout=5) for f in futures] == list(range(20))
    pool.shutdown()
    assert not pool_threads("test-net")


def acquire_in_thread(turn: Turn, ticket: Ticket) -> tuple[threading.Thread, list[bool]]:
    got: list[bool] = []
    thread = threading.Thread(target=lambda: got.append(turn.acquire(ticket)), daemon=True)
    thread.start()
    return thread, got


def test_an_abandoned_holder_loses_its_turn_and_a_waiter_that_gave_up_never_gets_one():
    turn = Turn()
    stuck, waiter, later, last = Ticket(), Ticket(), Ticket(), Ticket()
    assert turn.acquire(stuck)
    thread, got = acquire_in_thread(turn, waiter)
    turn.abandon(waiter)  # the waiter's caller timed out first
    thread.join(timeout=5)
    assert got == [False]

    turn.abandon(stuck)  # the holder's caller timed out: the turn is free at once
    assert turn.taken_back() and not turn.taken_back()
    thread, got = acquire_in_thread(turn, later)
    thread.join(timeout=5)
    assert got == [True]

    turn.release(stuck)  # the stuck thread finally returns: it must not free `later`'s turn
    thread, got = acquire_in_thread(turn, last)
    thread.join(timeout=0.2)
    assert thread.is_alive() and got == []  # `last` waits for `later`
    turn.release(later)
    thread.join(timeout=5)
    assert got == [True]
