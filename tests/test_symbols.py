"""Symbols: aliases, validation, suggestions, hostile input."""

from __future__ import annotations

import pytest

from bot.errors import UnknownSymbol
from bot.market.symbols import REGISTRY, resolve, search, suggest

ALIASES = {
    "russell": "^RUT", "Russell 2000": "^RUT", "R2K": "^RUT", "rut": "^RUT",
    "russell 2000 value": "^RUJ", "small caps": "^RUT", "s&p": "^GSPC", "SPX": "^GSPC",
    "sp500": "^GSPC", "nasdaq": "^IXIC", "btc": "BTC-USD", "Bitcoin": "BTC-USD",
    "eth": "ETH-USD", "ethereum": "ETH-USD", "vix": "^VIX", "dxy": "DX-Y.NYB", "gold": "GC=F",
    "  bitcoin  ": "BTC-USD", "^rut": "^RUT", "btc-usd": "BTC-USD",
}


@pytest.mark.parametrize(("typed", "symbol"), ALIASES.items())
def test_aliases_resolve_case_insensitively(typed: str, symbol: str) -> None:
    assert resolve(typed).symbol == symbol


def test_registry_covers_the_assets_people_ask_about() -> None:
    wanted = {"^RUT", "^RUJ", "IWM", "IWN", "^GSPC", "^IXIC", "^NDX", "^DJI", "^VIX", "DX-Y.NYB",
              "^TNX", "GC=F", "BTC-USD", "ETH-USD", "SOL-USD", "XRP-USD"}
    assert wanted <= {a.symbol for a in REGISTRY}
    assert resolve("btc").calendar == "24/7" and resolve("^RUT").calendar == "exchange"


def test_other_well_formed_symbols_pass_as_typed() -> None:
    assert resolve("AAPL").symbol == "AAPL"
    assert resolve("brk.b").symbol == "BRK.B"
    doge = resolve("DOGE-USD")
    assert doge.symbol == "DOGE-USD" and doge.calendar == "24/7"


@pytest.mark.parametrize(("typed", "suggested"), [
    ("rusell", "Russell 2000 (^RUT)"), ("etherium", "Ethereum (ETH-USD)"),
    ("bitcon", "Bitcoin (BTC-USD)"),
])
def test_misspellings_get_suggestions(typed: str, suggested: str) -> None:
    with pytest.raises(UnknownSymbol) as info:
        resolve(typed)
    assert suggested in info.value.suggestions
    assert f"Did you mean {suggested}" in str(info.value)


@pytest.mark.parametrize("typed", [
    "'; DROP TABLE bars; --", "x" * 500, "😀🚀", "", "   ", "../../etc/passwd", "A B C",
    "^RUT; rm -rf /", "btc\nusd", "%00",
])
def test_hostile_input_is_rejected_cleanly(typed: str) -> None:
    with pytest.raises(UnknownSymbol) as info:
        resolve(typed)
    message = str(info.value)
    assert "\n" not in message and len(message) < 200


def test_search_ranks_prefix_matches_and_caps_at_25() -> None:
    assert [a.symbol for a in search("bit")][:1] == ["BTC-USD"]
    assert search("russell 2000 v")[0].symbol == "^RUJ"
    assert len(search("")) <= 25 and len(search("a")) <= 25
    assert search("zzzz") == []


def test_suggestions_are_only_the_near_best() -> None:
    # "golt" is one letter from "gold" and further from "googl": one suggestion, not two.
    assert suggest("golt") == ["Gold futures (GC=F)"]
    assert suggest("rusell")[0] == "Russell 2000 (^RUT)"
