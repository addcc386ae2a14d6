"""ATH status and event definitions on series small enough to check by hand."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.analytics import (
    ath_status,
    breakout_events,
    drawdown_from_ath,
    fresh_ath_events,
    running_ath,
)


def series(values, start="2024-01-01", freq="B"):
    return pd.Series(
        np.asarray(values, dtype=float), index=pd.date_range(start, periods=len(values), freq=freq)
    )


def test_status_below_record():
    s = series([1, 3, 2, 2.5])
    st_ = ath_status(s)
    assert st_.ath_close == 3 and st_.ath_date == s.index[1]
    assert st_.last_close == 2.5 and st_.last_date == s.index[3]
    assert st_.sessions_since_ath == 2
    assert st_.pct_from_ath == pytest.approx(2.5 / 3 - 1)
    assert not st_.is_ath and st_.intraday is None


def test_status_new_record_today():
    s = series([1, 2, 1.5, 2.1])
    st_ = ath_status(s)
    assert st_.is_ath and st_.sessions_since_ath == 0 and st_.pct_from_ath == 0
    assert st_.ath_date == s.index[-1]


def test_tie_is_not_a_new_record_and_keeps_first_date():
    s = series([1, 3, 2, 3])
    st_ = ath_status(s)
    assert not st_.is_ath
    assert st_.ath_date == s.index[1] and st_.sessions_since_ath == 2
    assert st_.pct_from_ath == 0


def test_single_bar_is_not_a_record():
    st_ = ath_status(series([5]))
    assert not st_.is_ath and st_.sessions_since_ath == 0 and st_.ath_close == 5


def test_intraday_uses_high_and_skips_missing_highs():
    close = series([10, 12, 11, 11.5])
    high = pd.Series([np.nan, 13, 12.5, 11.9], index=close.index)
    st_ = ath_status(close, high)
    assert st_.ath_close == 12
    assert st_.intraday is not None
    assert st_.intraday.ath_close == 13 and st_.intraday.ath_date == close.index[1]
    assert st_.intraday.sessions_since_ath == 2


def test_bad_input_is_rejected():
    with pytest.raises(ValueError):
        ath_status(series([]))
    with pytest.raises(ValueError):
        ath_status(series([1, np.nan, 2]))
    s = series([1, 2, 3])
    with pytest.raises(ValueError):
        ath_status(s.iloc[::-1])


def test_running_ath_and_drawdown():
    s = series([2, 4, 3, 5, 1])
    assert running_ath(s).tolist() == [2, 4, 4, 5, 5]
    assert drawdown_from_ath(s).tolist() == pytest.approx([0, 0, -0.25, 0, -0.8])


# records at positions 1, 2, 6, 7, 12; gap to the previous record day (bar 0 stands first):
# 1, 1, 4, 1, 5
FRESH = [10, 11, 12, 11, 11, 11, 13, 14, 12, 12, 12, 12, 15]


@pytest.mark.parametrize(
    ("min_gap", "positions"),
    [(0, [1, 2, 6, 7, 12]), (1, [1, 2, 6, 7, 12]), (2, [6, 12]), (4, [6, 12]), (5, [12]), (6, [])],
)
def test_fresh_events_by_min_gap(min_gap, positions):
    s = series(FRESH)
    assert list(fresh_ath_events(s, min_gap=min_gap)) == list(s.index[positions])


def test_first_bar_never_an_event_and_first_record_measured_from_it():
    assert len(fresh_ath_events(series([5, 4, 3]), min_gap=0)) == 0
    s = series([10, 9, 9, 9, 11])
    assert list(fresh_ath_events(s, min_gap=4)) == [s.index[4]]
    assert len(fresh_ath_events(s, min_gap=5)) == 0


BREAK = [1, 2, 3, 2, 1, 1.5, 4, 2, 2, 2, 5, 5.5]  # lookback 3: breakouts at 6, 10, 11


@pytest.mark.parametrize(("min_gap", "positions"), [(0, [6, 10, 11]), (2, [6, 10]), (5, [6])])
def test_breakout_events(min_gap, positions):
    s = series(BREAK)
    assert list(breakout_events(s, lookback=3, min_gap=min_gap)) == list(s.index[positions])


def test_breakout_needs_full_lookback():
    s = series([1, 2, 3, 4])
    assert list(breakout_events(s, lookback=3, min_gap=0)) == [s.index[3]]
    assert len(breakout_events(s, lookback=4, min_gap=0)) == 0


closes = st.lists(st.floats(0.5, 2.0), min_size=1, max_size=120).map(
    lambda xs: series(np.round(np.cumprod(xs), 6) + 1.0)
)


def naive_fresh(values, min_gap):
    out, best, best_pos = [], values[0], 0
    for i in range(1, len(values)):
        if values[i] > best:
            if i - best_pos >= min_gap:
                out.append(i)
            best, best_pos = values[i], i
    return out


@settings(max_examples=150, deadline=None)
@given(closes, st.integers(0, 30))
def test_fresh_events_are_new_highs_and_match_a_loop(s, min_gap):
    ev = fresh_ath_events(s, min_gap)
    pos = s.index.get_indexer(ev)
    for p in pos:
        assert p > 0 and s.iloc[p] > s.iloc[:p].max()
    assert list(pos) == naive_fresh(s.to_numpy(), min_gap)


@settings(max_examples=150, deadline=None)
@given(closes, st.integers(0, 30), st.integers(0, 30))
def test_raising_min_gap_never_adds_events(s, g1, g2):
    lo, hi = sorted((g1, g2))
    assert set(fresh_ath_events(s, hi)) <= set(fresh_ath_events(s, lo))
    assert set(breakout_events(s, 5, hi)) <= set(breakout_events(s, 5, lo))


@settings(max_examples=100, deadline=None)
@given(closes, st.integers(1, 10))
def test_breakouts_beat_their_lookback(s, lookback):
    for p in s.index.get_indexer(breakout_events(s, lookback, 0)):
        assert p >= lookback and s.iloc[p] > s.iloc[p - lookback : p].max()
