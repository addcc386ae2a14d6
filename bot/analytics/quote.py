"""A one-look summary of a series on its last date: recent changes and where it stands.

Each change compares the last close with the last close on or before a calendar date (yesterday,
a week ago, a month ago, the prior year's last day), so a Monday's "1 day" change is against
Friday and a crypto asset's is against Sunday: the change a reader would see on a quote screen.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from bot import defaults
from bot.analytics._series import asof_positions, close_arrays, day_numbers
from bot.analytics.ath import breakout_mask, fresh_ath_events, record_mask

BREAKOUT_LOOKBACK = defaults.BREAKOUT_LOOKBACK


@dataclass(frozen=True, slots=True)
class Quote:
    last_date: pd.Timestamp
    last_close: float
    change_1d: float | None
    change_1w: float | None
    change_1m: float | None
    change_ytd: float | None
    pct_from_ath: float
    is_ath: bool
    is_fresh_ath: bool
    is_breakout: bool


def quote(close: pd.Series, min_gap: int = defaults.MIN_GAP) -> Quote:
    """Recent changes, distance from the closing high, and today's record/breakout flags.

    A change is None when the series does not reach back to its reference date, rather than a
    change over a shorter span. `is_breakout` is today's raw condition (a close above the prior
    252 closes, i.e. a 52-week closing high), not spaced by `min_gap`: a quote reports what is
    true today, while `is_fresh_ath` uses `min_gap` as the ATH event definition does.
    """
    days, v = close_arrays(close, "close")
    last_date = close.index[-1]
    last = float(v[-1])

    def change(ref: pd.Timestamp) -> float | None:
        pos = int(asof_positions(days, day_numbers([ref])[0]))
        return None if pos < 0 else last / float(v[pos]) - 1.0

    rec = record_mask(v)
    events = fresh_ath_events(close, min_gap)
    return Quote(
        last_date=last_date,
        last_close=last,
        change_1d=change(last_date - pd.Timedelta(days=1)),
        change_1w=change(last_date - pd.Timedelta(days=7)),
        change_1m=change(last_date - pd.DateOffset(months=1)),
        change_ytd=change(pd.Timestamp(year=last_date.year - 1, month=12, day=31)),
        pct_from_ath=last / float(np.max(v)) - 1.0,
        is_ath=bool(rec[-1]),
        is_fresh_ath=bool(len(events) and events[-1] == last_date),
        is_breakout=bool(breakout_mask(v, BREAKOUT_LOOKBACK)[-1]),
    )
