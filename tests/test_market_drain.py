"""`MarketData.drain()`: a fetch nobody waits for any more still saves before the store closes
(the terminal used to print "Store is not open" when a question's other symbol failed first)."""

from __future__ import annotations

import asyncio

from bot.market import barcache
from bot.market.data import MarketData
from bot.store import Store
from tests.test_market_cache import CountingProvider, bars


async def test_drain_waits_for_the_save_of_a_fetch_its_asker_gave_up_on(tmp_path):
    provider = CountingProvider({"^RUT": bars("2024-01-01", 30)})
    provider.gate = asyncio.Event()
    async with Store(tmp_path / "riskon.db") as store:
        market = MarketData(store, provider)
        asker = asyncio.create_task(market.daily("^RUT"))
        await asyncio.sleep(0.05)
        asker.cancel()  # the question failed on its other symbol and stopped waiting
        drained = asyncio.create_task(market.drain())
        await asyncio.sleep(0.05)
        assert not drained.done()  # the fetch is still running: closing now would break it
        provider.gate.set()
        await asyncio.wait_for(drained, 5)
        saved = await barcache.load_bars(store, "^RUT")
    assert len(saved) == 30
