"""The brief's "what history says" lines, on a market whose records are known by construction."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import pytest

from bot.answers.brief import BriefInputs, answer_brief
from bot.market.data import PriceHistory
from bot.market.symbols import resolve
from tests.market_fixtures import (
    CYCLE_DOWN,
    CYCLE_UP,
    FIRST_RECORD_STEP,
    cycling_index,
    daily_crypto,
)

CYCLE = CYCLE_UP + CYCLE_DOWN
FETCHED = datetime(2016, 1, 2, tzinfo=UTC)


def history(symbol: str, bars: pd.DataFrame) -> PriceHistory:
    return PriceHistory(symbol=symbol, bars=bars, as_of=FETCHED, source="test")


def brief_for(rut: pd.DataFrame, btc: pd.DataFrame):
    inputs = BriefInputs(
        watchlist=[
            (resolve("^RUT"), history("^RUT", rut)),
            (resolve("BTC-USD"), history("BTC-USD", btc)),
        ],
        today=rut.index[-1].date(),  # the brief is for the trigger's last session
    )
    return answer_brief(inputs)


def test_a_fresh_record_today_brings_the_history_line_with_the_right_numbers() -> None:
    full = cycling_index()
    last = 9 * CYCLE + FIRST_RECORD_STEP  # cycle 9's fresh all-time high: make it "today"
    rut = full.iloc[: last + 1]
    btc = daily_crypto()
    insight = brief_for(rut, btc)
    (row,) = [r for r in insight.data["watchlist"] if r["symbol"] == "^RUT"]
    assert row["is_fresh_ath"] and "fresh ATH event" in row["flags"]

    (line,) = insight.data["history_says"]
    assert line.startswith("After Russell 2000 fresh ATHs, Bitcoin")
    # Independently: every fresh record since BTC's first day, its 90-day return from the last
    # BTC close on or before the event to the last close on or before event + 90 days.
    close = btc["Close"]
    events = [rut.index[k * CYCLE + FIRST_RECORD_STEP] for k in range(1, 10)]
    returns = []
    for day in events:
        end = day + pd.Timedelta(days=90)
        if day >= close.index[0] and end <= close.index[-1]:
            returns.append(close.loc[:end].iloc[-1] / close.loc[:day].iloc[-1] - 1)
    higher = sum(r > 0 for r in returns) / len(returns)
    assert f"90d: n={len(returns)}, higher {higher * 100:.0f}%" in line
    assert f"median {pd.Series(returns).median() * 100:+.1f}%" in line


def test_no_history_line_when_nothing_set_a_record_today() -> None:
    full = cycling_index()
    rut = full.iloc[: 9 * CYCLE + FIRST_RECORD_STEP - 5]  # five sessions before the record
    insight = brief_for(rut, daily_crypto())
    assert insight.data["history_says"] == []
    assert not any(label == "What history says" for label, _ in insight.figures)


def test_a_brief_with_no_prices_at_all_is_refused_not_invented() -> None:
    from bot.errors import BadInput

    with pytest.raises(BadInput, match="No prices arrived"):
        answer_brief(BriefInputs(watchlist=[], missing={"^RUJ": "unknown"}))
