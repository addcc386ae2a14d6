"""Several processes sharing one PostgreSQL store: one upstream fetch for a cold symbol.

Each `Store` below has its own connection pool, exactly what a separate bot process holds, and
each `MarketData` its own memory: only the database is shared.
"""

from __future__ import annotations

import asyncio

import pytest

from bot.market.data import MarketData
from bot.store import Store
from tests.pgtest import PG_URL, pg_schema
from tests.test_market_cache import Clock, CountingProvider, bars

pytestmark = pytest.mark.skipif(not PG_URL, reason="RISKON_TEST_POSTGRES_URL is not set")


async def test_cold_symbol_from_four_processes_is_fetched_once() -> None:
    async with pg_schema() as url:
        stores = [await Store(url).open() for _ in range(4)]
        try:
            providers = [CountingProvider({"^RUT": bars("2025-01-02", 60)}) for _ in stores]
            gate = asyncio.Event()
            for p in providers:
                p.gate = gate  # the upstream answers only once everyone has asked
            markets = [MarketData(s, p, clock=Clock()) for s, p in zip(stores, providers,
                                                                        strict=True)]
            asks = [asyncio.create_task(m.daily("^RUT")) for m in markets]
            await asyncio.sleep(0.3)
            gate.set()
            answers = await asyncio.gather(*asks)
            assert sum(len(p.calls) for p in providers) == 1
            assert all(len(a.bars) == 60 for a in answers)
            assert len({a.as_of for a in answers}) == 1  # all read the one fetch
            log = await stores[0].fetchall("SELECT ok, rows FROM fetch_log")
            assert log == [(1, 60)]
        finally:
            for s in stores:
                await s.close()
