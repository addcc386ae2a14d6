"""FRED series (Fed balance sheet, reverse repo, TGA, credit spreads, yields), keyless.

`fredgraph.csv?id=<ID>` is the CSV behind FRED's own chart download button: no API key to
configure or leak, one small request per series. `FredCsvProvider` reads the same layout from a
folder (`FRED_<ID>.csv`) for offline use.

Whatever FRED sends back that cannot be read (bytes that are not UTF-8, HTML instead of CSV, a
CSV without the series' column, a parser surprise) is a `ProviderError`, like an outage: the
brief then goes out without the macro section and says why, instead of not going out at all.
"""

from __future__ import annotations

import asyncio
import datetime
import io
import logging
import re
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from bot.errors import NoData, ProviderError, UnknownSymbol
from bot.market.csvdir import MalformedFile, parse_dates, parse_numbers, read_table

if TYPE_CHECKING:  # aiohttp is imported when FRED is first asked, not with this module
    import aiohttp

log = logging.getLogger(__name__)

SOURCE = "FRED"
DEFAULT_URL = "https://fred.stlouisfed.org/graph/fredgraph.csv"

#: FRED ids are upper-case letters, digits and underscores; anything else never reaches a URL.
SERIES_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9_]{0,29}$")


def check_series_id(series_id: str) -> str:
    if not isinstance(series_id, str) or not SERIES_PATTERN.fullmatch(series_id):
        raise UnknownSymbol(str(series_id)[:40], reason="That is not a valid FRED series id.")
    return series_id


def parse_fred_csv(
    series_id: str, source: str, where: Path | str, buffer: io.StringIO | None = None
) -> pd.Series:
    """A float series indexed by observation date; FRED's "." (no value that day) is dropped.

    The date column is `observation_date` (current downloads) or `DATE` (older ones).
    """
    raw = read_table(where, source, required=(), buffer=buffer)
    date_column = next((c for c in ("observation_date", "DATE") if c in raw.columns), None)
    if date_column is None or series_id not in raw.columns:
        raise MalformedFile(
            source, where, 1,
            f"expected columns observation_date,{series_id}, got {','.join(raw.columns)}",
        )
    dates = parse_dates(raw[date_column], where, source)
    values = parse_numbers(raw[series_id], where, source)
    series = pd.Series(values, index=dates, name=series_id, dtype="float64")
    series = series[np.isfinite(series.to_numpy())]
    series = series[~series.index.duplicated(keep="last")].sort_index()
    return series


def _since(series: pd.Series, start: datetime.date | None) -> pd.Series:
    return series if start is None else series[series.index >= pd.Timestamp(start)]


class FredProvider:
    """FRED over HTTP. Raises `NoData` for ids FRED does not know, `ProviderError` otherwise."""

    name = SOURCE

    def __init__(
        self,
        *,
        base_url: str = DEFAULT_URL,
        timeout: float = 15,
        session: aiohttp.ClientSession | None = None,
    ) -> None:
        self.base_url = base_url
        self.timeout = timeout
        self._session = session

    async def series(self, series_id: str, start: datetime.date | None = None) -> pd.Series:
        import aiohttp

        check_series_id(series_id)
        params = {"id": series_id}
        if start is not None:
            params["cosd"] = start.isoformat()
        timeout = aiohttp.ClientTimeout(total=self.timeout)
        try:
            if self._session is not None:
                status, body = await self._get(self._session, params, timeout)
            else:
                # A session per call: FRED is asked a few times a day, and an owned session
                # would need a close() that every caller must remember.
                async with aiohttp.ClientSession() as session:
                    status, body = await self._get(session, params, timeout)
        except TimeoutError as exc:
            raise ProviderError(SOURCE, f"no answer within {self.timeout:g}s") from exc
        except aiohttp.ClientError as exc:
            raise ProviderError(SOURCE, f"request failed ({type(exc).__name__})") from exc

        if status in (400, 404):
            raise NoData(series_id, SOURCE, f"FRED does not know the series (HTTP {status})")
        if status == 429:
            raise ProviderError(SOURCE, "rate limited (HTTP 429)")
        if status != 200:
            raise ProviderError(SOURCE, f"HTTP {status}")
        where = f"{self.base_url}?id={series_id}"
        series = _since(await asyncio.to_thread(_parse_answer, series_id, where, body), start)
        if series.empty:
            raise NoData(series_id, SOURCE, "no observations")
        return series

    async def _get(
        self, session: aiohttp.ClientSession, params: dict[str, str], limit: aiohttp.ClientTimeout
    ) -> tuple[int, bytes]:
        async with session.get(self.base_url, params=params, timeout=limit) as response:
            return response.status, await response.read()


def _parse_answer(series_id: str, where: str, body: bytes) -> pd.Series:
    """FRED's CSV answer as a series; anything unreadable in it is a `ProviderError`."""
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise MalformedFile(SOURCE, where, None, "the answer is not UTF-8 text") from exc
    try:
        return parse_fred_csv(series_id, SOURCE, where, io.StringIO(text))
    except ProviderError:
        raise
    except Exception as exc:  # a parser surprise is still FRED's malformed answer, not our crash
        log.warning("FRED %s: unreadable answer", series_id, exc_info=True)
        raise MalformedFile(SOURCE, where, None, f"unreadable CSV ({type(exc).__name__})") from exc


class FredCsvProvider:
    """FRED series from `<directory>/FRED_<ID>.csv` (layout `observation_date,<ID>`)."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self.name = f"FRED CSV files ({self.directory.name or self.directory})"

    async def series(self, series_id: str, start: datetime.date | None = None) -> pd.Series:
        check_series_id(series_id)
        path = self.directory / f"FRED_{series_id}.csv"
        if not path.is_file():
            raise NoData(series_id, self.name, f"there is no {path.name} in the folder")
        series = _since(await asyncio.to_thread(parse_fred_csv, series_id, self.name, path), start)
        if series.empty:
            raise NoData(series_id, self.name, f"{path.name} has no observations")
        return series
