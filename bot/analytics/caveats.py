"""Caveats that the numbers themselves call for, one plain sentence each.

A caveat appears only when its number says so (few episodes, overlapping windows, a short
history, a result a random sample matches often), and it carries that number, so a reader can
weigh it. Two always appear: co-movement is not cause, and this is not advice.
"""

from __future__ import annotations

from typing import Literal

import pandas as pd

from bot.analytics.ath import AthStatus
from bot.analytics.correlation import Correlation
from bot.analytics.events import EventStudy, HorizonStats

MIN_EPISODES = 10
ORDINARY_P = (0.10, 0.90)
MIN_CORR_OBS = 250
MIN_CORR_WINDOW = 20
UNSTABLE_CORR_RANGE = 0.5
NOT_ADVICE = "Not investment advice."


Verdict = Literal["better", "worse", "ordinary"]
VERDICT_WORDS: dict[str, str] = {
    "better": "clearly better than usual",
    "worse": "clearly worse than usual",
    "ordinary": "ordinary",
}


def classify(stats: HorizonStats) -> Verdict | None:
    """The one rule every verdict and caveat about an event study uses; None = nothing measured.

    `p_random_as_good` is the share of random same-size samples of ordinary days whose median
    did at least as well as the events' median. A small share (<= 10%) means the events did
    better than nearly every random sample: clearly better than usual. A large share (>= 90%)
    means nearly every random sample did at least as well, i.e. at most 10% did as badly:
    clearly worse than usual. In between the result is ordinary. Two-sided on purpose: a p near
    1 is a finding about the events, not noise.
    """
    p = stats.p_random_as_good
    if stats.n == 0 or p is None:
        return None
    if p <= ORDINARY_P[0]:
        return "better"
    if p >= ORDINARY_P[1]:
        return "worse"
    return "ordinary"


def classify_study(study: EventStudy) -> dict[int, Verdict | None]:
    """`classify` at every horizon of a study, shortest first."""
    return {h: classify(study.stats[h]) for h in sorted(study.stats)}


def _date(d: pd.Timestamp | str) -> str:
    return pd.Timestamp(d).strftime("%Y-%m-%d")


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n:,} {word if n == 1 else (plural or word + 's')}"


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _data_notes(stale_since: str | None, partial_last_bar: bool) -> list[str]:
    out = []
    if stale_since:
        # stale_since says which source failed and when the prices were fetched.
        out.append(f"Prices may be out of date: {stale_since}.")
    if partial_last_bar:
        out.append(
            "The last bar looks like an intraday capture (no volume yet), so its close may "
            "still change."
        )
    return out


