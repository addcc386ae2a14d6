"""The /after verdict in words, from the same rule the caveats use (`classify`).

Why a module of its own: the verdict is the sentence people read and quote, so it must never say
something the figures below it contradict. It states the class per horizon in its first sentence
(clearly better than usual / clearly worse than usual / ordinary), names the horizon where the
events' median differs most from an ordinary day's, and gives counts as "3 of 5".
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from bot import fmt
from bot.analytics.caveats import VERDICT_WORDS, classify_study

if TYPE_CHECKING:
    from bot.analytics.events import EventStudy


def horizon_classes(study: EventStudy) -> dict[int, str | None]:
    """Horizon -> 'better' | 'worse' | 'ordinary' | None (no completed window): one rule."""
    return dict(classify_study(study))


def largest_difference(study: EventStudy) -> int | None:
    """The measured horizon whose events' median is furthest from the base rate's median."""
    measured = {
        h: diff
        for h in study.horizons
        if study.stats[h].n and (diff := study.stats[h].diff_median) is not None
    }
    if not measured:
        return None
    return max(measured, key=lambda h: (abs(measured[h]), h))


def study_verdict(
    study: EventStudy, *, trigger: str, target: str, what: str, phrase: str | None = None
) -> str:
    """'Bitcoin after fresh all-time highs of Russell 2000: clearly worse than usual at 30 days
    and 90 days; ordinary at 1 year. The difference is largest at 90 days: ...'.

    `phrase` replaces "{what} of {trigger}" when the events are a signal named in plain words
    ("CBOE Volatility Index first closed above 30 in at least 63 sessions")."""
    after = phrase or f"{what} of {trigger}"
    classes = horizon_classes(study)
    groups: dict[str, list[int]] = {}
    for h in study.horizons:
        groups.setdefault(classes[h] or "none", []).append(h)
    measured = [h for h in study.horizons if classes[h]]
    if not measured:
        h = study.horizons[-1]
        return (
            f"No completed {fmt.horizon_words(h)} window yet: {target} has no finished record "
            f"after {after} ({fmt.count(len(study.episodes), 'event')} found)."
        )
    parts = []
    for cls, hs in groups.items():
        days = fmt.and_list([fmt.horizon_words(h) for h in hs])
        if cls == "none":
            parts.append(f"no completed window yet at {days}")
        else:
            parts.append(f"{VERDICT_WORDS[cls]} at {days}")
    text = f"{target} after {after}: " + "; ".join(parts) + "."

    big = largest_difference(study)
    if big is not None:
        s = study.stats[big]
        text += (
            f" The difference is largest at {fmt.horizon_words(big)}: median {fmt.pct(s.median)} "
            f"after the events against {fmt.pct(s.base_median)} from any day."
        )
    head = measured[-1]
    s = study.stats[head]
    higher = round((s.hit_rate or 0.0) * s.n)
    later = "a year" if head == 365 else fmt.horizon_words(head)
    text += (
        f" {later.capitalize()} later {target} was higher in {fmt.of(higher, s.n)} episodes; "
        f"from any day, {fmt.share(s.base_hit_rate)} of the time."
    )
    return text


def latest_run_note(
    condition_days: pd.Index, events: pd.DatetimeIndex, noun: str = "record"
) -> str | None:
    """Where the trigger's newest record stands when it is not itself an event.

    Records within `min_gap` sessions of each other form one run and only its first day is an
    event, so a reader who knows the index "just hit a record" would otherwise not find that day
    in the table. The run's start is the latest event on or before the newest record.
    """
    if len(condition_days) == 0 or len(events) == 0:
        return None
    latest = condition_days[-1]
    if latest in set(events):
        return None
    earlier = [e for e in events if e <= latest]
    if not earlier:
        return None
    return (
        f"The latest {noun}, {fmt.day(latest)}, belongs to the run of {noun}s that began "
        f"{fmt.day(earlier[-1])} (an event in this table)."
    )
