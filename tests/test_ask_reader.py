"""The /ask reader's contract beyond the phrasebook: confidence, alternatives, refusals."""

from __future__ import annotations

import pytest

from bot.analytics.signals import parse_signal
from bot.ask import MAX_QUESTION, normalize, read
from bot.ask.answer import understand
from bot.errors import UnknownSymbol
from tests.test_ask_phrasebook import PHRASEBOOK


def test_every_signal_reading_is_canonical() -> None:
    for question, _ in PHRASEBOOK:
        u = read(question)
        for r in (u.reading, *u.alternatives):
            if r is not None and r.signal:
                assert parse_signal(r.signal).canonical == r.signal


def test_read_as_commands_and_understood() -> None:
    u = read("what did btc do after small caps hit a record?")
    assert u.reading.command == "/after trigger:^RUT ath target:BTC-USD"
    assert u.reading.understood() == {
        "kind": "after", "signal": "^RUT ath", "target": "BTC-USD", "confidence": 1.0
    }
    assert read("does eth move with the russell").reading.understood() == {
        "kind": "corr", "a": "ETH-USD", "b": "^RUT", "confidence": 1.0
    }
    assert read("btc price").reading.understood()["symbol"] == "BTC-USD"


def test_target_defaults_to_server_default_then_bitcoin() -> None:
    q = "what happens after the vix closes above 30"
    assert read(q).reading.target == "BTC-USD"
    assert read(q, default_target="^GSPC").reading.target == "^GSPC"
    # a named second asset wins over any default
    named = read("what did eth do after the vix closed above 30", default_target="^GSPC")
    assert named.reading.target == "ETH-USD"


def test_unsure_offers_up_to_three_other_readings() -> None:
    u = read("btc")
    assert u.reading.command == "/quote symbol:BTC-USD" and u.unsure
    assert "/ath symbol:BTC-USD" in [a.command for a in u.alternatives]
    u = read("after bitcoin crashed, how did eth do")
    assert u.unsure and 1 <= len(u.alternatives) <= 3
    assert u.reading.confidence < 0.75
    commands = [a.command for a in u.alternatives]
    assert len(set(commands)) == len(commands) and u.reading.command not in commands
    sure = read("is the russell at an all time high?")
    assert not sure.unsure and sure.alternatives == ()


def test_refusals_are_plain_and_never_advice() -> None:
    for q in ("should I buy bitcoin", "IBIT etf inflows", "tesla earnings", "btc news"):
        u = read(q)
        assert u.reading is None and u.refusal
        line = u.message()
        assert "can't answer that from its data" in line and "\n" not in line
        assert "you should" not in line.lower()


def test_nothing_usable_says_what_it_saw_and_three_examples() -> None:
    u = read("hmm bitcoin hmm", default_target=None)
    assert u.reading is not None  # a bare asset is a quote, offered with other readings
    u = read("what is the meaning of life")
    assert u.reading is None and len(u.examples) == 3
    assert all(f"'{e}'" in u.message() for e in u.examples)
    empty = read("   ")
    assert empty.reading is None and empty.message().startswith("Ask a question")


def test_deterministic_and_bounded() -> None:
    q = "wat did etherium do aftr the nasdq broke out 🚀🚀"
    assert len({read(q) for _ in range(5)}) == 1
    long = "is the russell at an all time high " * 20
    assert read(long).question == long[:MAX_QUESTION]


def test_normalize() -> None:
    assert normalize("What’s the S and P's ATH?? 🚀") == "whats the s&p ath??"
    assert normalize("VIX>=30") == "vix >= 30"
    assert normalize("btc/usd $100k") == "btc usd 100k"


