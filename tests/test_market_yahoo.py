"""YahooProvider through yfinance's real HTTP and parsing code, against the fake Yahoo."""

from __future__ import annotations

import datetime

import numpy as np
import pandas as pd
import pytest

from bot.errors import NoData, ProviderError, UnknownSymbol
from bot.market.data import MarketData
from bot.market.yahoo import YahooProvider
from bot.store import Store
from tests.fake_yahoo import FakeYahoo, reset_yfinance

pytestmark = pytest.mark.filterwarnings("ignore::FutureWarning")


def rut_frame() -> pd.DataFrame:
    index = pd.DatetimeIndex(
        ["2024-03-07", "2024-03-08", "2024-03-11", "2024-03-12", "2024-11-04", "2024-11-05"]
    )
    return pd.DataFrame(
        {
            "Open": [2070.5, 2080.25, 2070.0, 2060.75, 2200.0, 2210.0],
            "High": [2080.0, 2090.5, 2075.0, 2070.0, 2215.0, 2230.5],
            "Low": [2060.0, 2070.0, 2055.5, 2050.0, 2190.0, 2205.0],
            "Close": [2075.27, 2083.81, 2061.12, 2065.49, 2210.0, 2225.5],
            "Volume": [4.1e9, 4.2e9, 3.9e9, 4.0e9, 3.5e9, 3.6e9],
        },
        index=index,
    )


def btc_frame() -> pd.DataFrame:
    index = pd.date_range("2024-03-09", periods=4, freq="D")  # spans the US DST change
    return pd.DataFrame({"Close": [68300.5, 69000.0, 72123.25, 71500.0]}, index=index)


@pytest.fixture
def fake(tmp_path) -> FakeYahoo:
    reset_yfinance(tmp_path / "yfinance-state")
    return FakeYahoo({"^RUT": rut_frame(), "BTC-USD": btc_frame()})


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def provider(tmp_path, fake, sleeps) -> YahooProvider:
    async def record(delay: float) -> None:
        sleeps.append(delay)

    return YahooProvider(
        data_dir=tmp_path, session=fake.session(), retries=2, backoff=0.5, sleep=record
    )


async def test_history_values_and_dates_exact(provider, fake):
    frame = await provider.daily("^RUT")
    expected = rut_frame()
    assert list(frame.columns) == ["Open", "High", "Low", "Close", "Volume"]
    assert frame.index.name == "Date" and frame.index.tz is None
    assert list(frame.index) == list(expected.index)  # midnight, exchange-local dates
    np.testing.assert_array_equal(frame.to_numpy(), expected.to_numpy())
    assert all(dtype == np.float64 for dtype in frame.dtypes)
    assert len(fake.history_calls("^RUT")) == 1
    assert all(c.host.endswith("yahoo.com") for c in fake.calls)


async def test_start_is_passed_to_yahoo(provider, fake):
    frame = await provider.daily("^RUT", start=datetime.date(2024, 11, 1))
    assert list(frame.index.strftime("%Y-%m-%d")) == ["2024-11-04", "2024-11-05"]
    call = fake.history_calls("^RUT")[-1]
    opened = datetime.datetime.fromtimestamp(int(call.params["period1"]), datetime.UTC)
    assert opened == datetime.datetime(2024, 11, 1, 4, 0, tzinfo=datetime.UTC)  # NY midnight


async def test_crypto_in_utc_with_unknown_ohlv(provider):
    frame = await provider.daily("BTC-USD")
    assert list(frame.index) == list(btc_frame().index)
    assert frame["Close"].tolist() == btc_frame()["Close"].tolist()
    assert frame["Open"].isna().all()


async def test_rate_limit_is_retried_then_succeeds(provider, fake, sleeps):
    fake.fail_with_429("^RUT", 2)  # yfinance retries once itself: one attempt fails
    frame = await provider.daily("^RUT")
    assert len(frame) == 6
    assert len(sleeps) == 1 and 0.5 <= sleeps[0] <= 0.75
    assert [c.status for c in fake.chart_calls("^RUT")].count(429) == 2


async def test_rate_limit_forever_gives_provider_error(provider, fake, sleeps):
    fake.fail_with_429("^RUT", 10_000)
    with pytest.raises(ProviderError) as info:
        await provider.daily("^RUT")
    assert info.value.source == "Yahoo Finance" and "429" in info.value.detail
    assert "3 attempts" in info.value.detail
    assert len(sleeps) == 2
    assert 0.5 <= sleeps[0] <= 0.75 and 1.0 <= sleeps[1] <= 1.5  # exponential, with jitter


async def test_outage_gives_provider_error(provider, fake, sleeps):
    fake.set_outage(True)
    with pytest.raises(ProviderError) as info:
        await provider.daily("^RUT")
    assert "ConnectionError" in info.value.detail
    assert len(sleeps) == 2


async def test_no_data_found_is_unknown_symbol(provider, fake, sleeps):
    with pytest.raises(UnknownSymbol):
        await provider.daily("ZZZZ")
    fake.set_no_data("^RUT")
    with pytest.raises(UnknownSymbol):
        await provider.daily("^RUT")
    assert sleeps == []


async def test_empty_quote_is_no_data(provider, fake, sleeps):
    fake.set_empty_quote("^RUT")
    with pytest.raises(NoData) as info:
        await provider.daily("^RUT")
    assert info.value.symbol == "^RUT" and sleeps == []


