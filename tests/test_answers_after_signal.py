"""/after on any signal: events, returns, words and caveats on series whose answer is known.

The trigger is a VIX-like series at 15 with spikes to 35 on known sessions; the target is a
7-day series that steps up exactly 10% on the day after each event, so every event's 30-day
return is +10% by construction and any other day's is +10% only when a step falls in its window.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest

from bot.analytics.signals import SignalError, parse_signal
from bot.answers.after import answer_after, answer_signal_after
from bot.cli import main
from bot.errors import BadInput
from bot.insights import after_signal
from bot.market.data import PriceHistory
from bot.market.symbols import resolve
from tests.market_fixtures import _ohlcv, cycling_index, write_yahoo_csv

FETCHED = datetime(2020, 1, 1, tzinfo=UTC)
SPIKES = (100, 101, 102, 130, 300, 500)  # sessions where the VIX closes at 35
EVENTS = (100, 300, 500)  # 130 is 28 sessions after 102: inside the 63-session gap


def vix_frame(start: str = "2010-01-04", n: int = 600) -> pd.DataFrame:
    values = np.full(n, 15.0)
    values[list(SPIKES)] = 35.0
    return _ohlcv(pd.bdate_range(start, periods=n), values, volume=0)


def btc_frame(vix: pd.DataFrame) -> pd.DataFrame:
    days = pd.date_range(vix.index[0], vix.index[-1] + pd.Timedelta(days=400), freq="D")
    steps = np.zeros(len(days))
    for pos in EVENTS:
        steps[days.searchsorted(vix.index[pos]) + 1] = 1
    return _ohlcv(days, 100 * 1.1 ** np.cumsum(steps), volume=1.0)


def history(symbol: str, frame: pd.DataFrame) -> PriceHistory:
    return PriceHistory(symbol=symbol, bars=frame, as_of=FETCHED, source="test")


def study(text: str, frames: dict[str, pd.DataFrame], target: str = "BTC-USD"):
    signal = parse_signal(text)
    assets = {s: resolve(s) for s in signal.symbols}
    histories = {s: history(s, frames[s]) for s in signal.symbols}
    return answer_signal_after(
        signal,
        assets,
        histories,
        resolve(target),
        history(target, frames[target]),
        horizons=(30, 90),
    )


@pytest.fixture(scope="module")
def vix_answer():
    vix = vix_frame()
    return study("vix close > 30", {"^VIX": vix, "BTC-USD": btc_frame(vix)}), vix


def test_events_returns_and_json_of_a_level_signal(vix_answer) -> None:
    insight, vix = vix_answer
    data = insight.data
    assert data["signal"] == "^VIX close > 30" and data["trigger"] == "^VIX"
    assert data["event"] == "signal" and data["min_gap"] == 63 and data["lookback"] is None
    assert [e["date"] for e in data["events"]] == [
        vix.index[p].strftime("%Y-%m-%d") for p in EVENTS
    ]
    for e in data["events"]:
        assert e["returns"]["30"] == pytest.approx(0.10, abs=1e-9)
        assert e["trigger_close"] == pytest.approx(35.0)
    assert data["stats"]["30"]["n"] == 3 and data["stats"]["30"]["hit_rate"] == 1.0


def test_title_and_verdict_name_the_signal_in_plain_words(vix_answer) -> None:
    insight, _ = vix_answer
    words = "CBOE Volatility Index first closed above 30 in at least 63 sessions"
    assert insight.title == f"Bitcoin after {words}"
    assert insight.verdict.startswith(f"Bitcoin after {words}: ")
    assert insight.chart_png.startswith(b"\x89PNG")


def test_few_events_and_one_regime_caveats_carry_their_numbers(vix_answer) -> None:
    insight, vix = vix_answer
    first, last = (vix.index[p].strftime("%Y-%m-%d") for p in (EVENTS[0], EVENTS[-1]))
    assert "The signal fired only 3 times since 2010-01-04: too few events" in insight.caveats[0]
    regime = [c for c in insight.caveats if c.startswith("All 3 events fall between")]
    assert regime == [
        f"All 3 events fall between {first} and {last}, within two years: one market regime, "
        "so the same threshold may behave differently in another."
    ]
    assert any("after '^VIX close > 30' events" in c for c in insight.caveats)


def test_events_spread_over_years_have_no_regime_caveat() -> None:
    n = 1500
    values = np.full(n, 15.0)
    values[[100, 700, 1400]] = 35.0
    vix = _ohlcv(pd.bdate_range("2010-01-04", periods=n), values, volume=0)
    days = pd.date_range(vix.index[0], periods=n * 2, freq="D")
    btc = _ohlcv(days, 100 * np.exp(np.arange(len(days)) * 1e-4), volume=1.0)
    insight = study("^VIX close > 30", {"^VIX": vix, "BTC-USD": btc})
    assert len(insight.data["events"]) == 3
    assert not any(c.startswith("All 3 events") for c in insight.caveats)


def test_a_clause_on_a_shorter_history_says_when_the_study_applies() -> None:
    rut = cycling_index()  # records at sessions k * 250 + 87 for k >= 1
    late = rut.index[1000]  # the VIX starts at session 1000: records before it cannot count
    vix = _ohlcv(pd.bdate_range(late, periods=len(rut) - 1000), np.full(len(rut) - 1000, 15.0), 0)
    btc = _ohlcv(pd.date_range(rut.index[0], rut.index[-1], freq="D"), np.linspace(1, 2, 3650)[
        : len(pd.date_range(rut.index[0], rut.index[-1], freq="D"))
    ], volume=1.0)
    insight = study("^RUT ath and ^VIX close < 20", {"^RUT": rut, "^VIX": vix, "BTC-USD": btc})
    dates = [e["date"] for e in insight.data["events"]]
    expected = [rut.index[k * 250 + 87].strftime("%Y-%m-%d") for k in range(1, 10)]
    assert dates == [d for d in expected if d >= late.strftime("%Y-%m-%d")]
    assert (
        f"CBOE Volatility Index's history starts {late:%Y-%m-%d}, later than Russell 2000's "
        f"({rut.index[0]:%Y-%m-%d}): the signal can only hold from {late:%Y-%m-%d}, "
        "so the study applies from then."
    ) in insight.caveats


def test_bare_symbol_and_ath_signal_give_todays_answer() -> None:
    rut = cycling_index()
    btc = _ohlcv(pd.date_range("2008-01-01", rut.index[-1], freq="D"), np.linspace(1, 9, 2000)
                 .repeat(3)[: len(pd.date_range("2008-01-01", rut.index[-1], freq="D"))], 1.0)
    frames = {"^RUT": rut, "BTC-USD": btc}
    today = answer_after(
        resolve("^RUT"), history("^RUT", rut), resolve("BTC-USD"), history("BTC-USD", btc),
        horizons=(30, 90), min_gap=63, event="ath", lookback=252,
    )
    via_signal = study("russell ath", frames)
    assert via_signal.data == today.data and via_signal.verdict == today.verdict
    assert today.title == "Bitcoin after fresh all-time highs of Russell 2000"
    assert today.data["signal"] == "^RUT ath" and today.data["event"] == "ath"


def test_after_signal_reads_options_the_way_after_always_did() -> None:
    assert after_signal("russell 2000").canonical == "^RUT ath"
    assert after_signal("^RUT", event="breakout", min_gap=21).canonical == "^RUT high 252 gap 21"
    assert after_signal("^VIX close > 30", min_gap=10).canonical == "^VIX close > 30 gap 10"
    assert after_signal("^VIX close > 30 gap 10", min_gap=10).gap == 10
    with pytest.raises(BadInput, match="only applies to a bare symbol"):
        after_signal("^VIX close > 30", event="breakout")
    with pytest.raises(BadInput, match="Two gaps"):
        after_signal("^VIX close > 30 gap 10", min_gap=21)
    with pytest.raises(SignalError):
        after_signal("^VIX close >")


@pytest.fixture()
def folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("RISKON_CONFIG", raising=False)
    vix = vix_frame()
    write_yahoo_csv(tmp_path / "data", "^VIX", vix)
    write_yahoo_csv(tmp_path / "data", "BTC-USD", btc_frame(vix))
    return tmp_path / "data"


def test_cli_after_a_signal_prints_json_with_the_canonical_text(folder, capsys) -> None:
    argv = ["ask", "after", "VIX close>30", "btc", "--horizons", "30", "--data", str(folder)]
    assert main([*argv, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["signal"] == "^VIX close > 30" and out["trigger"] == "^VIX"
    assert len(out["events"]) == 3 and out["stats"]["30"]["n"] == 3


@pytest.mark.parametrize(
    "text",
    ["^VIX close >", "^VIX clsoe > 30", "^VIX rsi 1 < 30", "^VIX ath and", "x" * 201,
     "^VIX close > 30 gap 0"],
)
def test_cli_bad_signal_is_exit_2_with_one_line(folder, capsys, text) -> None:
    assert main(["ask", "after", text, "btc", "--data", str(folder)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    err = captured.err.strip()
    assert err.startswith("riskon: ") and "\n" not in err and "Traceback" not in err
