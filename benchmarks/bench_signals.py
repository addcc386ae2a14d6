"""Benchmark signals: parse + evaluate a 3-clause signal over ^GSPC's whole history, then the
4-horizon event study with its 10,000-draw bootstrap, against a row-by-row pandas loop.

Run: .venv/bin/python benchmarks/bench_signals.py

Target: the fast path under 10 ms, at least 30x faster than the loop, and both give the same
events (the script exits non-zero if they differ). Times are CPU time of this process
(process_time): the machine is shared, and wall time would also count the neighbours. The study
keeps its bootstrap draw (per seed) and its base rates (per target) for the next study, so it is
timed both ways: cold (both forgotten before every run, as in the first study of a target in a
process; the ratio uses this) and warm (kept from the previous run). Uses
../shared/market-data/^GSPC.csv when present (24,777 sessions from 1927), else a seeded random
walk of the same length. The loop is
written the way one would first write the definitions of issue 10: one session at a time, a
window slice per SMA, Wilder's recurrence step by step, the gap rule by hand.
"""

from __future__ import annotations

import math
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.analytics import DEFAULT_HORIZONS, event_study  # noqa: E402
from bot.analytics.events import clear_study_caches  # noqa: E402
from bot.analytics.signals import parse_signal, signal_events  # noqa: E402

TEXT = "^GSPC close > sma 200 and ^GSPC rsi 14 < 35 and ^GSPC drawdown >= 5%"
SESSIONS, BUDGET_MS, RATIO = 24_777, 10.0, 30.0
# ../shared/market-data seen from the main checkout (/work/main) or from a worktree under it
DATA = next(
    (p / "shared" / "market-data" / "^GSPC.csv" for p in ROOT.parents
     if (p / "shared" / "market-data" / "^GSPC.csv").is_file()),
    ROOT.parent / "shared" / "market-data" / "^GSPC.csv",
)  # fmt: skip


def load_close() -> tuple[pd.Series, str]:
    if DATA.is_file():
        frame = pd.read_csv(DATA, index_col="Date", parse_dates=True)
        return frame["Close"].astype(float).dropna(), f"{DATA} ({len(frame):,} sessions)"
    rng = np.random.default_rng(0)
    values = 17.66 * np.exp(np.cumsum(rng.normal(0.0003, 0.011, SESSIONS)))
    index = pd.bdate_range("1927-12-30", periods=SESSIONS)
    return pd.Series(values, index=index), f"a seeded random walk ({SESSIONS:,} sessions)"


def fast(close: pd.Series):
    signal = parse_signal(TEXT)
    events = signal_events(signal, {"^GSPC": close})
    return events, event_study(close, close, events, DEFAULT_HORIZONS)


def slow_events(close: pd.Series) -> pd.DatetimeIndex:
    """The same definition, one session at a time."""
    n_sma, n_rsi, gap = 200, 14, 63
    avg_gain = avg_loss = math.nan
    record = -math.inf
    held_at: list[int] = []
    for i in range(len(close)):
        c = close.iloc[i]
        record = max(record, c)
        sma = close.iloc[i - n_sma + 1 : i + 1].mean() if i >= n_sma - 1 else math.nan
        if i >= 1:
            d = c - close.iloc[i - 1]
            gain, loss = max(d, 0.0), max(-d, 0.0)
            if i == n_rsi:
                changes = close.iloc[: n_rsi + 1].diff().iloc[1:]
                avg_gain = changes.clip(lower=0).mean()
                avg_loss = (-changes).clip(lower=0).mean()
            elif i > n_rsi:
                avg_gain = (avg_gain * (n_rsi - 1) + gain) / n_rsi
                avg_loss = (avg_loss * (n_rsi - 1) + loss) / n_rsi
        rsi = math.nan
        if i >= n_rsi:
            rsi = 100.0 if avg_loss == 0 else 100 - 100 / (1 + avg_gain / avg_loss)
        drawdown = (record - c) * 100.0 / record
        if c > sma and rsi < 35 and drawdown >= 5:
            held_at.append(i)
    events = []
    previous = None
    for i in held_at:
        if i > 0 and (previous is None or i - previous >= gap):
            events.append(close.index[i])
        previous = i
    return pd.DatetimeIndex(events)


def timed(fn, *args, repeat: int) -> tuple[float, object]:
    """Median wall time of `repeat` runs, and the last result."""
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn(*args)
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def cpu_time(fn, *args, repeat: int, cold: bool = False) -> float:
    """Median CPU time of this process: on a shared machine, wall time also counts the
    neighbours' turns on the cores, CPU time only ours. `cold` forgets the kept bootstrap draw
    and base rates before each run (outside the timed part)."""
    times = []
    for _ in range(repeat):
        if cold:
            clear_study_caches()
        t0 = time.process_time()
        fn(*args)
        times.append(time.process_time() - t0)
    return statistics.median(times)


def main() -> int:
    close, source = load_close()
    fast(close)  # warm-up: imports, pandas caches
    t_fast, (events, study) = timed(fast, close, repeat=30)
    c_cold = cpu_time(fast, close, repeat=30, cold=True)
    c_warm = cpu_time(fast, close, repeat=30)
    c0 = time.process_time()
    loop_events = slow_events(close)
    loop_study = event_study(close, close, loop_events, DEFAULT_HORIZONS)
    c_slow = time.process_time() - c0
    same = events.equals(loop_events) and loop_study == study
    print(f"data: {source}")
    print(f"signal: {TEXT}  ->  {len(events)} events, study over {len(study.horizons)} horizons")
    met = "met" if c_cold < BUDGET_MS / 1e3 else "MISSED"
    print(f"fast (parse + evaluate + study), CPU: cold {c_cold * 1e3:.2f} ms, "
          f"warm {c_warm * 1e3:.2f} ms  (target < {BUDGET_MS:.0f} ms, {met} cold); "
          f"wall, warm {t_fast * 1e3:.2f} ms")  # fmt: skip
    signal = parse_signal(TEXT)
    parts = {
        "parse": cpu_time(parse_signal, TEXT, repeat=30),
        "evaluate": cpu_time(signal_events, signal, {"^GSPC": close}, repeat=30),
        "study cold": cpu_time(event_study, close, close, events, DEFAULT_HORIZONS, repeat=30,
                               cold=True),
        "study warm": cpu_time(event_study, close, close, events, DEFAULT_HORIZONS, repeat=30),
    }  # fmt: skip
    print("  of which (CPU): " + ", ".join(f"{k} {v * 1e3:.2f} ms" for k, v in parts.items()))
    print(f"row-by-row loop + the same study, CPU: {c_slow * 1e3:.0f} ms")
    ratio = c_slow / c_cold
    print(f"ratio (CPU, against the cold fast path): {ratio:.0f}x  (target >= {RATIO:.0f}x)")
    print(f"same events (and the same study): {same}")
    if not same:
        print("MISMATCH: the loop and the vectorized signal disagree", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
