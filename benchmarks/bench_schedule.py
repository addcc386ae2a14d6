"""Cost of one scheduler tick, `schedule.due()`, at 100,000 configured guilds.

Run: /tmp/v/bin/python benchmarks/bench_schedule.py

Guilds spread over 40 zones x 96 quarter-hour post times x weekdays_only on/off (7,680 distinct
schedules), the variety a large deployment would see. Figures, each the median of several runs:

* grouped `due()`, cold: the first tick after start (or after the instant cache was cleared);
* grouped `due()`, warm: every later tick, 30 s apart, which is the steady state;
* grouped `due()` with `exclude=` holding today's already-settled keys, as the posting loop
  calls it;
* naive: a per-guild loop calling `next_run` for each guild, with the instant cache switched
  off, i.e. zoneinfo arithmetic per guild, the design `due()` replaces; and, for an
  apples-to-apples figure, `due([g])` per guild (same output, no grouping, no cache).
"""

from __future__ import annotations

import gc
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.scheduling import schedule
from bot.settings import GuildSettings

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


if __name__ == "__main__":
    main()
