"""`python -m bot ask text "QUESTION"`: the resolved command's own answer, read-as line first."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli import main
from tests.market_fixtures import market_folder

PNG = b"\x89PNG\r\n\x1a\n"
VOLATILE = ("fetched_at", "chart")


@pytest.fixture(scope="module")
def prices(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("prices")
    market_folder(folder)
    return folder


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("RISKON_CONFIG", raising=False)


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def strip(payload: dict) -> dict:
    return {k: v for k, v in payload.items() if k not in VOLATILE}


@pytest.mark.parametrize(
    ("question", "command", "understood"),
    [
        (
            "what did btc do after small caps hit a record?",
            ["after", "^RUT", "BTC-USD"],
            {"kind": "after", "signal": "^RUT ath", "target": "BTC-USD", "confidence": 1.0},
        ),
        (
            "is the russell at an all time high?",
            ["ath", "^RUT"],
            {"kind": "ath", "symbol": "^RUT", "confidence": 1.0},
        ),
        (
            "does btc mirror the s&p",
            ["corr", "BTC-USD", "^GSPC"],
            {"kind": "corr", "a": "BTC-USD", "b": "^GSPC", "confidence": 1.0},
        ),
        (
            "how is the vix doing",
            ["quote", "^VIX"],
            {"kind": "quote", "symbol": "^VIX", "confidence": 0.95},
        ),
        (
            "btc after russell 2000 breakouts",
            ["after", "^RUT", "BTC-USD", "--event", "breakout"],
            {"kind": "after", "signal": "^RUT high 252", "target": "BTC-USD", "confidence": 1.0},
        ),
        (
            "what did btc do after the vix closed above 30?",
            ["after", "^VIX close > 30", "BTC-USD"],
            {"kind": "after", "signal": "^VIX close > 30", "target": "BTC-USD",
             "confidence": 1.0},
        ),
        (
            "when did the VIX last close above 40",
            ["signal", "^VIX close > 40"],
            {"kind": "signal", "signal": "^VIX close > 40", "confidence": 1.0},
        ),
    ],
)
def test_json_is_the_resolved_answer_plus_understood(
    prices, capsys, question, command, understood
) -> None:
    code, out, _ = run(capsys, "ask", "text", question, "--data", str(prices), "--json")
    assert code == 0
    asked = json.loads(out)
    assert asked.pop("understood") == understood
    code, out, _ = run(capsys, "ask", *command, "--data", str(prices), "--json")
    assert code == 0
    assert strip(asked) == strip(json.loads(out))


def test_text_answer_has_read_as_first_then_the_command_report(prices, capsys) -> None:
    code, out, err = run(
        capsys, "ask", "text", "wat did bitcoin do aftr the russel hit a record 🚀",
        "--data", str(prices), "--chart", "q.png",
    )
    assert code == 0 and "Traceback" not in err
    first, rest = out.split("\n", 1)
    assert first == "Read as: /after trigger:^RUT ath target:BTC-USD"
    code, direct, _ = run(
        capsys, "ask", "after", "^RUT", "BTC-USD", "--data", str(prices), "--chart", "d.png"
    )
    assert rest.replace("q.png", "d.png") == direct
    assert Path("q.png").read_bytes().startswith(PNG)


def test_unsure_reading_names_the_others_on_stderr(prices, capsys) -> None:
    code, out, err = run(capsys, "ask", "text", "btc", "--data", str(prices), "--json")
    assert code == 0
    understood = json.loads(out)["understood"]
    assert understood["kind"] == "quote" and "/ath symbol:BTC-USD" in understood["alternatives"]
    assert "other readings: /ath symbol:BTC-USD" in err


@pytest.mark.parametrize(
    ("question", "said"),
    [
        ("", "Ask a question"),
        ("   ", "Ask a question"),
        ("what is the meaning of life", "couldn't read that"),
        ("should I buy bitcoin now?", "never says what to buy or sell"),
        ("IBIT etf flows today", "not ETF or fund flows"),
    ],
)
def test_unreadable_exits_2_with_one_line(prices, capsys, question, said) -> None:
    code, out, err = run(capsys, "ask", "text", question, "--data", str(prices))
    assert code == 2 and out == ""
    assert said in err and err.count("\n") == 1 and "Traceback" not in err


def test_an_unknown_asset_exits_2_with_one_line_not_another_assets_answer(prices, capsys) -> None:
    code, out, err = run(
        capsys, "ask", "text", "what did bitcoin do after zzzz hit an ath", "--data", str(prices)
    )
    assert code == 2 and out == "" and "Traceback" not in err
    assert err.startswith("riskon: I don't know an asset called 'zzzz'")
    assert err.count("\n") == 1
    code, out, err = run(capsys, "ask", "text", "is rusl at an ath?", "--data", str(prices))
    assert (code, out) == (2, "") and err.count("\n") == 1
    assert err.endswith("Did you mean Russell 2000 (^RUT)?\n")
    # a typed ticker is asked about as itself: the data source says it has no such prices
    code, out, err = run(capsys, "ask", "text", "is ZZZZ at an ath?", "--data", str(prices))
    assert (code, out) == (2, "") and err.count("\n") == 1 and "ZZZZ" in err
