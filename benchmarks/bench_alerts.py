"""Alerts at scale: 1,000 servers, 10,000 alerts over 300 distinct (signal, target) pairs.

Run: .venv/bin/python benchmarks/bench_alerts.py  [--servers 1000] [--alerts 10000] [--pairs 300]
     [--standin-here]

The real bot against the local Discord stand-in, on a manual clock, with the synthetic market of
`tests/market_fixtures.py` (^RUT, ^GSPC, ^VIX on exchange sessions to 2015-07-31, BTC-USD). Every
server has `alerts / servers` channels and one alert per channel, so each channel must receive
exactly one post. The 300 pairs are 75 signals on ^RUT (25 `close > L` with L above every
earlier close, 25 `change 1 > p%`, 25 `ath gap g`) times 4 targets; all fire on the new session.

The stand-in runs in a process of its own (`standin_process.py`), as Discord does: in the bot's
process its records of 10,000 posts (about 30 tracked objects each) were most of what the bot's
garbage collector walked, and the collections they caused were the "largest stall" (up to
0.3 s quiet, 1.5 s under load). `--standin-here` runs it in this process, to compare.

1. A first check with nothing new (prices cached, every pair evaluated once).
2. A new final session (2015-08-03, a record close 8% above the old peak) is appended to the
   ^RUT, ^GSPC and ^VIX files; one check at 16:20 New York evaluates all 300 pairs, renders one
   study per pair and posts to every channel. Printed: evaluation time, renders, posts, time to
   the last post, the largest event-loop stall and the garbage collections that overlapped it,
   peak memory (bot, stand-in and worker processes, summed).
3. An idle check (nothing new) at 10,000 alerts: its event-loop time (CPU time of the loop's
   thread during the check), against the 50 ms target.

The ratio line compares the new-session check's evaluation with the idle check's, both in this
run: what skipping unchanged pairs saves.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import gc
import os
import sys
import tempfile
import threading
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from bench_bot import _status_kb, descendants, peak_rss, reset_peak_rss  # noqa: E402
from standin_process import CHANNEL_POSTS, StandinProcess  # noqa: E402

from bot.scheduling import alerts as alerts_mod  # noqa: E402
from tests.bot_harness import (  # noqa: E402
    GENERAL,
    GUILD,
    TOKEN,
    LoopLag,
    ManualClock,
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


class InProcessStandin:
    """The stand-in in this process, behind `StandinProcess`'s interface (`--standin-here`)."""

    def __init__(self, token: str) -> None:
        self.standin = DiscordStandin(token=token)
        self.pid = os.getpid()

    @property
    def api_base(self) -> str:
        return self.standin.api_base

    @property
    def gateway_url(self) -> str:
        return self.standin.gateway_url

    async def __aenter__(self) -> InProcessStandin:
        await self.standin.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.standin.stop()

    async def add_guilds(self, guilds: list[tuple[int, str, list[tuple[int, str]]]]) -> None:
        for guild_id, name, channels in guilds:
            self.standin.add_guild(guild_id, name=name,
                                   channels=[text_channel(c, n) for c, n in channels])

    async def channel_posts(self) -> tuple[list[float], dict[int, int]]:
        posts = [r for r in self.standin.requests_to("POST", CHANNEL_POSTS) if r.status == 200]
        per_channel = {c: len(m) for c, m in self.standin.channel_messages.items()}
        return [r.at for r in posts], per_channel


