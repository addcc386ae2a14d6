"""`MarketData`: the only way the rest of riskon gets prices.

Layers, fastest first: a small in-memory LRU of hot symbols, the SQLite bar cache, the provider.
A warm request never touches the network; a stale one is refreshed incrementally (the last few
days again, to pick up revisions); concurrent requests for one symbol share one provider call;
and when the provider is down, the last good copy is served and marked stale rather than failing
the question.
"""

from __future__ import annotations

import asyncio
import datetime
import logging
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from bot.errors import DataUnavailable, NoData, ProviderError, UnknownSymbol
from bot.market import barcache, symbols
from bot.market.base import PriceProvider, check_symbol, clean_bars
from bot.store import Store

log = logging.getLogger(__name__)

_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)


def utc_now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


@dataclass(frozen=True)
class PriceHistory:
    """Daily bars of one symbol and how far to trust them.

    `as_of` is when the bars were last fetched successfully (UTC); `stale` says a refresh was due
    but failed, and `stale_reason` says which source failed and how, for the reply's caveat.
    """

    symbol: str
    bars: pd.DataFrame
    as_of: datetime.datetime
    source: str
    stale: bool = False
    stale_reason: str | None = None

    @property
    def close(self) -> pd.Series:
        return self.bars["Close"]


def is_round_the_clock(symbol: str) -> bool:
    """Crypto trades every day, so its cache ages faster than an exchange's."""
    asset = symbols.lookup(symbol)
    if asset is None:
        try:
            asset = symbols.resolve(symbol)
        except UnknownSymbol:
            return False
    return asset.is_crypto or asset.calendar == "24/7"


