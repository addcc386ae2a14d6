"""Render every chart at its Discord size and time it.

    /tmp/v/bin/python benchmarks/bench_charts.py [--runs N] [--baseline REV | --no-baseline]

Uses ^RUT and BTC-USD from ../shared/market-data when that folder exists (real history),
otherwise a generated ~40-year daily series. Prints median ms per chart, PNG size, and the
speed-up of decimation against the same ATH chart drawn from every point. Sample PNGs go to a
temporary directory whose path is printed.

``--baseline REV`` (default: the last commit before the render-speed work) loads
``bot/charts`` as it was at that git revision into a throwaway package and times it on the same
inputs, interleaved run by run with the current code, so the printed ratio compares both under
the same machine load. Without git or the revision, the comparison is skipped.
"""

from __future__ import annotations

import argparse
import importlib
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from unittest import mock

import matplotlib
import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import bot.charts as current  # noqa: E402
from bot.charts import ath as ath_module  # noqa: E402
from bot.charts import render, theme  # noqa: E402

TARGET_MS = 80.0
FOOT = "Source: benchmark · as of last close"
# bot/charts before the render-speed work (ath ~116, event ~146, brief ~144 ms on the dev box).
BASELINE_REV = "877625f5904ad64e27aef1f8e6bdcc0e4507bc65"
CHART_MODULES = ("__init__", "theme", "ath", "event", "correlation", "quote", "brief")


def _data_dir() -> Path | None:
    for p in (Path("/work/shared/market-data"), ROOT.parent / "shared" / "market-data"):
        if p.is_dir():
            return p
    return None


def _load(folder: Path | None, sym: str, seed: int, years: int) -> tuple[pd.Series, str]:
    if folder and (folder / f"{sym}.csv").exists():
        df = pd.read_csv(folder / f"{sym}.csv", usecols=["Date", "Close"], parse_dates=["Date"])
        return df.dropna().set_index("Date")["Close"], f"{sym} (real)"
    rng = np.random.default_rng(seed)
    idx = pd.bdate_range(end="2024-12-31", periods=252 * years)
    vals = 100 * np.exp(np.cumsum(rng.normal(0.0003, 0.012, idx.size)))
    return pd.Series(vals, index=idx), f"{sym} (generated, {years}y)"


def _fresh_highs(s: pd.Series, gap: int = 63) -> list[pd.Timestamp]:
    new = np.flatnonzero((s > s.cummax().shift(1)).to_numpy())
    keep = [p for i, p in enumerate(new) if i == 0 or p - new[i - 1] >= gap]
    return list(s.index[keep])


def _event_inputs(trig: pd.Series, tgt: pd.Series):
    days = np.arange(366)
    dense = tgt.asfreq("D").ffill()
    cols, hr = {}, {h: [] for h in (30, 90, 180, 365)}
    for e in _fresh_highs(trig):
        if e < dense.index[0]:
            continue
        win = dense.reindex(e.normalize() + pd.to_timedelta(days, "D"))
        cols[f"{e:%Y-%m-%d}"] = (win / win.iloc[0] * 100).to_numpy()
        for h in hr:
            if not np.isnan(win.iloc[h]):
                hr[h].append(win.iloc[h] / win.iloc[0] - 1)
    band_q = [(dense.shift(-d) / dense).dropna().quantile([0.25, 0.5, 0.75]) * 100
              for d in days[::15]]
    band = pd.DataFrame([q.to_numpy() for q in band_q], index=days[::15],
                        columns=["q25", "q50", "q75"]).reindex(days).interpolate()
    base = {h: tuple((dense.shift(-h) / dense - 1).dropna().quantile([0.25, 0.5, 0.75]))
            for h in hr}
    return pd.DataFrame(cols, index=days), band, hr, base


def _baseline_package(rev: str, into: Path):
    """``bot/charts`` at git revision ``rev`` as an importable package, or None."""
    pkg = into / "riskon_charts_baseline"
    pkg.mkdir()
    try:
        listing = subprocess.run(["git", "-C", str(ROOT), "ls-tree", "--name-only", rev,
                                  "bot/charts/"], capture_output=True, check=True, text=True)
        modules = [Path(p).stem for p in listing.stdout.split() if p.endswith(".py")]
        for mod in modules or CHART_MODULES:
            src = subprocess.run(["git", "-C", str(ROOT), "show", f"{rev}:bot/charts/{mod}.py"],
                                 capture_output=True, check=True, text=True).stdout
            # Absolute imports of the chart package would bind the baseline's theme to today's
            # renderer: point them at the copy.
            (pkg / f"{mod}.py").write_text(src.replace("from bot.charts.", "from ."))
    except (OSError, subprocess.CalledProcessError) as exc:
        print(f"baseline {rev[:10]}: not available ({exc}); no comparison")
        return None
    sys.path.insert(0, str(into))
    return importlib.import_module(pkg.name)


def _time_pair(fn: Callable[[], bytes], base: Callable[[], bytes],
               runs: int) -> tuple[float, float, bytes]:
    """Median wall ms of ``fn`` and ``base``, alternating run by run so both see the same load."""
    png = fn()
    base()
    a, b = [], []
    for _ in range(runs):
        w0 = time.perf_counter()
        png = fn()
        w1 = time.perf_counter()
        base()
        a.append((w1 - w0) * 1000)
        b.append((time.perf_counter() - w1) * 1000)
    return statistics.median(a), statistics.median(b), png


