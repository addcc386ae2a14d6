"""When did a signal fire? Count, rate, dates, whether it holds today, and a chart.

Also the caveats any answer built on a signal's events needs (few events, a clause on a symbol
with a shorter history, every event inside one regime): /signal and /after share them so the two
answers never disagree about the same events.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, cast

import numpy as np
import pandas as pd

from bot import fmt
from bot.analytics.caveats import NOT_ADVICE
from bot.analytics.signals import (
    Clause,
    Signal,
    clause_lines,
    event_positions,
    holding_since,
    signal_mask,
)
from bot.answers.common import chart_footer, file_stem, partial_last_bar, provenance, stale_note
from bot.answers.model import Insight, Table
from bot.charts.signal import SignalPanel, signal_chart
from bot.market.symbols import Asset

if TYPE_CHECKING:
    from bot.market.data import PriceHistory

#: Fewer events than this is too few to read a pattern from (the study's own episode floor).
FEW_EVENTS = 10
#: Events all inside a span this short (calendar days) come from one market regime.
REGIME_DAYS = 730


def signal_caveats(
    signal: Signal,
    events: pd.DatetimeIndex | Sequence[pd.Timestamp],
    assets: Mapping[str, object],
    closes: Mapping[str, pd.Series],
    *,
    scope: str = "the study applies",
) -> list[str]:
    """Caveats the signal's own events call for, one sentence each, each with its number.

    `scope` ends the shorter-history sentence: "the study applies" (from then) for /after,
    "the count applies" for /signal."""
    out: list[str] = []
    trigger = closes[signal.trigger]
    n = len(events)
    since = fmt.day(trigger.index[0])
    if n == 0:
        out.append(
            f"The signal never fired in the data (from {since}), so there is nothing to study."
        )
    elif n < FEW_EVENTS:
        out.append(
            f"The signal fired only {fmt.count(n, 'time')} since {since}: "
            "too few events to tell a pattern from chance."
        )
    for symbol, first in holding_since(signal, closes).items():
        name = getattr(assets.get(symbol), "name", symbol)
        out.append(
            f"{name}'s history starts {fmt.day(first)}, later than "
            f"{getattr(assets.get(signal.trigger), 'name', signal.trigger)}'s ({since}): "
            f"the signal can only hold from {fmt.day(first)}, so {scope} from then."
        )
    if n >= 2:
        first, last = pd.Timestamp(events[0]), pd.Timestamp(events[-1])
        if (last - first).days <= REGIME_DAYS:
            out.append(
                f"All {n} events fall between {fmt.day(first)} and {fmt.day(last)}, within two "
                "years: one market regime, so the same threshold may behave differently in another."
            )
    return out


#: The event table lists this many newest events (so it fits one Discord embed field, which
#: would otherwise cut from the top: the newest); the JSON always has every date.
TABLE_ROWS = 15


def applies_from(signal: Signal, closes: Mapping[str, pd.Series]) -> pd.Timestamp:
    """The first date every symbol of the signal has a close: the signal cannot hold before."""
    return max(pd.Timestamp(closes[s].index[0]) for s in signal.symbols)


def answer_signal(
    signal: Signal, assets: Mapping[str, Asset], histories: Mapping[str, PriceHistory]
) -> Insight:
    """When `signal` fired: count, rate per year, first and latest event, every date (newest
    first), whether it holds on the last close, and the trigger's price with events marked."""
    trigger = assets[signal.trigger]
    trigger_history = histories[signal.trigger]
    closes = {sym: histories[sym].close for sym in signal.symbols}
    close = closes[signal.trigger]
    mask = signal_mask(signal, closes)
    held = mask.to_numpy()
    events = pd.DatetimeIndex(close.index[event_positions(held, signal.gap)])
    start = applies_from(signal, closes)
    last_day = pd.Timestamp(close.index[-1])
    years = max((last_day - start).days / 365.25, 1 / 365.25)
    per_year = len(events) / years
    holds_now = bool(held[-1])
    words = signal.words
    n = len(events)

    when = f"on the last close ({fmt.day(last_day)})"
    now = f"It holds {when}." if holds_now else f"It does not hold {when}."
    if n == 0:
        verdict = f"Never since {fmt.day(start)}: {words} did not happen once. {now}"
    else:
        verdict = (
            f"{words}: {fmt.count(n, 'time')} since {fmt.day(start)} (about {per_year:.2f} a "
            f"year), the latest on {fmt.day(events[-1])}. {now}"
        )
    figures = [
        ("Events", f"{n:,} since {fmt.day(start)}"),
        ("Per year", f"{per_year:.2f}"),
    ]
    if n:
        last_pos = cast(int, close.index.get_loc(events[-1]))  # an int: dates are unique
        since_last = int(len(close) - 1 - last_pos)
        figures += [
            ("First event", fmt.day(events[0])),
            ("Latest event", f"{fmt.day(events[-1])} ({fmt.count(since_last, 'session')} ago)"),
        ]
    figures.append(("Holds on the last close", f"{'yes' if holds_now else 'no'} "
                                                f"({fmt.day(last_day)})"))

    panel = _panel(signal, closes, assets, start=close.index[0])
    newest = events[::-1]
    columns = ["Event", f"{trigger.symbol} close"]
    rows = [[fmt.day(d), fmt.price(float(close.loc[d]))] for d in newest[:TABLE_ROWS]]
    if panel is not None and panel.left_label != columns[1]:
        columns.append(panel.left_label)
        left = panel.left
        pos = left.index.searchsorted(newest[:TABLE_ROWS], side="right") - 1
        for row, p in zip(rows, pos, strict=True):
            row.append(_value(float(left.iloc[p]), panel.unit) if p >= 0 else "n/a")
    table = Table(columns=columns, rows=rows) if rows else None
    notes = []
    if n > TABLE_ROWS:
        notes.append(f"The table shows the {TABLE_ROWS} newest of {n:,} events.")

    others = [histories[s] for s in signal.symbols[1:]]
    caveats = signal_caveats(signal, events, assets, closes, scope="the count applies")
    stale = next((x for h in (trigger_history, *others) if (x := stale_note(h))), None)
    if stale:
        caveats.append(f"Prices may be out of date: {stale}.")
    if partial_last_bar(trigger, trigger_history.bars):
        caveats.append(
            "The last bar looks like an intraday capture (no volume yet), so whether the "
            "signal holds today may still change."
        )
    caveats.append(NOT_ADVICE)
    meta = provenance(trigger_history, *others)
    title = chart_title(
        f"When {words}",
        f"When {Signal(signal.clauses, 1).words}",  # the gap is in the subtitle
        f"When {signal.canonical}",
    )
    # The subtitle carries the exact signal text (to copy into /alert), unless the title is it.
    spelled = "" if title == f"When {signal.canonical}" else f"{signal.canonical}  ·  "
    chart = signal_chart(
        close,
        events=list(events),
        panel=panel,
        price_label=f"{trigger.symbol} close",
        title=title,
        subtitle=f"{spelled}{fmt.count(n, 'event')} since {fmt.day(start)}"
        f"  ·  {'holds' if holds_now else 'does not hold'} on {fmt.day(last_day)}",
        footer=chart_footer(meta),
    )
    data = {
        "signal": signal.canonical,
        "trigger": trigger.symbol,
        "symbols": list(signal.symbols),
        "gap": signal.gap,
        "count": n,
        "per_year": round(per_year, 4),
        "applies_from": fmt.day(start),
        "first": fmt.day(events[0]) if n else None,
        "last": fmt.day(events[-1]) if n else None,
        "events": [fmt.day(d) for d in newest],
        "holds_today": holds_now,
        "last_date": fmt.day(last_day),
    }
    return Insight(
        kind="signal",
        title=f"When {words}",
        verdict=verdict,
        figures=figures,
        table=table,
        caveats=caveats,
        notes=notes,
        chart_png=chart,
        chart_name=f"signal-{file_stem(*signal.symbols)}.png",
        data=data,
        **meta,
    )


