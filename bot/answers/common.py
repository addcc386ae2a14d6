"""What every answer says about its data: freshness, partial bars, the footer."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from bot.market.symbols import Asset

if TYPE_CHECKING:
    from bot.market.data import PriceHistory


def partial_last_bar(asset: Asset, bars: pd.DataFrame) -> bool:
    """An exchange asset's last bar with no volume while its recent bars had some.

    Yahoo publishes a bar during the session and fills its volume at the close, so a zero-volume
    last bar after bars with volume is most likely an intraday capture, not a settled close.
    """
    if asset.calendar != "exchange" or "Volume" not in bars or len(bars) < 5:
        return False
    volume = bars["Volume"]
    last = volume.iloc[-1]
    recent = volume.iloc[-21:-1].dropna()
    return bool((pd.isna(last) or last == 0) and len(recent) and (recent > 0).mean() > 0.8)


#: A series more than this many sessions behind the answer's date is not presented as current.
STALE_SESSIONS = 3


def sessions_behind(
    asset: Asset, last: date | datetime | pd.Timestamp, today: date | datetime | pd.Timestamp
) -> int:
    """Sessions the asset would have traded after its last bar, up to and including `today`.

    Weekdays for an exchange (a Monday brief on Friday's close is 1 session behind, not 3 days;
    holidays are not known here, so a holiday counts as a missed session), every day for crypto.
    """
    last_day = pd.Timestamp(last).date()
    today_day = pd.Timestamp(today).date()
    if today_day <= last_day:
        return 0
    if asset.calendar == "exchange":
        one = np.timedelta64(1, "D")
        start = np.datetime64(last_day) + one
        return int(np.busday_count(start, np.datetime64(today_day) + one))
    return (today_day - last_day).days


def data_age(
    asset: Asset,
    last: date | datetime | pd.Timestamp,
    today: date | datetime | pd.Timestamp | None,
) -> int | None:
    """Calendar days old when the series is more than STALE_SESSIONS sessions behind `today`.

    None means current enough to present as today's (or no reference date was given): a quote
    on Saturday of Friday's close is the latest there is, not old data.
    """
    if today is None or sessions_behind(asset, last, today) <= STALE_SESSIONS:
        return None
    return max(0, (pd.Timestamp(today).normalize() - pd.Timestamp(last).normalize()).days)


def age_words(days: int) -> str:
    """'data is 12 days old' (the words /quote, /ath and the brief use)."""
    return f"data is {days:,} day{'s' if days != 1 else ''} old"


def stale_note(history: PriceHistory) -> str | None:
    """'Yahoo Finance failed (timeout); using prices fetched 2026-11-24 14:00 UTC.' or None."""
    if not history.stale:
        return None
    fetched = history.as_of.strftime("%Y-%m-%d %H:%M UTC") if history.as_of else "earlier"
    reason = history.stale_reason or f"{history.source} did not answer"
    return f"{reason}; using prices fetched {fetched}"


def last_date(*histories: PriceHistory) -> str:
    return min(h.bars.index[-1] for h in histories).strftime("%Y-%m-%d")


def provenance(*histories: PriceHistory) -> dict[str, Any]:
    """The Insight fields every answer fills the same way from its price histories."""
    fetched = [h.as_of for h in histories if h.as_of is not None]
    return {
        "as_of": last_date(*histories),
        "fetched_at": min(fetched) if fetched else None,
        "sources": [h.source for h in histories],
        "stale": any(h.stale for h in histories),
    }


def file_stem(*parts: str) -> str:
    """A safe chart file name from symbols: '^RUT', 'BTC-USD' -> 'RUT-BTC-USD'."""
    cleaned = ["".join(c for c in p if c.isalnum() or c in "-_") for p in parts]
    return "-".join(c for c in cleaned if c)


def chart_footer(meta: dict[str, Any]) -> str:
    """The footer drawn on every chart, so a shared PNG still says where and when it is from."""
    sources = ", ".join(dict.fromkeys(meta["sources"]))
    text = f"Source: {sources} · data to {meta['as_of']}"
    return text + (" · STALE" if meta["stale"] else "") + " · riskon"
