"""The terminal during a Yahoo outage: one line on stderr, exit 1 (no data), not a warning per
symbol per retry and exit 2 (which means bad input)."""

from __future__ import annotations

import pytest
from yfinance import data as yf_data

from bot.cli import main
from tests.fake_yahoo import FakeYahoo, reset_yfinance


@pytest.fixture
def outage(tmp_path, monkeypatch) -> FakeYahoo:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("RISKON_CONFIG", raising=False)
    (tmp_path / "config.toml").write_text(
        "[data]\nyahoo_retries = 1\n\n[fred]\nenabled = false\n"
    )
    reset_yfinance(tmp_path / "yfinance-state")
    fake = FakeYahoo({})
    fake.set_outage(True)
    # yfinance builds its session when none is given: hand it the fake's (the network edge).
    monkeypatch.setattr(yf_data, "new_session", fake.session)
    return fake


def test_brief_during_an_outage_is_one_line_and_exit_1(outage, capsys):
    code = main(["ask", "brief", "--watchlist", "^RUT,BTC-USD,IWM"])
    err = capsys.readouterr().err
    assert code == 1, err
    assert err.count("\n") == 1 and err.startswith("riskon: Yahoo Finance is not answering for "
                                                   "the watchlist right now (network error")
    assert len(outage.calls) >= 6  # three symbols, two attempts each: it really tried


def test_a_question_during_an_outage_is_one_line_and_exit_1(outage, capsys):
    assert main(["ask", "quote", "^RUT"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Yahoo Finance is not answering for ^RUT" in err

