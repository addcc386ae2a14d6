"""The async service every front end asks: one method per question, each returning an `Insight`.

Why a service between cogs and analytics: Discord and the terminal must give the same answer, so
neither may compute anything. The service validates options (so a bad horizon reads the same in
both), fetches prices through the cache (await only), and hands the pure compute-and-render step
to a worker thread: pandas on 40-year series and matplotlib never run on the event loop.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, TypeVar

from bot.errors import BadInput
from bot.market.symbols import Asset, resolve

log = logging.getLogger(__name__)

T = TypeVar("T")
EventKind = Literal["ath", "breakout"]

HORIZON_RANGE = (1, 3650)
MIN_GAP_RANGE = (1, 2520)
WINDOW_RANGE = (5, 1000)
LOOKBACK_RANGE = (20, 2520)
DEFAULT_HORIZONS = (30, 90, 180, 365)


@dataclass
class Table:
    columns: list[str]
    rows: list[list[str]]


@dataclass
class Insight:
    """An answer as plain data: front ends only lay it out.

    `data` is the machine-readable payload (`--json`, tests); everything else is for people.
    """

    kind: str
    title: str
    verdict: str
    figures: list[tuple[str, str]] = field(default_factory=list)
    table: Table | None = None
    caveats: list[str] = field(default_factory=list)
    chart_png: bytes | None = None
    chart_name: str = "chart.png"
    as_of: str = ""  # the last data date the answer rests on, YYYY-MM-DD
    fetched_at: datetime | None = None
    sources: list[str] = field(default_factory=list)
    stale: bool = False
    notes: list[str] = field(default_factory=list)  # e.g. sections left out of a brief
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def footer(self) -> str:
        source = ", ".join(dict.fromkeys(self.sources)) or "n/a"
        text = f"Source: {source} · data to {self.as_of or 'n/a'}"
        if self.stale:
            text += " · STALE (source unreachable)"
        return text + " · not investment advice"

    def to_json(self, chart_path: str | None = None) -> dict[str, Any]:
        payload = {"kind": self.kind, **self.data}
        payload.update(
            caveats=list(self.caveats),
            as_of=self.as_of,
            fetched_at=self.fetched_at.isoformat() if self.fetched_at else None,
            stale=self.stale,
            sources=list(dict.fromkeys(self.sources)),
            chart=chart_path,
            title=self.title,
            verdict=self.verdict,
        )
        return payload


def check_range(name: str, value: int, bounds: tuple[int, int], unit: str) -> int:
    low, high = bounds
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise BadInput(f"{name} must be a whole number of {unit} from {low} to {high}, not {value!r}.")
    return value


def parse_horizons(value: str | Sequence[int] | None) -> tuple[int, ...]:
    """'30,90,365' or [30, 90] -> sorted unique horizons in calendar days, validated."""
    if value is None:
        return DEFAULT_HORIZONS
    parts: list[Any] = value.split(",") if isinstance(value, str) else list(value)
    horizons: set[int] = set()
    for part in parts:
        text = str(part).strip().lower().removesuffix("d")
        if not text.lstrip("-").isdigit():
            raise BadInput(
                f"Horizons are whole numbers of calendar days like 30,90,365, not {str(part)!r}."
            )
        horizons.add(check_range("A horizon", int(text), HORIZON_RANGE, "days"))
    if not horizons or len(horizons) > 8:
        raise BadInput("Give between 1 and 8 horizons, e.g. 30,90,180,365.")
    return tuple(sorted(horizons))


class Insights:
    """One method per question. `market` is a `bot.market.data.MarketData`."""

    def __init__(self, market: Any, macro: Any | None = None) -> None:
        self.market = market
        self.macro = macro

    async def _offload(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return await asyncio.to_thread(fn, *args, **kwargs)

    async def _histories(self, *assets: Asset) -> list[Any]:
        return list(await asyncio.gather(*(self.market.daily(a.symbol) for a in assets)))

    async def ath(self, symbol: str) -> Insight:
        from bot.answers.ath import answer_ath

        asset = resolve(symbol)
        (history,) = await self._histories(asset)
        return await self._offload(answer_ath, asset, history)

    async def quote(self, symbol: str) -> Insight:
        from bot.answers.quote import answer_quote

        asset = resolve(symbol)
        (history,) = await self._histories(asset)
        return await self._offload(answer_quote, asset, history)

    async def after(
        self,
        trigger: str,
        target: str,
        *,
        horizons: str | Sequence[int] | None = None,
        min_gap: int = 63,
        event: EventKind = "ath",
        lookback: int = 252,
    ) -> Insight:
        from bot.answers.after import answer_after

        chosen = parse_horizons(horizons)
        check_range("min_gap", min_gap, MIN_GAP_RANGE, "sessions")
        check_range("The breakout lookback", lookback, LOOKBACK_RANGE, "sessions")
        if event not in ("ath", "breakout"):
            raise BadInput(f"event must be 'ath' or 'breakout', not {event!r}.")
        trigger_asset, target_asset = resolve(trigger), resolve(target)
        trigger_history, target_history = await self._histories(trigger_asset, target_asset)
        return await self._offload(
            answer_after, trigger_asset, trigger_history, target_asset, target_history,
            horizons=chosen, min_gap=min_gap, event=event, lookback=lookback,
        )

    async def breakout(self, trigger: str, target: str, **options: Any) -> Insight:
        return await self.after(trigger, target, event="breakout", **options)

    async def correlation(self, a: str, b: str, *, window: int = 90) -> Insight:
        from bot.answers.corr import answer_correlation

        check_range("The window", window, WINDOW_RANGE, "sessions")
        asset_a, asset_b = resolve(a), resolve(b)
        if asset_a.symbol == asset_b.symbol:
            raise BadInput("Pick two different assets to correlate.")
        history_a, history_b = await self._histories(asset_a, asset_b)
        return await self._offload(
            answer_correlation, asset_a, history_a, asset_b, history_b, window=window
        )
