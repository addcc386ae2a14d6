"""Alerts at scale: 1,000 servers, 10,000 alerts over 300 distinct (signal, target) pairs.

Run: .venv/bin/python benchmarks/bench_alerts.py  [--servers 1000] [--alerts 10000] [--pairs 300]

The real bot against the local Discord stand-in, on a manual clock, with the synthetic market of
`tests/market_fixtures.py` (^RUT, ^GSPC, ^VIX on exchange sessions to 2015-07-31, BTC-USD). Every
server has `alerts / servers` channels and one alert per channel, so each channel must receive
exactly one post. The 300 pairs are 75 signals on ^RUT (25 `close > L` with L above every
earlier close, 25 `change 1 > p%`, 25 `ath gap g`) times 4 targets; all fire on the new session.

1. A first check with nothing new (prices cached, every pair evaluated once).
2. A new final session (2015-08-03, a record close 8% above the old peak) is appended to the
   ^RUT, ^GSPC and ^VIX files; one check at 16:20 New York evaluates all 300 pairs, renders one
   study per pair and posts to every channel. Printed: evaluation time, renders, posts, time to
   the last post, the largest event-loop stall, peak memory (this process, which also hosts the
   stand-in, plus the worker processes).
3. An idle check (nothing new) at 10,000 alerts: its event-loop time (CPU time of the loop's
   thread during the check), against the 50 ms target.

The ratio line compares the new-session check's evaluation with the idle check's, both in this
run: what skipping unchanged pairs saves.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from bench_bot import peak_rss, reset_peak_rss  # noqa: E402

from bot.scheduling import alerts as alerts_mod  # noqa: E402
from tests.bot_harness import (  # noqa: E402
    TOKEN,
    LoopLag,
    ManualClock,
    add_guilds,
    riskon,
    write_config,
)
from tests.discord_standin import DiscordStandin, text_channel  # noqa: E402
from tests.market_fixtures import _ohlcv, market_folder, write_yahoo_csv  # noqa: E402

FIRST_GUILD = 6_000_000_000_000_000_000
NEW_SESSION = pd.Timestamp("2015-08-03")
BEFORE = datetime(2015, 8, 3, 12, 0, tzinfo=UTC)
AFTER = datetime(2015, 8, 3, 20, 20, tzinfo=UTC)  # 16:20 New York (EDT)
TARGETS = ("^RUT", "BTC-USD", "^GSPC", "^VIX")


def signals(count: int, old_max: float, top: float) -> list[str]:
    """`count` distinct signals on ^RUT that all fire on a new close of `top` (above every
    earlier close `old_max`), each with few events in the history, as real alerts have."""
    per = -(-count // 3)
    out = [f"^RUT close > {level:.2f}" for level in np.linspace(old_max * 1.001, top * 0.99, per)]
    out += [f"^RUT change 1 > {p:.2f}%" for p in np.linspace(1, 20, per)]
    out += [f"^RUT ath gap {g}" for g in range(40, 40 + per)]
    return out[:count]


def publish(prices: Path, frames: dict[str, pd.DataFrame]) -> None:
    for symbol in ("^RUT", "^GSPC", "^VIX"):
        frame = frames[symbol]
        top = float(frame["Close"].max()) * 1.08
        row = _ohlcv(pd.DatetimeIndex([NEW_SESSION]), np.array([top]), volume=1e9)
        write_yahoo_csv(prices, symbol, pd.concat([frame, row]))


async def run(servers: int, alert_count: int, pair_count: int, tmp: Path) -> None:
    prices = tmp / "prices"
    frames = market_folder(prices)
    rut = frames["^RUT"]["Close"]
    per_target = -(-pair_count // len(TARGETS))
    sigs = signals(per_target, float(rut.max()), float(rut.max()) * 1.08)
    pairs = [(s, t) for s in sigs for t in TARGETS][:pair_count]
    per_server = -(-alert_count // servers)
    print(f"== {servers:,} servers, {alert_count:,} alerts over {len(pairs)} distinct "
          f"(signal, target) pairs, {per_server} channel(s) per server")
    async with DiscordStandin(token=TOKEN) as standin:
        add_guilds(standin)  # the dev guild commands sync to
        channels = []
        for i in range(servers):
            guild = FIRST_GUILD + 100 * i
            chans = [guild + 1 + c for c in range(per_server)]
            specs = [text_channel(c, f"alerts-{n}") for n, c in enumerate(chans)]
            standin.add_guild(guild, name=f"s{i}", channels=specs)
            channels += [(guild, c) for c in chans]
        channels = channels[:alert_count]
        config = write_config(tmp / "bench.toml", standin, store=tmp / "bench.sqlite3",
                              prices=prices, extra="[alerts]\nenabled = false\n")
        clock = ManualClock(BEFORE)
        started = time.perf_counter()
        async with riskon(standin, config, clock=clock) as bot:
            print(f"bot ready with {len(bot.guilds):,} guilds in "
                  f"{time.perf_counter() - started:.1f} s")
            created = BEFORE.isoformat(timespec="microseconds")
            rows = [(g, c, None, pairs[i % len(pairs)][0], pairs[i % len(pairs)][1], 1, created,
                     "2015-07-31") for i, (g, c) in enumerate(channels)]
            async with bot.store.transaction() as db:
                await db.executemany(
                    "INSERT INTO alerts (guild_id, channel_id, role_id, signal, target, "
                    "created_by, created_at, since_session) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
            poster = bot.get_cog("Alerts").poster
            for symbol in TARGETS:
                await bot.services.market.daily(symbol)
            t0 = time.perf_counter()
            assert await poster.check(BEFORE) == []
            print(f"first check (nothing new, every pair evaluated once): "
                  f"{(time.perf_counter() - t0) * 1000:.0f} ms")

            publish(prices, frames)
            evaluated: list[float] = []
            real = alerts_mod._evaluate

            def timed_evaluate(jobs, now):
                t = time.perf_counter()
                try:
                    return real(jobs, now)
                finally:
                    evaluated.append(time.perf_counter() - t)

            alerts_mod._evaluate = timed_evaluate
            renders_before = poster.renders
            pauses: list[float] = []
            started_gc: list[float] = []

            def gc_timer(phase: str, info: dict) -> None:
                if phase == "start":
                    started_gc.append(time.perf_counter())
                elif started_gc:
                    pauses.append(time.perf_counter() - started_gc.pop())

            gc.callbacks.append(gc_timer)
            reset_peak_rss()
            try:
                async with LoopLag() as lag:
                    t0 = time.perf_counter()
                    outcomes = await poster.check(AFTER)
                    elapsed = time.perf_counter() - t0
            finally:
                alerts_mod._evaluate = real
                gc.callbacks.remove(gc_timer)
            rss = peak_rss()
            posted = [r for r in standin.requests_to("POST", "/channels/{channel_id}/messages")
                      if r.status == 200]
            last = max(r.at for r in posted) - t0 if posted else float("nan")
            sent = sum(1 for o in outcomes if o[2] == "sent")
            once = all(len(standin.channel_messages.get(c, [])) == 1 for _, c in channels)
            renders = poster.renders - renders_before
            print(f"evaluation of {len(pairs)} signals: {evaluated[0] * 1000:.0f} ms "
                  f"(beside the loop)")
            print(f"renders: {renders} (one per distinct pair that fired: {len(pairs)}) -> "
                  f"{'PASS' if renders == len(pairs) else 'MISS'}")
            print(f"posts: {sent:,} sent of {len(channels):,}; every channel exactly once: {once}")
            print(f"time to last post: {last:.1f} s (check returned after {elapsed:.1f} s, "
                  f"{sent / last:.0f} posts/s)")
            print(f"largest event-loop stall: {lag.worst * 1000:.0f} ms (target < 100 ms) -> "
                  f"{'PASS' if lag.worst < 0.1 else 'MISS'}")
            print(f"peak memory: {rss}")
            print(f"garbage collections during the check: {len(pauses)}, longest "
                  f"{max(pauses, default=0) * 1000:.0f} ms (a stall of the loop's thread too)")

            idle = []
            for minute in (35, 50, 65):
                clock.set(AFTER.replace(minute=0) + pd.Timedelta(minutes=minute))
                cpu = time.thread_time()
                wall = time.perf_counter()
                assert await poster.check() == []
                idle.append((time.thread_time() - cpu, time.perf_counter() - wall))
            loop_ms = max(c for c, _ in idle) * 1000
            print(f"idle check at {len(channels):,} alerts: event-loop time {loop_ms:.1f} ms "
                  f"(worst of 3; wall {max(w for _, w in idle) * 1000:.0f} ms) -> "
                  f"{'PASS' if loop_ms < 50 else 'MISS'} (target < 50 ms)")
            print(f"ratio: evaluating {len(pairs)} pairs on a new session takes "
                  f"{evaluated[0] * 1000 / max(loop_ms, 0.1):.0f}x an idle check's loop time")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--servers", type=int, default=1_000)
    parser.add_argument("--alerts", type=int, default=10_000)
    parser.add_argument("--pairs", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-alerts-") as tmp_name:
        await run(args.servers, args.alerts, args.pairs, Path(tmp_name))


if __name__ == "__main__":
    asyncio.run(main())
