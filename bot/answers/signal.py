"""When did a signal fire? Count, rate, dates, whether it holds today, and a chart.

Also the caveats any answer built on a signal's events needs (few events, a clause on a symbol
with a shorter history, every event inside one regime): /signal and /after share them so the two
answers never disagree about the same events.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from bot import fmt
from bot.analytics.signals import Signal, holding_since

#: Fewer events than this is too few to read a pattern from (the study's own episode floor).
FEW_EVENTS = 10
#: Events all inside a span this short (calendar days) come from one market regime.
REGIME_DAYS = 730


def signal_caveats(
    signal: Signal,
    events: Sequence[pd.Timestamp],
    assets: Mapping[str, object],
    closes: Mapping[str, pd.Series],
) -> list[str]:
    """Caveats the signal's own events call for, one sentence each, each with its number."""
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
            f"the signal can only hold from {fmt.day(first)}, so the study applies from then."
        )
    if n >= 2:
        first, last = pd.Timestamp(events[0]), pd.Timestamp(events[-1])
        if (last - first).days <= REGIME_DAYS:
            out.append(
                f"All {n} events fall between {fmt.day(first)} and {fmt.day(last)}, within two "
                "years: one market regime, so the same threshold may behave differently in another."
            )
    return out
