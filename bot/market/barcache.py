"""The SQL behind the bar cache: DataFrame <-> `bars` rows, and the `fetch_log`.

Kept apart from the caching policy in `data.py` so each can be read (and tested) alone. Speed
matters because a warm answer is mostly this module: a 40-year series is ~10k rows, read with one
query and converted column-wise with numpy, written with one `executemany`.
"""

from __future__ import annotations

import asyncio
import datetime
from dataclasses import dataclass

import numpy as np
import pandas as pd

from bot.market.base import COLUMNS, empty_bars
from bot.store import Store

_SELECT_BARS = (
    "SELECT date, open, high, low, close, volume FROM bars WHERE symbol = ? ORDER BY date"
)
_INSERT_BARS = (
    "INSERT INTO bars (symbol, date, open, high, low, close, volume) VALUES (?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (symbol, date) DO UPDATE SET open = excluded.open, high = excluded.high,"
    " low = excluded.low, close = excluded.close, volume = excluded.volume"
)
_INSERT_LOG = (
    "INSERT INTO fetch_log (symbol, source, started_at, finished_at, ok, rows, error)"
    " VALUES (?, ?, ?, ?, ?, ?, ?)"
)


@dataclass(frozen=True, slots=True)
class LastFetch:
    """The most recent successful fetch of a symbol: when it finished and from which source."""

    finished_at: datetime.datetime
    source: str


def iso(moment: datetime.datetime) -> str:
    """UTC ISO-8601, one fixed format so the text sorts in time order inside SQLite."""
    return moment.astimezone(datetime.UTC).isoformat(timespec="microseconds")


def from_iso(text: str) -> datetime.datetime:
    moment = datetime.datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=datetime.UTC)


def rows_to_frame(rows: list[tuple]) -> pd.DataFrame:
    """`bars` rows (date, open, high, low, close, volume) to a bars frame, column-wise."""
    if not rows:
        return empty_bars()
    dates, *values = zip(*rows, strict=True)
    index = pd.DatetimeIndex(np.array(dates, dtype="datetime64[D]").astype("datetime64[us]"),
                             name="Date")
    # None (SQL NULL) becomes NaN in a float array.
    data = {c: np.array(v, dtype="float64") for c, v in zip(COLUMNS, values, strict=True)}
    return pd.DataFrame(data, index=index)


def frame_to_rows(symbol: str, frame: pd.DataFrame) -> list[tuple]:
    """A bars frame to `bars` rows; NaN becomes NULL."""
    dates = np.datetime_as_string(frame.index.to_numpy(dtype="datetime64[D]"), unit="D").tolist()
    columns = []
    for c in COLUMNS:
        values = frame[c].to_numpy(dtype="float64")
        column = values.astype(object)
        column[np.isnan(values)] = None
        columns.append(column.tolist())
    return list(zip([symbol] * len(dates), dates, *columns, strict=True))


async def load_bars(store: Store, symbol: str) -> pd.DataFrame:
    rows = await store.fetchall(_SELECT_BARS, (symbol,))
    # A few milliseconds of numpy per 10k rows: done in a thread to keep the event loop free.
    return await asyncio.to_thread(rows_to_frame, rows)


async def last_ok_fetch(store: Store, symbol: str) -> LastFetch | None:
    row = await store.fetchone(
        "SELECT finished_at, source FROM fetch_log WHERE symbol = ? AND ok = 1"
        " ORDER BY finished_at DESC LIMIT 1",
        (symbol,),
    )
    return LastFetch(from_iso(row[0]), row[1]) if row else None


async def save_bars(
    store: Store,
    symbol: str,
    frame: pd.DataFrame,
    *,
    replace_from: datetime.date | None,
    source: str,
    started_at: datetime.datetime,
    finished_at: datetime.datetime,
) -> None:
    """Merge fetched bars and log the fetch, all or nothing.

    Rows dated `replace_from` or later are replaced by `frame` (the fetch is the authority for
    the window it covers, so a revised bar overwrites and a withdrawn one disappears);
    `replace_from=None` replaces the symbol's whole history.
    """
    rows = await asyncio.to_thread(frame_to_rows, symbol, frame)
    async with store.transaction() as db:
        if replace_from is None:
            await db.execute("DELETE FROM bars WHERE symbol = ?", (symbol,))
        else:
            await db.execute(
                "DELETE FROM bars WHERE symbol = ? AND date >= ?",
                (symbol, replace_from.isoformat()),
            )
        await db.executemany(_INSERT_BARS, rows)
        await insert_fetch_log(
            db, symbol, source, started_at, finished_at, ok=True, rows=len(rows), error=None
        )


async def log_failed_fetch(
    store: Store,
    symbol: str,
    source: str,
    started_at: datetime.datetime,
    finished_at: datetime.datetime,
    error: str,
) -> None:
    async with store.transaction() as db:
        await insert_fetch_log(
            db, symbol, source, started_at, finished_at, ok=False, rows=0, error=error[:500]
        )


async def insert_fetch_log(
    db,
    symbol: str,
    source: str,
    started_at: datetime.datetime,
    finished_at: datetime.datetime,
    *,
    ok: bool,
    rows: int,
    error: str | None,
) -> None:
    await db.execute(
        _INSERT_LOG,
        (symbol, source, iso(started_at), iso(finished_at), int(ok), rows, error),
    )
