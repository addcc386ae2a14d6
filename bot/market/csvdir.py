"""Daily bars from a folder of CSV files: riskon without a network.

One `<SYMBOL>.csv` per symbol in Yahoo's download layout (`Date,Open,High,Low,Close,Adj Close,
Volume`; only Date and Close are required). `Adj Close` is ignored on purpose: riskon's bars are
unadjusted closes, as Yahoo's chart API gives with `auto_adjust=False`.

What counts as what:
- a missing or empty cell, or `null`/`NaN` (Yahoo's own placeholder) is an unknown value; a row
  with an unknown, zero or negative close is dropped and counted (`clean_bars`);
- anything that cannot be read at all (no Date or Close column, a date that is not a date, a
  number that is not a number, a row with the wrong number of fields) is a broken file:
  `MalformedFile`, naming the file and line. It is a `ProviderError` because a broken data folder
  is the operator's problem, not the asker's, and the cache may still serve an older copy.
"""

from __future__ import annotations

import asyncio
import datetime
import io
import logging
import re
from pathlib import Path

import numpy as np
import pandas as pd

from bot.errors import NoData, ProviderError, UnknownSymbol
from bot.market.base import COLUMNS, check_symbol, clean_bars

log = logging.getLogger(__name__)

#: Cell values that mean "unknown" rather than "broken".
MISSING_TOKENS = frozenset({"", ".", "null", "nan", "NaN", "NA", "N/A", "None"})
_DATE_PREFIX = re.compile(r"^\d{4}-\d{2}-\d{2}(?:$|[ T])")


class MalformedFile(ProviderError):
    """A data file that cannot be parsed; `path` and `line` (1-based, or None) say where."""

    def __init__(self, source: str, path: Path | str, line: int | None, problem: str) -> None:
        self.path = path
        self.line = line
        # A file is named without its folder: the message reaches private replies, and the
        # host's directory layout is not the asker's business (the source names the folder).
        shown = path.name if isinstance(path, Path) else str(path)
        where = f"{shown}, line {line}" if line is not None else shown
        super().__init__(source, f"malformed file {where}: {problem}")


