"""All-time highs: where a series stands against its own record, and when records were set.

Everything is measured on closes unless a High column is passed: a closing high is what most
people quote and what the event study trades on, while an intraday high is a different (higher)
number that we report beside it rather than mix in.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from bot import defaults
from bot.analytics._series import close_arrays, date_index


@dataclass(frozen=True, slots=True)
class AthStatus:
    """Where the last close stands against the highest close on or before it."""

    last_date: pd.Timestamp
    last_close: float
    ath_close: float
    ath_date: pd.Timestamp
    pct_from_ath: float
    sessions_since_ath: int
    is_ath: bool
    intraday: AthStatus | None = None


def record_mask(values: np.ndarray) -> np.ndarray:
    """True where a value is above every earlier value.

    The first bar is never a record: there is nothing before it to beat, and calling the first
    day of a download an "all-time high" would only describe where the data happens to start.
    """
    rec = np.zeros(len(values), dtype=bool)
    if len(values) > 1:
        rec[1:] = values[1:] > np.maximum.accumulate(values)[:-1]
    return rec


def _status(close: pd.Series, name: str) -> AthStatus:
    _, v = close_arrays(close, name)
    # argmax returns the first occurrence: a later close that only ties the record is not a new
    # high, so the record keeps its original date and the session count keeps running.
    pos = int(np.argmax(v))
    last = float(v[-1])
    ath = float(v[pos])
    return AthStatus(
        last_date=close.index[-1],
        last_close=last,
        ath_close=ath,
        ath_date=close.index[pos],
        pct_from_ath=last / ath - 1.0,
        sessions_since_ath=len(v) - 1 - pos,
        is_ath=bool(len(v) > 1 and pos == len(v) - 1),
    )


def ath_status(close: pd.Series, high: pd.Series | None = None) -> AthStatus:
    """ATH status of the last close, plus the same on the High column when one is given.

    Highs are often missing in older data (Yahoo's early BTC rows have only a close), so NaN
    highs are dropped and the intraday status covers only the rows that have one.
    """
    status = _status(close, "close")
    if high is None:
        return status
    high = high.dropna()
    if len(high) == 0:
        return status
    intraday = _status(high.astype(np.float64), "high")
    return AthStatus(
        last_date=status.last_date,
        last_close=status.last_close,
        ath_close=status.ath_close,
        ath_date=status.ath_date,
        pct_from_ath=status.pct_from_ath,
        sessions_since_ath=status.sessions_since_ath,
        is_ath=status.is_ath,
        intraday=intraday,
    )


def running_ath(close: pd.Series) -> pd.Series:
    """Highest close on or before each date (the record a reader would have seen that day)."""
    close_arrays(close, "close")
    return close.cummax()


def drawdown_from_ath(close: pd.Series) -> pd.Series:
    """Fractional distance of each close below its running record (0 at a high, never > 0)."""
    close_arrays(close, "close")
    return close / close.cummax() - 1.0


def _spaced(positions: np.ndarray, previous: np.ndarray, min_gap: int) -> np.ndarray:
    return positions[(positions - previous) >= min_gap]


def fresh_ath_events(close: pd.Series, min_gap: int = defaults.MIN_GAP) -> pd.DatetimeIndex:
    """Days that set a new closing record after at least `min_gap` sessions without one.

    A grinding market sets records on many consecutive days; counting each would treat one
    episode as dozens of independent ones. So a record counts only when the previous record
    day (any record, counted or not) is `min_gap` or more sessions back. The first bar stands
    as the opening record: it is never an event itself, and the first record after it counts
    only if it comes `min_gap` or more sessions later. Raising `min_gap` can only remove events.
    """
    if min_gap < 0:
        raise ValueError("min_gap must be >= 0")
    _, v = close_arrays(close, "close")
    rec = np.flatnonzero(record_mask(v))
    previous = np.concatenate(([0], rec[:-1]))
    return date_index(close)[_spaced(rec, previous, min_gap)]


def breakout_mask(values: np.ndarray, lookback: int) -> np.ndarray:
    """True where a value is above the max of the `lookback` values before it.

    Needs a full lookback, so the first `lookback` bars are never breakouts.
    """
    out = np.zeros(len(values), dtype=bool)
    if len(values) <= lookback:
        return out
    # rolling max ending at i-1 covers values[i-lookback : i]; pandas keeps this O(n).
    prior = pd.Series(values).rolling(lookback).max().to_numpy()[lookback - 1 : -1]
    out[lookback:] = values[lookback:] > prior
    return out


def breakout_events(
    close: pd.Series, lookback: int = defaults.BREAKOUT_LOOKBACK, min_gap: int = defaults.MIN_GAP
) -> pd.DatetimeIndex:
    """Closes above the prior `lookback` closes (252 ~ a 52-week high), spaced like ATH events.

    As with fresh highs, a breakout counts only if the previous breakout day, counted or not,
    is at least `min_gap` sessions earlier; the first breakout in the series always counts.
    """
    if lookback < 1:
        raise ValueError("lookback must be >= 1")
    if min_gap < 0:
        raise ValueError("min_gap must be >= 0")
    _, v = close_arrays(close, "close")
    days = np.flatnonzero(breakout_mask(v, lookback))
    if len(days) == 0:
        return date_index(close)[days]
    previous = np.concatenate(([days[0] - min_gap], days[:-1]))
    return date_index(close)[_spaced(days, previous, min_gap)]