def test_a_typed_ticker_keeps_its_place_and_is_never_swapped() -> None:
    # riskon's commands take any well-formed Yahoo symbol (AAPL works), so a ticker typed in
    # capitals is read as itself; whether it exists is the data source's answer (an unknown
    # one is "I don't know the symbol 'ZZZZ'", see test_ask_cli/test_ask_e2e), never a default
    assert read("is ZZZZ at an ath?").reading.command == "/ath symbol:ZZZZ"
    assert read("is AAPL at an all time high").reading.command == "/ath symbol:AAPL"
    assert read("is xyz-usd at a record").reading.command == "/ath symbol:XYZ-USD"
    assert read("what did btc do after ZZZZ hit an ath").reading.command == (
        "/after trigger:ZZZZ ath target:BTC-USD"
    )
    assert read("what did ^FOO do after btc hit an ath").reading.command == (
        "/after trigger:BTC-USD ath target:^FOO"
    )
    assert read("correlation of ZZZZ and btc").reading.command == "/corr a:ZZZZ b:BTC-USD"


def test_plain_words_around_assets_and_no_asset_keep_todays_readings() -> None:
    # English around a named asset is not a name
    for q, command in (
        ("is the russell at an all time high right now?", "/ath symbol:^RUT"),
        ("honestly is btc at an ath again", "/ath symbol:BTC-USD"),
        ("forward returns after russell ath", "/after trigger:^RUT ath target:BTC-USD"),
        ("how correlated is btc with the nasdaq these days", "/corr a:BTC-USD b:^IXIC"),
        ("is the rusell at an ath", "/ath symbol:^RUT"),  # a typo the reader matches
    ):
        u = read(q)
        assert u.unknown is None and u.reading.command == command, q
    # no asset named: the documented default and the server's default, as before
    assert read("is it at an ath right now").reading.command == "/ath symbol:^GSPC"
    q = "what happens after the vix closes above 30"
    assert read(q, default_target="ETH-USD").reading.target == "ETH-USD"
    assert read("what is the meaning of life").unknown is None


def test_an_unknown_asset_is_an_unknown_symbol_with_suggestions() -> None:
    with pytest.raises(UnknownSymbol) as caught:
        understand("what did btc do after the rusl broke out", default_target="^GSPC")
    assert caught.value.text == "rusl"
    assert caught.value.suggestions == ["Russell 2000 (^RUT)"]
    assert str(caught.value) == (
        "I don't know an asset called 'rusl' (for the ticker, write RUSL). "
        "Did you mean Russell 2000 (^RUT)?"
    )


@pytest.mark.parametrize(("question", "command"), [
    ("is apple at an all time high", "/ath symbol:AAPL"),
    ("is nvda at an ath", "/ath symbol:NVDA"),
    ("tesla vs microsoft correlation", "/corr a:TSLA b:MSFT"),
])
def test_the_best_known_stocks_are_asked_about_by_name(question, command) -> None:
    assert read(question).reading.command == command


def test_an_unknown_lower_case_word_says_how_to_ask_for_it_as_a_ticker() -> None:
    no_match = read("is amd at an ath")
    assert no_match.reading is None
    assert no_match.message().endswith("type a Yahoo ticker in capitals (e.g. AMD).")
    near = read("is rusl at an ath").message()
    assert near == ("I don't know an asset called 'rusl' (for the ticker, write RUSL). "
                    "Did you mean Russell 2000 (^RUT)?")
    words = read("is dogwif hat at an ath").message()  # not ticker-shaped: the generic example
    assert words.endswith("(e.g. AAPL).") and "write DOGWIF" not in words


def test_the_yield_means_the_10_year_treasury_yield() -> None:
    assert read("is the yield at an ath").reading.command == "/ath symbol:^TNX"
    assert read("is the treasury yield at a record").reading.command == "/ath symbol:^TNX"


@pytest.mark.parametrize("question", [
    "what happened to bitcoin after the fed cut rates",
    "btc after the halving",
    "how did stocks do after cpi",
    "what did gold do after rate hikes",
])
def test_an_economic_announcement_is_refused_not_read_as_an_asset(question) -> None:
    understood = read(question)
    assert understood.reading is None and understood.unknown is None
    assert "not economic announcements or calendar events" in understood.message()
