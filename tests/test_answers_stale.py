"""Stale series are never presented as current: the brief's headline, /quote and /ath.

Every series here is built so the answer is known: the stale one has by far the biggest daily
move (so a headline that ignored staleness would name it), and its age is counted by hand.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import numpy as np
import pandas as pd
import pytest

from bot.answers.ath import answer_ath
from bot.answers.brief import BriefInputs, answer_brief
from bot.answers.common import data_age, sessions_behind
from bot.answers.quote import answer_quote
from bot.market.data import PriceHistory
from bot.market.symbols import resolve

FETCHED = datetime(2026, 8, 20, tzinfo=UTC)


def bars(dates: pd.DatetimeIndex, close: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame(
        {"Open": close, "High": close, "Low": close, "Close": close, "Volume": 1e6},
        index=pd.DatetimeIndex(dates, name="Date"),
    )


def calm(end: str, periods: int = 400, freq: str = "B") -> pd.DataFrame:
    """Rises 0.1% a session: every close a record, every daily move +0.1%."""
    dates = pd.date_range(end=end, periods=periods, freq=freq)
    return bars(dates, 100 * 1.001 ** np.arange(periods))


def jumpy(end: str, periods: int = 400) -> pd.DataFrame:
    """Flat, then +20% on its last session: the biggest daily move on any watchlist here."""
    dates = pd.bdate_range(end=end, periods=periods)
    close = np.full(periods, 50.0)
    close[-1] = 60.0
    return bars(dates, close)


def history(symbol: str, frame: pd.DataFrame) -> PriceHistory:
    return PriceHistory(symbol=symbol, bars=frame, as_of=FETCHED, source="test")


def test_sessions_behind_counts_weekdays_for_exchanges_and_days_for_crypto() -> None:
    rut, btc = resolve("^RUT"), resolve("BTC-USD")
    friday, monday = date(2026, 8, 14), date(2026, 8, 17)
    assert sessions_behind(rut, friday, monday) == 1  # the weekend is no missed session
    assert sessions_behind(btc, friday, monday) == 3
    assert sessions_behind(rut, friday, date(2026, 8, 19)) == 3  # Mon, Tue, Wed
    assert data_age(rut, friday, date(2026, 8, 19)) is None  # 3 sessions: still current
    assert sessions_behind(rut, friday, date(2026, 8, 20)) == 4
    assert data_age(rut, friday, date(2026, 8, 20)) == 6  # 4 sessions: 6 calendar days old
    assert sessions_behind(rut, monday, friday) == 0  # data newer than the date: not behind
    assert data_age(rut, friday, None) is None


@pytest.fixture
def brief():
    # The brief is for Thursday 2026-08-20. ^RUT closed Wednesday (1 session behind: current);
    # ^GSPC stopped on Thursday 2026-08-13 (5 sessions behind: stale) with a +20% last move.
    inputs = BriefInputs(
        watchlist=[
            (resolve("^RUT"), history("^RUT", calm("2026-08-19"))),
            (resolve("^GSPC"), history("^GSPC", jumpy("2026-08-13"))),
        ],
        today=date(2026, 8, 20),
    )
    return answer_brief(inputs)


def test_a_stale_series_is_left_out_of_the_headline(brief) -> None:
    assert "Biggest daily move: Russell 2000 +0.1%." in brief.verdict
    assert "S&P 500 +20" not in brief.verdict
    rows = {r["symbol"]: r for r in brief.data["watchlist"]}
    assert rows["^GSPC"]["stale_days"] == 7 and rows["^RUT"]["stale_days"] is None
    assert brief.data["date"] == "2026-08-20"


def test_a_stale_series_line_says_the_date_of_its_last_bar(brief) -> None:
    lines = dict(brief.figures)
    assert lines["S&P 500 (^GSPC)"].startswith("last bar 2026-08-13 (data is 7 days old) · ")
    assert not lines["Russell 2000 (^RUT)"].startswith("last bar")
    assert any("^GSPC ends 2026-08-13" in c for c in brief.caveats)


def test_a_record_on_a_stale_bar_is_dated_in_the_headline() -> None:
    inputs = BriefInputs(
        watchlist=[
            (resolve("^RUT"), history("^RUT", calm("2026-08-10"))),
            (resolve("^GSPC"), history("^GSPC", jumpy("2026-08-19"))),
        ],
        today=date(2026, 8, 20),
    )
    insight = answer_brief(inputs)
    # Both closed at a record; only the current one is stated without a date.
    assert insight.verdict.startswith("At a record close: Russell 2000 (on 2026-08-10), S&P 500.")
    assert "Biggest daily move: S&P 500 +20.0%." in insight.verdict


def test_when_every_series_is_stale_no_move_is_called_the_days() -> None:
    inputs = BriefInputs(
        watchlist=[(resolve("^GSPC"), history("^GSPC", jumpy("2026-08-13")))],
        today=date(2026, 8, 20),
    )
    insight = answer_brief(inputs)
    assert "Biggest daily move" not in insight.verdict
    assert "No series is current" in insight.verdict


@pytest.mark.parametrize("answer", [answer_quote, answer_ath])
def test_quote_and_ath_date_their_first_line_and_say_how_old(answer) -> None:
    frame = calm("2026-08-10")  # a Monday
    asset = resolve("^RUT")
    old = answer(asset, history("^RUT", frame), today=date(2026, 8, 20))
    first = old.verdict.split(". ")[0]
    assert "on 2026-08-10 (data is 10 days old)" in first
    assert old.data["stale_days"] == 10
    fresh = answer(asset, history("^RUT", frame), today=date(2026, 8, 11))
    assert "2026-08-10" in fresh.verdict.split(". ")[0]
    assert "days old" not in fresh.verdict and fresh.data["stale_days"] is None