class MarketData:
    """Cached daily prices over any `PriceProvider`."""

    def __init__(
        self,
        store: Store,
        provider: PriceProvider,
        *,
        max_age_equity: datetime.timedelta = datetime.timedelta(hours=6),
        max_age_crypto: datetime.timedelta = datetime.timedelta(hours=1),
        memory_symbols: int = 32,
        refetch_overlap_days: int = 5,
        negative_ttl: datetime.timedelta = datetime.timedelta(minutes=10),
        failure_backoff: datetime.timedelta = datetime.timedelta(minutes=1),
        revision_tolerance: float = 0.01,
        clock: Callable[[], datetime.datetime] = utc_now,
        persist: bool = True,
    ) -> None:
        """`persist=False` keeps fetched bars in memory only (a one-question process on CSV
        files, whose store is thrown away: writing 10k rows there is wasted time).
        `negative_ttl`: how long "unknown symbol"/"no data" answers are remembered.
        `failure_backoff`: after a failed refresh, how long the stale copy is served before the
        provider is asked again (so an outage is not hammered once per question).
        `revision_tolerance`: if a refresh finds an older overlapping close changed by more than
        this fraction (a split, a re-based index), the whole history is fetched again."""
        self.store = store
        self.provider = provider
        self.max_age_equity = max_age_equity
        self.max_age_crypto = max_age_crypto
        self.memory_symbols = max(0, memory_symbols)
        self.refetch_overlap_days = max(0, refetch_overlap_days)
        self.negative_ttl = negative_ttl
        self.failure_backoff = failure_backoff
        self.revision_tolerance = revision_tolerance
        self.clock = clock
        self.persist = persist
        self._memory: OrderedDict[str, PriceHistory] = OrderedDict()
        self._inflight: dict[str, asyncio.Task[PriceHistory]] = {}
        self._negative: dict[str, tuple[Exception, datetime.datetime]] = {}
        self._retry_at: dict[str, datetime.datetime] = {}

    # -- public --------------------------------------------------------------------------------
    async def daily(
        self, symbol: str, *, fresh_since: datetime.datetime | None = None
    ) -> PriceHistory:
        """Bars for an already-resolved symbol, fresh if the provider can, stale if it cannot.

        Raises `UnknownSymbol`/`NoData` from the provider (remembered for `negative_ttl`), or
        `DataUnavailable` when the provider fails and nothing is cached.

        `fresh_since`: a copy fetched before this instant is refreshed whatever `max_age`
        says, as is one whose source changed since it was read (a CSV file rewritten). Alerts
        pass the moment the symbol's latest bar became final, so a bar captured intraday is
        fetched again once it is final, and an idle check does not touch the provider.
        """
        check_symbol(symbol)
        now = self.clock()
        negative = self._negative.get(symbol)
        if negative is not None:
            if now < negative[1]:
                raise negative[0].with_traceback(None)
            del self._negative[symbol]
        hit = self._memory.get(symbol)
        if hit is not None and self._servable(hit, now, fresh_since):
            self._memory.move_to_end(symbol)
            return hit
        task = self._inflight.get(symbol)
        if task is None:
            task = asyncio.get_running_loop().create_task(self._load(symbol, fresh_since))
            self._inflight[symbol] = task
            task.add_done_callback(lambda t: self._finished(symbol, t))
        # shield: one asker giving up (a cancelled command) must not cancel everyone's fetch.
        return await asyncio.shield(task)

    async def drain(self) -> None:
        """Wait for the fetches still in flight; call before closing the store.

        A fetch outlives an asker who stopped waiting (a cancelled command, or a question whose
        other symbol failed first) because it saves for everyone; closing the store under it
        made that save fail with "Store is not open"."""
        while self._inflight:
            await asyncio.gather(*list(self._inflight.values()), return_exceptions=True)

    def max_age(self, symbol: str) -> datetime.timedelta:
        return self.max_age_crypto if is_round_the_clock(symbol) else self.max_age_equity

    # -- internals -----------------------------------------------------------------------------
    def _finished(self, symbol: str, task: asyncio.Task[PriceHistory]) -> None:
        if self._inflight.get(symbol) is task:
            del self._inflight[symbol]
        if not task.cancelled():
            task.exception()  # retrieved here, so an unawaited failure is not logged as lost

    def _servable(
        self, history: PriceHistory, now: datetime.datetime,
        fresh_since: datetime.datetime | None = None,
    ) -> bool:
        if fresh_since is not None:
            changed = getattr(self.provider, "changed", None)
            if changed is not None and changed(history.symbol):
                return False  # a rewritten file is read again, even during a back-off
        if history.stale:
            return now < self._retry_at.get(history.symbol, _EPOCH)
        if fresh_since is not None and history.as_of < fresh_since:
            return False
        return now - history.as_of < self.max_age(history.symbol)

    def _remember(self, history: PriceHistory) -> PriceHistory:
        if self.memory_symbols:
            self._memory[history.symbol] = history
            self._memory.move_to_end(history.symbol)
            while len(self._memory) > self.memory_symbols:
                self._memory.popitem(last=False)
        return history

    async def _cached(self, symbol: str) -> PriceHistory | None:
        hit = self._memory.get(symbol)
        if hit is not None:
            return hit
        return await self._stored(symbol)

    async def _stored(self, symbol: str) -> PriceHistory | None:
        bars = await barcache.load_bars(self.store, symbol)
        if bars.empty:
            return None
        last = await barcache.last_ok_fetch(self.store, symbol)
        return PriceHistory(
            symbol=symbol,
            bars=bars,
            as_of=last.finished_at if last else _EPOCH,
            source=last.source if last else self.provider.name,
        )

    async def _load(
        self, symbol: str, fresh_since: datetime.datetime | None = None
    ) -> PriceHistory:
        now = self.clock()
        cached = await self._cached(symbol)
        if cached is not None and self._servable(cached, now, fresh_since):
            return self._remember(cached)
        # One upstream fetch per symbol across every process sharing the store: on PostgreSQL
        # the guard is an advisory lock, and whoever waited for it re-reads the bars the
        # holder just saved instead of fetching them again (on SQLite it is a no-op).
        async with self.store.fetch_guard(f"bars:{symbol}") as reread:
            if reread:
                stored = await self._stored(symbol)
                if stored is not None and self._servable(stored, self.clock(), fresh_since):
                    return self._remember(stored)
                cached = stored or cached
            return await self._refresh(symbol, cached)

    async def _refresh(self, symbol: str, cached: PriceHistory | None) -> PriceHistory:
        source = self.provider.name
        start: datetime.date | None = None
        if cached is not None:
            last_date = cached.bars.index[-1].date()
            start = last_date - datetime.timedelta(days=self.refetch_overlap_days)
        started = self.clock()
        try:
            fresh = await self.provider.daily(symbol, start)
            # Cleaning, comparing and merging ~10k rows takes milliseconds of pandas: a worker
            # thread's milliseconds, not the event loop's.
            fresh, merged, revised = await asyncio.to_thread(
                self._prepare, symbol, source, cached, fresh, start
            )
            if revised:
                log.info("%s %s: older bars were revised; fetching the whole history",
                         source, symbol)
                start = None
                fresh = await self.provider.daily(symbol, None)
                fresh, merged, _ = await asyncio.to_thread(
                    self._prepare, symbol, source, None, fresh, None
                )
        except (UnknownSymbol, NoData) as exc:
            await self._log_failure(symbol, source, started, exc)
            if cached is not None and isinstance(exc, NoData):
                # Nothing in the refresh window (a halted or delisted series): what we hold is
                # all there is, and it is as current as the source.
                return await self._confirm(cached, symbol, source, started)
            if cached is not None:
                return self._stale(cached, f"{source} no longer recognises {symbol}")
            self._negative[symbol] = (exc, self.clock() + self.negative_ttl)
            raise
        except ProviderError as exc:
            await self._log_failure(symbol, source, started, exc)
            return self._fallback(symbol, cached, exc.source, exc.detail)
        except Exception as exc:  # a provider bug: keep answering from the cache, loudly
            log.exception("%s %s: provider raised unexpectedly", source, symbol)
            await self._log_failure(symbol, source, started, exc)
            return self._fallback(symbol, cached, source, f"internal error ({type(exc).__name__})")

        if fresh.empty:
            return self._fallback(symbol, cached, source, "the provider returned no usable bars")
        finished = self.clock()
        history = PriceHistory(symbol=symbol, bars=merged, as_of=finished, source=source)
        if not self.persist:
            self._retry_at.pop(symbol, None)
            return self._remember(history)
        try:
            await barcache.save_bars(
                self.store, symbol, fresh, replace_from=start, source=source,
                started_at=started, finished_at=finished,
            )
        except Exception:
            # The transaction rolled back, so SQLite still holds the previous copy. Answer with
            # what was fetched, but don't keep it in memory: memory must never run ahead of disk,
            # or the next incremental refresh would leave a gap in SQLite.
            log.exception("%s: could not save %s bars; answering without caching", symbol, source)
            self._memory.pop(symbol, None)
            return history
        self._retry_at.pop(symbol, None)
        log.info("%s %s: cached %s bar(s) (from %s)", source, symbol, len(fresh), start or "start")
        return self._remember(history)

    def _prepare(
        self,
        symbol: str,
        source: str,
        cached: PriceHistory | None,
        fresh: pd.DataFrame,
        start: datetime.date | None,
    ) -> tuple[pd.DataFrame, pd.DataFrame, bool]:
        """(clean fresh bars, merged history, whether older bars were re-based); in a thread.

        Providers promise clean bars; checking again is cheap and keeps one buggy provider from
        breaking the SQLite constraints (close > 0) or the index type analytics expect.
        """
        fresh, _ = clean_bars(fresh, source=source, symbol=symbol)
        revised = start is not None and self._revised_history(cached, fresh)
        return fresh, self._merge(cached, fresh, start), revised

    def _revised_history(self, cached: PriceHistory | None, fresh: pd.DataFrame) -> bool:
        """True if overlapping closes before the last cached day moved: the past was re-based."""
        if cached is None or len(cached.bars) < 2:
            return False
        old = cached.bars["Close"].iloc[:-1]  # the last cached bar may be an intraday capture
        common = old.index.intersection(fresh.index)
        if common.empty:
            return False
        before = old.loc[common].to_numpy()
        after = fresh["Close"].loc[common].to_numpy()
        return bool(np.any(np.abs(after / before - 1) > self.revision_tolerance))

    @staticmethod
    def _merge(
        cached: PriceHistory | None, fresh: pd.DataFrame, start: datetime.date | None
    ) -> pd.DataFrame:
        """The same result SQLite holds after `save_bars`: old rows before `start`, then fresh."""
        if cached is None or start is None:
            return fresh
        keep = cached.bars[cached.bars.index < pd.Timestamp(start)]
        return pd.concat([keep, fresh]) if len(keep) else fresh

    async def _confirm(
        self, cached: PriceHistory, symbol: str, source: str, started: datetime.datetime
    ) -> PriceHistory:
        finished = self.clock()
        try:
            async with self.store.transaction() as db:
                await barcache.insert_fetch_log(
                    db, symbol, source, started, finished, ok=True, rows=0, error=None
                )
        except Exception:
            log.exception("%s: could not log the fetch", symbol)
        return self._remember(replace(cached, as_of=finished, stale=False, stale_reason=None))

    def _fallback(
        self, symbol: str, cached: PriceHistory | None, source: str, detail: str
    ) -> PriceHistory:
        if cached is None:
            raise DataUnavailable(symbol, source, detail)
        return self._stale(cached, f"{source} failed: {detail}")

    def _stale(self, cached: PriceHistory, reason: str) -> PriceHistory:
        self._retry_at[cached.symbol] = self.clock() + self.failure_backoff
        log.warning("%s: serving cached bars as of %s (%s)", cached.symbol, cached.as_of, reason)
        return self._remember(replace(cached, stale=True, stale_reason=reason))

    async def _log_failure(
        self, symbol: str, source: str, started: datetime.datetime, exc: BaseException
    ) -> None:
        try:
            await barcache.log_failed_fetch(
                self.store, symbol, source, started, self.clock(), f"{type(exc).__name__}: {exc}"
            )
        except Exception:
            log.exception("%s: could not log the failed fetch", symbol)


