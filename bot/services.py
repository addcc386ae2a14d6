"""Building the data and answer services from config: one place, shared by bot and terminal."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bot.config import Config
from bot.insights import Insights
from bot.market.base import PriceProvider
from bot.market.csvdir import CsvProvider
from bot.market.data import MacroData, MarketData, utc_now
from bot.store import Store


@dataclass
class Services:
    market: MarketData
    macro: MacroData | None
    insights: Insights


def build_services(
    config: Config,
    store: Store,
    *,
    csv_dir: str | None = None,
    persist: bool = True,
    clock: Callable[[], datetime] | None = None,
    yahoo_session: Any | None = None,
) -> Services:
    """Wire providers, cache and the insights service. `csv_dir` overrides `[data] csv_dir`;
    `persist=False` keeps fetched bars out of the store (see `MarketData`). `clock`: the
    bot's one clock, so a cache's age and the scheduler's time agree (default: the wall
    clock). `yahoo_session`: the HTTP session Yahoo is asked through (None: yfinance's own);
    the one seam where tests put a fake Yahoo, at the network boundary.

    Each provider's module is imported only when it is used: yfinance and aiohttp take as long
    to import as pandas does, and a terminal question on CSV files needs neither."""
    data = config.data
    folder = csv_dir or (data.csv_dir if data.provider == "csv" else "")
    provider: PriceProvider
    if folder:
        provider = CsvProvider(Path(folder))
    else:
        from bot.market.yahoo import YahooProvider

        provider = YahooProvider(
            data_dir=Path(data.dir),
            timeout=data.yahoo_timeout,
            retries=data.yahoo_retries,
            session=yahoo_session,
        )
    market = MarketData(
        store,
        provider,
        max_age_equity=timedelta(minutes=data.max_age_equity_minutes),
        max_age_crypto=timedelta(minutes=data.max_age_crypto_minutes),
        memory_symbols=data.memory_symbols,
        persist=persist,
        clock=clock or utc_now,
    )
    macro = None
    if config.fred.enabled:
        # FRED files come from [fred] csv_dir, or, for `ask --data DIR`, from that folder
        # (offline use); a bot with CSV prices still asks FRED's network endpoint.
        fred_folder = config.fred.csv_dir or (csv_dir or "")
        from bot.market.fred import FredCsvProvider, FredProvider

        fred = (
            FredCsvProvider(Path(fred_folder))
            if fred_folder
            else FredProvider(base_url=config.fred.base_url, timeout=config.fred.timeout)
        )
        macro = MacroData(fred)
    return Services(market=market, macro=macro, insights=Insights(market, macro))
