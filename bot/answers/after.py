"""After every event of a signal (a fresh ATH, a breakout, "^VIX close > 30"), what did Y do?

The whole record, not an anecdote. A plain `answer_after(trigger, ...)` call is today's fresh-ATH
or breakout question; it builds the one-clause signal (`X ath`, `X high N`) and goes through the
same path as any signal, which gives exactly the same events (tested in test_analytics_signals).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import pandas as pd

from bot import fmt
from bot.analytics import base_band, event_paths, event_study, study_caveats
from bot.analytics.caveats import VERDICT_WORDS
from bot.analytics.signals import Signal, event_positions, event_signal, signal_mask
from bot.answers.common import chart_footer, file_stem, partial_last_bar, provenance, stale_note
from bot.answers.model import Insight, Table
from bot.answers.signal import chart_title, signal_caveats
from bot.answers.verdicts import horizon_classes, latest_run_note, study_verdict
from bot.charts import event_chart
from bot.market.symbols import Asset

if TYPE_CHECKING:
    from bot.market.data import PriceHistory


def answer_after(
    trigger: Asset,
    trigger_history: PriceHistory,
    target: Asset,
    target_history: PriceHistory,
    *,
    horizons: tuple[int, ...],
    min_gap: int,
    event: str,
    lookback: int,
) -> Insight:
    """Fresh ATHs (or breakouts) of one asset: the one-clause signal, `answer_signal_after`."""
    return answer_signal_after(
        event_signal(trigger.symbol, event, min_gap, lookback),
        {trigger.symbol: trigger},
        {trigger.symbol: trigger_history},
        target,
        target_history,
        horizons=horizons,
    )


def _naming(signal: Signal, trigger: Asset) -> tuple[str, str, str, str]:
    """(event kind, how the title names the events, a holding day's noun, the caveats' name).

    A fresh ATH and a breakout keep today's words ("fresh all-time highs of Russell 2000");
    any other signal is named by its plain words."""
    if len(signal.clauses) == 1:
        cond = signal.clauses[0].condition
        if cond.kind == "ath":
            return "ath", f"fresh all-time highs of {trigger.name}", "record", trigger.name
        if cond.kind == "high":
            look = fmt.lookback(cond.window or 252)
            phrase = f"{look} breakouts of {trigger.name}"
            return "breakout", phrase, f"{look} breakout", trigger.name
    return "signal", signal.words, "signal day", f"'{signal.canonical}'"


def answer_signal_after(
    signal: Signal,
    assets: Mapping[str, Asset],
    histories: Mapping[str, PriceHistory],
    target: Asset,
    target_history: PriceHistory,
    *,
    horizons: tuple[int, ...],
) -> Insight:
    """The event study of `target` after every event of `signal`.

    `assets` and `histories` hold every symbol the signal names (the trigger first); each is
    fetched once by the service, the target too even when a clause names it."""
    trigger = assets[signal.trigger]
    trigger_history = histories[signal.trigger]
    trigger_close = trigger_history.close
    target_close = target_history.close
    closes = {sym: histories[sym].close for sym in signal.symbols}
    event, phrase, noun, who = _naming(signal, trigger)
    mask = signal_mask(signal, closes)
    held = mask.to_numpy()
    events = pd.DatetimeIndex(trigger_close.index[event_positions(held, signal.gap)])
    study = event_study(trigger_close, target_close, events, horizons)
    verdict = study_verdict(study, trigger=trigger.name, target=target.name, what="", phrase=phrase)
    run_note = latest_run_note(trigger_close.index[held], events, noun)

    classes = horizon_classes(study)
    figures = []
    for h in horizons:
        s = study.stats[h]
        if not s.n:
            figures.append((f"{fmt.horizon_words(h)} after", "no completed window yet"))
            continue
        higher = round((s.hit_rate or 0.0) * s.n)
        figures.append(
            (
                f"{fmt.horizon_words(h)} after: {VERDICT_WORDS[classes[h] or 'ordinary']}",
                f"median {fmt.pct(s.median)}, higher in {fmt.of(higher, s.n)} · "
                f"any day: median {fmt.pct(s.base_median)}, higher {fmt.share(s.base_hit_rate)}"
                f" · random days as good: {fmt.share(s.p_random_as_good)}",
            )
        )
    pending = sum(1 for e in study.episodes if e.pending)
    if pending:
        figures.append(
            ("Still running", f"{fmt.count(pending, 'recent episode')}, not in the statistics")
        )

    last_h = horizons[-1]
    table = Table(
        columns=[
            "Event",
            f"{trigger.symbol} close",
            f"{target.symbol} entry",
            *[fmt.horizon(h) for h in horizons],
            f"worst {fmt.horizon(last_h)}",
        ],
        rows=[
            [
                fmt.day(e.date),
                fmt.price(e.trigger_close),
                fmt.price(e.target_entry),
                *[
                    fmt.pct(e.returns[h], 0) if e.returns[h] is not None else "pending"
                    for h in horizons
                ],
                fmt.drawdown(e.max_drawdown[last_h]) if e.max_drawdown[last_h] is not None
                else "…",
            ]
            for e in study.episodes
        ],
        pending=[bool(e.pending) for e in study.episodes],
    )
    others = [histories[s] for s in signal.symbols[1:] if s != target.symbol]
    caveats = signal_caveats(signal, events, assets, closes) + study_caveats(
        study,
        trigger=who,
        target=target.name,
        price_index=target.price_only,
        stale_since=next(
            (n for h in (trigger_history, target_history, *others) if (n := stale_note(h))), None
        ),
        partial_last_bar=partial_last_bar(trigger, trigger_history.bars),
    )
    meta = provenance(trigger_history, target_history, *others)
    title = f"{target.name} after {phrase}"
    short = f"{target.name} after {signal.canonical}"
    chart = _chart(study, target_close, horizons, chart_title(title, short), signal.gap, meta)
    cond = signal.clauses[0].condition
    data = {
        "trigger": trigger.symbol,
        "target": target.symbol,
        "signal": signal.canonical,
        "event": event,
        "min_gap": signal.gap,
        "lookback": cond.window if event == "breakout" else None,
        "horizons": list(horizons),
        "events": [_episode_json(e, horizons) for e in study.episodes],
        "events_before_target": int(study.events_before_target),
        "stats": {str(h): _stats_json(study.stats[h]) for h in horizons},
        "verdicts": {str(h): v for h, v in horizon_classes(study).items()},
        "latest_run_note": run_note,
    }
    return Insight(
        kind="after",
        title=title,
        verdict=verdict,
        figures=figures,
        table=table,
        caveats=caveats,
        notes=[run_note] if run_note else [],
        chart_png=chart,
        chart_name=f"after-{file_stem(trigger.symbol, target.symbol)}.png",
        data=data,
        **meta,
    )


def _chart(study, target_close, horizons, title, min_gap, meta) -> bytes:
    dates = [e.date for e in study.episodes]
    days = max(horizons)
    paths = event_paths(target_close, dates, days) if dates else None
    band = base_band(target_close, days, start=study.span_start)
    completed = {
        h: [e.returns[h] for e in study.episodes if e.returns[h] is not None] for h in horizons
    }
    base = {
        h: (study.stats[h].base_q25, study.stats[h].base_median, study.stats[h].base_q75)
        for h in horizons
    }
    return event_chart(
        paths if paths is not None else pd.DataFrame(index=range(days + 1)),
        band=band,
        horizon_returns=completed,
        base_returns=base,
        title=title,
        subtitle=f"{len(dates)} events (gap ≥ {min_gap} sessions), indexed to 100 at entry",
        footer=chart_footer(meta),
    )


def _episode_json(e: Any, horizons: tuple[int, ...]) -> dict[str, Any]:
    return {
        "date": fmt.day(e.date),
        "trigger_close": fmt.json_num(e.trigger_close),
        "entry_date": fmt.day(e.entry_date),
        "target_entry": fmt.json_num(e.target_entry),
        "returns": {str(h): fmt.json_num(e.returns[h]) for h in horizons},
        "max_gain": {str(h): fmt.json_num(e.max_gain[h]) for h in horizons},
        "max_drawdown": {str(h): fmt.json_num(e.max_drawdown[h]) for h in horizons},
        "pending": bool(e.pending),
    }


def _stats_json(s: Any) -> dict[str, Any]:
    keys = (
        "mean",
        "median",
        "hit_rate",
        "best",
        "worst",
        "base_mean",
        "base_median",
        "base_hit_rate",
        "base_q25",
        "base_q75",
        "diff_median",
        "diff_hit_rate",
        "p_random_as_good",
    )
    out: dict[str, Any] = {"n": int(s.n), "base_n": int(s.base_n)}
    out.update({k: fmt.json_num(getattr(s, k)) for k in keys})
    return out