def _time(fn: Callable[[], bytes], runs: int,
          before: Callable[[], None] | None = None) -> tuple[float, float, bytes]:
    """Median wall and CPU ms. CPU time is reported too because on a shared machine wall time
    mostly measures the neighbours. ``before`` runs untimed ahead of every timed call."""
    png = fn()  # warm-up: font cache, first-use imports
    wall, cpu = [], []
    for _ in range(runs):
        if before:
            before()
        w0, c0 = time.perf_counter(), time.process_time()
        png = fn()
        wall.append((time.perf_counter() - w0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    return statistics.median(wall), statistics.median(cpu), png


def _floor() -> bytes:
    """Reference: one empty styled axes through the same encode path, i.e. the fixed cost of
    any chart on this machine."""
    fig = theme.new_figure(theme.MAIN_SIZE)
    theme.add_axes(fig, theme.rect(fig, 70, 60, 110, 80)).plot([0, 1], [0, 1])
    return theme.to_png(fig)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--baseline", default=BASELINE_REV, help="git revision to compare against")
    ap.add_argument("--no-baseline", action="store_true", help="skip the comparison")
    args = ap.parse_args()
    runs = args.runs
    folder = _data_dir()
    rut, rut_src = _load(folder, "^RUT", 1, 40)
    btc, btc_src = _load(folder, "BTC-USD", 2, 12)
    print(f"data: {rut_src}, {len(rut):,} rows; {btc_src}, {len(btc):,} rows")
    fast = render.fast_paths()
    print(f"matplotlib {matplotlib.__version__}: text cache {'on' if fast.text_cache else 'OFF'},"
          f" baked ticks {'on' if fast.baked_ticks else 'OFF'} {'; '.join(fast.problems)}")

    rets = pd.concat([rut.pct_change(), btc.pct_change()], axis=1, join="inner").dropna()
    roll = rets.iloc[:, 0].rolling(90).corr(rets.iloc[:, 1]).dropna()
    cur = float(roll.iloc[-1])
    paths, band, hr, base = _event_inputs(rut, btc)
    rut_events = _fresh_highs(rut)

    def make_charts(c) -> dict[str, Callable[[], bytes]]:
        return {
            "ath": lambda: c.ath_chart(rut, events=rut_events, title="^RUT vs its all-time high",
                                       subtitle=f"{len(rut_events)} fresh highs", footer=FOOT),
            "event": lambda: c.event_chart(paths, band=band, horizon_returns=hr,
                                           base_returns=base, title="BTC after fresh ^RUT highs",
                                           footer=FOOT),
            "correlation": lambda: c.correlation_chart(
                roll, full=float(rets.corr().iloc[0, 1]), current=cur,
                percentile=float((roll <= cur).mean() * 100), window=90,
                title="^RUT vs BTC: 90-day correlation", footer=FOOT),
            "quote": lambda: c.quote_chart(btc, title="BTC-USD", footer=FOOT),
            "brief": lambda: c.brief_chart([(f"Panel {i}", s) for i, s in
                                            enumerate([rut, btc] * 6)], title="Brief",
                                           footer=FOOT),
        }

    charts = make_charts(current)
    out = Path(tempfile.mkdtemp(prefix="riskon-bench-"))
    # "cold": the text cache (theme.clear_text_cache) emptied before every run, i.e. a chart
    # whose every string and glyph is new, as the first chart after start-up is. A running
    # bot sits between the two: labels, tick values and legends repeat, numbers change.
    cold = getattr(theme, "clear_text_cache", None)
    print(f"{'chart':<13}{'wall ms':>9}{'cpu ms':>9}{'PNG KB':>8}{'cold ms':>9}"
          f"   target < {TARGET_MS:.0f} ms")
    results = {}
    for name, fn in {"(floor)": _floor, **charts}.items():
        wall, cpu, png = _time(fn, runs)
        cold_wall = _time(fn, runs, before=cold)[0] if cold else float("nan")
        results[name] = wall
        (out / f"{name.strip('()')}.png").write_bytes(png)
        flag = "" if name == "(floor)" else "ok" if wall < TARGET_MS else "SLOW"
        print(f"{name:<13}{wall:>9.1f}{cpu:>9.1f}{len(png) / 1024:>8.0f}{cold_wall:>9.1f}"
              f"   {flag}")

    old = None if args.no_baseline else _baseline_package(args.baseline, out)
    if old is not None:
        print(f"vs {args.baseline[:10]} (interleaved runs, wall ms medians):")
        for name, base_fn in make_charts(old).items():
            new_ms, old_ms, _ = _time_pair(charts[name], base_fn, runs)
            print(f"  {name:<11}{old_ms:>8.1f} -> {new_ms:>6.1f}   speed-up {old_ms / new_ms:.2f}x")

    # Baseline: the same ATH chart with decimation switched off (every close drawn), on the
    # daily series and on a 100k-point one (e.g. hourly bars), where Agg's own path
    # simplification no longer hides the cost.
    rng = np.random.default_rng(3)
    idx = pd.date_range("2013-01-01", periods=100_000, freq="h")
    long = pd.Series(100 * np.exp(np.cumsum(rng.normal(4e-5, 0.004, idx.size))), index=idx)
    cases = {"ath": charts["ath"],
             "ath 100k": lambda: current.ath_chart(long, title="100k points", footer=FOOT)}
    for name, fn in cases.items():
        _, dec_cpu, _ = _time(fn, runs)
        with mock.patch.object(ath_module.t, "decimate", lambda s, n: s):
            naive_wall, naive_cpu, naive_png = _time(fn, runs)
        (out / f"{name.replace(' ', '_')}_naive.png").write_bytes(naive_png)
        print(f"{name + ' naive':<13}{naive_wall:>9.1f}{naive_cpu:>9.1f}"
              f"{len(naive_png) / 1024:>8.0f}   decimated: {dec_cpu:.1f} cpu ms, "
              f"{naive_cpu / dec_cpu:.2f}x less CPU")
    print(f"sample PNGs: {out}")


if __name__ == "__main__":
    main()
