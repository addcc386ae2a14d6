"""Synthetic market histories whose shape is known by construction, written as Yahoo CSVs.

The trigger climbs in cycles: 150 sessions up from 86% of the last peak to 110% of it, then 100
sessions down to 86% of the new peak. The climb passes the old peak on its 88th step
(0.86 + 88 * 0.24 / 150 > 1, while 87 steps fall short), so cycle k >= 1 has exactly one fresh
all-time high, at session k * 250 + 87, 188 sessions after the previous record.
The target is a smooth 7-day series that starts later than the trigger.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

CYCLE_UP, CYCLE_DOWN = 150, 100
FIRST_RECORD_STEP = 87  # session offset of the fresh ATH inside each cycle k >= 1


def cycling_index(
    start: str = "2006-01-02", cycles: int = 10, base: float = 1000.0
) -> pd.DataFrame:
    """Exchange sessions (weekdays); every cycle ends 10% above the previous peak."""
    prices: list[float] = []
    peak = base
    level = base
    for _ in range(cycles):
        new_peak = peak * 1.10
        prices += list(np.linspace(level, new_peak, CYCLE_UP + 1)[1:])
        trough = new_peak * 0.86
        prices += list(np.linspace(new_peak, trough, CYCLE_DOWN + 1)[1:])
        peak, level = new_peak, trough
    dates = pd.bdate_range(start, periods=len(prices))
    return _ohlcv(dates, np.array(prices), volume=1e9)


def daily_crypto(
    start: str = "2010-06-01", end: str | None = None, growth: float = 0.0008
) -> pd.DataFrame:
    """A 7-day-a-week series growing steadily with a gentle wobble (never flat, never negative)."""
    dates = pd.date_range(start, end or "2015-12-31", freq="D")
    t = np.arange(len(dates))
    prices = 100 * np.exp(growth * t) * (1 + 0.05 * np.sin(t / 20))
    return _ohlcv(dates, prices, volume=5e6)


def _ohlcv(dates: pd.DatetimeIndex, close: np.ndarray, volume: float) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "Open": close * 0.999,
            "High": close * 1.002,
            "Low": close * 0.997,
            "Close": close,
            "Volume": volume,
        },
        index=pd.DatetimeIndex(dates, name="Date"),
    )
    return frame


def write_yahoo_csv(folder: Path, symbol: str, frame: pd.DataFrame) -> Path:
    """Yahoo's download layout: Date,Open,High,Low,Close,Adj Close,Volume."""
    folder.mkdir(parents=True, exist_ok=True)
    out = frame.copy()
    out.insert(4, "Adj Close", out["Close"])
    path = folder / f"{symbol}.csv"
    out.to_csv(path, index_label="Date", float_format="%.6f")
    return path


def market_folder(folder: Path) -> dict[str, pd.DataFrame]:
    """A small market: ^RUT (cycling index), BTC-USD (crypto from 2010), ^VIX, ^GSPC."""
    frames = {
        "^RUT": cycling_index(),
        "BTC-USD": daily_crypto(),
        "^GSPC": cycling_index(base=2000.0),
        "^VIX": _ohlcv(
            pd.bdate_range("2006-01-02", periods=2500),
            15 + 5 * np.sin(np.arange(2500) / 30) ** 2,
            volume=0,
        ),
    }
    for symbol, frame in frames.items():
        write_yahoo_csv(folder, symbol, frame)
    return frames
