"""What a server member waits for, and what the event loop suffers, with the real bot.

Run: .venv/bin/python benchmarks/bench_bot.py  [--alone 30] [--burst 20] [--rounds 3]

The real `RiskonBot` talks to the local Discord stand-in (tests/discord_standin.py) over HTTP and
a websocket on 127.0.0.1; prices are CSV files (the shared market-data folder when present,
otherwise the synthetic market of tests/market_fixtures.py). Caches are warmed first, since a bot
that has been up for a minute answers from memory.

Measured, per compute mode:

* latency: INTERACTION_CREATE leaving the stand-in (`ix.created_at`) to the public followup
  arriving back (`Followup.latency`), p50/p95/p99, for `/ath` and `/after`, one at a time and
  `--burst` at once (several rounds);
* the longest event-loop stall over all of that (a 5 ms sleeper woken late, as in
  tests/bot_harness.LoopLag). The stand-in shares the loop, so its own work (parsing the PNG
  uploads) is inside the figure: a ceiling on the bot's stall, not a floor;
* peak RSS of this process (bot + stand-in) and of each worker process (VmHWM from /proc:
  RUSAGE_CHILDREN only counts children that have exited, and the pool outlives the run);
* memory as a host sees it: the real `python -m bot` process (not this one, which also runs the
  stand-in) after a few answers, PSS summed over it and every process below it (fork server,
  workers) from /proc/<pid>/smaps_rollup. PSS divides shared pages among the processes sharing
  them, so the sum is what the bot really costs; RSS would count shared libraries once per
  process. Measured for the default config and for one more worker than the default, whose
  difference is the cost of each added worker.

Modes: the bot's default (`[compute] processes` = one worker process per CPU, at most 2)
and the baseline `processes = 0` (answers computed on threads in the bot's own process),
run one after the other in this process so the ratio compares like with like.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.bot_harness import GENERAL, GUILD, TOKEN, LoopLag, add_guilds, riskon, write_config  # noqa: E402
from tests.discord_standin import DiscordStandin  # noqa: E402
from tests.market_fixtures import market_folder  # noqa: E402

COMMANDS = {
    "ath": {"symbol": "^RUT"},
    "after": {"trigger": "^RUT", "target": "BTC-USD"},
}
TARGET_ALONE_P95 = 0.300
TARGET_BURST_P95 = 1.5
TARGET_STALL = 0.100
TARGET_PSS_MIB = 300.0
TARGET_PSS_PER_WORKER_MIB = 60.0


# ---- shared with bench_brief.py ---------------------------------------------------------------


def shared_market_data() -> Path | None:
    """The team's real price files, if this checkout sits next to them."""
    for candidate in (ROOT.parent / "shared" / "market-data", Path("/work/shared/market-data")):
        if (candidate / "^RUT.csv").is_file() and (candidate / "BTC-USD.csv").is_file():
            return candidate
    return None


def price_folder(tmp: Path) -> tuple[Path, str]:
    """A price folder and a one-line description of it."""
    shared = shared_market_data()
    if shared is not None:
        return shared, f"shared market data ({shared})"
    folder = tmp / "prices"
    market_folder(folder)
    return folder, "synthetic market (tests/market_fixtures.py)"


