"""The CSV reader's fast path builds exactly the strict reader's frame, and leaves every file it
is not sure about to the strict reader (which names the file and line)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bot.market.base import COLUMNS
from bot.market.csvdir import (
    _read_well_formed,
    parse_dates,
    parse_numbers,
    read_table,
)

GOOD = (
    "Date,Open,High,Low,Close,Adj Close,Volume\n"
    "2024-01-02,10.1,10.5,9.9,10.25,10.2,1000\n"
    "2024-01-03,null,,NaN,10.3333333333333333,10.3,\n"
    "\n"
    "2024-01-04,10.4,10.9,10.0,0.1e2,10.0,2e3\n"
    "2024-01-05,1.7976931348623157e308,1,1,5e-324,1,inf\n"
)


def strict(path) -> pd.DataFrame:
    raw = read_table(path, "t", required=("Date", "Close"))
    return pd.DataFrame(
        {c: parse_numbers(raw[c], path, "t") for c in COLUMNS if c in raw.columns},
        index=parse_dates(raw["Date"], path, "t"),
    )


def test_fast_path_is_taken_and_equals_the_strict_reader_bit_for_bit(tmp_path):
    path = tmp_path / "X.csv"
    path.write_text(GOOD)
    fast, slow = _read_well_formed(path), strict(path)
    assert fast is not None
    assert fast.index.equals(slow.index) and list(fast.columns) == list(slow.columns)
    for column in fast.columns:
        assert np.array_equal(fast[column].to_numpy(), slow[column].to_numpy(), equal_nan=True)


@pytest.mark.parametrize(
    "text",
    [
        "Date,Open,Close\n2024-01-02,1,2\n2024-01-03,5\n",  # a short row
        "Date,Close\n2024-01-02,1\n2024-01-03, x\n",  # junk
        "Date,Close\n2024-01-02,1\n03/01/2024,2\n",  # not ISO
        "Date,Close\n2024-01-02 16:00,1\n",  # a time after the date
        'Date,Close\n2024-01-02,"1,5"\n',  # a quoted comma
    ],
)
def test_unusual_files_go_to_the_strict_reader(tmp_path, text):
    path = tmp_path / "X.csv"
    path.write_text(text)
    assert _read_well_formed(path) is None