def _value(x: float, unit: str) -> str:
    if not np.isfinite(x):
        return "n/a"
    if unit == "pct":
        return f"{x:.1f}%"
    if unit == "rsi":
        return f"{x:.2f}"
    return fmt.price(x)


def _panel(
    signal: Signal,
    closes: Mapping[str, pd.Series],
    assets: Mapping[str, Asset],
    *,
    start: pd.Timestamp,
) -> SignalPanel | None:
    """The lower panel for the first clause that watches a quantity (None for ath/high/low)."""
    clause = next((c for c in signal.clauses if c.condition.has_panel), None)
    if clause is None:
        return None
    s = closes[clause.symbol]
    left, right = clause_lines(clause.condition, s.to_numpy(dtype=float))
    keep = s.index >= start
    if clause.condition.kind in ("close_sma", "sma_sma"):
        # two price lines on a 100-year log axis lie on top of each other: chart the gap
        with np.errstate(divide="ignore", invalid="ignore"):
            left, right = (left / right - 1.0) * 100.0, np.zeros(len(left))
    left_s = pd.Series(left, index=s.index)[keep]
    right_s = pd.Series(right, index=s.index)[keep]
    return SignalPanel(clause.text, left_s, right_s, *_labels(clause))


#: Longest chart title that fits the 1200-pixel header at the title font size.
TITLE_CHARS = 72


def chart_title(*candidates: str) -> str:
    """The first title that fits the chart's header (longest, plainest first), else the last
    one clipped: the embed above the chart always carries the full words."""
    for title in candidates:
        if len(title) <= TITLE_CHARS:
            return title
    return candidates[-1][: TITLE_CHARS - 1] + "…"


def _labels(clause: Clause) -> tuple[str, str, str, bool]:
    c, sym = clause.condition, clause.symbol
    k, n, x = c.kind, c.window, c.number
    level = f"{c.op} {fmt_number(x)}"
    if k == "level":
        return f"{sym} close", f"level {fmt_number(x)}", "price", True
    if k == "close_sma":
        return f"{sym} close vs its {n}-session average", "even", "pct", True
    if k == "sma_sma":
        return f"{sym} {n}- vs {c.window2}-session average", "even", "pct", True
    if k == "drawdown":
        return f"{sym} below record", f"{level}%", "pct", True
    if k == "change":
        return f"{sym} {n}-session change", f"{level}%", "pct", True
    return f"{sym} RSI {n}", level, "rsi", True


def fmt_number(x: float | None) -> str:
    """30.0 -> '30', 2.5 -> '2.5': a threshold as it was typed."""
    if x is None:
        return ""
    return str(int(x)) if float(x).is_integer() else f"{x:g}"