def _status_kb(pid: int | str, key: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def descendants(pid: int | None = None) -> list[int]:
    """Every live process below `pid` (default: this one), found by walking /proc's ppids."""
    root = os.getpid() if pid is None else pid
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        parents.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [root]
    while todo:
        for child in parents.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def reset_peak_rss() -> bool:
    """Zero this process's VmHWM (Linux: write 5 to clear_refs) so a phase gets its own peak."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


@dataclass
class Rss:
    main_mb: float
    workers_mb: list[float] = field(default_factory=list)

    @property
    def total_mb(self) -> float:
        return self.main_mb + sum(self.workers_mb)

    def __str__(self) -> str:
        if not self.workers_mb:
            return f"{self.main_mb:.0f} MB (one process)"
        each = " + ".join(f"{w:.0f}" for w in self.workers_mb)
        return (f"{self.total_mb:.0f} MB = {self.main_mb:.0f} MB bot+stand-in + "
                f"{each} MB in {len(self.workers_mb)} worker process(es)")


def peak_rss(workers: bool = True) -> Rss:
    """Peak resident memory (VmHWM) of this process and, optionally, of its live children."""
    main = _status_kb("self", "VmHWM") / 1024
    kids = [_status_kb(p, "VmHWM") / 1024 for p in descendants()] if workers else []
    return Rss(main, [k for k in kids if k > 0])


def pct(samples: list[float], q: float) -> float:
    """Nearest-rank percentile: with 30 samples p95 is the 29th, p99 the 30th (the worst)."""
    ordered = sorted(samples)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:7.0f} ms"


def pss_kib(pid: int) -> int:
    """Proportional set size of one process (Linux /proc/<pid>/smaps_rollup), 0 if unknown."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def process_name(pid: int, bot: int) -> str:
    """What a process below the bot is: the fork server is the bot's child whose command line
    says so; the workers are the fork server's children (or, spawned, the bot's)."""
    try:
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        ppid = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return "?"
    if pid == bot:
        return "bot"
    if "resource_tracker" in cmd:
        return "tracker"
    if ppid == bot and "forkserver" in cmd:
        return "fork server"
    return "worker"


@dataclass
class Pss:
    label: str
    workers: int
    parts: list[tuple[str, float]]  # (process kind, MiB)

    @property
    def total(self) -> float:
        return sum(mib for _, mib in self.parts)

    def __str__(self) -> str:
        each = " + ".join(f"{name} {mib:.0f}" for name, mib in self.parts)
        return f"{self.total:.0f} MiB PSS ({self.workers} workers) = {each}"


async def measure_pss(tmp: Path, prices: Path, processes: int | None, label: str,
                      start: str = "") -> Pss:
    """The real bot process after a few answers: PSS summed over it and its descendants.
    `start="spawn"` runs it with spawned workers (RISKON_WORKER_START), the way before the
    fork server, for the before/after figures."""
    async with DiscordStandin(token=TOKEN) as standin:
        add_guilds(standin)
        extra = f"[compute]\nprocesses = {processes}\n" if processes is not None else ""
        config = write_config(tmp / f"pss-{label}.toml", standin,
                              store=tmp / f"pss-{label}.sqlite3", prices=prices, extra=extra)
        config.write_text(config.read_text().replace("cooldown_uses = 3", "cooldown_uses = 100"))
        env = {**os.environ, "RISKON_CONFIG": str(config), "PYTHONPATH": str(ROOT),
               "RISKON_WORKER_START": start}
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", cwd=tmp, env=env,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
        )
        try:
            await standin.wait_identified(timeout=180)
            await standin.wait_for(lambda: bool(standin.guild_commands.get(GUILD)), 120,
                                   "commands synced")
            for name in COMMANDS:
                for _ in range(3):
                    await ask(standin, name)
            await burst(standin, "after", 8)  # every worker has answered something
            await asyncio.sleep(0.5)
            pids = [proc.pid, *descendants(proc.pid)]
            parts = [(process_name(pid, proc.pid), pss_kib(pid) / 1024) for pid in pids]
        finally:
            proc.terminate()
            await proc.wait()
    workers = sum(1 for name, _ in parts if name == "worker")
    return Pss(label, workers, [p for p in parts if p[1] > 0])


# ---- the measurement --------------------------------------------------------------------------

_users = itertools.count(10_000)
# The bot keeps its recent answers for the buttons under them (views.Expiries.answers): the same
# /after asked twice is served from there. Each /after here asks a study not asked before (its
# own min_gap), so every one is computed and rendered; prices stay warm, as in a live server.
_gaps = itertools.count(21)


def options(name: str) -> dict[str, object]:
    if name == "after":
        return {**COMMANDS["after"], "min_gap": next(_gaps)}
    return COMMANDS[name]


async def ask(standin: DiscordStandin, name: str) -> float:
    """One slash command by a fresh user (cooldowns are per user); its followup latency."""
    ix = await standin.send_slash(
        name, options(name), guild_id=GUILD, channel_id=GENERAL, user_id=next(_users)
    )
    followup = await ix.wait_followup(120)
    if not followup.accepted or followup.ephemeral or not followup.files:
        raise RuntimeError(f"/{name} did not answer with a public chart: {followup.payload}")
    return followup.latency


async def burst(standin: DiscordStandin, name: str, n: int) -> list[float]:
    sent = []
    for _ in range(n):
        sent.append(await standin.send_slash(
            name, options(name), guild_id=GUILD, channel_id=GENERAL, user_id=next(_users)
        ))
        await asyncio.sleep(0)  # as between gateway frames: let the bot run between them
    followups = await asyncio.gather(*(ix.wait_followup(120) for ix in sent))
    if not all(f.accepted and not f.ephemeral and f.files for f in followups):
        raise RuntimeError(f"/{name}: not every burst answer was a public chart")
    return [f.latency for f in followups]


@dataclass
class ModeResult:
    label: str
    alone: dict[str, list[float]]
    burst: dict[str, list[float]]
    stall: float
    rss: Rss


async def run_mode(
    label: str, tmp: Path, prices: Path, processes: int | None, args: argparse.Namespace
) -> ModeResult:
    async with DiscordStandin(token=TOKEN) as standin:
        add_guilds(standin)
        config = write_config(
            tmp / f"{label}.toml", standin, store=tmp / f"{label}.sqlite3", prices=prices
        )
        config.write_text(config.read_text().replace("cooldown_uses = 3", "cooldown_uses = 100"))
        if processes is not None:
            config.write_text(config.read_text() + f"\n[compute]\nprocesses = {processes}\n")
        reset_peak_rss()
        async with riskon(standin, config) as bot:
            workers = bot.config.compute.processes
            print(f"\n== {label}: [compute] processes = {workers} "
                  f"({'threads in the bot process' if not workers else 'worker processes'})")
            for name in COMMANDS:  # warm: prices in memory, first render done
                await ask(standin, name)
                await ask(standin, name)
            alone: dict[str, list[float]] = {n: [] for n in COMMANDS}
            bursts: dict[str, list[float]] = {n: [] for n in COMMANDS}
            async with LoopLag() as lag:
                for name in COMMANDS:
                    for _ in range(args.alone):
                        alone[name].append(await ask(standin, name))
                for _ in range(args.rounds):
                    for name in COMMANDS:
                        bursts[name] += await burst(standin, name, args.burst)
                        await asyncio.sleep(0.05)
            rss = peak_rss(workers=bool(workers))
    result = ModeResult(label, alone, bursts, lag.worst, rss)
    report(result, args)
    return result