def study_caveats(
    study: EventStudy,
    *,
    trigger: str,
    target: str,
    price_index: bool = False,
    stale_since: str | None = None,
    partial_last_bar: bool = False,
) -> list[str]:
    """Caveats for an event study of `target` after `trigger` events.

    "Within ordinary variation" is two-sided (0.10 < p < 0.90): a p near 1 means random days
    nearly always did better, which is a finding about the events, not noise to warn about.
    """
    out: list[str] = []
    longest = max(study.horizons)
    n = study.stats[longest].n
    if n == 0:
        out.append(
            f"No {trigger} event has a completed {longest}-day window yet, "
            "so there is nothing to measure at that horizon."
        )
    elif n < MIN_EPISODES:
        out.append(
            f"Only {_plural(n, 'completed episode')} at {longest} days: "
            "too few to tell a pattern from chance."
        )

    overlaps = {h: k for h, k in study.overlapping_pairs.items() if k > 0}
    if overlaps:
        h = max(overlaps, key=lambda x: (overlaps[x], x))
        k = overlaps[h]
        out.append(
            f"At {h} days, {_plural(k, 'pair')} of consecutive episodes "
            f"{'has' if k == 1 else 'have'} overlapping windows, "
            "so they are not independent observations."
        )

    if study.target_start > study.trigger_start:
        skipped = study.events_before_target
        if skipped:
            out.append(
                f"{target}'s history starts {_date(study.target_start)}; "
                f"{_plural(skipped, f'earlier {trigger} event')} can't be measured."
            )
        else:
            out.append(
                f"{target}'s history starts {_date(study.target_start)}, later than "
                f"{trigger}'s ({_date(study.trigger_start)}), so only the shared span is used."
            )

    verdicts = classify_study(study)
    ordinary = [
        (h, study.stats[h].p_random_as_good) for h, v in verdicts.items() if v == "ordinary"
    ]
    if ordinary:
        days = _and([str(h) for h, _ in ordinary])
        shares = _and([f"{p:.0%}" for _, p in ordinary])
        out.append(
            f"At {days} days the result is ordinary: random samples of the same number of "
            f"days did as well {shares} of the time."
        )
    clear = [h for h, v in verdicts.items() if v in ("better", "worse")]
    thin = [h for h in clear if study.stats[h].n < MIN_EPISODES]
    if thin:
        out.append(
            f"The clear result{'s' if len(thin) > 1 else ''} at {_and([str(h) for h in thin])} "
            f"days rest{'s' if len(thin) == 1 else ''} on fewer than {MIN_EPISODES} episodes: "
            "one more episode could change it."
        )

    out.extend(_data_notes(stale_since, partial_last_bar))
    if price_index:
        out.append(f"{target}'s returns are price-only: dividends are not included.")
    out.append(
        f"Co-movement is not cause: what {target} did after {trigger} events may come from "
        "other forces acting on both."
    )
    out.append(NOT_ADVICE)
    return out


def correlation_caveats(
    corr: Correlation, *, a: str, b: str, stale_since: str | None = None
) -> list[str]:
    """Caveats for a correlation of `a` against `b`."""
    out: list[str] = []
    if corr.n_obs < MIN_CORR_OBS:
        out.append(
            f"Only {_plural(corr.n_obs, 'shared session')} with a daily return, "
            "so the full-period correlation is a rough estimate."
        )
    if corr.window < MIN_CORR_WINDOW:
        out.append(
            f"A {corr.window}-session window is short (under {MIN_CORR_WINDOW}), so the "
            "rolling correlation is noisy: a few days can swing it."
        )
    if len(corr.rolling):
        lo, hi = float(corr.rolling.min()), float(corr.rolling.max())
        if hi - lo > UNSTABLE_CORR_RANGE:
            out.append(
                f"The {corr.window}-session correlation has ranged from {lo:+.2f} to {hi:+.2f}, "
                "so the relationship has not been stable."
            )
    if corr.a_only or corr.b_only:
        out.append(
            f"Measured on the {_plural(corr.n_obs, 'shared session')}; "
            f"{corr.a_only + corr.b_only:,} dates in between that only one of them has are "
            "folded into the next shared session's return."
        )
    out.extend(_data_notes(stale_since, False))
    out.append(
        f"Correlation is not cause: {a} and {b} moving together does not mean one drives the other."
    )
    out.append(NOT_ADVICE)
    return out


def ath_caveats(
    status: AthStatus,
    *,
    name: str,
    price_index: bool = False,
    stale_since: str | None = None,
    partial_last_bar: bool = False,
    history_start: pd.Timestamp | str | None = None,
) -> list[str]:
    """Caveats for an all-time-high answer about `name`."""
    out: list[str] = []
    if history_start is not None:
        out.append(f"This history starts {_date(history_start)}; earlier highs are not counted.")
    intraday = status.intraday
    if intraday is not None and intraday.ath_close > status.ath_close:
        out.append(
            f"These are closing highs; the intraday high was {intraday.ath_close:,.2f} "
            f"on {_date(intraday.ath_date)}."
        )
    if price_index:
        out.append(f"{name}'s record is price-only: dividends are not included.")
    out.extend(_data_notes(stale_since, partial_last_bar))
    out.append(NOT_ADVICE)
    return out