class CsvProvider:
    """A `PriceProvider` reading `<directory>/<SYMBOL>.csv`."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        # Shown in public footers: the folder's name, not the host's full path.
        self.name = f"CSV files ({self.directory.name or self.directory})"
        self._read_mtimes: dict[str, int] = {}  # symbol -> the file's mtime when last read

    def changed(self, symbol: str) -> bool:
        """Whether `<symbol>.csv` changed (modification time) since this provider last read it.

        A stat, no read: alerts ask it for every symbol at every check, so a file that gains
        a row is re-read at the next check and an unchanged folder costs nothing. A file this
        process never read counts as changed (the cache may come from an older process).
        """
        try:
            mtime = (self.directory / f"{symbol}.csv").stat().st_mtime_ns
        except OSError:
            return False
        return self._read_mtimes.get(symbol) != mtime

    async def daily(self, symbol: str, start: datetime.date | None = None) -> pd.DataFrame:
        check_symbol(symbol)
        path = self.directory / f"{symbol}.csv"
        # Parsing 10k rows takes milliseconds, but milliseconds the event loop should not spend.
        return await asyncio.to_thread(self._read, symbol, path, start)

    def _read(self, symbol: str, path: Path, start: datetime.date | None) -> pd.DataFrame:
        if not path.is_file():
            raise UnknownSymbol(
                symbol, reason=f"There is no price file for {symbol} in {self.name}."
            )
        mtime = path.stat().st_mtime_ns
        frame = _read_well_formed(path)
        if frame is None:  # something unusual: the strict reader says what and where
            raw = read_table(path, self.name, required=("Date", "Close"))
            dates = parse_dates(raw["Date"], path, self.name)
            frame = pd.DataFrame(
                {c: parse_numbers(raw[c], path, self.name) for c in COLUMNS if c in raw.columns},
                index=dates,
            )
        frame, _ = clean_bars(frame, source=self.name, symbol=symbol)
        if start is not None:
            frame = frame[frame.index >= pd.Timestamp(start)]
        self._read_mtimes[symbol] = mtime
        if frame.empty:
            raise NoData(symbol, self.name, f"{path.name} has no usable rows")
        return frame


def _read_well_formed(path: Path) -> pd.DataFrame | None:
    """The same frame the strict reader builds, read 3-4x faster, for the usual file: plain
    YYYY-MM-DD dates and plain numbers (or placeholders) in every cell. None at the first
    surprise (a stray space, a time after the date, junk, a bad header), and the strict reader
    then reads the file again to name the file and line."""
    try:
        header = pd.read_csv(path, nrows=0, engine="c").columns
        names = [str(c) for c in header]
        if len(set(names)) != len(names) or "Date" not in names or "Close" not in names:
            return None
        numeric = [c for c in COLUMNS if c in names]
        dtypes: dict[str, type[str] | str] = {"Date": str, **dict.fromkeys(numeric, "float64")}
        raw = pd.read_csv(
            path, usecols=["Date", *numeric], engine="c", keep_default_na=False,
            na_values=sorted(MISSING_TOKENS), dtype=dtypes,
        )
        # The C parser fills a short row with NaN where the strict reader calls it broken:
        # every non-blank line must hold exactly the header's number of fields.
        text = path.read_bytes()
        lines = sum(1 for line in text.splitlines() if line.strip())
        if lines != len(raw) + 1 or text.count(b",") != (len(names) - 1) * lines:
            return None
        dates = pd.to_datetime(raw["Date"], format="%Y-%m-%d", errors="coerce")
        if dates.isna().any() or not raw["Date"].str.len().eq(10).all():
            return None
    except (ValueError, TypeError, pd.errors.ParserError, UnicodeDecodeError, OSError):
        return None
    index = pd.DatetimeIndex(dates, name="Date")
    return pd.DataFrame({c: raw[c].to_numpy(dtype="float64") for c in numeric}, index=index)


def read_table(
    path: Path | str,
    source: str,
    required: tuple[str, ...],
    buffer: io.StringIO | None = None,
) -> pd.DataFrame:
    """Read a CSV as strings, keeping line numbers meaningful (row i is line i + 2).

    Blank lines are kept as all-empty rows (and dropped later) so positions map to lines.
    `buffer`, when given, is read instead of `path` (which then only names it in errors).
    """
    try:
        raw = pd.read_csv(
            buffer if buffer is not None else path,
            dtype=str, keep_default_na=False, skip_blank_lines=False, engine="c",
        )
    except pd.errors.EmptyDataError as exc:
        raise MalformedFile(source, path, None, "the file is empty") from exc
    except pd.errors.ParserError as exc:
        line = _line_from_parser_error(str(exc))
        raise MalformedFile(source, path, line, _first_line(str(exc))) from exc
    except UnicodeDecodeError as exc:
        raise MalformedFile(source, path, None, "not UTF-8 text") from exc
    raw.columns = [str(c).strip() for c in raw.columns]
    missing = [c for c in required if c not in raw.columns]
    if missing:
        raise MalformedFile(
            source, path, 1, f"header lacks {', '.join(missing)} (has {', '.join(raw.columns)})"
        )
    if raw.columns.duplicated().any():
        raise MalformedFile(source, path, 1, "duplicate column names in the header")
    blank = (raw == "").all(axis=1).to_numpy()
    if blank.any():
        raw = raw[~blank]
    return raw


def parse_dates(column: pd.Series, path: Path | str, source: str) -> pd.DatetimeIndex:
    """Exchange-local dates from `YYYY-MM-DD` (a time or offset after the date is ignored)."""
    text = column.str.strip()
    ok = text.str.match(_DATE_PREFIX)
    parsed = pd.to_datetime(text.str.slice(0, 10), format="%Y-%m-%d", errors="coerce")
    bad = ~(ok & parsed.notna()).to_numpy()
    if bad.any():
        position = int(np.argmax(bad))
        line = int(column.index[position]) + 2
        raise MalformedFile(source, path, line, f"{column.iloc[position]!r} is not a date")
    return pd.DatetimeIndex(parsed, name="Date")


def parse_numbers(column: pd.Series, path: Path | str, source: str) -> np.ndarray:
    """Floats, NaN for placeholders; junk is a broken file rather than a silently dropped row."""
    text = column.str.strip()
    values = pd.to_numeric(text.where(~text.isin(MISSING_TOKENS)), errors="coerce")
    bad = (values.isna() & ~text.isin(MISSING_TOKENS)).to_numpy()
    if bad.any():
        position = int(np.argmax(bad))
        line = int(column.index[position]) + 2
        raise MalformedFile(
            source, path, line, f"{column.name} {column.iloc[position]!r} is not a number"
        )
    return values.to_numpy(dtype="float64", na_value=np.nan)


def _line_from_parser_error(message: str) -> int | None:
    match = re.search(r"line (\d+)", message)
    return int(match.group(1)) if match else None


def _first_line(message: str) -> str:
    return message.strip().splitlines()[0] if message.strip() else "unreadable CSV"
