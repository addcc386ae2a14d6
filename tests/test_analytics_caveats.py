"""Caveats appear when their number calls for them, and carry that number."""

import re
from dataclasses import replace

import numpy as np
import pandas as pd

from bot.analytics import (
    EventStudy,
    HorizonStats,
    ath_caveats,
    ath_status,
    correlation,
    correlation_caveats,
    study_caveats,
)

T = pd.Timestamp


def stats(h, n, p=0.01):
    return HorizonStats(
        horizon=h, n=n, mean=0.1, median=0.1, hit_rate=0.6, best=0.3, worst=-0.1,
        base_n=1000, base_mean=0.05, base_median=0.05, base_hit_rate=0.55, base_q25=-0.05,
        base_q75=0.15, diff_median=0.05, diff_hit_rate=0.05, p_random_as_good=p,
    )  # fmt: skip


def study(n=20, overlaps=None, before=0, target_start="1990-01-01", ps=None):
    hs = (30, 90, 180, 365)
    ps = ps or {}
    return EventStudy(
        horizons=hs,
        episodes=[],
        stats={h: stats(h, n, ps.get(h, 0.01)) for h in hs},
        events_before_target=before,
        target_start=T(target_start),
        trigger_start=T("1990-01-01"),
        span_start=max(T(target_start), T("1990-01-01")),
        span_end=T("2024-01-01"),
        overlapping_pairs=overlaps or dict.fromkeys(hs, 0),
    )


def caveats(s, **kw):
    return study_caveats(s, trigger="Russell 2000", target="Bitcoin", **kw)


def test_clean_study_has_only_the_standing_caveats():
    out = caveats(study())
    assert len(out) == 2
    assert out[0].startswith("Co-movement is not cause:")
    assert out[1] == "Not investment advice."


def test_few_completed_episodes():
    out = caveats(study(n=4))
    assert out[0] == (
        "Only 4 completed episodes at 365 days: too few to tell a pattern from chance."
    )
    assert any("No Russell 2000 event has a completed 365-day" in c for c in caveats(study(n=0)))
    assert not any("Only" in c for c in caveats(study(n=10)))


def test_overlapping_windows_report_count():
    out = caveats(study(overlaps={30: 0, 90: 1, 180: 3, 365: 3}))
    assert "At 365 days, 3 pairs of consecutive episodes have overlapping windows" in out[0]


def test_shorter_target_history():
    out = caveats(study(before=9, target_start="2014-09-17"))
    assert (
        "Bitcoin's history starts 2014-09-17; 9 earlier Russell 2000 events can't be measured."
        in out
    )
    out = caveats(study(before=0, target_start="2014-09-17"))
    assert any("later than Russell 2000's (1990-01-01)" in c for c in out)


def test_ordinary_range_is_two_sided_and_names_the_share():
    out = caveats(study(ps={30: 0.05, 90: 0.41, 180: 0.23, 365: 0.97}))
    hit = [c for c in out if "ordinary" in c]
    assert hit == [
        "At 90 and 180 days the result is ordinary: random samples of the "
        "same number of days did as well 41% and 23% of the time."
    ]


def test_data_and_index_notes():
    note = "Yahoo Finance timed out; using prices fetched 2024-05-01 14:00 UTC"
    out = caveats(study(), price_index=True, stale_since=note, partial_last_bar=True)
    assert f"Prices may be out of date: {note}." in out
    assert any("intraday capture" in c for c in out)
    assert any("Bitcoin's returns are price-only: dividends are not included." in c for c in out)


def test_number_triggered_caveats_carry_their_number():
    s = study(n=3, overlaps={30: 2, 90: 0, 180: 0, 365: 0}, before=5, target_start="2014-09-17")
    s = replace(s, stats={**s.stats, 90: stats(90, 3, 0.5)})
    out = caveats(s)
    standing = {"Not investment advice."}
    for c in out:
        if c not in standing and not c.startswith("Co-movement"):
            assert re.search(r"\d", c), c
        assert c.endswith(".") and "!" not in c


def walk(n, seed, freq="B"):
    r = np.random.default_rng(seed).normal(0, 0.01, n)
    return pd.Series(
        100 * np.cumprod(1 + r), index=pd.date_range("2020-01-01", periods=n, freq=freq)
    )


def test_correlation_caveats():
    c = correlation(walk(120, 1), walk(120, 2), window=10)
    out = correlation_caveats(c, a="Bitcoin", b="Russell 2000")
    assert "Only 119 shared sessions with a daily return" in out[0]
    assert "10-session window is short" in out[1]
    assert any(re.search(r"has ranged from [-+]\d\.\d\d to [-+]\d\.\d\d", x) for x in out)
    assert out[-2].startswith("Correlation is not cause:") and out[-1] == "Not investment advice."
    long = correlation(walk(1000, 3), walk(1000, 3), window=90)
    assert correlation_caveats(long, a="A", b="B")[:1] == [
        "Correlation is not cause: A and B moving together does not mean one drives the other."
    ]


def test_correlation_caveat_notes_folded_dates():
    b = walk(400, 4, freq="D")
    a = b[b.index.day_of_week < 5]
    out = correlation_caveats(correlation(a, b), a="Russell 2000", b="Bitcoin")
    folded = int(((b.index >= a.index[0]) & (b.index <= a.index[-1])).sum()) - len(a)
    # One count of shared sessions: the sessions with a return (all shared dates but the first).
    shared = f"{len(a) - 1:,} shared sessions"
    assert any(f"Measured on the {shared}; {folded} dates" in x for x in out)


def test_ath_caveats():
    close = walk(50, 5)
    high = close * 1.01
    status = ath_status(close, high)
    out = ath_caveats(
        status,
        name="Russell 2000",
        price_index=True,
        history_start="1987-09-10",
        stale_since="2024-05-01",
    )
    assert out[0] == "This history starts 1987-09-10; earlier highs are not counted."
    assert out[1].startswith("These are closing highs; the intraday high was ")
    assert "Russell 2000's record is price-only: dividends are not included." in out
    assert any("2024-05-01" in c for c in out)
    assert out[-1] == "Not investment advice."
    assert ath_caveats(ath_status(close), name="X") == ["Not investment advice."]
