"""Where CPU-heavy answer building runs: a small pool of worker processes.

Threads keep blocking calls off the event loop, but not CPU work: pandas and matplotlib hold
the GIL for long stretches, and with a few render threads busy the loop thread waits its turn
(we measured 130-180 ms stalls with 20 concurrent commands on 2 cores). Worker processes have
their own GIL, so the loop only pickles inputs and outputs (a few ms for 40 years of bars).

One pool per process, created lazily and shared: a bot process only ever needs one, and tests
that start many bots pay the start-up once. Workers come from a fork server (where the platform
has one: Linux, macOS): a clean process started once, which imports and warms pandas,
matplotlib and the answer builders (`bot/compute_preload.py`), freezes them, and then forks
each worker. Workers share those pages copy-on-write, so each added worker costs its own
working memory only, not another ~100 MiB of libraries (measured in benchmarks/bench_bot.py;
the reasoning is in docs/architecture.md). The bot itself never forks: forking a process that
already runs threads (aiosqlite, the default executor) can copy held locks into the child.
Elsewhere (Windows) workers are spawned and each warms itself.

Workers never outlive the bot: each ignores SIGINT (Ctrl-C reaches the whole process group,
and the bot shuts its pool down itself) and watches the bot's pid from a thread (a pidfd on
Linux, polling elsewhere; `PR_SET_PDEATHSIG` too when spawned), so a bot killed with SIGKILL
leaves no orphans behind, and with the workers gone the fork server exits too.
"""

from __future__ import annotations

import atexit
import multiprocessing
import os
import signal
import sys
import threading
import time
from concurrent.futures import Executor, ProcessPoolExecutor

_lock = threading.Lock()
_pools: dict[int, ProcessPoolExecutor] = {}

#: How often a worker checks that the bot still lives (where there is no pidfd).
PARENT_POLL_SECONDS = 0.5
_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def import_answer_builders() -> None:
    """Import every answer builder (and through them analytics, charts, matplotlib).

    The service imports each one on first use, for the terminal's sake: a question there loads
    only its own. A long-lived process needs them all and should load them before it freezes
    its heap: a worker before it is forked, the bot before it serves. Otherwise the bot's first
    /after or alert check imports them on the event loop (held ~240 ms, benchmarks/
    bench_alerts.py), and everything imported stays in the collector's sight for good.
    """
    import importlib
    import pkgutil

    import bot.answers

    for module in pkgutil.iter_modules(bot.answers.__path__, "bot.answers."):
        importlib.import_module(module.name)


def warm_up() -> None:
    """Get a worker ready before the first request needs it.

    Imports the answer builders (pandas, matplotlib), draws one small chart so fonts and the
    text cache are loaded, then freezes what is loaded out of the garbage collector's sight,
    which otherwise adds 6-17 ms spikes to renders.
    """
    import gc

    import pandas as pd

    from bot.charts import ath_chart, event_chart, quote_chart

    import_answer_builders()

    days = pd.bdate_range("2024-01-01", periods=300)
    close = pd.Series(range(100, 400), index=days, dtype=float)
    quote_chart(close, title="warm-up", footer="")
    ath_chart(close, events=[days[100]], title="warm-up", footer="")
    paths = pd.DataFrame({"2024-01-01": [100.0] * 31}, index=range(31))
    event_chart(paths, band=None, horizon_returns={30: [0.1]}, base_returns={30: (0, 0.01, 0.02)},
                title="warm-up", footer="")
    gc.freeze()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def die_with_bot(bot: int) -> None:
    """Make this worker exit within moments of the bot's death, whatever killed it.

    The worker's parent is the fork server, not the bot, and the fork server lives as long as
    any worker holds its "alive" pipe, which every worker does: so the worker watches the bot
    itself. Linux: a pidfd becomes readable the instant the bot exits; elsewhere a thread polls
    the pid. With spawned workers (whose parent is the bot) `PR_SET_PDEATHSIG` signals at once
    too; its handler checks the bot really is gone, since the kernel also signals when merely
    the thread that started the worker ends.
    """
    def watch() -> None:
        pidfd = None
        if hasattr(os, "pidfd_open"):
            try:
                pidfd = os.pidfd_open(bot)
            except OSError:
                pidfd = None
        if pidfd is not None:
            import select

            select.select([pidfd], [], [])
        else:
            while _alive(bot):
                time.sleep(PARENT_POLL_SECONDS)
        os._exit(0)

    if sys.platform.startswith("linux") and os.getppid() == bot:
        try:
            import ctypes

            signal.signal(signal.SIGUSR1, lambda *_: None if _alive(bot) else os._exit(0))
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGUSR1), 0, 0, 0)
        except (OSError, AttributeError, ValueError):
            pass  # the thread below still covers it
    if not _alive(bot):  # the bot died before the watch was armed
        os._exit(0)
    threading.Thread(target=watch, name="riskon-bot-watch", daemon=True).start()