class StallWatch(LoopLag):
    """`LoopLag` that also says what the loop's thread did during its worst stall: every
    garbage collection (generation, start, duration), and the main thread's stack sampled by
    a watchdog thread whenever the loop has not come round for `SAMPLE_AFTER`."""

    SAMPLE_AFTER = 0.05

    def __init__(self) -> None:
        super().__init__()
        self.window = (0.0, 0.0)
        self.worst_cpu = 0.0  # CPU time the loop's thread used in the worst stall's window
        self.collections: list[tuple[int, float, float]] = []
        self.samples: list[tuple[float, str]] = []  # (when, innermost frames of the loop thread)
        self._gc_start = 0.0
        self._beat = time.perf_counter()
        self._main = threading.get_ident()
        self._stop = threading.Event()
        self._watchdog = threading.Thread(target=self._watch, name="stall-watchdog", daemon=True)

    def _gc(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._gc_start = time.perf_counter()
        else:
            self.collections.append((info["generation"], self._gc_start,
                                     time.perf_counter() - self._gc_start))

    def _watch(self) -> None:
        while not self._stop.wait(0.005):
            if time.perf_counter() - self._beat > self.SAMPLE_AFTER:
                frame = sys._current_frames().get(self._main)
                if frame is not None:
                    stack = traceback.extract_stack(frame)[-6:]
                    self.samples.append((time.perf_counter(), " < ".join(
                        f"{Path(f.filename).name}:{f.lineno} {f.name}" for f in reversed(stack))))

    async def _run(self) -> None:
        while True:
            start = self._beat = time.perf_counter()
            cpu = time.thread_time()
            await asyncio.sleep(self.interval)
            lag = time.perf_counter() - start - self.interval
            if lag > self.worst:
                self.worst, self.window = lag, (start, time.perf_counter())
                self.worst_cpu = time.thread_time() - cpu

    async def __aenter__(self) -> StallWatch:
        gc.callbacks.append(self._gc)
        self._watchdog.start()
        await super().__aenter__()
        return self

    async def __aexit__(self, *exc: object) -> None:
        gc.callbacks.remove(self._gc)
        self._stop.set()
        self._watchdog.join()
        await super().__aexit__(*exc)

    def in_worst(self) -> float:
        """Seconds of garbage collection inside the worst stall's window."""
        lo, hi = self.window
        return sum(max(0.0, min(at + d, hi) - max(at, lo)) for _, at, d in self.collections)

    def worst_stacks(self) -> list[tuple[int, str]]:
        """The loop thread's stacks sampled during the worst stall, most frequent first."""
        lo, hi = self.window
        return collections.Counter(
            stack for at, stack in self.samples if lo <= at <= hi).most_common(3)

    def summary(self) -> str:
        full = [d for g, _, d in self.collections if g == 2]
        return (f"{len(self.collections)} (generation 2: {len(full)}, longest "
                f"{max(full, default=0) * 1000:.0f} ms; any: longest "
                f"{max((d for *_, d in self.collections), default=0) * 1000:.0f} ms)")


def peak_of(pid: int) -> float:
    """Peak resident memory (VmHWM) of a process, MB."""
    return _status_kb(pid, "VmHWM") / 1024


def reset_peak_of(pid: int) -> None:
    with contextlib.suppress(OSError):
        Path(f"/proc/{pid}/clear_refs").write_text("5")


async def run(servers: int, alert_count: int, pair_count: int, tmp: Path, here: bool) -> None:
    prices = tmp / "prices"
    frames = market_folder(prices)
    rut = frames["^RUT"]["Close"]
    per_target = -(-pair_count // len(TARGETS))
    sigs = signals(per_target, float(rut.max()), float(rut.max()) * 1.08)
    pairs = [(s, t) for s in sigs for t in TARGETS][:pair_count]
    per_server = -(-alert_count // servers)
    where = "in this process" if here else "in its own process"
    print(f"== {servers:,} servers, {alert_count:,} alerts over {len(pairs)} distinct "
          f"(signal, target) pairs, {per_server} channel(s) per server; stand-in {where}")
    async with (InProcessStandin if here else StandinProcess)(TOKEN) as standin:
        channels, guilds = [], [(GUILD, "Traders", [(GENERAL, "general")])]  # the dev guild
        for i in range(servers):
            guild = FIRST_GUILD + 100 * i
            chans = [guild + 1 + c for c in range(per_server)]
            guilds.append((guild, f"s{i}", [(c, f"alerts-{n}") for n, c in enumerate(chans)]))
            channels += [(guild, c) for c in chans]
        await standin.add_guilds(guilds)
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
            reset_peak_rss()
            if not here:
                reset_peak_of(standin.pid)
            try:
                async with StallWatch() as lag:
                    t0 = time.perf_counter()
                    outcomes = await poster.check(AFTER)
                    elapsed = time.perf_counter() - t0
            finally:
                alerts_mod._evaluate = real
            rss = peak_rss()
            standin_mb = 0.0 if here else peak_of(standin.pid)
            workers = [mb for pid in descendants() if pid != standin.pid
                       and (mb := peak_of(pid)) > 0]
            at, per_channel = await standin.channel_posts()
            last = max(at) - t0 if at else float("nan")
            sent = sum(1 for o in outcomes if o[2] == "sent")
            once = all(per_channel.get(c, 0) == 1 for _, c in channels)
            renders = poster.renders - renders_before
            print(f"evaluation of {len(pairs)} signals: {evaluated[0] * 1000:.0f} ms "
                  f"(beside the loop)")
            print(f"renders: {renders} (one per distinct pair that fired: {len(pairs)}) -> "
                  f"{'PASS' if renders == len(pairs) else 'MISS'}")
            print(f"posts: {sent:,} sent of {len(channels):,}; every channel exactly once: {once}")
            print(f"time to last post: {last:.1f} s (check returned after {elapsed:.1f} s, "
                  f"{sent / last:.0f} posts/s)")
            print(f"largest event-loop stall: {lag.worst * 1000:.0f} ms (target < 100 ms) -> "
                  f"{'PASS' if lag.worst < 0.1 else 'MISS'}; in it the loop's thread ran "
                  f"{lag.worst_cpu * 1000:.0f} ms (garbage collection: "
                  f"{lag.in_worst() * 1000:.0f} ms)")
            for stack, count in lag.worst_stacks():
                print(f"  loop thread during it ({count} sample(s) past "
                      f"{lag.SAMPLE_AFTER * 1000:.0f} ms): {stack}")
            parts = [f"{rss.main_mb:.0f} MB bot" + ("+stand-in" if here else "")]
            if not here:
                parts.append(f"{standin_mb:.0f} MB stand-in process")
            parts += [" + ".join(f"{w:.0f}" for w in workers)
                      + f" MB in {len(workers)} worker process(es)"] if workers else []
            total = rss.main_mb + standin_mb + sum(workers)
            print(f"peak memory: {total:.0f} MB = {' + '.join(parts)}")
            print(f"garbage collections during the check: {lag.summary()}")

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
    parser.add_argument("--standin-here", action="store_true",
                        help="run the Discord stand-in in the bot's process (the old way)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-alerts-") as tmp_name:
        await run(args.servers, args.alerts, args.pairs, Path(tmp_name), args.standin_here)


if __name__ == "__main__":
    asyncio.run(main())
