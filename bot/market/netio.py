"""Where blocking network calls wait: a small pool of daemon threads of their own.

Why not asyncio's default pool (`asyncio.to_thread`): that pool also runs the short hops every
answer needs (CSV parsing, cache conversion, settings), and it has min(32, cores + 4) threads. A
hung provider (ten Yahoo fetches against a network that accepts and never answers) filled it,
and an unrelated no-op waited 4.5 s behind them. Network waits get this pool instead, bounded so
a hanging network cannot grow threads without limit, and made of daemon threads so a socket
stuck past every timeout cannot keep the process from exiting (the standard
`ThreadPoolExecutor` joins its threads at exit).

`Turn` serialises callers of a library that is not safe to call concurrently (yfinance) without
letting an abandoned call keep everyone else waiting: the caller that gave up (a timeout, a
cancelled command) takes its turn back from the loop, even though the thread it started may
still be stuck in a socket read.
"""

from __future__ import annotations

import asyncio
import functools
import itertools
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future
from typing import Any, TypeVar

T = TypeVar("T")

#: Threads for blocking network calls. Yahoo fetches take turns (see `Turn`), so a few are
#: enough; the rest are room for calls a hanging network has not yet let go of.
NET_THREADS = 8


class DaemonPool(Executor):
    """A bounded thread pool of daemon threads, started on demand."""

    def __init__(self, max_workers: int, name: str) -> None:
        if max_workers < 1:
            raise ValueError("max_workers must be at least 1")
        self.max_workers = max_workers
        self.name = name
        self._queue: queue.SimpleQueue[tuple[Future[Any], Callable[[], Any]] | None] = (
            queue.SimpleQueue()
        )
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._idle = 0  # threads waiting for a job
        self._pending = 0  # jobs queued that no thread has taken yet
        self._shutdown = False
        self._ids = itertools.count(1)

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        future: Future[T] = Future()
        with self._lock:
            if self._shutdown:
                raise RuntimeError(f"{self.name}: cannot submit after shutdown")
            self._queue.put((future, functools.partial(fn, *args, **kwargs)))
            self._pending += 1
            if self._pending > self._idle and len(self._threads) < self.max_workers:
                thread = threading.Thread(
                    target=self._work, name=f"{self.name}-{next(self._ids)}", daemon=True
                )
                self._threads.append(thread)
                thread.start()
        return future

    def _work(self) -> None:
        while True:
            with self._lock:
                self._idle += 1
            item = self._queue.get()
            with self._lock:
                self._idle -= 1
                if item is not None:
                    self._pending -= 1
            if item is None:
                return
            future, job = item
            if future.set_running_or_notify_cancel():
                try:
                    result = job()
                except BaseException as exc:  # handed to the awaiting caller, not lost
                    future.set_exception(exc)
                else:
                    future.set_result(result)
            del item, future, job

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        with self._lock:
            self._shutdown = True
            threads = list(self._threads)
        if cancel_futures:
            while True:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is not None:
                    item[0].cancel()
        for _ in threads:
            self._queue.put(None)
        if wait:
            for thread in threads:
                thread.join()


_POOL: DaemonPool | None = None
_POOL_LOCK = threading.Lock()


def net_pool() -> DaemonPool:
    """The process's pool for blocking network calls (created on first use)."""
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            _POOL = DaemonPool(NET_THREADS, "riskon-net")
        return _POOL


async def run_blocking_io(fn: Callable[..., T], /, *args: Any) -> T:
    """`await` a blocking network call in the network pool, never in asyncio's default one."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(net_pool(), functools.partial(fn, *args))


class Ticket:
    """One caller's claim on a `Turn`; `abandoned` once the caller stopped waiting."""

    __slots__ = ("abandoned",)

    def __init__(self) -> None:
        self.abandoned = False


class Turn:
    """One holder at a time; a holder whose caller gave up loses its turn at once."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._holder: Ticket | None = None
        self._taken_back = False

    def acquire(self, ticket: Ticket) -> bool:
        """Wait (in a worker thread) for the turn; False if the caller gave up meanwhile."""
        with self._cond:
            while self._holder is not None and not ticket.abandoned:
                self._cond.wait()
            if ticket.abandoned:
                return False
            self._holder = ticket
            return True

    def release(self, ticket: Ticket) -> None:
        """End `ticket`'s turn; a no-op when it was already taken back by `abandon`."""
        with self._cond:
            if self._holder is ticket:
                self._holder = None
                self._cond.notify_all()

    def abandon(self, ticket: Ticket) -> None:
        """The caller stopped waiting (from any thread, usually the loop): free its turn."""
        with self._cond:
            ticket.abandoned = True
            if self._holder is ticket:
                self._holder = None
                self._taken_back = True
            self._cond.notify_all()

    def taken_back(self) -> bool:
        """True once after a turn was taken from a holder still running (call with the turn):
        whatever that holder locked inside the library may stay locked, so reset it."""
        with self._cond:
            taken, self._taken_back = self._taken_back, False
            return taken
