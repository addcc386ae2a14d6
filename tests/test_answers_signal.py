"""/signal and `ask signal`: counts, dates, "holds today" and the chart, on known series."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

from bot.analytics.signals import parse_signal
from bot.answers.signal import TABLE_ROWS, _panel, answer_signal, chart_title
from bot.charts.signal import SignalPanel, signal_chart
from bot.cli import main
from bot.market.symbols import resolve
from tests.market_fixtures import _ohlcv, write_yahoo_csv
from tests.test_answers_after_signal import EVENTS, SPIKES, history, vix_frame

PNG = b"\x89PNG\r\n\x1a\n"


def ask(text: str, frames: dict[str, pd.DataFrame]):
    signal = parse_signal(text)
    assets = {s: resolve(s) for s in signal.symbols}
    return answer_signal(signal, assets, {s: history(s, frames[s]) for s in signal.symbols})


def test_count_rate_dates_and_not_holding_today() -> None:
    vix = vix_frame()
    insight = ask("^VIX close > 30", {"^VIX": vix})
    data = insight.data
    dates = [vix.index[p].strftime("%Y-%m-%d") for p in EVENTS]
    assert data["signal"] == "^VIX close > 30" and data["count"] == 3
    assert data["events"] == dates[::-1]  # newest first
    assert data["first"] == dates[0] and data["last"] == dates[-1]
    years = (vix.index[-1] - vix.index[0]).days / 365.25
    assert data["per_year"] == pytest.approx(3 / years, abs=1e-4)
    assert data["holds_today"] is False
    assert insight.verdict == (
        f"CBOE Volatility Index first closed above 30 in at least 63 sessions: 3 times since "
        f"{vix.index[0]:%Y-%m-%d} (about {3 / years:.2f} a year), the latest on {dates[-1]}. "
        f"It does not hold on the last close ({vix.index[-1]:%Y-%m-%d})."
    )
    assert [row[0] for row in insight.table.rows] == dates[::-1]
    assert insight.table.columns == ["Event", "^VIX close"]  # the level is the close itself
    assert insight.chart_png.startswith(PNG)
    assert any(c.startswith("The signal fired only 3 times") for c in insight.caveats)


def test_holding_on_the_last_close_is_said_and_counted() -> None:
    vix = vix_frame()
    vix.iloc[-1, vix.columns.get_loc("Close")] = 40.0  # 99 sessions after the last spike
    insight = ask("vix close >= 40 gap 1", {"^VIX": vix})
    assert insight.data["holds_today"] is True and insight.data["count"] == 1
    assert insight.verdict.endswith(f"It holds on the last close ({vix.index[-1]:%Y-%m-%d}).")
    assert ("Holds on the last close", f"yes ({vix.index[-1]:%Y-%m-%d})") in insight.figures


def test_sentence_and_figures_agree() -> None:
    vix = vix_frame()
    insight = ask("^VIX close > 30 gap 1", {"^VIX": vix})
    n = insight.data["count"]
    assert n == len(SPIKES)  # gap 1: every session where it holds is an event
    figures = dict(insight.figures)
    assert figures["Events"].startswith(f"{n} since")
    assert re.search(rf": {n} times since", insight.verdict)
    assert figures["Per year"] == f"{insight.data['per_year']:.2f}"


def test_never_fired_says_so() -> None:
    insight = ask("^VIX close > 90", {"^VIX": vix_frame()})
    assert insight.data["count"] == 0 and insight.data["first"] is None
    assert insight.verdict.startswith("Never since 2010-01-04: ")
    assert insight.table is None and insight.chart_png.startswith(PNG)


def test_long_event_lists_keep_the_table_short_and_the_json_whole() -> None:
    n = 400
    close = 100 + 10 * np.sin(np.arange(n) / 3.0)  # above 105 in short bursts, all year long
    frame = _ohlcv(pd.bdate_range("2020-01-01", periods=n), close, volume=1.0)
    insight = ask("^GSPC close > 105 gap 1", {"^GSPC": frame})
    expected = int(np.count_nonzero(close[1:] > 105))
    assert insight.data["count"] == expected > TABLE_ROWS
    assert len(insight.table.rows) == TABLE_ROWS and len(insight.data["events"]) == expected
    assert insight.notes == [
        f"The table shows the {TABLE_ROWS} newest of {expected:,} events."
    ]


def test_panels_chart_the_watched_quantity_against_its_threshold() -> None:
    idx = pd.bdate_range("2020-01-01", periods=300)
    closes = {"^GSPC": pd.Series(np.linspace(100, 400, 300), index=idx)}
    gc = _panel(parse_signal("^GSPC sma 50 > sma 200"), closes, {}, start=idx[0])
    # a straight line: sma 50 - sma 200 = 75 steps of ~1.003 each, over sma 200
    i = 250
    v = closes["^GSPC"].to_numpy()
    expected = (v[i - 49 : i + 1].mean() / v[i - 199 : i + 1].mean() - 1) * 100
    assert gc.left.iloc[i] == pytest.approx(expected) and gc.unit == "pct"
    assert np.isnan(gc.left.iloc[198]) and (gc.right == 0).all()
    dd = _panel(parse_signal("^GSPC ath and ^GSPC drawdown >= 20"), closes, {}, start=idx[0])
    assert dd.title == "^GSPC drawdown >= 20%" and (dd.right == 20).all()
    assert _panel(parse_signal("^GSPC ath"), closes, {}, start=idx[0]) is None


def test_chart_titles_fall_back_to_shorter_forms() -> None:
    assert chart_title("short", "s") == "short"
    assert chart_title("x" * 80, "When ^GSPC sma 50 > sma 200") == "When ^GSPC sma 50 > sma 200"
    clipped = chart_title("x" * 80, "y" * 90)
    assert len(clipped) == 72 and clipped.endswith("…")


def test_signal_chart_draws_with_and_without_a_panel_and_when_empty() -> None:
    close = pd.Series(np.linspace(1, 2, 50), index=pd.bdate_range("2020-01-01", periods=50))
    panel = SignalPanel("x rsi 14 < 30", close * 10, close * 0 + 30, "RSI", "< 30", "rsi")
    for kw in ({}, {"panel": panel}):
        png = signal_chart(close, events=[close.index[5]], title="t", footer="f", **kw)
        assert png.startswith(PNG)
    assert signal_chart(close.iloc[:0], panel=panel, title="t", footer="f").startswith(PNG)


@pytest.fixture()
def folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("RISKON_CONFIG", raising=False)
    write_yahoo_csv(tmp_path / "data", "^VIX", vix_frame())
    return tmp_path / "data"


def test_cli_signal_json_and_chart(folder, capsys, tmp_path) -> None:
    chart = tmp_path / "s.png"
    argv = ["ask", "signal", "vix close>30", "--data", str(folder), "--chart", str(chart)]
    assert main([*argv, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["kind"] == "signal" and out["count"] == 3 and out["holds_today"] is False
    assert out["chart"] == str(chart) and chart.read_bytes().startswith(PNG)


@pytest.mark.parametrize("text", ["^VIX close >", "^VIX rsi 14 < 130", "^VIX ath and"])
def test_cli_signal_bad_text_is_exit_2_with_one_line(folder, capsys, text) -> None:
    assert main(["ask", "signal", text, "--data", str(folder)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("riskon: ") and "\n" not in err


def test_the_discord_table_keeps_the_newest_events() -> None:
    from bot.adapter.embeds import table_block

    n = 400
    close = 100 + 10 * np.sin(np.arange(n) / 3.0)
    frame = _ohlcv(pd.bdate_range("2020-01-01", periods=n), close, volume=1.0)
    insight = ask("^GSPC close > 105 gap 1", {"^GSPC": frame})
    block = table_block(insight.table)
    assert "not shown" not in block  # nothing cut: the newest event is in the embed
    assert insight.data["events"][0] in block
