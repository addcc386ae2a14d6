"""Quote changes against hand-picked reference closes."""

import numpy as np
import pandas as pd
import pytest

from bot.analytics import quote


def bdays(start, end, values=None):
    idx = pd.bdate_range(start, end)
    v = np.arange(1, len(idx) + 1, dtype=float) if values is None else values
    return pd.Series(v, index=idx)


def test_changes_reference_the_last_close_on_or_before_each_date():
    s = bdays("2023-11-01", "2024-03-11")  # value = position + 1; last day Mon 2024-03-11
    q = quote(s)
    last = s.iloc[-1]
    assert q.last_date == pd.Timestamp("2024-03-11") and q.last_close == last
    assert q.change_1d == pytest.approx(last / s[pd.Timestamp("2024-03-08")] - 1)  # Sun -> Fri
    assert q.change_1w == pytest.approx(last / s[pd.Timestamp("2024-03-04")] - 1)
    assert q.change_1m == pytest.approx(last / s[pd.Timestamp("2024-02-09")] - 1)  # Feb 11 Sun
    # 2023-12-31 is a Sunday: the prior year's last close is Friday 2023-12-29
    assert q.change_ytd == pytest.approx(last / s[pd.Timestamp("2023-12-29")] - 1)
    assert q.is_ath and q.pct_from_ath == 0


def test_short_history_gives_none():
    s = bdays("2024-01-02", "2024-01-10")
    q = quote(s)
    assert q.change_ytd is None and q.change_1m is None
    assert q.change_1w == pytest.approx(s.iloc[-1] / s[pd.Timestamp("2024-01-03")] - 1)
    one = quote(s.iloc[:1])
    assert one.change_1d is None and not one.is_ath and not one.is_breakout


def test_flags():
    n = 400  # a climb to 200 at position 99, a slow slide to 150, then one last close
    v = np.concatenate((np.linspace(100, 200, 100), np.linspace(200, 150, n - 101), [210.0]))
    s = pd.Series(v, index=pd.bdate_range("2020-01-01", periods=n))
    q = quote(s)
    assert q.is_ath and q.is_fresh_ath and q.is_breakout  # 300 sessions since the last record
    q2 = quote(s, min_gap=301)
    assert q2.is_ath and not q2.is_fresh_ath
    below = s.copy()
    below.iloc[-1] = 199.0  # above the prior 252 closes (max ~192) but below the record
    q3 = quote(below)
    assert not q3.is_ath and q3.is_breakout
    assert q3.pct_from_ath == pytest.approx(199 / 200 - 1)
