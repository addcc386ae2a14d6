"""The fast study paths (one blocked bootstrap draw for all horizons, kept between studies; the
calendar table for "last close on or before D"; base rates kept per target) against the
definitions spelled out, and against a study that starts with nothing kept."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.analytics import event_study, forward_returns
from bot.analytics._bootstrap import clear_uniforms_cache, p_as_good_many
from bot.analytics._series import asof_positions, calendar_positions, day_numbers
from bot.analytics.events import clear_study_caches


def naive_p(u, base_sorted, m):
    """Column k of u is one sample base[floor(u * N)]; the share whose median is >= m."""
    idx = np.minimum((u * len(base_sorted)).astype(np.int64), len(base_sorted) - 1)
    return float(np.mean([np.median(base_sorted[idx[:, k]]) >= m for k in range(u.shape[1])]))


ask = st.one_of(
    st.none(),
    st.tuples(
        st.integers(1, 40),  # n: spans several 16-row blocks, odd and even
        st.lists(st.integers(-4, 4), min_size=1, max_size=30),  # few values: many ties
        st.integers(-5, 5),  # m, in quarters; 5 is above every base value
    ),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(ask, min_size=1, max_size=4), st.integers(0, 2**32 - 1), st.integers(1, 150))
def test_many_horizons_at_once_equal_one_median_per_sample(asks, seed, n_boot):
    asks = [
        None if a is None else (a[0], np.sort(np.asarray(a[1], dtype=float) / 4), a[2] / 4)
        for a in asks
    ]
    rows = max([a[0] for a in asks if a is not None], default=1)
    u = np.random.default_rng(seed).random((rows, n_boot))
    expected = [None if a is None else naive_p(u[: a[0]], a[1], a[2]) for a in asks]
    clear_uniforms_cache()
    assert p_as_good_many(seed, n_boot, asks) == expected  # drawn
    assert p_as_good_many(seed, n_boot, asks) == expected  # kept from the first call
    # a bigger draw kept from an earlier study: its first rows are this study's draw
    p_as_good_many(seed, n_boot, [(rows + 17, np.zeros(3), 0.0)])
    assert p_as_good_many(seed, n_boot, asks) == expected
    assert p_as_good_many(seed, 0, asks) == [None] * len(asks)


def test_kept_draw_is_read_only_and_study_is_unchanged_by_it():
    rng = np.random.default_rng(3)
    y = pd.Series(
        100 * np.exp(np.cumsum(rng.normal(0.0005, 0.02, 1500))),
        index=pd.date_range("2010-01-01", periods=1500, freq="B"),
    )
    ev = pd.DatetimeIndex(y.index[[50, 300, 333, 700, 1100, 1490]])  # the last one is pending
    clear_uniforms_cache()
    cold = event_study(y, y, ev, n_boot=2000, seed=11)
    warm = event_study(y, y, ev, n_boot=2000, seed=11)
    assert cold == warm
    from bot.analytics import _bootstrap

    kept = _bootstrap._UNIFORMS[(11, 2000)]
    assert len(kept) == 5 and not kept.flags.writeable  # the pending event's row isn't drawn
    with pytest.raises(ValueError):
        kept[0, 0] = 0.5


@settings(max_examples=80, deadline=None)
@given(st.lists(st.integers(0, 200), min_size=1, max_size=60, unique=True))
def test_calendar_table_is_last_row_on_or_before(days):
    days = np.asarray(sorted(days), dtype=np.int64) - 7  # negative day numbers too
    table = calendar_positions(days)
    every_day = np.arange(days[0], days[-1] + 1)
    assert table.tolist() == asof_positions(days, every_day).tolist()


def test_sparse_dates_get_no_table_and_the_same_base_rate():
    # yearly closes over 200 years: a table would hold 73,000 entries for 200 rows
    y = pd.Series(
        100 * 1.07 ** np.arange(200) * (1 + 0.1 * np.sin(np.arange(200))),
        index=pd.date_range("1800-01-01", periods=200, freq="YS"),
    )
    assert calendar_positions(day_numbers(y.index)) is None
    study = event_study(y, y, pd.DatetimeIndex(y.index[[10, 80]]), horizons=(400, 3000), n_boot=0)
    for h in (400, 3000):
        base = forward_returns(y, h).dropna().to_numpy()
        s = study.stats[h]
        assert s.base_n == len(base) and s.base_median == np.median(base)
        assert s.base_mean == pytest.approx(base.mean(), rel=1e-12)


def walk(n, seed):
    r = np.random.default_rng(seed).normal(0.0005, 0.02, n)
    return pd.Series(100 * np.exp(np.cumsum(r)), index=pd.date_range("2015-01-01", periods=n))


def test_kept_base_rate_is_not_used_for_an_edited_series():
    y = walk(800, 5)
    ev = pd.DatetimeIndex(y.index[[40, 200, 420]])
    clear_study_caches()
    before = event_study(y, y, ev, horizons=(30,), n_boot=0)
    y.iloc[100] *= 1.5  # the same object, the same dates, one close changed in place
    after = event_study(y, y, ev, horizons=(30,), n_boot=0)
    clear_study_caches()
    fresh = event_study(y, y, ev, horizons=(30,), n_boot=0)
    assert after == fresh and after.stats[30].base_mean != before.stats[30].base_mean


def test_kept_base_rates_equal_fresh_ones_across_spans_and_many_horizons():
    y, x = walk(900, 6), walk(700, 7)  # x is shorter: a different span of y's sessions
    ev = pd.DatetimeIndex(y.index[[10, 300, 500, 650]])
    clear_study_caches()
    warm = [event_study(t, y, ev, horizons=(h, 7), n_boot=300, seed=h)
            for h in range(1, 40, 3) for t in (y, x)]  # fmt: skip
    cold = []
    for h in range(1, 40, 3):
        for t in (y, x):
            clear_study_caches()
            cold.append(event_study(t, y, ev, horizons=(h, 7), n_boot=300, seed=h))
    assert warm == cold