def report(r: ModeResult, args: argparse.Namespace) -> None:
    print(f"{'':28}{'p50':>10}{'p95':>10}{'p99':>10}{'max':>10}")
    for kind, table in (("alone", r.alone),
                        (f"{args.burst} at once", r.burst)):
        for name, samples in table.items():
            row = f"/{name} {kind} (n={len(samples)})"
            print(f"{row:28}" + "".join(
                f"{ms(v):>10}" for v in (pct(samples, 50), pct(samples, 95), pct(samples, 99),
                                        max(samples))
            ))
    print(f"largest event-loop stall: {r.stall * 1000:.1f} ms")
    print(f"peak RSS: {r.rss}")


def verdict(r: ModeResult, args: argparse.Namespace) -> None:
    checks = [
        (f"/after p95 alone < {TARGET_ALONE_P95 * 1000:.0f} ms",
         pct(r.alone["after"], 95), TARGET_ALONE_P95),
        (f"/after p95 with {args.burst} at once < {TARGET_BURST_P95:.1f} s",
         pct(r.burst["after"], 95), TARGET_BURST_P95),
        (f"no event-loop stall over {TARGET_STALL * 1000:.0f} ms", r.stall, TARGET_STALL),
    ]
    print(f"\n== targets ({r.label})")
    for text, value, limit in checks:
        print(f"  {'PASS' if value < limit else 'MISS'}  {text}: {value * 1000:.0f} ms")


def compare(main: ModeResult, base: ModeResult) -> None:
    print(f"\n== {main.label} vs baseline {base.label} (baseline / {main.label}; > 1 means "
          f"{main.label} is better)")
    for kind in ("alone", "burst"):
        for name in COMMANDS:
            a = getattr(main, kind)[name]
            b = getattr(base, kind)[name]
            print(f"  /{name:5} {kind:5}  p50 {pct(b, 50) / pct(a, 50):5.2f}x   "
                  f"p95 {pct(b, 95) / pct(a, 95):5.2f}x   "
                  f"({ms(pct(b, 95)).strip()} vs {ms(pct(a, 95)).strip()})")
    print(f"  largest stall: {base.stall * 1000:.1f} ms vs {main.stall * 1000:.1f} ms "
          f"({base.stall / max(main.stall, 1e-6):.2f}x)")
    print(f"  peak RSS: {base.rss.total_mb:.0f} MB vs {main.rss.total_mb:.0f} MB")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alone", type=int, default=30, help="sequential commands per kind")
    parser.add_argument("--burst", type=int, default=20, help="commands sent at once")
    parser.add_argument("--rounds", type=int, default=3, help="bursts per command kind")
    parser.add_argument("--memory-only", action="store_true",
                        help="only the PSS measurement of the real process")
    args = parser.parse_args()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-bot-") as tmp_name:
        tmp = Path(tmp_name)
        prices, described = price_folder(tmp)
        print(f"riskon bot benchmark: {os.cpu_count()} CPU(s), prices from {described}")
        before = await measure_pss(tmp, prices, None, "spawned", start="spawn")
        default = await measure_pss(tmp, prices, None, "default")
        more = await measure_pss(tmp, prices, default.workers + 1, "plus-one")
        print(f"\n== memory of the real process after a few answers\n"
              f"  default, spawned workers (before): {before}\n"
              f"  default, fork server (now): {default}\n  +1 worker: {more}\n"
              f"  before / now: {before.total / default.total:.2f}x")
        per_worker = more.total - default.total
        print(f"  {'PASS' if default.total < TARGET_PSS_MIB else 'MISS'}  default config under "
              f"{TARGET_PSS_MIB:.0f} MiB PSS: {default.total:.0f} MiB")
        print(f"  {'PASS' if per_worker < TARGET_PSS_PER_WORKER_MIB else 'MISS'}  each added "
              f"worker under {TARGET_PSS_PER_WORKER_MIB:.0f} MiB: {per_worker:.0f} MiB")
        if args.memory_only:
            return
        pool = await run_mode("processes", tmp, prices, None, args)
        threads = await run_mode("threads", tmp, prices, 0, args)
    verdict(pool, args)
    compare(pool, threads)
    print(f"\n(median /after alone: {statistics.median(pool.alone['after']) * 1000:.0f} ms; "
          f"run took {time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    asyncio.run(main())
