"""What every price source promises, and the one cleaning step they all share.

Analytics assume a clean close series (sorted, unique dates, no NaN, positive closes). Putting
that guarantee in one function every provider calls means a new source cannot quietly weaken it,
and the dropped-row count is logged the same way whatever the source.
"""

from __future__ import annotations

import datetime
import logging
from typing import Protocol, runtime_checkable

import numpy as np
import pandas as pd

from bot.errors import UnknownSymbol
from bot.market.symbols import SYMBOL_PATTERN

log = logging.getLogger(__name__)

#: The columns of every bars frame, in this order.
COLUMNS: tuple[str, ...] = ("Open", "High", "Low", "Close", "Volume")


@runtime_checkable
class PriceProvider(Protocol):
    """A source of daily bars.

    `daily` returns a frame with a tz-naive `DatetimeIndex` named "Date" (exchange-local dates),
    sorted and unique, float columns `COLUMNS` (all but Close may be NaN), and only positive
    closes; never an empty frame. It raises `UnknownSymbol` (no such symbol), `NoData` (known,
    nothing usable) or `ProviderError` (outage, timeout, rate limit after retries).
    """

    name: str

    async def daily(
        self, symbol: str, start: datetime.date | None = None
    ) -> pd.DataFrame: ...  # pragma: no cover - protocol


def check_symbol(symbol: str) -> str:
    """Re-check a symbol before it becomes part of a path or URL.

    Callers pass symbols from `symbols.resolve()`, but providers are also used directly (tests,
    the CLI, other services); a path traversal must not depend on every caller being careful.
    """
    if not isinstance(symbol, str) or not SYMBOL_PATTERN.fullmatch(symbol):
        raise UnknownSymbol(str(symbol)[:40], reason="That is not a valid market symbol.")
    return symbol


def empty_bars() -> pd.DataFrame:
    """A zero-row frame with the bars layout (for internal merges, never returned to callers)."""
    index = pd.DatetimeIndex([], dtype="datetime64[us]", name="Date")
    return pd.DataFrame({c: pd.Series(dtype="float64") for c in COLUMNS}, index=index)


def clean_bars(
    frame: pd.DataFrame, *, source: str, symbol: str
) -> tuple[pd.DataFrame, int]:
    """Bring any provider's frame to the bars contract; return it and how many rows were dropped.

    Dropped: rows whose close is missing, zero, negative or not a number, and earlier copies of a
    duplicated date (the last one wins, as a later row in a download is the later revision).
    Missing optional columns become NaN. The index becomes tz-naive midnight dates: a tz-aware
    index is first converted to its own zone's local date, which is the exchange's date.
    """
    index = pd.DatetimeIndex(frame.index)
    if index.tz is not None:
        index = index.tz_localize(None)
    # No freq: a cached series may gain or lose days, and a stale "B" freq would then lie.
    index = pd.DatetimeIndex(
        index.normalize().astype("datetime64[us]"),
        freq=None,  # type: ignore[arg-type]  # pandas takes None (drop the freq); stubs do not
        name="Date",
    )

    data: dict[str, np.ndarray] = {}
    for column in COLUMNS:
        if column in frame.columns:
            data[column] = pd.to_numeric(frame[column], errors="coerce").to_numpy(
                dtype="float64", na_value=np.nan
            )
        else:
            data[column] = np.full(len(frame), np.nan)
    out = pd.DataFrame(data, index=index)

    total = len(out)
    close = out["Close"].to_numpy()
    with np.errstate(invalid="ignore"):
        keep = np.isfinite(close) & (close > 0)
    if index.hasnans:
        keep &= ~np.asarray(index.isna())
    out = out[keep]
    out = out[~out.index.duplicated(keep="last")]
    if not out.index.is_monotonic_increasing:
        out = out.sort_index(kind="stable")
    dropped = total - len(out)
    if dropped:
        log.info("%s %s: dropped %s unusable row(s) of %s", source, symbol, dropped, total)
    return out, dropped
