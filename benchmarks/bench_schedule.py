"""Cost of one scheduler tick, `schedule.due()`, at 100,000 configured guilds.

Run: .venv/bin/python benchmarks/bench_schedule.py

Guilds spread over 40 zones x 96 quarter-hour post times x weekdays_only on/off (7,680 distinct
schedules), the variety a large deployment would see. Figures, each the median of several runs:

* grouped `due()`, cold: the first tick after start (or after the instant cache was cleared);
* grouped `due()`, warm: every later tick, 30 s apart, which is the steady state;
* grouped `due()` with `exclude=` holding today's already-settled keys, as the posting loop
  calls it;
* naive: a per-guild loop calling `next_run` for each guild, with the instant cache switched
  off, i.e. zoneinfo arithmetic per guild, the design `due()` replaces; and, for an
  apples-to-apples figure, `due([g])` per guild (same output, no grouping, no cache).

Then the whole `BriefPoster.tick()` on the event loop against a SQLite store holding 100,000
servers' settings and ~360,000 posting-log rows: each tick's largest event-loop stall (target:
under 50 ms, the first tick included, which loads the settings and the settled keys) and its
wall time, for riskon and for a baseline poster that loads the settled keys the old way (all
days in one query as (guild, date) tuples, filtered on the loop). Both share the settings
load, which builds its objects off the loop with the collector paused.
"""

from __future__ import annotations

import asyncio
import gc
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.adapter.poster import BriefPoster
from bot.config import BriefConfig
from bot.scheduling import postlog, schedule
from bot.settings import GuildSettings, GuildSettingsRepo
from bot.store import Store
from tests.bot_harness import LoopLag

GUILDS = 100_000
ZONES = [
    "UTC", "Europe/London", "Europe/Dublin", "Europe/Lisbon", "Europe/Paris", "Europe/Berlin",
    "Europe/Madrid", "Europe/Rome", "Europe/Warsaw", "Europe/Helsinki", "Europe/Istanbul",
    "Europe/Moscow", "Africa/Cairo", "Africa/Johannesburg", "Africa/Lagos", "Asia/Dubai",
    "Asia/Tehran", "Asia/Karachi", "Asia/Kolkata", "Asia/Kathmandu", "Asia/Bangkok",
    "Asia/Singapore", "Asia/Shanghai", "Asia/Tokyo", "Asia/Seoul", "Australia/Perth",
    "Australia/Adelaide", "Australia/Sydney", "Australia/Lord_Howe", "Pacific/Auckland",
    "Pacific/Chatham", "Pacific/Honolulu", "America/Anchorage", "America/Los_Angeles",
    "America/Denver", "America/Chicago", "America/New_York", "America/Halifax",
    "America/St_Johns", "America/Sao_Paulo",
]
TIMES = [f"{h:02d}:{m:02d}" for h in range(24) for m in (0, 15, 30, 45)]


def make_guilds(n: int, seed: int = 7) -> list[GuildSettings]:
    rng = random.Random(seed)
    return [
        GuildSettings(guild_id=i, channel_id=i * 10, post_time=rng.choice(TIMES),
                      timezone=rng.choice(ZONES), weekdays_only=rng.random() < 0.6,
                      brief_enabled=True)
        for i in range(n)
    ]


def timed(fn: Callable[[], object], runs: int, before: Callable[[], None] = lambda: None) -> float:
    samples = []
    for _ in range(runs):
        before()
        gc.collect()  # start each run from the same heap, so one run's garbage is not billed next
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    guilds = make_guilds(GUILDS)
    groups = len({(g.timezone, g.post_time, g.weekdays_only) for g in guilds})
    start = datetime(2024, 11, 4, 14, 7, 13, tzinfo=UTC)  # a Monday, a day after US fall-back
    ticks = iter(start + timedelta(seconds=30 * i) for i in range(10_000))

    cold = timed(lambda: schedule.due(guilds, next(ticks)), 5,
                 before=schedule.scheduled_instant.cache_clear)
    schedule.due(guilds, start)
    warm = timed(lambda: schedule.due(guilds, next(ticks)), 15)
    now = next(ticks)
    settled = {(d.settings.guild_id, d.local_date) for d in schedule.due(guilds, now)}
    steady = timed(lambda: schedule.due(guilds, next(ticks), exclude=settled), 15)
    returned = len(schedule.due(guilds, now))

    cached = schedule.scheduled_instant
    schedule.scheduled_instant = cached.__wrapped__  # type: ignore[assignment]
    try:
        naive = timed(lambda: [schedule.next_run(g, now) for g in guilds], 3)
        per_guild_due = timed(lambda: [d for g in guilds for d in schedule.due([g], now)], 3)
    finally:
        schedule.scheduled_instant = cached  # type: ignore[assignment]

    print(f"{GUILDS:,} guilds, {groups:,} distinct (zone, time, weekdays_only) groups, "
          f"Python {sys.version.split()[0]}")
    print(f"due() grouped, cold cache (first tick):   {cold * 1e3:8.1f} ms")
    print(f"due() grouped, warm (every later tick):   {warm * 1e3:8.1f} ms"
          f"   ({returned:,} Due rows returned)")
    print(f"due() grouped, warm, exclude=settled:     {steady * 1e3:8.1f} ms")
    print(f"naive: next_run per guild, no cache:      {naive * 1e3:8.1f} ms")
    print(f"naive: due([g]) per guild, no cache:      {per_guild_due * 1e3:8.1f} ms"
          "   (same output as grouped due())")
    print(f"ratio naive next_run loop / grouped due(), cold:   {naive / cold:6.1f}x")
    print(f"ratio naive next_run loop / grouped due(), warm:   {naive / warm:6.1f}x")
    print(f"ratio naive next_run loop / grouped due(), warm + exclude:   {naive / steady:6.1f}x")
    print(f"ratio per-guild due() / grouped due(), warm:   {per_guild_due / warm:6.1f}x")