async def test_start_after_last_bar_is_no_data(provider):
    with pytest.raises(NoData):
        await provider.daily("^RUT", start=datetime.date(2025, 1, 1))


async def test_unvalidated_symbol_is_refused_before_any_request(provider, fake):
    with pytest.raises(UnknownSymbol):
        await provider.daily("^RUT/../../x")
    assert fake.calls == []


async def test_bad_rows_from_yahoo_are_dropped(provider, fake):
    frame = rut_frame()
    frame.loc[frame.index[2], "Close"] = np.nan
    fake.frames["^RUT"] = frame
    result = await provider.daily("^RUT")
    assert len(result) == 5 and result["Close"].notna().all()


async def test_market_data_over_fake_yahoo_end_to_end(tmp_path, provider, fake):
    clock_now = [datetime.datetime(2024, 11, 6, 0, tzinfo=datetime.UTC)]
    async with Store(tmp_path / "riskon.db") as store:
        md = MarketData(store, provider, clock=lambda: clock_now[0])
        first = await md.daily("^RUT")
        assert len(first.bars) == 6 and first.source == "Yahoo Finance"
        fake.frames["^RUT"] = pd.concat(
            [rut_frame(), pd.DataFrame({"Close": [2230.0]}, index=[pd.Timestamp("2024-11-06")])]
        )
        clock_now[0] += datetime.timedelta(hours=7)
        second = await md.daily("^RUT")
        assert len(second.bars) == 7 and second.bars.index.is_unique
        history = fake.history_calls("^RUT")
        assert len(history) == 2 and "period1" in history[1].params
        fake.set_outage(True)
        clock_now[0] += datetime.timedelta(hours=7)
        stale = await md.daily("^RUT")
        assert stale.stale and "Yahoo Finance" in stale.stale_reason and len(stale.bars) == 7


def test_a_connection_without_an_answer_is_a_network_error_not_http_0():
    """curl_cffi gives DNS and refused connections a response with status 0."""
    from types import SimpleNamespace

    from bot.market.yahoo import _http_status, _is_network_error

    class CurlLikeError(OSError):
        response = SimpleNamespace(status_code=0)

    exc = CurlLikeError("Could not resolve host: query2.finance.yahoo.com")
    assert _http_status(exc) is None and _is_network_error(exc)
    assert _http_status(SimpleNamespace(response=SimpleNamespace(status_code=503))) == 503


async def test_a_hung_yahoo_holds_neither_the_default_pool_nor_the_next_fetch(tmp_path, fake):
    """Ten fetches against a network that accepts and never answers: short thread hops still run
    at once, and once they time out a new fetch is not queued behind the stuck one."""
    import asyncio
    import threading
    import time

    from bot.market.netio import NET_THREADS
    from tests.fake_yahoo import HangingServer

    with HangingServer() as server:
        fake.set_hang(server, hold=30.0)
        provider = YahooProvider(data_dir=tmp_path, session=fake.session(), timeout=0.75,
                                 retries=0)
        fetches = asyncio.gather(*(provider.daily("^RUT") for _ in range(10)),
                                 return_exceptions=True)
        for _ in range(100):  # until the first fetch is stuck on the network
            await asyncio.sleep(0.02)
            if server.open_connections:
                break
        assert server.open_connections >= 1 and not fetches.done()
        began = time.monotonic()
        await asyncio.wait_for(asyncio.to_thread(lambda: None), timeout=5)
        assert time.monotonic() - began < 0.5

        results = await fetches
        assert all(isinstance(r, ProviderError) and "no answer within 3s" in str(r)
                   for r in results)
        assert sum(t.name.startswith("riskon-net-") for t in threading.enumerate()) <= NET_THREADS

        fake.set_hang(None)
        # A roomier deadline than the hung ones had (a busy machine), far below their 30 s hold:
        # the old lock made this fetch wait for the stuck one until its socket gave up.
        patient = YahooProvider(data_dir=tmp_path, session=fake.session(), timeout=2.5,
                                retries=0)
        bars = await patient.daily("^RUT")
        assert len(bars) == 6
        assert server.open_connections >= 1  # ... while the timed-out one is still stuck


@pytest.mark.parametrize("body", [b"{}", b'{"chart": {}}', b"[]", b"null"])
async def test_an_answer_yfinance_cannot_read_is_a_provider_error_in_plain_words(
    provider, fake, body
):
    # yfinance raises KeyError/TypeError deep inside on these; the asker is told what happened
    # (the traceback goes to the log), never "unexpected KeyError: 'chart'".
    fake.answer_with("^RUT", 200, body)
    with pytest.raises(ProviderError) as info:
        await provider.daily("^RUT")
    assert info.value.detail == "an answer riskon could not read"


async def test_a_yfinance_without_its_internal_yfdata_still_fetches(provider, fake, monkeypatch,
                                                                    caplog):
    # riskon reads the chart's HTTP status through yfinance's internal YfData.get; a release
    # that renames it must cost that refinement only, never the prices.
    import yfinance.data as yf_data

    import bot.market.yahoo as yahoo

    monkeypatch.delattr(yf_data, "YfData")
    monkeypatch.setattr(yahoo, "_status_unwatched", False)
    caplog.set_level("WARNING", logger="bot.market.yahoo")
    frame = await provider.daily("^RUT")
    assert len(frame) == len(fake.frames["^RUT"])
    await provider.daily("BTC-USD")
    said = [r for r in caplog.records if "no YfData.get" in r.getMessage()]
    assert len(said) == 1  # once per process, not once per fetch
