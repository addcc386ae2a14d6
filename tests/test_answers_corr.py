"""/corr in words: every sentence agrees with its number, counted independently here.

B is built from A so the relationship's sign is known (B falls about 1.5x when A rises), on a
7-day calendar against A's weekdays, so the count of shared sessions is not simply the length
of either series.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest

from bot.answers.corr import answer_correlation
from bot.errors import BadInput
from bot.market.data import PriceHistory
from bot.market.symbols import resolve

FETCHED = datetime(2024, 1, 2, tzinfo=UTC)


def frame(close: pd.Series) -> pd.DataFrame:
    return pd.DataFrame(
        {"Open": close, "High": close, "Low": close, "Close": close, "Volume": 1e6},
        index=pd.DatetimeIndex(close.index, name="Date"),
    )


def pair(n: int = 700, seed: int = 7) -> tuple[pd.Series, pd.Series]:
    rng = np.random.default_rng(seed)
    days = pd.date_range("2020-01-01", periods=n, freq="D")
    a_full = pd.Series(100 * np.cumprod(1 + rng.normal(0, 0.01, n)), index=days)
    noise = np.cumprod(1 + rng.normal(0, 0.006, n))
    b = pd.Series(100 * (a_full / 100) ** -1.5 * noise, index=days)
    a = a_full[a_full.index.day_of_week < 5]  # the exchange asset trades on weekdays only
    return a, b


def answer(a: pd.Series, b: pd.Series, window: int):
    ha = PriceHistory("^RUT", frame(a), FETCHED, "test")
    hb = PriceHistory("BTC-USD", frame(b), FETCHED, "test")
    return answer_correlation(resolve("^RUT"), ha, resolve("BTC-USD"), hb, window=window)


def independent(a: pd.Series, b: pd.Series, window: int) -> dict:
    shared = sorted(set(a.index) & set(b.index))
    ra = a.loc[shared].pct_change().dropna()
    rb = b.loc[shared].pct_change().dropna()
    rolling = ra.rolling(window).corr(rb).dropna()
    current = rolling.iloc[-1]
    return {
        "n": len(ra),
        "full": ra.corr(rb),
        "current": current,
        "beyond": (rolling > current).mean() if current < 0 else (rolling < current).mean(),
        "beta": ra.cov(rb) / ra.var(),
    }


@pytest.mark.parametrize("window", [30, 90])
def test_every_sentence_agrees_with_its_number(window) -> None:
    a, b = pair()
    want = independent(a, b, window)
    insight = answer(a, b, window)
    assert want["current"] < 0 and want["beta"] < 0  # built that way
    text = insight.verdict

    m = re.search(r"correlation of ([-+]\d\.\d\d), more negative than (\d+)% of past", text)
    assert m, text
    assert float(m.group(1)) == pytest.approx(round(want["current"], 2))
    assert int(m.group(2)) == round(want["beyond"] * 100)
    m = re.search(r"over all ([\d,]+) shared sessions it is ([-+]\d\.\d\d)", text)
    assert m, text
    assert int(m.group(1).replace(",", "")) == want["n"]
    assert float(m.group(2)) == pytest.approx(round(want["full"], 2))
    m = re.search(
        r"Bitcoin moved (\d+\.\d+)x Russell 2000's daily move on average, "
        r"in the opposite direction \(beta ([-+]\d\.\d\d)\)",
        text,
    )
    assert m, text
    assert float(m.group(2)) == pytest.approx(round(want["beta"], 2))
    digits = 1 if abs(want["beta"]) >= 1 else 2
    assert float(m.group(1)) == pytest.approx(round(abs(want["beta"]), digits))


def test_one_count_of_shared_sessions_everywhere() -> None:
    a, b = pair()
    insight = answer(a, b, 90)
    everything = " ".join([insight.verdict, *(v for _, v in insight.figures), *insight.caveats])
    counts = {int(c.replace(",", "")) for c in re.findall(r"([\d,]+) shared sessions", everything)}
    assert counts == {independent(a, b, 90)["n"]}
    assert insight.data["n_obs"] == independent(a, b, 90)["n"]
    # The folded weekend dates are said, and the same count of sessions goes with them.
    assert any("folded into the next shared session" in c for c in insight.caveats)


def test_a_positive_correlation_reads_higher_than() -> None:
    a, _ = pair()
    rng = np.random.default_rng(3)
    b = a * np.cumprod(1 + rng.normal(0, 0.004, len(a)))  # moves with A
    want = independent(a, b, 60)
    insight = answer(a, b, 60)
    m = re.search(r", higher than (\d+)% of past 60-session readings", insight.verdict)
    assert m and int(m.group(1)) == round(want["beyond"] * 100)
    assert "in the same direction" in insight.verdict


@pytest.mark.parametrize(("window", "caveat"), [(10, True), (19, True), (20, False)])
def test_a_window_under_20_sessions_gets_a_caveat(window, caveat) -> None:
    a, b = pair()
    short = [c for c in answer(a, b, window).caveats if "window is short" in c]
    assert bool(short) is caveat
    if caveat:
        assert short[0].startswith(f"A {window}-session window is short")


def test_a_window_longer_than_the_shared_history_is_a_clear_message() -> None:
    a, b = pair(n=60)
    with pytest.raises(BadInput, match="a window of up to 42 sessions fits"):
        answer(a, b, 90)
