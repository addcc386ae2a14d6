"""The async service every front end asks: one method per question, each returning an `Insight`.

Why a service between cogs and analytics: Discord and the terminal must give the same answer, so
neither may compute anything. The service validates options (so a bad horizon reads the same in
both), fetches prices through the cache (await only), and hands the pure compute-and-render step
to an executor (the bot's worker processes, `bot/compute.py`; a thread in the terminal): pandas on
40-year series and matplotlib never run on the event loop. Each method imports its answer
builder when first called: a terminal question loads only the one it asks
(`benchmarks/bench_startup.py`); the bot's workers import them all up front.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import re
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from datetime import UTC, date, datetime
from typing import Any, Literal, TypeVar

from bot import defaults
from bot.analytics.signals import DEFAULT_GAP, Signal, event_signal, parse_signal
from bot.answers.model import Insight, Table
from bot.defaults import HORIZON_RANGE, LOOKBACK_RANGE, MIN_GAP_RANGE, WINDOW_RANGE
from bot.errors import BadInput, DataUnavailable, RiskonError, UnknownSymbol, UserError
from bot.market.symbols import Asset, resolve

log = logging.getLogger(__name__)

__all__ = [
    "HORIZON_RANGE", "LOOKBACK_RANGE", "MIN_GAP_RANGE", "WINDOW_RANGE",
    "Insight", "Insights", "Table", "parse_horizons",
]

T = TypeVar("T")
EventKind = Literal["ath", "breakout"]

DEFAULT_HORIZONS = defaults.HORIZONS
_WHOLE_NUMBER = re.compile(r"[+-]?[0-9]+")


def utc_today() -> date:
    return datetime.now(UTC).date()


def check_range(name: str, value: int, bounds: tuple[int, int], unit: str) -> int:
    low, high = bounds
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise BadInput(
            f"{name} must be a whole number of {unit} from {low} to {high}, not {value!r}."
        )
    return value


def parse_horizons(value: str | Sequence[int] | None) -> tuple[int, ...]:
    """'30,90,365' or [30, 90] -> sorted unique horizons in calendar days, validated."""
    if value is None:
        return DEFAULT_HORIZONS
    parts: list[Any] = value.split(",") if isinstance(value, str) else list(value)
    horizons: set[int] = set()
    for part in parts:
        text = str(part).strip().lower().removesuffix("d")
        # ASCII digits only: str.isdigit() also passes '²' and '①', which int() rejects.
        if not _WHOLE_NUMBER.fullmatch(text):
            raise BadInput(
                f"Horizons are whole numbers of calendar days like 30,90,365, not {str(part)!r}."
            )
        horizons.add(check_range("A horizon", int(text), HORIZON_RANGE, "days"))
    if not horizons or len(horizons) > 8:
        raise BadInput("Give between 1 and 8 horizons, e.g. 30,90,180,365.")
    return tuple(sorted(horizons))


def after_signal(
    trigger: str,
    *,
    min_gap: int | None = None,
    event: str | None = None,
    lookback: int = defaults.BREAKOUT_LOOKBACK,
) -> Signal:
    """The signal /after studies. A bare symbol means its fresh ATHs, or its breakouts with
    event='breakout' (min_gap becomes the gap); anything else is parsed as a signal, which
    says its own condition, so `event` then is a contradiction, and `min_gap` fills in the gap
    unless the text gave a different one."""
    if min_gap is not None:
        check_range("min_gap", min_gap, MIN_GAP_RANGE, "sessions")
    check_range("The breakout lookback", lookback, LOOKBACK_RANGE, "sessions")
    if event not in (None, "ath", "breakout"):
        raise BadInput(f"event must be 'ath' or 'breakout', not {event!r}.")
    try:
        asset = resolve(trigger)
    except UnknownSymbol:
        asset = None
    if asset is not None:
        gap = DEFAULT_GAP if min_gap is None else min_gap
        return event_signal(asset.symbol, event or "ath", gap, lookback)
    signal = parse_signal(trigger)
    if event is not None:
        raise BadInput(
            f"event only applies to a bare symbol; '{signal.canonical}' already says what to "
            f"watch for (for breakouts write e.g. '{signal.trigger} breakout')."
        )
    if min_gap is None or min_gap == signal.gap:
        return signal
    if signal.gap != DEFAULT_GAP:
        raise BadInput(
            f"Two gaps: the signal says gap {signal.gap} and min_gap says {min_gap}; keep one."
        )
    return Signal(signal.clauses, min_gap)


class Insights:
    """One method per question. `market` is a `bot.market.data.MarketData`."""

    def __init__(
        self, market: Any, macro: Any | None = None, executor: Executor | None = None
    ) -> None:
        """`executor`: where answers are computed and rendered; None means a worker thread
        (fine for one question at a time, as in the terminal); the bot passes a process pool."""
        self.market = market
        self.macro = macro
        self.executor = executor

    async def _offload(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.executor, functools.partial(fn, *args, **kwargs))

    async def _histories(self, *assets: Asset) -> list[Any]:
        return list(await asyncio.gather(*(self.market.daily(a.symbol) for a in assets)))

    async def ath(self, symbol: str, *, today: date | None = None) -> Insight:
        """`today`: the date the answer is for (default: today in UTC); data more than three
        sessions older is said to be old in the first line."""
        from bot.answers.ath import answer_ath

        asset = resolve(symbol)
        (history,) = await self._histories(asset)
        return await self._offload(answer_ath, asset, history, today=today or utc_today())

    async def quote(
        self, symbol: str, *, today: date | None = None, chart_range: str = "1y"
    ) -> Insight:
        """`chart_range`: what the chart draws, "1m", "1y", "5y" or "max" (the /quote buttons)."""
        from bot.answers.quote import CHART_RANGES, answer_quote

        if chart_range not in CHART_RANGES:
            raise BadInput(
                f"The chart range must be one of {', '.join(CHART_RANGES)}, not {chart_range!r}."
            )
        asset = resolve(symbol)
        (history,) = await self._histories(asset)
        return await self._offload(
            answer_quote, asset, history, today=today or utc_today(), chart_range=chart_range
        )

    async def after(
        self,
        trigger: str,
        target: str,
        *,
        horizons: str | Sequence[int] | None = None,
        min_gap: int | None = None,
        event: EventKind | None = None,
        lookback: int = defaults.BREAKOUT_LOOKBACK,
    ) -> Insight:
        """What `target` did after every event of `trigger`: a signal ('^VIX close > 30') or a
        bare symbol, which means its fresh ATHs (or breakouts with event='breakout')."""
        from bot.answers.after import answer_signal_after

        chosen = parse_horizons(horizons)
        signal = after_signal(trigger, min_gap=min_gap, event=event, lookback=lookback)
        target_asset = resolve(target)
        assets = {s: resolve(s) for s in signal.symbols}
        wanted = {**assets, target_asset.symbol: target_asset}
        fetched = await self._histories(*wanted.values())
        histories = dict(zip(wanted, fetched, strict=True))
        return await self._offload(
            answer_signal_after,
            signal,
            assets,
            {s: histories[s] for s in signal.symbols},
            target_asset,
            histories[target_asset.symbol],
            horizons=chosen,
        )

    async def signal(self, text: str) -> Insight:
        """When a signal fired: its events, rate, whether it holds today, and a chart. A bare
        symbol means its fresh all-time highs, as in /after."""
        from bot.answers.signal import answer_signal

        signal = after_signal(text)
        assets = {s: resolve(s) for s in signal.symbols}
        fetched = await self._histories(*assets.values())
        return await self._offload(
            answer_signal, signal, assets, dict(zip(assets, fetched, strict=True))
        )

    async def correlation(self, a: str, b: str, *, window: int = defaults.CORR_WINDOW) -> Insight:
        from bot.answers.corr import answer_correlation

        check_range("The window", window, WINDOW_RANGE, "sessions")
        asset_a, asset_b = resolve(a), resolve(b)
        if asset_a.symbol == asset_b.symbol:
            raise BadInput("Pick two different assets to correlate.")
        history_a, history_b = await self._histories(asset_a, asset_b)
        return await self._offload(
            answer_correlation, asset_a, history_a, asset_b, history_b, window=window
        )

    async def _gather_histories(
        self, symbols: Sequence[str]
    ) -> tuple[list[tuple[Asset, Any]], dict[str, RiskonError]]:
        """Fetch many symbols at once; a failure becomes a sentence, not a lost brief."""
        assets: list[Asset] = []
        missing: dict[str, RiskonError] = {}
        for text in symbols:
            try:
                assets.append(resolve(text))
            except UserError as exc:
                missing[text] = exc
        results = await asyncio.gather(
            *(self.market.daily(a.symbol) for a in assets), return_exceptions=True
        )
        arrived = []
        for asset, result in zip(assets, results, strict=True):
            if isinstance(result, RiskonError):
                missing[asset.symbol] = result
            elif isinstance(result, BaseException):
                raise result
            else:
                arrived.append((asset, result))
        return arrived, missing

    async def _macro(self, series_ids: Sequence[str]) -> tuple[dict[str, Any], dict[str, str]]:
        """The FRED series the brief shows, and a sentence for each that could not be had."""
        if self.macro is None:
            return {}, {}
        results = await asyncio.gather(
            *(self.macro.fred(i) for i in series_ids), return_exceptions=True
        )
        found: dict[str, Any] = {}
        missing: dict[str, str] = {}
        for series_id, result in zip(series_ids, results, strict=True):
            if isinstance(result, RiskonError):
                missing[series_id] = f"FRED did not answer for {series_id} ({result})"
            elif isinstance(result, Exception):
                # Not sorted into a provider error upstream (a bug to fix there), but one
                # series is never worth the whole brief: say it is missing, log the traceback.
                log.error("FRED %s: unexpected failure", series_id, exc_info=result)
                missing[series_id] = (
                    f"FRED did not answer for {series_id} (an unexpected {type(result).__name__})"
                )
            elif isinstance(result, BaseException):
                raise result
            else:
                found[series_id] = result[0]
        return found, missing

    async def brief(
        self,
        watchlist: Sequence[str],
        *,
        min_gap: int = defaults.MIN_GAP,
        today: date | None = None,
    ) -> Insight:
        """The daily brief for one watchlist: shared by /brief, the scheduler and the terminal.

        `today` is the brief's date (default: today in UTC): a series more than three sessions
        behind it is dated in its line and kept out of the headline."""
        from bot.answers.brief import BriefInputs, answer_brief

        if not watchlist:
            raise BadInput("The watchlist is empty; add symbols with /config watchlist add.")
        arrived, failures = await self._gather_histories(list(dict.fromkeys(watchlist)))
        outages = [e for e in failures.values() if isinstance(e, DataUnavailable)]
        if not arrived and outages and len(outages) == len(failures):
            # An outage with nothing cached: one sentence about the source, not one per symbol.
            raise DataUnavailable("the watchlist", outages[0].source, outages[0].detail)
        missing = {symbol: str(exc) for symbol, exc in failures.items()}
        by_symbol = {a.symbol: h for a, h in arrived}
        context = [s for s in ("^RUT", "BTC-USD", "^VIX") if s not in by_symbol]
        extra, _ = await self._gather_histories(context)
        by_symbol.update({a.symbol: h for a, h in extra})
        macro, macro_missing = await self._macro(defaults.FRED_SERIES)
        inputs = BriefInputs(
            watchlist=arrived,
            missing=missing,
            rut=by_symbol.get("^RUT"),
            btc=by_symbol.get("BTC-USD"),
            vix=by_symbol.get("^VIX"),
            macro=macro,
            macro_missing=macro_missing,
            min_gap=min_gap,
            today=today or utc_today(),
        )
        return await self._offload(answer_brief, inputs)
