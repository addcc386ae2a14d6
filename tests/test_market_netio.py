"""The network pool: bounded, daemon threads, and a turn a caller can take back."""

from __future__ import annotations

import threading

from bot.market.netio import DaemonPool, Ticket, Turn


def test_pool_is_bounded_and_its_threads_are_daemons():
    pool = DaemonPool(3, "test-net")
    gate = threading.Event()
    futures = [pool.submit(lambda i=i: gate.wait(5) and i) for i in range(20)]
    assert pool.threads == 3
    assert all(t.daemon for t in threading.enumerate() if t.name.startswith("test-net"))
    gate.set()
    assert [f.result(timeout=5) for f in futures] == list(range(20))
    pool.shutdown()


def test_an_abandoned_holder_loses_its_turn_and_a_waiter_that_gave_up_never_gets_one():
    turn = Turn()
    stuck, waiter, later = Ticket(), Ticket(), Ticket()
    assert turn.acquire(stuck)
    got: list[bool] = []
    thread = threading.Thread(target=lambda: got.append(turn.acquire(waiter)))
    thread.start()
    turn.abandon(waiter)  # the waiter's caller timed out first
    thread.join(timeout=5)
    assert got == [False]
    turn.abandon(stuck)  # the holder's caller timed out: the turn is free at once
    assert not turn.held and turn.taken_back() and not turn.taken_back()
    assert turn.acquire(later)
    turn.release(stuck)  # the stuck thread finally returns: it must not free `later`'s turn
    assert turn.held
    turn.release(later)
    assert not turn.held
