"""Correlation of constructed series whose answer is known in advance."""

import numpy as np
import pandas as pd
import pytest

from bot.analytics import correlation


def from_returns(r, start="2020-01-01", freq="B"):
    idx = pd.date_range(start, periods=len(r) + 1, freq=freq)
    return pd.Series(100 * np.cumprod(np.concatenate(([1.0], 1 + np.asarray(r)))), index=idx)


def returns(n, seed):
    return np.random.default_rng(seed).normal(0, 0.01, n)


def test_double_returns_correlate_perfectly_with_beta_half():
    r = returns(500, 1)
    c = correlation(from_returns(r), from_returns(2 * r), window=60)
    assert c.full == pytest.approx(1.0)
    assert c.beta == pytest.approx(0.5)  # A moves half as much as B
    assert c.current == pytest.approx(1.0)
    assert c.n_obs == 500 and c.window == 60
    assert len(c.rolling) == 500 - 60 + 1
    assert c.rolling.to_numpy() == pytest.approx(1.0)


def test_negated_returns():
    r = returns(400, 2)
    c = correlation(from_returns(r), from_returns(-r))
    assert c.full == pytest.approx(-1.0) and c.beta == pytest.approx(-1.0)


def test_independent_series_are_near_zero():
    c = correlation(from_returns(returns(3000, 3)), from_returns(returns(3000, 4)))
    assert abs(c.full) < 0.06
    assert abs(c.beta) < 0.06
    assert 0 <= c.percentile <= 100
    assert c.rolling.abs().max() < 0.5


def test_percentile_places_current_in_rolling_history():
    r = returns(300, 5)
    noise = returns(300, 6)
    # correlation rises over time as the shared component grows
    mix = np.linspace(0, 1, 300)
    c = correlation(from_returns(r), from_returns(mix * r + (1 - mix) * noise), window=30)
    expected = (c.rolling <= c.rolling.iloc[-1]).mean() * 100
    assert c.percentile == pytest.approx(expected)
    assert c.percentile > 90


def test_weekend_moves_land_in_mondays_return():
    # B trades every day; A is B's own price sampled on weekdays. Returns computed after
    # aligning are identical (Friday -> Monday includes the weekend), so corr == 1, beta == 1.
    b = from_returns(returns(700, 7), freq="D")
    a = b[b.index.day_of_week < 5] * 3
    c = correlation(a, b, window=20)
    assert c.full == pytest.approx(1.0) and c.beta == pytest.approx(1.0)
    assert c.n_obs == len(a) - 1
    assert c.start == a.index[0] and c.end == a.index[-1]
    assert c.a_only == 0 and c.b_only == len(b[(b.index >= c.start) & (b.index <= c.end)]) - len(a)
    # Pairing returns computed before alignment would not be perfect:
    naive = pd.concat([a.pct_change(), b.pct_change()], axis=1, join="inner").dropna()
    assert naive.corr().iloc[0, 1] < 0.95


def test_only_shared_span_counts_as_folded():
    b = from_returns(returns(100, 8), start="2020-01-01", freq="D")
    a = from_returns(returns(300, 9), start="2019-01-01", freq="B")
    c = correlation(a, b, window=10)
    assert c.start == pd.Timestamp("2020-01-01")
    assert c.a_only == 0  # a's 2019 dates are outside the shared span, not folded
    assert c.b_only > 0


def test_window_and_sample_validation():
    a = from_returns(returns(30, 10))
    with pytest.raises(ValueError, match="at least 2"):
        correlation(a, a, window=1)
    with pytest.raises(ValueError, match="need at least 41 dates"):
        correlation(a, a, window=40)
    weekend = a.copy()
    weekend.index = pd.date_range("2020-01-04", periods=len(a), freq="W-SAT")
    with pytest.raises(ValueError, match="found 0"):
        correlation(a, weekend, window=5)
