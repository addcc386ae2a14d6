"""MarketData against a counting fake provider (the outermost boundary) and a real store
(a SQLite file, and a PostgreSQL schema when the tests have a server)."""

from __future__ import annotations

import asyncio
import datetime

import numpy as np
import pandas as pd
import pytest

from bot.errors import DataUnavailable, NoData, ProviderError, UnknownSymbol
from bot.market import barcache
from bot.market.data import MacroData, MarketData, PriceHistory
from bot.store import Store

T0 = datetime.datetime(2026, 3, 2, 22, 0, tzinfo=datetime.UTC)


def bars(start: str, n: int, base: float = 100.0, freq: str = "B") -> pd.DataFrame:
    index = pd.date_range(start, periods=n, freq=freq, name="Date")
    close = base + np.arange(n, dtype="float64")
    return pd.DataFrame(
        {"Open": close - 0.5, "High": close + 1, "Low": close - 1, "Close": close,
         "Volume": np.full(n, 1000.0)},
        index=index,
    )


class Clock:
    def __init__(self, now: datetime.datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime.datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += datetime.timedelta(**kwargs)


class CountingProvider:
    """Serves `frames[symbol]` from `start`; counts calls; can fail on demand."""

    name = "Fake"

    def __init__(self, frames: dict[str, pd.DataFrame]) -> None:
        self.frames = frames
        self.calls: list[tuple[str, datetime.date | None]] = []
        self.error: Exception | None = None
        self.gate: asyncio.Event | None = None

    async def daily(self, symbol: str, start: datetime.date | None = None) -> pd.DataFrame:
        self.calls.append((symbol, start))
        if self.gate is not None:
            await self.gate.wait()
        await asyncio.sleep(0)
        if self.error is not None:
            raise self.error
        if symbol not in self.frames:
            raise UnknownSymbol(symbol)
        frame = self.frames[symbol]
        if start is not None:
            frame = frame[frame.index >= pd.Timestamp(start)]
        if frame.empty:
            raise NoData(symbol, self.name, "nothing in range")
        return frame.copy()


@pytest.fixture
async def store(store_target):
    """A real SQLite file, or a PostgreSQL schema: the cache behaves the same on both."""
    async with Store(store_target) as s:
        yield s


@pytest.fixture
def clock():
    return Clock()


def market(store, provider, clock, **kwargs) -> MarketData:
    return MarketData(store, provider, clock=clock, **kwargs)


async def count_rows(store: Store, symbol: str) -> int:
    row = await store.fetchone("SELECT count(*) FROM bars WHERE symbol = ?", (symbol,))
    return row[0]


async def test_cold_fetch_persists_and_logs(store, clock):
    provider = CountingProvider({"^RUT": bars("2025-01-02", 50)})
    md = market(store, provider, clock)
    history = await md.daily("^RUT")
    assert isinstance(history, PriceHistory)
    assert provider.calls == [("^RUT", None)]
    assert not history.stale and history.stale_reason is None
    assert history.as_of == T0 and history.source == "Fake"
    pd.testing.assert_frame_equal(history.bars, bars("2025-01-02", 50), check_freq=False)
    pd.testing.assert_series_equal(history.close, history.bars["Close"])
    assert await count_rows(store, "^RUT") == 50
    log = await store.fetchall("SELECT symbol, source, ok, rows FROM fetch_log")
    assert log == [("^RUT", "Fake", 1, 50)]


async def test_warm_hit_makes_no_provider_call_from_memory_or_sqlite(store, clock, tmp_path):
    provider = CountingProvider({"^RUT": bars("2025-01-02", 50)})
    md = market(store, provider, clock)
    first = await md.daily("^RUT")
    clock.advance(hours=1)
    assert (await md.daily("^RUT")) is first  # memory
    md = market(store, provider, clock)  # a fresh memory layer over the same store
    from_disk = await md.daily("^RUT")  # SQLite
    assert len(provider.calls) == 1
    pd.testing.assert_frame_equal(from_disk.bars, first.bars)
    assert from_disk.as_of == T0 and from_disk.source == "Fake"

    # A new MarketData on the same file (a restart) is warm too.
    again = market(store, CountingProvider({}), clock)
    assert (await again.daily("^RUT")).as_of == T0


async def test_hundred_concurrent_requests_make_one_provider_call(store, clock):
    provider = CountingProvider({"BTC-USD": bars("2024-01-01", 400, freq="D")})
    provider.gate = asyncio.Event()
    md = market(store, provider, clock)
    tasks = [asyncio.create_task(md.daily("BTC-USD")) for _ in range(100)]
    await asyncio.sleep(0.01)
    provider.gate.set()
    results = await asyncio.gather(*tasks)
    assert len(provider.calls) == 1
    assert all(r is results[0] for r in results)


async def test_concurrent_waiters_share_the_failure(store, clock):
    provider = CountingProvider({})
    provider.error = ProviderError("Fake", "HTTP 503")
    md = market(store, provider, clock)
    results = await asyncio.gather(*(md.daily("IWM") for _ in range(20)), return_exceptions=True)
    assert len(provider.calls) == 1
    assert all(isinstance(r, DataUnavailable) for r in results)
    assert results[0].source == "Fake" and "503" in results[0].detail


async def test_cancelled_asker_does_not_cancel_the_shared_fetch(store, clock):
    provider = CountingProvider({"IWM": bars("2025-01-02", 10)})
    provider.gate = asyncio.Event()
    md = market(store, provider, clock)
    first = asyncio.create_task(md.daily("IWM"))
    second = asyncio.create_task(md.daily("IWM"))
    await asyncio.sleep(0.01)
    first.cancel()
    provider.gate.set()
    assert len((await second).bars) == 10
    assert len(provider.calls) == 1


async def test_provider_failure_with_cache_serves_stale(store, clock):
    provider = CountingProvider({"^RUT": bars("2025-01-02", 50)})
    md = market(store, provider, clock)
    await md.daily("^RUT")
    clock.advance(hours=7)  # past the 6h equity max age
    provider.error = ProviderError("Fake", "rate limited (HTTP 429)")
    history = await md.daily("^RUT")
    assert history.stale
    assert history.as_of == T0
    assert "Fake" in history.stale_reason and "429" in history.stale_reason
    assert len(history.bars) == 50
    # During the failure backoff the stale copy is served without asking again...
    await md.daily("^RUT")
    assert len(provider.calls) == 2
    # ...then the provider is asked again, and recovery clears the flag.
    clock.advance(minutes=2)
    provider.error = None
    recovered = await md.daily("^RUT")
    assert len(provider.calls) == 3
    assert not recovered.stale and recovered.as_of == clock.now
    failed = await store.fetchall("SELECT ok, error FROM fetch_log WHERE ok = 0")
    assert len(failed) == 1 and "429" in failed[0][1]


async def test_stale_from_sqlite_after_restart(store, clock):
    await market(store, CountingProvider({"^RUT": bars("2025-01-02", 5)}), clock).daily("^RUT")
    clock.advance(days=2)
    broken = CountingProvider({})
    broken.error = ProviderError("Fake", "timeout")
    history = await market(store, broken, clock).daily("^RUT")
    assert history.stale and history.as_of == T0 and len(history.bars) == 5


async def test_provider_failure_without_cache_is_data_unavailable(store, clock):
    provider = CountingProvider({})
    provider.error = ProviderError("Fake", "connection refused")
    with pytest.raises(DataUnavailable) as info:
        await market(store, provider, clock).daily("^RUT")
    assert info.value.symbol == "^RUT" and info.value.source == "Fake"


async def test_unknown_symbol_propagates_and_is_remembered_briefly(store, clock):
    provider = CountingProvider({})
    md = market(store, provider, clock)
    for _ in range(3):
        with pytest.raises(UnknownSymbol):
            await md.daily("NOPE")
    assert len(provider.calls) == 1
    clock.advance(minutes=11)  # negative_ttl is 10 minutes
    provider.frames["NOPE"] = bars("2025-01-02", 3)
    assert len((await md.daily("NOPE")).bars) == 3


async def test_invalid_symbol_never_reaches_provider(store, clock):
    provider = CountingProvider({})
    with pytest.raises(UnknownSymbol):
        await market(store, provider, clock).daily("../etc/passwd")
    assert provider.calls == []


async def test_incremental_refresh_merges_without_duplicates_and_takes_revisions(store, clock):
    full = bars("2025-01-02", 60)
    provider = CountingProvider({"^RUT": full.iloc[:50].copy()})
    md = market(store, provider, clock, refetch_overlap_days=5)
    await md.daily("^RUT")
    last_cached = full.index[49]

    updated = full.copy()
    updated.loc[last_cached, "Close"] = 999.0  # the last cached bar was revised
    provider.frames["^RUT"] = updated
    clock.advance(hours=7)
    history = await md.daily("^RUT")

    assert provider.calls[-1] == ("^RUT", (last_cached - pd.Timedelta(days=5)).date())
    assert history.bars.index.is_unique and history.bars.index.is_monotonic_increasing
    assert len(history.bars) == 60
    assert history.bars.loc[last_cached, "Close"] == 999.0
    pd.testing.assert_frame_equal(history.bars, updated, check_freq=False)
    assert await count_rows(store, "^RUT") == 60
    reread = market(store, provider, clock)  # a fresh memory layer: what SQLite holds
    pd.testing.assert_frame_equal((await reread.daily("^RUT")).bars, history.bars)


async def test_withdrawn_bar_in_the_refresh_window_disappears(store, clock):
    full = bars("2025-01-02", 20)
    provider = CountingProvider({"^VIX": full})
    md = market(store, provider, clock)
    await md.daily("^VIX")
    provider.frames["^VIX"] = full.drop(full.index[-2])  # a spurious holiday row, removed
    clock.advance(hours=7)
    assert len((await md.daily("^VIX")).bars) == 19
    assert await count_rows(store, "^VIX") == 19


async def test_rebased_history_triggers_a_full_refetch(store, clock):
    full = bars("2025-01-02", 30)
    provider = CountingProvider({"IWM": full})
    md = market(store, provider, clock)
    await md.daily("IWM")
    split = full.copy()
    split[["Open", "High", "Low", "Close"]] /= 2  # a 2:1 split re-bases every past close
    provider.frames["IWM"] = split
    clock.advance(hours=7)
    history = await md.daily("IWM")
    assert provider.calls[-1] == ("IWM", None)
    pd.testing.assert_frame_equal(history.bars, split, check_freq=False)


async def test_no_new_bars_on_refresh_keeps_cache_fresh(store, clock):
    provider = CountingProvider({"^RUT": bars("2025-01-02", 10)})
    md = market(store, provider, clock, refetch_overlap_days=0)
    await md.daily("^RUT")
    provider.frames["^RUT"] = bars("2025-01-02", 9)  # nothing on or after the last cached day
    clock.advance(hours=7)
    history = await md.daily("^RUT")
    assert not history.stale and history.as_of == clock.now and len(history.bars) == 10


async def test_crypto_ages_faster_than_equities(store, clock):
    provider = CountingProvider({"BTC-USD": bars("2025-01-01", 10, freq="D"),
                                 "^RUT": bars("2025-01-02", 10)})
    md = market(store, provider, clock)
    await md.daily("BTC-USD")
    await md.daily("^RUT")
    clock.advance(hours=2)
    await md.daily("BTC-USD")
    await md.daily("^RUT")
    assert [c[0] for c in provider.calls] == ["BTC-USD", "^RUT", "BTC-USD"]


async def test_memory_lru_is_bounded(store, clock):
    names = ["AAA", "BBB", "CCC", "DDD"]
    provider = CountingProvider({n: bars("2025-01-02", 5) for n in names})
    md = market(store, provider, clock, memory_symbols=2)
    for n in names:
        await md.daily(n)
    assert list(md._memory) == ["CCC", "DDD"]
    await md.daily("AAA")  # from SQLite, becomes most recent
    assert list(md._memory) == ["DDD", "AAA"]
    assert len(provider.calls) == 4


async def test_memory_layer_off(store, clock):
    provider = CountingProvider({"AAA": bars("2025-01-02", 5)})
    md = market(store, provider, clock, memory_symbols=0)
    await md.daily("AAA")
    await md.daily("AAA")
    assert md._memory == {} and len(provider.calls) == 1


async def test_interrupted_write_leaves_previous_cache_intact(store, clock, monkeypatch):
    provider = CountingProvider({"^RUT": bars("2025-01-02", 30)})
    md = market(store, provider, clock)
    before = (await md.daily("^RUT")).bars
    provider.frames["^RUT"] = bars("2025-01-02", 40, base=500.0)  # every bar changes

    async def explode(*args, **kwargs):
        raise RuntimeError("disk full")

    # The bars are deleted and inserted, then logging the fetch fails inside the transaction.
    monkeypatch.setattr(barcache, "insert_fetch_log", explode)
    clock.advance(hours=7)
    answered = await md.daily("^RUT")
    assert len(answered.bars) == 40  # the asker still gets the fetched data
    monkeypatch.undo()

    assert await count_rows(store, "^RUT") == 30
    again = await market(store, CountingProvider({}), Clock(T0)).daily("^RUT")
    pd.testing.assert_frame_equal(again.bars, before)
    log = await store.fetchall("SELECT ok FROM fetch_log")
    assert log == [(1,)]


async def test_nan_volume_round_trips_as_nan(store, clock):
    frame = bars("2025-01-02", 3)
    frame.loc[frame.index[1], ["Open", "Volume"]] = np.nan
    await market(store, CountingProvider({"X": frame}), clock).daily("X")
    cached = await barcache.load_bars(store, "X")
    assert np.isnan(cached["Volume"].iloc[1]) and np.isnan(cached["Open"].iloc[1])
    pd.testing.assert_frame_equal(cached, frame, check_freq=False)


class FakeFred:
    def __init__(self) -> None:
        self.calls = 0
        self.error: Exception | None = None

    async def series(self, series_id, start=None):
        self.calls += 1
        if self.error:
            raise self.error
        return pd.Series([1.0, 2.0], index=pd.to_datetime(["2025-01-01", "2025-01-08"]))


async def test_macro_data_ttl_and_stale():
    fred, clock = FakeFred(), Clock()
    macro = MacroData(fred, datetime.timedelta(hours=1), clock=clock)
    series, as_of, stale = await macro.fred("WALCL")
    assert (len(series), as_of, stale) == (2, T0, False)
    await macro.fred("WALCL")
    assert fred.calls == 1
    clock.advance(hours=2)
    fred.error = ProviderError("FRED", "HTTP 504")
    series, as_of, stale = await macro.fred("WALCL")
    assert stale and as_of == T0 and fred.calls == 2
    with pytest.raises(ProviderError):
        await macro.fred("DGS10")
