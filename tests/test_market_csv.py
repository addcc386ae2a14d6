"""CsvProvider and FredCsvProvider on files written into tmp_path (never /work/shared)."""

from __future__ import annotations

import datetime
import logging

import numpy as np
import pytest

from bot.errors import NoData, ProviderError, UnknownSymbol
from bot.market.base import clean_bars
from bot.market.csvdir import CsvProvider, MalformedFile
from bot.market.fred import FredCsvProvider

GOOD = """Date,Open,High,Low,Close,Volume
2024-01-02,100.5,101,99.5,100.75,1000
2024-01-03,100.75,102,100,101.5,2000
2024-01-04,101.5,103,101,102.25,
"""


def write(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text)
    return path


async def test_good_file(tmp_path):
    write(tmp_path, "^RUT.csv", GOOD)
    provider = CsvProvider(tmp_path)
    frame = await provider.daily("^RUT")
    assert provider.name == f"CSV files ({tmp_path.name})"
    assert list(frame.columns) == ["Open", "High", "Low", "Close", "Volume"]
    assert frame.index.name == "Date" and frame.index.tz is None
    assert list(frame.index.strftime("%Y-%m-%d")) == ["2024-01-02", "2024-01-03", "2024-01-04"]
    assert frame["Close"].tolist() == [100.75, 101.5, 102.25]
    assert frame["Volume"].iloc[:2].tolist() == [1000.0, 2000.0]
    assert np.isnan(frame["Volume"].iloc[2])
    assert (await provider.daily("^RUT", start=datetime.date(2024, 1, 3)))["Close"].tolist() == [
        101.5, 102.25]


async def test_file_with_adj_close_uses_close(tmp_path):
    write(tmp_path, "IWM.csv", "Date,Open,High,Low,Close,Adj Close,Volume\n"
          "2024-01-02,190,192,189,191.5,185.25,5000\n"
          "2024-01-03,191,193,190,192.5,186.0,6000\n")
    frame = await CsvProvider(tmp_path).daily("IWM")
    assert frame["Close"].tolist() == [191.5, 192.5]
    assert "Adj Close" not in frame.columns


async def test_close_only_file(tmp_path):
    write(tmp_path, "BTC-USD.csv", "Date,Open,High,Low,Close,Volume\n"
          "2014-09-17,,,,457.334015,\n2014-09-18,,,,424.440002,\n")
    frame = await CsvProvider(tmp_path).daily("BTC-USD")
    assert frame["Close"].tolist() == [457.334015, 424.440002]
    assert frame[["Open", "High", "Low", "Volume"]].isna().all().all()


async def test_minimal_columns_and_timestamps(tmp_path):
    write(tmp_path, "X.csv", "Date,Close\n2024-01-02 00:00:00-05:00,5\n2024-01-03,6\n")
    frame = await CsvProvider(tmp_path).daily("X")
    assert list(frame.index.strftime("%Y-%m-%d")) == ["2024-01-02", "2024-01-03"]
    assert frame["Open"].isna().all()


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("Date,Close\n2024-01-02,5\n2024-01-03,abc\n", 3, "'abc' is not a number"),
        ("Date,Close\n2024-01-02,5\nyesterday,6\n", 3, "'yesterday' is not a date"),
        ("Date,Close\n2024-01-02,5\n2024-01-03,6\n2024-01-04,7,8,9\n", 4, "Expected"),
        ("Day,Price\n2024-01-02,5\n", 1, "header lacks Date, Close"),
    ],
)
async def test_malformed_file_names_file_and_line(tmp_path, text, line, fragment):
    path = write(tmp_path, "BAD.csv", text)
    with pytest.raises(MalformedFile) as info:
        await CsvProvider(tmp_path).daily("BAD")
    error = info.value
    assert isinstance(error, ProviderError)
    assert error.path == path and error.line == line
    assert f"BAD.csv, line {line}" in str(error) and fragment in str(error)
    assert str(tmp_path) not in str(error)  # no host paths in private replies


