"""The assets people ask about, and how to turn what they type into a Yahoo symbol.

Resolution is the first gate for untrusted input: anything that is not a registry alias must
match a strict Yahoo-symbol pattern before it may reach a provider, a file name or SQL.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Literal

from bot.errors import UnknownSymbol

AssetClass = Literal["index", "etf", "crypto", "future", "fx", "rate", "equity"]
Calendar = Literal["exchange", "24/7"]

#: Yahoo symbols: letters, digits and the punctuation Yahoo uses (^RUT, BTC-USD, GC=F, BRK.B).
SYMBOL_PATTERN = re.compile(r"^\^?[A-Z0-9][A-Z0-9.\-=]{0,14}$")
MAX_INPUT_LENGTH = 40


@dataclass(frozen=True, slots=True)
class Asset:
    symbol: str
    name: str
    asset_class: AssetClass
    calendar: Calendar
    aliases: tuple[str, ...] = ()

    @property
    def price_only(self) -> bool:
        """Index levels and Yahoo's unadjusted closes leave out dividends; crypto pays none."""
        return self.asset_class in ("index", "etf", "equity")

    @property
    def is_crypto(self) -> bool:
        return self.asset_class == "crypto"

    @property
    def label(self) -> str:
        return f"{self.name} ({self.symbol})"


REGISTRY: tuple[Asset, ...] = (
    Asset(
        "^RUT",
        "Russell 2000",
        "index",
        "exchange",
        ("russell", "russell 2000", "russell2000", "r2k", "rut", "small caps", "smallcaps"),
    ),
    Asset(
        "^RUJ",
        "Russell 2000 Value",
        "index",
        "exchange",
        ("russell 2000 value", "r2k value", "rut value", "small cap value", "ruj"),
    ),
    Asset("IWM", "iShares Russell 2000 ETF", "etf", "exchange", ("iwm",)),
    Asset("IWN", "iShares Russell 2000 Value ETF", "etf", "exchange", ("iwn",)),
    Asset(
        "^GSPC",
        "S&P 500",
        "index",
        "exchange",
        ("s&p", "s&p 500", "s&p500", "sp500", "sp 500", "spx", "gspc", "snp"),
    ),
    Asset(
        "^IXIC",
        "Nasdaq Composite",
        "index",
        "exchange",
        ("nasdaq", "nasdaq composite", "ixic", "comp"),
    ),
    Asset(
        "^NDX", "Nasdaq 100", "index", "exchange", ("nasdaq 100", "nasdaq100", "ndx", "nq")
    ),
    Asset(
        "^DJI",
        "Dow Jones Industrial Average",
        "index",
        "exchange",
        ("dow", "dow jones", "djia", "dji"),
    ),
    Asset(
        "^VIX",
        "CBOE Volatility Index",
        "index",
        "exchange",
        ("vix", "volatility", "fear index"),
    ),
    Asset(
        "DX-Y.NYB",
        "US Dollar Index",
        "fx",
        "exchange",
        ("dxy", "dollar", "dollar index", "usd index"),
    ),
    Asset(
        "^TNX",
        "US 10-Year Treasury Yield",
        "rate",
        "exchange",
        ("tnx", "10y", "10 year", "10-year yield", "us10y"),
    ),
    Asset("GC=F", "Gold futures", "future", "exchange", ("gold", "xau", "gc")),
    # The stocks members ask about by name most: "is apple at an ath?" should not
    # need the ticker. Any other Yahoo symbol still works typed as a ticker.
    Asset("AAPL", "Apple", "equity", "exchange", ("apple", "aapl")),
    Asset("MSFT", "Microsoft", "equity", "exchange", ("microsoft", "msft")),
    Asset("NVDA", "Nvidia", "equity", "exchange", ("nvidia", "nvda")),
    Asset("AMZN", "Amazon", "equity", "exchange", ("amazon", "amzn")),
    Asset("GOOGL", "Alphabet", "equity", "exchange", ("google", "alphabet", "googl")),
    Asset("META", "Meta Platforms", "equity", "exchange", ("meta", "facebook")),
    Asset("TSLA", "Tesla", "equity", "exchange", ("tesla", "tsla")),
    Asset("BTC-USD", "Bitcoin", "crypto", "24/7", ("btc", "bitcoin", "xbt")),
    Asset("ETH-USD", "Ethereum", "crypto", "24/7", ("eth", "ethereum", "ether")),
    Asset("SOL-USD", "Solana", "crypto", "24/7", ("sol", "solana")),
    Asset("XRP-USD", "XRP", "crypto", "24/7", ("xrp", "ripple")),
)

