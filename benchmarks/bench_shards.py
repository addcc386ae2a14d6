"""riskon past one process: PostgreSQL claims, sharded fan-out, the idle tick, a cold symbol.

Run: .venv/bin/python benchmarks/bench_shards.py [--pg postgresql://postgres@127.0.0.1:5432/test]

Needs a PostgreSQL server (default: `RISKON_TEST_POSTGRES_URL`, else the development machines'
local one); every figure runs in a schema of its own, dropped after. Printed in one run, each
beside the baseline it is compared with:

1. Posting-log claims per second (`postlog.claim`, 8 at a time as the poster does): SQLite vs
   PostgreSQL in one process, then 2 processes contending for the same keys on PostgreSQL
   (each key must still be won exactly once).
2. 1,000 servers due at once: time from launch to the last post, and the fan-out (first post to
   last), for 1 `python -m bot` process vs 2 with shard ranges, against the same Discord
   stand-in answering each post after 100 ms (a typical Discord latency).
3. The idle scheduler tick at 100,000 servers on PostgreSQL (target: under 100 ms of event-loop
   time), beside the same tick on SQLite (`bench_schedule.py`'s measurement).
4. A cold symbol asked by 4 processes at once: upstream calls with the cross-process fetch guard
   (must be 1) vs with the guard switched off.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, nullcontext
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"
CLAIMS = 3000


@asynccontextmanager
async def schema(pg: str, prefix: str) -> AsyncIterator[str]:
    """A fresh schema; yields a store URL using it, drops it after."""
    import asyncpg

    name = f"riskon_bench_{prefix}_{uuid.uuid4().hex[:10]}"
    conn = await asyncpg.connect(pg)
    try:
        await conn.execute(f'CREATE SCHEMA "{name}"')
    finally:
        await conn.close()
    try:
        yield f"{pg}{'&' if '?' in pg else '?'}search_path={name}"
    finally:
        conn = await asyncpg.connect(pg)
        try:
            await conn.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')
        finally:
            await conn.close()


# ---- 1. claims per second ----------------------------------------------------------------


async def claim_all(target: str, keys: range, owner: str, barrier: object = None
                    ) -> tuple[int, float]:
    """Claim every key, 8 at a time; (claims won, seconds). With a `barrier` (a
    multiprocessing one) every process opens its store first and then all begin together."""
    from bot.scheduling import postlog
    from bot.store import Store

    store = await Store(target).open()
    try:
        day = date(2024, 6, 11)
        limit = asyncio.Semaphore(8)
        now = datetime(2024, 6, 11, 8, tzinfo=UTC)

        async def one(i: int) -> bool:
            async with limit:
                return await postlog.claim(store, "brief", f"{i}:{day}", guild_id=i, day=day,
                                           now=now, owner=owner)

        if barrier is not None:
            await asyncio.to_thread(barrier.wait)  # type: ignore[attr-defined]
        began = time.perf_counter()
        won = await asyncio.gather(*(one(i) for i in keys))
        return sum(won), time.perf_counter() - began
    finally:
        await store.close()


def _claim_process(target: str, keys: range, owner: str, barrier: object, out: mp.Queue
                   ) -> None:
    out.put(asyncio.run(claim_all(target, keys, owner, barrier)))


async def two_processes(pg: str, prefix: str, keys: list[range]) -> tuple[list[int], float]:
    """Two processes claiming `keys[0]` and `keys[1]` from one moment: (won each, wall s)."""
    from bot.store import Store

    async with schema(pg, prefix) as url:
        await (await Store(url).open()).close()
        ctx = mp.get_context("spawn")
        out: mp.Queue = ctx.Queue()
        barrier = ctx.Barrier(2)
        procs = [ctx.Process(target=_claim_process, args=(url, k, f"bench:{i}:p", barrier, out))
                 for i, k in enumerate(keys)]
        for p in procs:
            p.start()
        results = [out.get(timeout=300) for _ in procs]
        for p in procs:
            p.join()
    return [w for w, _ in results], max(t for _, t in results)


async def claims(pg: str) -> None:
    print(f"\n1. Posting-log claims ({CLAIMS:,} keys, 8 in flight per process)")
    with tempfile.TemporaryDirectory(prefix="bench-shards-") as tmp:
        from bot.store import Store

        path = str(Path(tmp) / "claims.sqlite3")
        await (await Store(path).open()).close()  # migrate outside the timing
        won, took = await claim_all(path, range(CLAIMS), "bench:1:a")
    assert won == CLAIMS
    sqlite_rate = CLAIMS / took
    print(f"   SQLite, 1 process:                 {sqlite_rate:8,.0f} claims/s")
    async with schema(pg, "claims") as url:
        await (await Store(url).open()).close()
        won, took = await claim_all(url, range(CLAIMS), "bench:1:a")
    assert won == CLAIMS
    pg_rate = CLAIMS / took
    print(f"   PostgreSQL, 1 process:             {pg_rate:8,.0f} claims/s"
          f"   ({pg_rate / sqlite_rate:.2f}x SQLite)")
    half = CLAIMS // 2
    won, wall = await two_processes(pg, "split", [range(half), range(half, CLAIMS)])
    assert sum(won) == CLAIMS
    print(f"   PostgreSQL, 2 processes, own keys: {CLAIMS / wall:8,.0f} claims/s"
          f"   ({CLAIMS / wall / pg_rate:.2f}x 1 process; the sharded case)")
    won, wall = await two_processes(pg, "contend", [range(CLAIMS), range(CLAIMS)])
    print(f"   PostgreSQL, 2 processes contending for the same keys: "
          f"{2 * CLAIMS / wall:8,.0f} attempts/s, {sum(won) / wall:,.0f} won/s; keys won "
          f"{sum(won):,} of {CLAIMS:,} "
          f"({'each exactly once' if sum(won) == CLAIMS else 'DOUBLE CLAIMS'}), split "
          f"{' / '.join(f'{w:,}' for w in won)}")


# ---- 2. 1,000 servers due at once -------------------------------------------------------


async def fan_out(pg: str, prices: Path, ranges: list[str]) -> tuple[float, float]:
    """(launch to last post, first post to last post) for 1,000 due guilds."""
    from tests.test_shards_e2e import cluster

    with tempfile.TemporaryDirectory(prefix="bench-fanout-") as tmp:
        async with cluster(Path(tmp), prices) as c:
            c.standin.message_delay = 0.1
            await c.add_guilds(1000)
            launched = time.perf_counter()
            for i, shard_ids in enumerate(ranges):
                await c.start(f"p{i}", shard_ids)
            await c.until(lambda: c.posted(c.guilds) >= 1000, "1,000 posts", timeout=600)
            rows = await c.until_settled(timeout=120)
            assert sum(r["status"] == "sent" for r in rows) == 1000
            assert all(len(c.messages(g)) == 1 for g in c.guilds)
            posts = c.standin.requests_to("POST", "/channels/{channel_id}/messages")
            # `at` is when the post arrived; it is answered message_delay later.
            last = max(r.at for r in posts) + c.standin.message_delay
            return last - launched, last - min(r.at for r in posts)


async def fanouts(pg: str) -> None:
    from tests.market_fixtures import market_folder

    print("\n2. 1,000 servers due at once (python -m bot processes, stand-in answers each post "
          "after 100 ms, 8 posts in flight per process)")
    with tempfile.TemporaryDirectory(prefix="bench-prices-") as tmp:
        prices = Path(tmp)
        market_folder(prices)
        one = await fan_out(pg, prices, ["0-3"])
        two = await fan_out(pg, prices, ["0-1", "2-3"])
    print(f"   1 process  (shards 0-3):           launch to last post {one[0]:6.1f} s, "
          f"fan-out {one[1]:6.1f} s")
    print(f"   2 processes (0-1 and 2-3):         launch to last post {two[0]:6.1f} s, "
          f"fan-out {two[1]:6.1f} s")
    print(f"   ratio 1 process / 2 processes: fan-out {one[1] / two[1]:.2f}x, "
          f"launch to last post {one[0] / two[0]:.2f}x")


# ---- 3. the idle tick at 100,000 servers ------------------------------------------------


async def fill(target: str, guilds: list) -> int:
    """bench_schedule's store, in SQL both backends speak: 100,000 servers' settings, three
    past days of posting log for everyone and today's rows of everyone already posted."""
    from bench_schedule import TICK_START

    from bot.scheduling import schedule
    from bot.store import Store

    stamp = datetime(2024, 1, 1, tzinfo=UTC).isoformat()
    settings = [(g.guild_id, g.channel_id, g.post_time, g.timezone, int(g.weekdays_only), 1,
                 stamp) for g in guilds]
    keys = [(g.guild_id, TICK_START.date() - timedelta(days=d)) for g in guilds
            for d in (1, 2, 3)]
    keys += [(d.settings.guild_id, d.local_date) for d in schedule.due(guilds, TICK_START)]
    log_rows = list({f"{g}:{d}": ("brief", f"{g}:{d}", g, d.isoformat(), "sent", stamp, stamp, 1)
                     for g, d in keys}.values())
    store = await Store(target).open()  # migrated
    await store.close()
    if target.startswith("postgresql"):
        # COPY: row-by-row INSERTs of 400,000 rows take minutes on a busy machine.
        import asyncpg

        conn = await asyncpg.connect(target)
        try:
            await conn.copy_records_to_table(
                "guild_settings", records=settings,
                columns=["guild_id", "channel_id", "post_time", "timezone", "weekdays_only",
                         "brief_enabled", "updated_at"])
            await conn.copy_records_to_table(
                "posting_log", records=log_rows,
                columns=["kind", "key", "guild_id", "day", "status", "claimed_at", "done_at",
                         "message_id"])
            await conn.execute("ANALYZE")
        finally:
            await conn.close()
        return len(log_rows)
    store = await Store(target).open()
    try:
        async with store.transaction() as db:
            await db.executemany(
                "INSERT INTO guild_settings (guild_id, channel_id, post_time, timezone, "
                "weekdays_only, brief_enabled, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                settings)
            await db.executemany(
                "INSERT INTO posting_log (kind, key, guild_id, day, status, claimed_at, done_at, "
                "message_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", log_rows)
        return len(log_rows)
    finally:
        await store.close()


async def loop_cpu_ticks(target: str, ticks: int) -> list[float]:
    """The event loop's own CPU time in each of `ticks` idle ticks 30 s apart, from a fresh
    process state (the first tick loads settings and the posting log).

    CPU time of the loop's thread (`time.thread_time`), not wall time: work handed to threads
    is not counted, and neither is time the OS gave to other programs, so the figure holds on
    a busy machine where wall-clock stalls do not.
    """
    import gc

    from bench_schedule import TICK_START

    from bot.adapter.poster import BriefPoster
    from bot.config import BriefConfig
    from bot.scheduling import schedule
    from bot.settings import GuildSettingsRepo
    from bot.store import Store

    store = await Store(target).open()
    try:
        settings = GuildSettingsRepo(store, BriefConfig())
        poster = BriefPoster(SimpleNamespace(store=store, settings=settings, insights=None),
                             grace=schedule.DEFAULT_GRACE, concurrency=8)
        schedule.scheduled_instant.cache_clear()
        out = []
        for i in range(ticks):
            gc.collect()
            before = time.thread_time()
            outcomes = await poster.tick(TICK_START + timedelta(seconds=30 * i))
            out.append(time.thread_time() - before)
            assert outcomes == [], f"expected idle ticks, got {len(outcomes)} outcomes"
        return out
    finally:
        await store.close()


async def idle_tick(pg: str, ticks: int = 6) -> None:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from bench_schedule import GUILDS, loop_ticks, make_guilds

    from bot.adapter.poster import BriefPoster
    from bot.settings import GuildSettings

    guilds = [GuildSettings(g.guild_id + 1, g.channel_id + 1, g.post_time, g.timezone,
                            g.weekdays_only, True) for g in make_guilds(GUILDS)]
    print(f"\n3. The idle scheduler tick at {GUILDS:,} servers (largest event-loop stall per "
          "tick; the first tick loads settings and the posting log)")
    results, cpu = {}, {}
    with tempfile.TemporaryDirectory(prefix="bench-tick-") as tmp:
        path = str(Path(tmp) / "scale.sqlite3")
        rows = await fill(path, guilds)
        cpu["SQLite"] = await loop_cpu_ticks(path, ticks)
        results["SQLite"] = await loop_ticks(path, BriefPoster, ticks)  # type: ignore[arg-type]
    async with schema(pg, "tick") as url:
        await fill(url, guilds)
        cpu["PostgreSQL"] = await loop_cpu_ticks(url, ticks)
        results["PostgreSQL"] = await loop_ticks(url, BriefPoster, ticks)  # type: ignore[arg-type]
    print(f"   ({rows:,} posting_log rows; event-loop CPU time per tick, then the largest "
          "wall-clock stall, which on a busy machine includes time the OS gave others)")
    for name, figures in results.items():
        first, rest = figures[0], figures[1:]
        c_first, c_rest = cpu[name][0], cpu[name][1:]
        print(f"   {name:11s} first tick: loop CPU {c_first * 1e3:6.1f} ms, stall "
              f"{first[0] * 1e3:6.1f} ms, wall {first[1] * 1e3:6.0f} ms; later ticks: loop CPU "
              f"{max(c_rest) * 1e3:5.1f} ms, stall {max(f[0] for f in rest) * 1e3:5.1f} ms, "
              f"wall {statistics.median(f[1] for f in rest) * 1e3:5.0f} ms")
    worst = max(cpu["PostgreSQL"])
    base = max(cpu["SQLite"])
    print(f"   PostgreSQL worst event-loop time per tick {worst * 1e3:.1f} ms -> "
          f"{'PASS' if worst < 0.100 else 'MISS'} (< 100 ms); ratio PostgreSQL / SQLite "
          f"{worst / base:.2f}x")


# ---- 4. a cold symbol from 4 processes --------------------------------------------------


def _cold_process(url: str, guarded: bool, barrier: object, calls: mp.Value, out: mp.Queue
                  ) -> None:
    import numpy as np
    import pandas as pd

    from bot.market.data import MarketData
    from bot.store import Store

    class Upstream:
        """Yahoo as seen from one process: 300 ms per call, every call counted across
        processes."""

        name = "Upstream"

        async def daily(self, symbol: str, start: date | None = None) -> pd.DataFrame:
            with calls.get_lock():
                calls.value += 1
            await asyncio.sleep(0.3)
            index = pd.date_range("2023-01-02", periods=500, freq="B", name="Date")
            close = 100 + np.arange(500, dtype="float64")
            return pd.DataFrame({"Open": close, "High": close + 1, "Low": close - 1,
                                 "Close": close, "Volume": 1000.0}, index=index)

    async def run() -> int:
        store = await Store(url).open()
        if not guarded:
            store.fetch_guard = lambda key: nullcontext(False)  # type: ignore[method-assign]
        try:
            market = MarketData(store, Upstream())
            await asyncio.to_thread(barrier.wait)  # type: ignore[attr-defined]
            history = await market.daily("^COLD")
            return len(history.bars)
        finally:
            await store.close()

    out.put(asyncio.run(run()))


async def cold_symbol(pg: str) -> None:
    print("\n4. A cold symbol asked by 4 processes at once (upstream takes 300 ms)")
    figures = {}
    for guarded in (False, True):
        async with schema(pg, "cold") as url:
            from bot.store import Store

            await (await Store(url).open()).close()
            ctx = mp.get_context("spawn")
            calls, out = ctx.Value("i", 0), ctx.Queue()
            barrier = ctx.Barrier(4)
            procs = [ctx.Process(target=_cold_process, args=(url, guarded, barrier, calls, out))
                     for _ in range(4)]
            for p in procs:
                p.start()
            lengths = [out.get(timeout=300) for _ in procs]
            for p in procs:
                p.join()
            assert lengths == [500] * 4, lengths
            figures[guarded] = calls.value
    print(f"   without the guard (baseline): {figures[False]} upstream calls")
    print(f"   with the fetch guard:         {figures[True]} upstream call(s) -> "
          f"{'PASS' if figures[True] == 1 else 'MISS'} (must be 1); "
          f"ratio {figures[False] / figures[True]:.0f}x fewer")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg", default=os.environ.get("RISKON_TEST_POSTGRES_URL") or DEFAULT_PG)
    parser.add_argument("--only", choices=["claims", "fanouts", "idle_tick", "cold_symbol"],
                        help="run one part only")
    args = parser.parse_args()
    # The stand-in cluster of tests/test_shards_e2e.py reads the server from this variable.
    os.environ["RISKON_TEST_POSTGRES_URL"] = args.pg
    print(f"riskon bench_shards: PostgreSQL {args.pg.split('@')[-1]}, "
          f"{os.cpu_count()} CPU(s), Python {sys.version.split()[0]}")
    steps: list[Callable[[str], object]] = [claims, fanouts, idle_tick, cold_symbol]
    for step in steps:
        if args.only and step.__name__ != args.only:  # type: ignore[attr-defined]
            continue
        asyncio.run(step(args.pg))  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