async def test_empty_file_is_malformed(tmp_path):
    write(tmp_path, "E.csv", "")
    with pytest.raises(MalformedFile, match="empty"):
        await CsvProvider(tmp_path).daily("E")


async def test_missing_file_is_unknown_symbol_naming_the_folder_not_its_path(tmp_path):
    with pytest.raises(UnknownSymbol) as info:
        await CsvProvider(tmp_path).daily("ETH-USD")
    assert tmp_path.name in str(info.value) and "ETH-USD" in str(info.value)
    assert str(tmp_path.parent) not in str(info.value)  # no host paths in public replies


async def test_path_traversal_is_refused(tmp_path):
    (tmp_path / "sub").mkdir()
    write(tmp_path, "SECRET.csv", GOOD)
    with pytest.raises(UnknownSymbol):
        await CsvProvider(tmp_path / "sub").daily("../SECRET")


async def test_bad_rows_dropped_with_logged_count(tmp_path, caplog):
    write(tmp_path, "^VIX.csv", "Date,Open,High,Low,Close,Volume\n"
          "2024-01-03,1,1,1,13.5,0\n"
          "2024-01-02,1,1,1,12.5,0\n"       # out of order
          "2024-01-04,1,1,1,,0\n"           # no close
          "2024-01-05,1,1,1,0,0\n"          # zero close
          "2024-01-08,1,1,1,-3,0\n"         # negative close
          "2024-01-09,1,1,1,null,0\n"       # Yahoo's placeholder
          "\n"                              # blank line
          "2024-01-10,1,1,1,14.0,0\n"
          "2024-01-10,1,1,1,14.5,0\n")      # duplicate date: the last row wins
    with caplog.at_level(logging.INFO, logger="bot.market.base"):
        frame = await CsvProvider(tmp_path).daily("^VIX")
    assert list(frame.index.strftime("%Y-%m-%d")) == ["2024-01-02", "2024-01-03", "2024-01-10"]
    assert frame["Close"].tolist() == [12.5, 13.5, 14.5]
    assert "dropped 5 unusable row(s) of 8" in caplog.text


async def test_no_usable_rows_is_no_data(tmp_path):
    write(tmp_path, "Z.csv", "Date,Close\n2024-01-02,0\n")
    with pytest.raises(NoData):
        await CsvProvider(tmp_path).daily("Z")


def test_clean_bars_contract():
    import pandas as pd

    frame = pd.DataFrame(
        {"Close": [3.0, np.nan, 1.0, np.inf, 2.0]},
        index=pd.DatetimeIndex(
            ["2024-01-03 09:30", "2024-01-04", "2024-01-01", "2024-01-05", "2024-01-03"],
            tz="America/New_York",
        ),
    )
    out, dropped = clean_bars(frame, source="t", symbol="X")
    assert dropped == 3
    assert out.index.tz is None and out.index.name == "Date" and out.index.freq is None
    assert list(out.index.strftime("%Y-%m-%d")) == ["2024-01-01", "2024-01-03"]
    assert out["Close"].tolist() == [1.0, 2.0]
    assert list(out.columns) == ["Open", "High", "Low", "Close", "Volume"]


async def test_fred_folder(tmp_path):
    write(tmp_path, "FRED_WALCL.csv", "observation_date,WALCL\n"
          "2024-01-03,7700000.0\n2024-01-10,.\n2024-01-17,7650000.5\n")
    provider = FredCsvProvider(tmp_path)
    series = await provider.series("WALCL")
    assert series.tolist() == [7700000.0, 7650000.5]
    assert list(series.index.strftime("%Y-%m-%d")) == ["2024-01-03", "2024-01-17"]
    assert (await provider.series("WALCL", start=datetime.date(2024, 1, 4))).tolist() == [
        7650000.5]
    with pytest.raises(NoData, match=r"FRED_DGS10\.csv"):
        await provider.series("DGS10")
    with pytest.raises(UnknownSymbol):
        await provider.series("../WALCL")