# --------------------------------------------------------------------------------------------
# The whole tick on the event loop: settings, settled keys from the posting log, due().


class _OneShotPoster(BriefPoster):
    """The baseline: the settled keys of all four days read in one query and filtered on the
    loop, as the poster did before (issue 8: a 600-1,150 ms first tick at 100,000 servers)."""

    async def _settled_for(self, days: set) -> Any:
        missing = days - self._old_days
        if missing:
            self._old |= await postlog.settled_days(self.bot.store, "brief", missing)
            self._old = {key for key in self._old if key[1] in days}
            self._old_days = set(days)
        return self._old


async def loop_ticks(store_path: Path, poster_cls: type, ticks: int) -> list[tuple[float, float]]:
    """(largest loop stall, wall time) of each of `ticks` ticks 30 s apart, on a fresh process
    state: the first tick loads the settings and the posting log."""
    store = await Store(store_path).open()
    try:
        settings = GuildSettingsRepo(store, BriefConfig())
        poster = poster_cls(SimpleNamespace(store=store, settings=settings, insights=None),
                            grace=schedule.DEFAULT_GRACE, concurrency=8)
        poster._old, poster._old_days = set(), set()
        schedule.scheduled_instant.cache_clear()
        out = []
        for i in range(ticks):
            now = TICK_START + timedelta(seconds=30 * i)
            gc.collect()
            async with LoopLag(0.002) as lag:
                start = time.perf_counter()
                outcomes = await poster.tick(now)
                wall = time.perf_counter() - start
                await asyncio.sleep(0.01)
            assert outcomes == [], f"expected idle ticks, got {len(outcomes)} outcomes"
            out.append((lag.worst, wall))
        return out
    finally:
        await store.close()


async def fill_store(path: Path, guilds: list[GuildSettings]) -> int:
    store = await Store(path).open()
    try:
        stamp = datetime(2024, 1, 1, tzinfo=UTC).isoformat()
        async with store.transaction() as db:
            await db.executemany(
                "INSERT INTO guild_settings (guild_id, channel_id, post_time, timezone, "
                "weekdays_only, brief_enabled, updated_at) VALUES (?, ?, ?, ?, ?, 1, ?)",
                [(g.guild_id, g.channel_id, g.post_time, g.timezone, int(g.weekdays_only), stamp)
                 for g in guilds])
        # As a long-running bot has it: three past days for everyone, and today's row for
        # everyone whose run has already come.
        rows = [(g.guild_id, TICK_START.date() - timedelta(days=d)) for g in guilds
                for d in (1, 2, 3)]
        rows += [(d.settings.guild_id, d.local_date) for d in schedule.due(guilds, TICK_START)]
        async with store.transaction() as db:
            await db.executemany(
                "INSERT OR IGNORE INTO posting_log (kind, key, guild_id, day, status, "
                "claimed_at, done_at, message_id) VALUES ('brief', ?, ?, ?, 'sent', ?, ?, 1)",
                [(f"{g}:{d}", g, d.isoformat(), stamp, stamp) for g, d in rows])
        row = await store.fetchone("SELECT count(*) FROM posting_log")
        return int(row[0]) if row else 0
    finally:
        await store.close()


#: Wednesday 12:07:10 UTC: nobody posts at :07, so every tick is idle and measures the loop.
TICK_START = datetime(2024, 6, 12, 12, 7, 10, tzinfo=UTC)


async def whole_tick(ticks: int = 6) -> None:
    guilds = [GuildSettings(g.guild_id + 1, g.channel_id + 1, g.post_time, g.timezone,
                            g.weekdays_only, True) for g in make_guilds(GUILDS)]
    with tempfile.TemporaryDirectory(prefix="bench-schedule-") as tmp:
        path = Path(tmp) / "scale.sqlite3"
        rows = await fill_store(path, guilds)
        print(f"\nposter.tick() on the event loop: {GUILDS:,} servers, {rows:,} posting_log rows,"
              f" SQLite; each tick's largest loop stall (target < 50 ms) and wall time")
        base = await loop_ticks(path, _OneShotPoster, ticks)
        ours = await loop_ticks(path, BriefPoster, ticks)
    for name, figures in (("baseline (one-shot load)", base), ("riskon", ours)):
        first, rest = figures[0], figures[1:]
        print(f"  {name:26s} first tick: stall {first[0] * 1e3:6.1f} ms, wall "
              f"{first[1] * 1e3:6.0f} ms; later ticks: worst stall "
              f"{max(f[0] for f in rest) * 1e3:6.1f} ms, median wall "
              f"{statistics.median(f[1] for f in rest) * 1e3:6.0f} ms")
    worst = max(f[0] for f in ours)
    print(f"  ratio baseline / riskon, first-tick stall: {base[0][0] / ours[0][0]:6.1f}x; "
          f"worst stall over all ticks {worst * 1e3:.1f} ms -> "
          f"{'PASS' if worst < 0.050 else 'MISS'} (< 50 ms)")


if __name__ == "__main__":
    main()
    asyncio.run(whole_tick())
