"""Where CPU-heavy answer building runs: a small pool of worker processes.

Threads keep blocking calls off the event loop, but not CPU work: pandas and matplotlib hold
the GIL for long stretches, and with a few render threads busy the loop thread waits its turn
(we measured 130-180 ms stalls with 20 concurrent commands on 2 cores). Worker processes have
their own GIL, so the loop only pickles inputs and outputs (a few ms for 40 years of bars).

One pool per process, created lazily and shared: a bot process only ever needs one, and tests
that start many bots pay the start-up (a fresh interpreter importing pandas and matplotlib)
once. 'spawn' is used because forking a process that already runs threads (aiosqlite, the
default executor) can copy held locks into the child.
"""

from __future__ import annotations

import atexit
import multiprocessing
import threading
from concurrent.futures import Executor, ProcessPoolExecutor

_lock = threading.Lock()
_pools: dict[int, ProcessPoolExecutor] = {}


def warm_up() -> None:
    """Get a worker ready before the first request needs it.

    Imports the answer builders (pandas, matplotlib), draws one small chart so fonts and the
    text cache are loaded, then freezes what is loaded out of the garbage collector's sight,
    which otherwise adds 6-17 ms spikes to renders.
    """
    import gc

    import pandas as pd

    import bot.insights  # noqa: F401
    from bot.charts import ath_chart, event_chart, quote_chart

    days = pd.bdate_range("2024-01-01", periods=300)
    close = pd.Series(range(100, 400), index=days, dtype=float)
    quote_chart(close, title="warm-up", footer="")
    ath_chart(close, events=[days[100]], title="warm-up", footer="")
    paths = pd.DataFrame({"2024-01-01": [100.0] * 31}, index=range(31))
    event_chart(paths, band=None, horizon_returns={30: [0.1]}, base_returns={30: (0, 0.01, 0.02)},
                title="warm-up", footer="")
    gc.freeze()


def start_pool(workers: int) -> Executor:
    """Create the pool and start all its processes; blocking, so call it in a thread.

    `ProcessPoolExecutor` starts a process inside `submit()` when none is idle, and starting
    one (fork + exec + pickling the preparation data) takes tens of milliseconds: done from the
    event loop on the first commands, that is a visible stall. Priming here moves it off the
    loop and out of the first users' way.
    """
    pool = process_pool(workers)
    for future in [pool.submit(warm_up) for _ in range(workers)]:
        future.result()
    return pool


def process_pool(workers: int) -> Executor:
    """The shared pool of `workers` processes (created on first use, shut down at exit)."""
    with _lock:
        pool = _pools.get(workers)
        if pool is None:
            pool = ProcessPoolExecutor(
                max_workers=workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=warm_up,
            )
            _pools[workers] = pool
            atexit.register(pool.shutdown, wait=True, cancel_futures=True)
        return pool
