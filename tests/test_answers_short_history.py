"""A target with about 100 days of history (a new listing): answer what can be answered, say
plainly what cannot and why; never a bare ValueError ("Sorry, something went wrong")."""

from __future__ import annotations

import pickle
from datetime import UTC, datetime

import pandas as pd
import pytest

from bot.answers.after import answer_after
from bot.answers.brief import BriefInputs, answer_brief
from bot.answers.corr import answer_correlation
from bot.errors import BadInput, NoData, TooLittleHistory
from bot.market.data import PriceHistory
from bot.market.symbols import resolve
from tests.market_fixtures import FIRST_RECORD_STEP, cycling_index, daily_crypto

CYCLE = 250
EVENT = CYCLE * 2 + FIRST_RECORD_STEP  # the trigger's second fresh record (session index)


def history(symbol: str, bars: pd.DataFrame) -> PriceHistory:
    return PriceHistory(symbol, bars, datetime(2026, 1, 1, tzinfo=UTC), "test")


def market(target_days: int) -> tuple[PriceHistory, PriceHistory]:
    """The trigger ends 50 sessions (70 calendar days) after a fresh record; the target is a
    daily series covering only the last `target_days` calendar days."""
    rut = cycling_index(cycles=3).iloc[: EVENT + 51]
    end = rut.index[-1]
    start = end - pd.Timedelta(days=target_days - 1)
    btc = daily_crypto(start=str(start.date()), end=str(end.date()))
    assert len(btc) == target_days
    return history("^RUT", rut), history("BTC-USD", btc)


def test_after_measures_the_horizon_it_can_and_says_plainly_which_it_cannot():
    rut, btc = market(100)
    insight = answer_after(resolve("^RUT"), rut, resolve("BTC-USD"), btc,
                           horizons=(30, 90, 180, 365), min_gap=63, event="ath", lookback=252)
    stats = insight.data["stats"]
    assert stats["30"]["n"] == 1  # the record 70 days before the end has a finished 30-day window
    assert [stats[h]["n"] for h in ("90", "180", "365")] == [0, 0, 0]
    assert "no completed window yet at 90 days, 180 days and 1 year" in insight.verdict
    figures = dict(insight.figures)
    assert all(figures[f"{h} after"] == "no completed window yet"
               for h in ("90 days", "180 days", "1 year"))
    assert any("history starts" in c and "1 earlier Russell 2000 event can't be measured" in c
               for c in insight.caveats)
    assert insight.chart_png


def test_corr_with_too_few_shared_dates_for_the_window_says_which_window_fits():
    rut, btc = market(100)
    shared = len(rut.close.index.intersection(btc.close.index))
    assert shared == 72  # weekdays among the 100 days
    with pytest.raises(BadInput) as info:
        answer_correlation(resolve("^RUT"), rut, resolve("BTC-USD"), btc, window=90)
    message = str(info.value)
    start = btc.bars.index[0].strftime("%Y-%m-%d")
    assert message == (
        f"Russell 2000 and Bitcoin share only 72 dates (Bitcoin's history starts {start}), "
        "too few for a 90-session window; a window of up to 71 sessions fits."
    )
    fits = answer_correlation(resolve("^RUT"), rut, resolve("BTC-USD"), btc, window=71)
    assert fits.data["n_obs"] == 71 and len(fits.data) and fits.chart_png


def test_corr_with_nothing_to_measure_is_no_data_said_plainly():
    rut, btc = market(4)
    with pytest.raises(TooLittleHistory) as info:
        answer_correlation(resolve("^RUT"), rut, resolve("BTC-USD"), btc, window=5)
    error = info.value
    assert isinstance(error, NoData)  # the front ends answer it privately, exit 1 in a terminal
    # Sunday to Wednesday: three sessions in common
    assert "share only 3 dates" in str(error) and "nothing to measure yet" in str(error)
    assert str(pickle.loads(pickle.dumps(error))) == str(error)  # crosses the process pool


def test_the_brief_leaves_out_a_correlation_it_cannot_measure():
    rut, btc = market(100)
    insight = answer_brief(BriefInputs(watchlist=[(resolve("^RUT"), rut)], rut=rut, btc=btc,
                                       today=rut.bars.index[-1].date()))
    assert "rut_btc_corr" not in insight.data
    assert any("correlation left out: only 72 shared dates" in n for n in insight.notes)