@dataclass(frozen=True)
class MacroSeries:
    series: pd.Series
    as_of: datetime.datetime
    stale: bool


class MacroData:
    """FRED series with a small in-memory TTL cache (they change at most daily)."""

    def __init__(
        self,
        fred_provider,
        ttl: datetime.timedelta = datetime.timedelta(hours=6),
        *,
        clock: Callable[[], datetime.datetime] = utc_now,
    ) -> None:
        self.provider = fred_provider
        self.ttl = ttl
        self.clock = clock
        self._cache: dict[str, MacroSeries] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def fred(self, series_id: str) -> tuple[pd.Series, datetime.datetime, bool]:
        """(series, as_of, stale). A failed refresh serves the last copy as stale; without one,
        the provider's error propagates (`ProviderError`, `NoData`, `UnknownSymbol`)."""
        lock = self._locks.setdefault(series_id, asyncio.Lock())
        async with lock:  # one request per series at a time, the rest reuse its answer
            hit = self._cache.get(series_id)
            now = self.clock()
            if hit is not None and now - hit.as_of < self.ttl:
                return hit.series, hit.as_of, hit.stale
            try:
                series = await self.provider.series(series_id)
            except (NoData, UnknownSymbol):
                raise
            except Exception as exc:
                if not isinstance(exc, ProviderError):
                    # A provider bug or an answer it failed to sort: still the provider's
                    # failure, so the last good copy is served (loudly) rather than nothing.
                    log.exception("FRED %s: provider raised unexpectedly", series_id)
                    exc = ProviderError(getattr(self.provider, "name", "FRED"),
                                        f"internal error ({type(exc).__name__})")
                if hit is None:
                    raise exc from None
                log.warning("FRED %s: serving copy as of %s (%s)", series_id, hit.as_of, exc)
                return hit.series, hit.as_of, True
            entry = MacroSeries(series, self.clock(), False)
            self._cache[series_id] = entry
            return entry.series, entry.as_of, entry.stale