_BY_SYMBOL = {a.symbol: a for a in REGISTRY}
_BY_ALIAS: dict[str, Asset] = {}
for _asset in REGISTRY:
    for _key in (_asset.symbol.lower(), _asset.name.lower(), *_asset.aliases):
        _BY_ALIAS[_key] = _asset


def _normalize(text: str) -> str:
    return " ".join(text.strip().lower().split())


def lookup(symbol: str) -> Asset | None:
    """The registry entry for a Yahoo symbol, if riskon knows it by name."""
    return _BY_SYMBOL.get(symbol)


def resolve(text: str) -> Asset:
    """Turn what a person typed into an `Asset`, or raise `UnknownSymbol` with suggestions.

    Registry aliases win; any other well-formed Yahoo symbol is accepted as typed (upper-cased),
    with a guessed calendar (crypto pairs trade every day).
    """
    if not isinstance(text, str) or not text.strip():
        raise UnknownSymbol("", reason="Please give a symbol, e.g. ^RUT or bitcoin.")
    if len(text) > MAX_INPUT_LENGTH:
        raise UnknownSymbol(
            text, reason=f"That symbol is too long (over {MAX_INPUT_LENGTH} characters)."
        )
    key = _normalize(text)
    if key in _BY_ALIAS:
        return _BY_ALIAS[key]
    candidate = text.strip().upper()
    typed_as_name = text.strip() != candidate
    if typed_as_name and (near := suggest(text, cutoff=0.8)):
        # "rusell" is a well-formed ticker, but a person typing lower case meant a name.
        raise UnknownSymbol(text, suggestions=near)
    if SYMBOL_PATTERN.fullmatch(candidate):
        known = _BY_SYMBOL.get(candidate)
        if known:
            return known
        is_crypto = candidate.endswith(("-USD", "-USDT", "-EUR")) and not candidate.startswith("^")
        return Asset(
            candidate,
            candidate,
            "crypto" if is_crypto else "equity",
            "24/7" if is_crypto else "exchange",
        )
    raise UnknownSymbol(text, suggestions=suggest(text))


def suggest(text: str, limit: int = 3, cutoff: float = 0.6) -> list[str]:
    """Close registry matches for a mistyped name, as display labels."""
    key = _normalize(text)[:MAX_INPUT_LENGTH]
    matches = difflib.get_close_matches(key, list(_BY_ALIAS), n=limit * 4, cutoff=cutoff)
    if matches:  # only the near-best: "golt" is gold, not also "googl" a little further off
        best = difflib.SequenceMatcher(None, key, matches[0]).ratio()
        matches = [m for m in matches
                   if difflib.SequenceMatcher(None, key, m).ratio() >= best - 0.05]
    labels: list[str] = []
    for match in matches:
        label = _BY_ALIAS[match].label
        if label not in labels:
            labels.append(label)
    return labels[:limit]


def search(text: str, limit: int = 25) -> list[Asset]:
    """Registry entries matching a partial input, best first: what autocomplete offers."""
    key = _normalize(text)
    if not key:
        return list(REGISTRY[:limit])
    scored: dict[str, tuple[int, Asset]] = {}
    for alias, asset in _BY_ALIAS.items():
        if alias.startswith(key):
            rank = 0
        elif key in alias:
            rank = 1
        else:
            continue
        best = scored.get(asset.symbol)
        if best is None or rank < best[0]:
            scored[asset.symbol] = (rank, asset)
    ordered = sorted(scored.values(), key=lambda item: (item[0], REGISTRY.index(item[1])))
    return [asset for _, asset in ordered][:limit]
