"""Render every chart at its Discord size and time it.

    /tmp/v/bin/python benchmarks/bench_charts.py [--runs N]

Uses ^RUT and BTC-USD from ../shared/market-data when that folder exists (real history),
otherwise a generated ~40-year daily series. Prints median ms per chart, PNG size, and the
speed-up of decimation against the same ATH chart drawn from every point. Sample PNGs go to a
temporary directory whose path is printed.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from unittest import mock

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.charts import ath as ath_module  # noqa: E402
from bot.charts import (  # noqa: E402
    ath_chart,
    brief_chart,
    correlation_chart,
    event_chart,
    quote_chart,
)

TARGET_MS = 80.0
FOOT = "Source: benchmark · as of last close"


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


def _time(fn: Callable[[], bytes], runs: int) -> tuple[float, bytes]:
    png = fn()  # warm-up: font cache, first-use imports
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        png = fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times), png


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=10)
    runs = ap.parse_args().runs
    folder = _data_dir()
    rut, rut_src = _load(folder, "^RUT", 1, 40)
    btc, btc_src = _load(folder, "BTC-USD", 2, 12)
    print(f"data: {rut_src}, {len(rut):,} rows; {btc_src}, {len(btc):,} rows")

    rets = pd.concat([rut.pct_change(), btc.pct_change()], axis=1, join="inner").dropna()
    roll = rets.iloc[:, 0].rolling(90).corr(rets.iloc[:, 1]).dropna()
    cur = float(roll.iloc[-1])
    paths, band, hr, base = _event_inputs(rut, btc)
    rut_events = _fresh_highs(rut)

    charts: dict[str, Callable[[], bytes]] = {
        "ath": lambda: ath_chart(rut, events=rut_events, title="^RUT vs its all-time high",
                                 subtitle=f"{len(rut_events)} fresh highs", footer=FOOT),
        "event": lambda: event_chart(paths, band=band, horizon_returns=hr, base_returns=base,
                                     title="BTC after fresh ^RUT highs", footer=FOOT),
        "correlation": lambda: correlation_chart(
            roll, full=float(rets.corr().iloc[0, 1]), current=cur,
            percentile=float((roll <= cur).mean() * 100), window=90,
            title="^RUT vs BTC: 90-day correlation", footer=FOOT),
        "quote": lambda: quote_chart(btc, title="BTC-USD", footer=FOOT),
        "brief": lambda: brief_chart([(f"Panel {i}", s) for i, s in
                                      enumerate([rut, btc] * 6)], title="Brief", footer=FOOT),
    }
    out = Path(tempfile.mkdtemp(prefix="riskon-bench-"))
    print(f"{'chart':<12}{'median ms':>10}{'PNG KB':>9}   target < {TARGET_MS:.0f} ms")
    results = {}
    for name, fn in charts.items():
        ms, png = _time(fn, runs)
        results[name] = ms
        (out / f"{name}.png").write_bytes(png)
        flag = "ok" if ms < TARGET_MS else "SLOW"
        print(f"{name:<12}{ms:>10.1f}{len(png) / 1024:>9.0f}   {flag}")

    # Baseline: the same ATH chart with decimation switched off (every close drawn).
    with mock.patch.object(ath_module.t, "decimate", lambda s, n: s):
        naive_ms, naive_png = _time(charts["ath"], runs)
    (out / "ath_naive.png").write_bytes(naive_png)
    print(f"{'ath naive':<12}{naive_ms:>10.1f}{len(naive_png) / 1024:>9.0f}   "
          f"decimated is {naive_ms / results['ath']:.2f}x faster")
    print(f"sample PNGs: {out}")


if __name__ == "__main__":
    main()