def return_freed_memory() -> None:
    """Make glibc give freed memory back instead of keeping it for the process (Linux).

    An answer allocates tens of MiB of arrays (40 years of bars, 10,000 bootstrap draws, a
    chart's canvas) and frees them. glibc's mmap threshold grows to the largest block freed,
    so after the first answer such arrays come from the heap, where freed space stays counted
    against the worker. A fixed threshold (which also stops that growth) keeps big arrays in
    mmap'd blocks that go back to the system the moment they are freed.
    """
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        libc = ctypes.CDLL(None)
        m_trim_threshold, m_mmap_threshold = -1, -3  # <malloc.h>
        libc.mallopt(m_mmap_threshold, 256 * 1024)
        libc.mallopt(m_trim_threshold, 1024 * 1024)
    except (OSError, AttributeError):
        pass  # not glibc: nothing to tune


def init_worker(bot: int) -> None:
    """A worker's first act: ignore Ctrl-C, tie its life to the bot's (pid `bot`), then warm
    up (a worker forked from the warm fork server already is)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    die_with_bot(bot)
    return_freed_memory()
    if "bot.compute_preload" not in sys.modules:
        warm_up()


def mp_context() -> multiprocessing.context.BaseContext:
    """A fork server that preloads the workers' modules where there is one, else spawn.

    `RISKON_WORKER_START=spawn` forces spawned workers: for the benchmark's before/after
    comparison and as an escape hatch, not a setting.
    """
    forced = os.environ.get("RISKON_WORKER_START", "")
    if forced != "spawn" and "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["bot.compute_preload"])
        return context
    return multiprocessing.get_context("spawn")


def start_pool(workers: int) -> Executor:
    """Create the pool and start all its processes; blocking, so call it in a thread.

    `ProcessPoolExecutor` starts a process inside `submit()` when none is idle, and starting
    one (fork + exec + pickling the preparation data) takes tens of milliseconds: done from the
    event loop on the first commands, that is a visible stall. Priming here moves it off the
    loop and out of the first users' way.
    """
    pool = process_pool(workers)
    for future in [pool.submit(_ready) for _ in range(workers)]:
        future.result()
    return pool


def _ready() -> int:
    """A priming task: keeps its worker busy for a moment, so every priming submit finds no
    idle worker and starts a new one (forked workers are ready in milliseconds; without the
    pause the first would take the others' tasks and the rest would start from the loop)."""
    time.sleep(0.5)
    return os.getpid()


def process_pool(workers: int) -> Executor:
    """The shared pool of `workers` processes (created on first use, shut down at exit)."""
    with _lock:
        pool = _pools.get(workers)
        if pool is None:
            pool = ProcessPoolExecutor(
                max_workers=workers,
                mp_context=mp_context(),
                initializer=init_worker,
                initargs=(os.getpid(),),
            )
            _pools[workers] = pool
            atexit.register(pool.shutdown, wait=True, cancel_futures=True)
        return pool


def worker_pids() -> list[int]:
    """The live worker processes of every pool (for shutdown checks and the benchmark)."""
    with _lock:
        pools = list(_pools.values())
    pids: list[int] = []
    for pool in pools:
        processes = getattr(pool, "_processes", None) or {}
        pids.extend(p.pid for p in processes.values() if p.is_alive() and p.pid is not None)
    return pids


def shutdown_pools(timeout: float = 3.0) -> None:
    """Stop every pool: queued work is cancelled, running work gets `timeout` seconds, then
    any worker still alive is terminated. Blocking: call it in a thread at shutdown."""
    with _lock:
        pools = list(_pools.values())
        _pools.clear()
    for pool in pools:
        processes = list((getattr(pool, "_processes", None) or {}).values())
        pool.shutdown(wait=False, cancel_futures=True)
        deadline = time.monotonic() + timeout
        for process in processes:
            process.join(max(0.0, deadline - time.monotonic()))
            if process.is_alive():
                process.terminate()
                process.join(1.0)
