"""FredProvider against a local aiohttp server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import datetime

import aiohttp
import pandas as pd
import pytest
from aiohttp import web

from bot.errors import NoData, ProviderError, UnknownSymbol
from bot.market.fred import FredProvider

WALCL = "observation_date,WALCL\n2024-01-03,7700000.0\n2024-01-10,.\n2024-01-17,\n" \
        "2024-01-24,7650000.5\n"


@pytest.fixture
async def fred_server():
    """Serves fredgraph.csv; behaviour per id: good CSV, 504, slow, or FRED's 404."""
    seen: list[dict[str, str]] = []
    release = asyncio.Event()  # set at teardown so the "slow" handler does not hold cleanup

    async def handler(request: web.Request) -> web.Response:
        seen.append(dict(request.query))
        series = request.query.get("id", "")
        if series == "WALCL":
            return web.Response(text=WALCL, content_type="text/csv")
        if series == "DGS10":
            return web.Response(status=504, text="Gateway Timeout")
        if series == "BAMLH0A0HYM2":
            await asyncio.wait_for(release.wait(), 5)
            return web.Response(text="never")
        if series == "RRPONTSYD":
            return web.Response(text="<html>maintenance</html>", content_type="text/html")
        if series == "DEXUSEU":  # Latin-1 bytes where UTF-8 was promised
            return web.Response(body=b"observation_date,DEXUSEU\n2024-01-03,1.1\xa0\xff\n",
                                content_type="text/csv")
        if series == "DTWEXBGS":  # quoted field never closed: the CSV parser gives up
            return web.Response(text='observation_date,DTWEXBGS\n2024-01-03,"1.1\n',
                                content_type="text/csv")
        if series == "WTREGEN":
            return web.Response(text="observation_date,WTREGEN\n2024-01-03,.\n",
                                content_type="text/csv")
        return web.Response(status=404, text="Series not found")

    app = web.Application()
    app.router.add_get("/graph/fredgraph.csv", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}/graph/fredgraph.csv", seen
    release.set()
    await runner.cleanup()


async def test_good_csv_drops_missing_values(fred_server):
    url, seen = fred_server
    series = await FredProvider(base_url=url).series("WALCL")
    assert series.name == "WALCL"
    assert list(series.index.strftime("%Y-%m-%d")) == ["2024-01-03", "2024-01-24"]
    assert series.tolist() == [7700000.0, 7650000.5]
    assert seen == [{"id": "WALCL"}]


async def test_start_is_sent_and_applied(fred_server):
    url, seen = fred_server
    series = await FredProvider(base_url=url).series("WALCL", start=datetime.date(2024, 1, 10))
    assert series.tolist() == [7650000.5]
    assert seen[-1] == {"id": "WALCL", "cosd": "2024-01-10"}


async def test_shared_session(fred_server):
    url, _ = fred_server
    async with aiohttp.ClientSession() as session:
        provider = FredProvider(base_url=url, session=session)
        assert len(await provider.series("WALCL")) == 2
        assert not session.closed


async def test_gateway_timeout_is_provider_error(fred_server):
    url, _ = fred_server
    with pytest.raises(ProviderError) as info:
        await FredProvider(base_url=url).series("DGS10")
    assert info.value.source == "FRED" and "504" in info.value.detail


async def test_timeout_is_provider_error(fred_server):
    url, _ = fred_server
    with pytest.raises(ProviderError, match=r"within 0\.2s"):
        await FredProvider(base_url=url, timeout=0.2).series("BAMLH0A0HYM2")


async def test_unknown_id_is_no_data(fred_server):
    url, _ = fred_server
    with pytest.raises(NoData):
        await FredProvider(base_url=url).series("NOSUCHSERIES")


async def test_html_instead_of_csv_is_provider_error(fred_server):
    url, _ = fred_server
    with pytest.raises(ProviderError, match="expected columns"):
        await FredProvider(base_url=url).series("RRPONTSYD")


async def test_only_missing_values_is_no_data(fred_server):
    url, _ = fred_server
    with pytest.raises(NoData):
        await FredProvider(base_url=url).series("WTREGEN")


async def test_connection_refused_is_provider_error():
    with pytest.raises(ProviderError, match="request failed"):
        await FredProvider(base_url="http://127.0.0.1:9/fredgraph.csv", timeout=2).series("WALCL")


@pytest.mark.parametrize("bad", ["walcl", "WAL CL", "../x", "W" * 40, "WALCL&id=X"])
async def test_ids_are_validated_before_any_request(fred_server, bad):
    url, seen = fred_server
    with pytest.raises(UnknownSymbol):
        await FredProvider(base_url=url).series(bad)
    assert seen == []


@pytest.mark.parametrize(
    ("series_id", "why"), [("DEXUSEU", "not UTF-8"), ("DTWEXBGS", "malformed"),
                           ("RRPONTSYD", "expected columns")],
)
async def test_a_malformed_answer_is_a_provider_error(fred_server, series_id, why):
    url, _ = fred_server
    with pytest.raises(ProviderError, match=why):
        await FredProvider(base_url=url).series(series_id)


async def test_a_brief_goes_out_without_the_section_fred_garbled(tmp_path):
    """Non-UTF-8 bytes for WALCL from the fake FRED: the brief is still made, net liquidity is
    left out with a note saying why, and the series FRED did answer are in it."""
    from datetime import UTC, datetime

    from bot.insights import Insights
    from bot.market.data import MacroData, PriceHistory
    from tests.market_fixtures import cycling_index

    bars = cycling_index(cycles=2)
    dates = pd.date_range(bars.index[-60], bars.index[-1], freq="W-WED")

    async def handler(request: web.Request) -> web.Response:
        series = request.query["id"]
        if series == "WALCL":
            return web.Response(body=b"observation_date,WALCL\n2024-01-03,7\xff\n",
                                content_type="text/csv")
        rows = "".join(f"{d:%Y-%m-%d},{4.0 + i / 100}\n" for i, d in enumerate(dates))
        return web.Response(text=f"observation_date,{series}\n{rows}", content_type="text/csv")

    app = web.Application()
    app.router.add_get("/fredgraph.csv", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]

    class Market:
        async def daily(self, symbol: str) -> PriceHistory:
            return PriceHistory(symbol, bars, datetime(2026, 1, 2, tzinfo=UTC), "test")

    try:
        fred = FredProvider(base_url=f"http://127.0.0.1:{port}/fredgraph.csv", timeout=5)
        insights = Insights(Market(), MacroData(fred))
        brief = await insights.brief(["^RUT"], today=bars.index[-1].date())
    finally:
        await runner.cleanup()
    notes = " ".join(brief.notes)
    assert "Fed net liquidity left out" in notes and "not UTF-8" in notes
    assert list(brief.data["macro_missing"]) == ["WALCL"]
    assert any(label == "High-yield spread" for label, _ in brief.figures)
