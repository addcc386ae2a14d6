"""Benchmark the `/after` computation against a row-by-row pandas version of the same numbers.

Run: /tmp/v/bin/python benchmarks/bench_analytics.py

The fast path (fresh ATH events, four horizons, base rate, a 10,000-draw bootstrap) must stay
under 5 ms so an answer never waits on arithmetic. The slow path below is written the way one
would first write it (a loop per row, `.loc` per date, `np.median` per bootstrap sample) and is
the check that the vectorized shortcuts compute the very same numbers. Runs on seeded random
walks always, and also on real ^RUT / BTC-USD history when ../shared/market-data is present.
Exits non-zero only if the two disagree; the budget is reported, since wall time on a shared
machine says as much about the neighbours as about the code.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.analytics import DEFAULT_HORIZONS, event_study, fresh_ath_events  # noqa: E402
from bot.analytics.events import clear_study_caches  # noqa: E402

N_BOOT, SEED, MIN_GAP, BUDGET_MS = 10_000, 0, 63, 5.0
STAT_FIELDS = (
    "n", "mean", "median", "hit_rate", "best", "worst", "base_n", "base_mean", "base_median",
    "base_hit_rate", "base_q25", "base_q75", "diff_median", "diff_hit_rate", "p_random_as_good",
)  # fmt: skip


def fast_after(trigger: pd.Series, target: pd.Series):
    return event_study(trigger, target, fresh_ath_events(trigger, MIN_GAP), DEFAULT_HORIZONS,
                       n_boot=N_BOOT, seed=SEED)  # fmt: skip


def fast_numbers(study) -> list[float]:
    out: list[float] = []
    for h in study.horizons:
        s = study.stats[h]
        out += [np.nan if getattr(s, f) is None else float(getattr(s, f)) for f in STAT_FIELDS]
        for e in study.episodes:
            for table in (e.returns, e.max_gain, e.max_drawdown):
                out.append(np.nan if table[h] is None else table[h])
    return out


def slow_after(trigger: pd.Series, target: pd.Series) -> list[float]:
    """Row-by-row: the definitions in DESIGN.md spelled out one date at a time."""
    events, best, best_i = [], trigger.iloc[0], 0
    for i in range(1, len(trigger)):
        if trigger.iloc[i] > best:
            if i - best_i >= MIN_GAP:
                events.append(trigger.index[i])
            best, best_i = trigger.iloc[i], i
    events = [d for d in events if d >= target.index[0]]
    last = target.index[-1]
    span = target.loc[max(trigger.index[0], target.index[0]) : min(trigger.index[-1], last)]
    u = np.random.default_rng(SEED).random((len(events), N_BOOT))

    def asof(d):
        return target.loc[:d].iloc[-1]

    out: list[float] = []
    for h in DEFAULT_HORIZONS:
        dh = pd.Timedelta(days=h)
        rows = []
        for d in events:
            entry_date = target.loc[:d].index[-1]
            entry = target[entry_date]
            if d + dh > last:
                rows.append((np.nan, np.nan, np.nan))
                continue
            window = target[(target.index > entry_date) & (target.index <= d + dh)] / entry - 1
            r = asof(d + dh) / entry - 1
            rows.append(
                (r, window.max() if len(window) else 0.0, window.min() if len(window) else 0.0)
            )
        r = np.array([x[0] for x in rows if not np.isnan(x[0])])
        base = np.array([asof(t + dh) / c - 1 for t, c in span.items() if t + dh <= last])
        n, bn = len(r), len(base)
        ev = [r.mean(), np.median(r), (r > 0).mean(), r.max(), r.min()] if n else [np.nan] * 5
        bs = ([base.mean(), np.median(base), (base > 0).mean(), *np.quantile(base, [0.25, 0.75])]
              if bn else [np.nan] * 5)  # fmt: skip
        p = np.nan
        if n and bn:
            sb = np.sort(base)
            meds = []
            for k in range(N_BOOT):
                idx = np.minimum((u[:n, k] * bn).astype(np.int64), bn - 1)
                meds.append(np.median(sb[idx]))
            p = float(np.mean(np.array(meds) >= np.median(r)))
        diffs = [ev[1] - bs[1], ev[2] - bs[2]] if n and bn else [np.nan, np.nan]
        out += [n, *ev, bn, *bs[:3], bs[3], bs[4], *diffs, p]
        for row in rows:
            out += list(row)
    return out


def timings(fn, repeat: int, cold: bool = False) -> tuple[float, float, float]:
    """(median wall ms, best wall ms, median CPU ms): CPU time shows the work itself when other
    processes share the machine and stretch the wall clock. `cold` forgets the bootstrap draw
    and base rates a study keeps for the next one, before each run, so the run costs what a
    first study of a target does."""
    fn()  # warm-up
    wall, cpu = [], []
    for _ in range(repeat):
        if cold:
            clear_study_caches()
        w0, c0 = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - w0)
        cpu.append(time.process_time() - c0)
    return statistics.median(wall) * 1e3, min(wall) * 1e3, statistics.median(cpu) * 1e3


def run(label: str, trigger: pd.Series, target: pd.Series) -> bool:
    study = fast_after(trigger, target)
    fast, best, cpu = timings(lambda: fast_after(trigger, target), repeat=300, cold=True)
    warm = timings(lambda: fast_after(trigger, target), repeat=300)
    slow = timings(lambda: slow_after(trigger, target), repeat=3)[0]
    a, b = np.array(fast_numbers(study)), np.array(slow_after(trigger, target))
    agree = a.shape == b.shape and np.allclose(a, b, rtol=1e-9, atol=1e-12, equal_nan=True)
    print(f"\n{label}")
    print(f"  trigger {len(trigger):,} rows from {trigger.index[0].date()}, target "
          f"{len(target):,} rows from {target.index[0].date()}")  # fmt: skip
    print(f"  events measured: {len(study.episodes)} (+{study.events_before_target} before "
          f"target), horizons {study.horizons}, bootstrap {N_BOOT:,}")  # fmt: skip
    verdict = "within" if fast < BUDGET_MS else "OVER"
    print(f"  vectorized : {fast:8.2f} ms median wall of 300 ({verdict} the {BUDGET_MS:.0f} ms "
          f"budget); best {best:.2f} ms; median CPU {cpu:.2f} ms; cold: nothing "
          f"kept")  # fmt: skip
    print(f"  warm       : {warm[0]:8.2f} ms median wall, CPU {warm[2]:.2f} ms: draw and base "
          f"rates kept from the previous study")  # fmt: skip
    print(f"  row-by-row : {slow:8.1f} ms median wall of 3")
    print(f"  speed-up   : {slow / fast:8.0f}x")
    print(f"  agree      : {agree} ({a.size} numbers, np.allclose rtol=1e-9)")
    for h in study.horizons:
        s = study.stats[h]
        med = "    n/a" if s.median is None else f"{s.median:+7.1%}"
        print(f"    {h:>3}d  n={s.n:<3} median {med}  base {s.base_median:+7.1%} "
              f"(n={s.base_n:,})  p={s.p_random_as_good}")  # fmt: skip
    return agree


def synthetic() -> tuple[pd.Series, pd.Series]:
    """A cycling uptrend for the trigger (a plain random walk sets records in clumps, leaving
    only a handful of spaced events in the target's era), a plain random walk for the target."""
    rng = np.random.default_rng(42)
    x_idx = pd.bdate_range("1985-01-01", "2024-12-31")
    y_idx = pd.date_range("2013-01-01", "2024-12-31", freq="D")
    t = np.arange(len(x_idx))
    cycle = 0.08 * np.sin(2 * np.pi * t / 200)
    lx = 0.0003 * t + cycle + np.cumsum(rng.normal(0, 0.003, len(t))) + rng.normal(0, 0.01, len(t))
    y = 100 * np.exp(np.cumsum(rng.normal(0.001, 0.035, len(y_idx))))
    return pd.Series(100 * np.exp(lx), index=x_idx), pd.Series(y, index=y_idx)


def real() -> tuple[pd.Series, pd.Series] | None:
    for folder in (Path("/work/shared/market-data"), ROOT.parent / "shared" / "market-data"):
        rut, btc = folder / "^RUT.csv", folder / "BTC-USD.csv"
        if rut.exists() and btc.exists():

            def load(p: Path) -> pd.Series:
                return pd.read_csv(p, index_col="Date", parse_dates=True)["Close"].dropna()

            return load(rut), load(btc)
    return None


def main() -> int:
    load, cpus = os.getloadavg()[0], os.cpu_count() or 1
    print(f"load average {load:.2f} on {cpus} CPU(s); wall times stretch when load > CPUs")
    ok = run("synthetic: 40y business-day trigger, 12y daily target", *synthetic())
    data = real()
    if data is None:
        print("\nreal data: ../shared/market-data not found, skipped")
    else:
        ok = run("real: ^RUT fresh ATHs -> BTC-USD", *data) and ok
    print("\nOK: vectorized and row-by-row agree" if ok else "\nFAILED: results disagree")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
