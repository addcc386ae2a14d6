"""Event study numbers checked against closes named by hand."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.analytics import base_band, event_paths, event_study, forward_returns


def series(values, start="2024-01-01", freq="D"):
    return pd.Series(
        np.asarray(values, dtype=float), index=pd.date_range(start, periods=len(values), freq=freq)
    )


def ts(s):
    return pd.Timestamp(s)


def test_forward_returns_calendar_days_on_business_days():
    # 2024-01-01 is a Monday; business days Mon 1 .. Fri 5, Mon 8 .. Fri 12
    s = series([100, 101, 102, 103, 104, 110, 111, 112, 113, 114], freq="B")
    f1 = forward_returns(s, 1)
    assert f1[ts("2024-01-01")] == pytest.approx(101 / 100 - 1)
    assert f1[ts("2024-01-05")] == 0.0  # Friday + 1 day = Saturday -> Friday's own close
    f3 = forward_returns(s, 3)
    assert f3[ts("2024-01-05")] == pytest.approx(110 / 104 - 1)  # Fri + 3 = Mon
    assert f3[ts("2024-01-09")] == pytest.approx(114 / 111 - 1)  # Tue 9 + 3 = Fri 12
    assert np.isnan(f3[ts("2024-01-10")])  # Wed + 3 = Sat 13, after the last date
    assert f3.notna().sum() == 7  # Jan 1..5, 8, 9


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.floats(0.5, 2.0), min_size=2, max_size=80),
    st.integers(1, 40),
    st.sampled_from(["D", "B"]),
)
def test_forward_return_is_ratio_of_named_closes(steps, h, freq):
    s = series(np.cumprod(steps) * 10, freq=freq)
    f = forward_returns(s, h)
    for t, r in f.items():
        end = t + pd.Timedelta(days=h)
        if end > s.index[-1]:
            assert np.isnan(r)
        else:
            assert r == pytest.approx(s.loc[:end].iloc[-1] / s[t] - 1, rel=1e-12)


# target: 20 calendar days from 2024-01-01
TARGET = [
    100,
    90,
    110,
    105,
    120,
    80,
    100,
    130,
    125,
    140,
    150,
    145,
    160,
    155,
    150,
    170,
    165,
    180,
    175,
    190,
]


def test_episode_entry_returns_and_extremes():
    y = series(TARGET)
    x = series(np.arange(1, 15), freq="B")  # trigger Mon 2024-01-01 .. Thu 2024-01-18
    ev = pd.DatetimeIndex(["2024-01-02", "2024-01-09"])
    study = event_study(x, y, ev, horizons=(3, 5, 30), n_boot=200)
    e = study.episodes[0]
    assert e.date == ts("2024-01-02") and e.entry_date == ts("2024-01-02")
    assert e.trigger_close == 2 and e.target_entry == 90
    assert e.returns[3] == pytest.approx(120 / 90 - 1)  # close on 2024-01-05
    assert e.returns[5] == pytest.approx(100 / 90 - 1)  # close on 2024-01-07
    # closes in (entry, Jan 7]: 110, 105, 120, 80, 100
    assert e.max_gain[5] == pytest.approx(120 / 90 - 1)
    assert e.max_drawdown[5] == pytest.approx(80 / 90 - 1)
    assert e.max_gain[3] == pytest.approx(120 / 90 - 1)
    assert e.max_drawdown[3] == pytest.approx(105 / 90 - 1)
    assert e.returns[30] is None and e.max_gain[30] is None and e.pending
    e2 = study.episodes[1]
    assert e2.returns[5] == pytest.approx(155 / 125 - 1)  # Jan 9 -> Jan 14
    assert study.stats[5].n == 2 and study.stats[30].n == 0 and study.stats[30].n_pending == 2
    assert study.stats[30].median is None and study.stats[30].p_random_as_good is None


def test_weekend_event_enters_at_friday_close():
    y = series([100, 101, 102, 103, 104, 110, 111, 112, 113, 114], freq="B")
    x = series(np.linspace(1, 2, 14), freq="D")  # a 7-day trigger
    study = event_study(x, y, pd.DatetimeIndex(["2024-01-06"]), horizons=(2, 3), n_boot=0)
    e = study.episodes[0]
    assert e.entry_date == ts("2024-01-05") and e.target_entry == 104
    assert e.returns[2] == pytest.approx(110 / 104 - 1)  # Sat + 2 = Mon 8
    assert e.max_gain[2] == pytest.approx(110 / 104 - 1)
    assert study.stats[2].p_random_as_good is None  # no bootstrap asked for


def test_pending_windows_are_excluded_from_stats():
    y = series(TARGET)
    x = series(np.arange(1, 21))
    ev = pd.DatetimeIndex(["2024-01-03", "2024-01-05", "2024-01-17"])
    study = event_study(x, y, ev, horizons=(4,), n_boot=500)
    pending = [e for e in study.episodes if e.pending]
    assert [e.date for e in pending] == [ts("2024-01-17")]  # Jan 21 is after Jan 20
    s = study.stats[4]
    r = [study.episodes[0].returns[4], study.episodes[1].returns[4]]
    assert s.n == 2 and s.n_pending == 1
    assert s.median == pytest.approx(np.median(r)) and s.mean == pytest.approx(np.mean(r))
    assert s.best == max(r) and s.worst == min(r)
    assert s.hit_rate == np.mean(np.array(r) > 0)


def test_base_rate_covers_finished_windows_in_the_shared_span():
    y = series(TARGET)  # Jan 1 .. Jan 20
    x = series(np.arange(1, 31), start="2023-12-25")  # trigger ends Jan 23, starts earlier
    study = event_study(x, y, pd.DatetimeIndex(["2024-01-04"]), horizons=(5,), n_boot=100)
    base = forward_returns(y, 5).dropna()
    s = study.stats[5]
    assert s.base_n == len(base) == 15
    assert s.base_median == pytest.approx(base.median())
    assert s.base_mean == pytest.approx(base.mean())
    assert s.base_q25 == pytest.approx(base.quantile(0.25))
    assert s.base_q75 == pytest.approx(base.quantile(0.75))
    assert s.base_hit_rate == pytest.approx((base > 0).mean())
    assert s.diff_median == pytest.approx(s.median - s.base_median)
    assert s.diff_hit_rate == pytest.approx(s.hit_rate - s.base_hit_rate)


def test_target_starting_after_trigger():
    x = series(np.arange(1, 41), start="2023-12-01")
    y = series(TARGET)  # starts 2024-01-01
    ev = pd.DatetimeIndex(["2023-12-05", "2023-12-20", "2024-01-02", "2024-01-08"])
    study = event_study(x, y, ev, horizons=(3,), n_boot=100)
    assert study.events_before_target == 2
    assert [e.date for e in study.episodes] == list(ev[2:])
    assert study.target_start == ts("2024-01-01") and study.trigger_start == ts("2023-12-01")
    assert study.span_start == ts("2024-01-01") and study.span_end == ts("2024-01-09")
    # base start days Jan 1 .. Jan 9 (span end), all finished for h = 3
    assert study.stats[3].base_n == 9


def test_events_before_trigger_are_an_error():
    x = series(np.arange(1, 10), start="2024-01-05")
    with pytest.raises(ValueError, match="before the trigger"):
        event_study(x, series(TARGET), pd.DatetimeIndex(["2024-01-02"]))


def test_overlapping_pairs_count_consecutive_completed_windows():
    y = series(TARGET)
    ev = pd.DatetimeIndex(["2024-01-01", "2024-01-03", "2024-01-10", "2024-01-12"])
    study = event_study(y, y, ev, horizons=(2, 3, 8, 10), n_boot=0)
    # gaps 2, 7, 2 days; at h=10 the Jan 12 window (to Jan 22) is unfinished, leaving two gaps
    assert study.overlapping_pairs == {2: 0, 3: 2, 8: 3, 10: 2}


def test_no_events_is_safe():
    y = series(TARGET)
    study = event_study(y, y, pd.DatetimeIndex([]), horizons=(3,))
    s = study.stats[3]
    assert study.episodes == [] and s.n == 0 and s.mean is None and s.p_random_as_good is None
    assert s.base_n == 17 and s.diff_median is None


def random_walk(n, seed, freq="D", start="2010-01-01"):
    r = np.random.default_rng(seed).normal(0.0005, 0.02, n)
    return series(100 * np.exp(np.cumsum(r)), start=start, freq=freq)


def naive_p(study, target, h, seed, n_boot):
    """The bootstrap spelled out: n_boot samples, one np.median each."""
    base = np.sort(forward_returns(target, h)[target.index >= study.span_start].dropna().to_numpy())
    done = [e.returns[h] for e in study.episodes if e.returns[h] is not None]
    u = np.random.default_rng(seed).random((len(study.episodes), n_boot))[: len(done)]
    idx = np.minimum((u * len(base)).astype(np.int64), len(base) - 1)
    meds = np.array([np.median(base[idx[:, k]]) for k in range(n_boot)])
    return float(np.mean(meds >= np.median(done)))


@pytest.mark.parametrize("n_events", [1, 2, 5, 6, 11, 12])
def test_bootstrap_matches_spelled_out_medians(n_events):
    y = random_walk(1500, 1)
    x = random_walk(2500, 2, start="2008-01-01")
    ev = pd.DatetimeIndex(
        np.sort(np.random.default_rng(n_events).choice(y.index[:1000], n_events, replace=False))
    )
    study = event_study(x, y, ev, horizons=(30, 90), n_boot=2000, seed=7)
    for h in (30, 90):
        assert study.stats[h].p_random_as_good == naive_p(study, y, h, 7, 2000)


def test_bootstrap_is_deterministic():
    y, x = random_walk(1500, 3), random_walk(1500, 4)
    ev = pd.DatetimeIndex(y.index[[100, 400, 700, 1000]])
    a = event_study(x, y, ev, n_boot=3000, seed=5)
    b = event_study(x, y, ev, n_boot=3000, seed=5)
    c = event_study(x, y, ev, n_boot=3000, seed=6)
    assert a.stats == b.stats
    assert [a.stats[h].p_random_as_good for h in a.horizons] != [
        c.stats[h].p_random_as_good for h in c.horizons
    ]
    only_90 = event_study(x, y, ev, horizons=(90,), n_boot=3000, seed=5)
    assert only_90.stats[90] == a.stats[90]  # a horizon's p doesn't depend on the others


def test_event_paths_index_to_100_and_stop_at_last_date():
    y = series([100, 101, 102, 103, 104, 110, 111, 112, 113, 114], freq="B")
    paths = event_paths(y, pd.DatetimeIndex(["2023-12-20", "2024-01-04", "2024-01-10"]), 4)
    assert list(paths.columns) == ["2024-01-04", "2024-01-10"]  # the 2023 event has no target
    assert list(paths.index) == [0, 1, 2, 3, 4]
    p = paths["2024-01-04"]
    expected = [100, 104 / 103 * 100, 104 / 103 * 100, 104 / 103 * 100, 110 / 103 * 100]
    assert p.tolist() == pytest.approx(expected)  # Thu, Fri, Sat, Sun (filled), Mon
    q = paths["2024-01-10"]
    assert q[:3].tolist() == pytest.approx([100, 113 / 112 * 100, 114 / 112 * 100])
    assert q[3:].isna().all()  # Sat Jan 13 onward is after the last date


def test_base_band_of_a_steady_climb_is_one_line():
    y = series(100 * 1.01 ** np.arange(200))
    band = base_band(y, 30)
    assert list(band.columns) == ["q25", "q50", "q75"] and len(band) == 31
    expected = 100 * 1.01 ** np.arange(31)
    for col in band:
        assert band[col].to_numpy() == pytest.approx(expected)
    small = base_band(y, 30, max_starts=10)
    assert small.to_numpy() == pytest.approx(band.to_numpy())


def test_base_band_quartiles_and_start():
    y = series(TARGET)
    band = base_band(y, 2, start="2024-01-10")
    starts = y.index[(y.index >= "2024-01-10") & (y.index <= "2024-01-18")]
    day2 = [y[t + pd.Timedelta(days=2)] / y[t] * 100 for t in starts]
    assert band.loc[2, "q50"] == pytest.approx(np.median(day2))
    assert band.loc[2, "q25"] == pytest.approx(np.quantile(day2, 0.25))
    assert base_band(y, 50).isna().all().all()  # no finished window at all


@settings(max_examples=120, deadline=None)
@given(
    st.lists(st.integers(-5, 5), min_size=1, max_size=40),
    st.integers(1, 8),
    st.integers(-6, 6),
    st.integers(0, 2**32 - 1),
)
def test_bootstrap_shortcut_equals_median_per_sample_with_ties(base, n, m, seed):
    from bot.analytics._bootstrap import p_as_good

    sb = np.sort(np.asarray(base, dtype=float) / 4)
    u = np.random.default_rng(seed).random((n, 200))
    idx = np.minimum((u * len(sb)).astype(np.int64), len(sb) - 1)
    expected = np.mean([np.median(sb[idx[:, k]]) >= m / 4 for k in range(u.shape[1])])
    assert p_as_good(u, sb, m / 4) == expected
