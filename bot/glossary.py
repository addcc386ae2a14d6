"""The words riskon's answers use, explained once: `/help topic:<term>` and `python -m bot help`.

Why one module: Discord and the terminal must explain a term the same way, and the numbers a
definition quotes (the 10% / 90% verdict lines, the 63-session gap, the 252-session breakout)
come from the constants the analytics use, so an explanation cannot drift from what the
answers compute. No discord import here: the terminal uses it too.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

from bot import defaults
from bot.analytics.caveats import MIN_CORR_WINDOW, MIN_EPISODES, ORDINARY_P
from bot.answers.common import STALE_SESSIONS
from bot.errors import BadInput
from bot.fmt import BREAKOUT_SESSIONS

DEFAULT_GAP = defaults.MIN_GAP
LOW, HIGH = (round(p * 100) for p in ORDINARY_P)


@dataclass(frozen=True)
class Term:
    name: str
    text: str
    aliases: tuple[str, ...] = ()


TERMS: tuple[Term, ...] = (
    Term(
        "base rate",
        "What an ordinary day gave: the same-length return measured from every day of the "
        "target's history over the same span. /after shows the events' numbers beside it (as "
        "\"any day\"), so you can see whether \"after a record\" differs from \"any time\".",
        ("any day", "base"),
    ),
    Term(
        "random days as good",
        "Out of 10,000 random samples of ordinary days, the same size as the events, the share "
        "whose median return was at least as good as the events' median. At or below "
        f"{LOW}%: the events did clearly better than usual. At or above {HIGH}%: clearly worse "
        f"than usual (nearly every random sample did as well). In between: ordinary, the kind "
        "of result chance gives.",
        ("random", "bootstrap", "p value", "clearly better", "clearly worse", "ordinary"),
    ),
    Term(
        "hit rate",
        "How often the target was higher at the end of the window than when it started, "
        "written \"higher in 3 of 5\" (3 of the 5 completed episodes). From any day it is the "
        "share of all days, for comparison.",
        ("higher in", "win rate"),
    ),
    Term(
        "fresh",
        "A fresh record (fresh ATH) is a close above every earlier close whose previous record "
        f"was at least `gap` sessions earlier (default {DEFAULT_GAP}, about three months). A run "
        "of records a few days apart is one event, counted on its first day, so one rally is "
        "not counted ten times.",
        ("fresh ath", "fresh record", "event", "run of records"),
    ),
    Term(
        "gap",
        "min_gap: how many sessions must pass since the previous record (or breakout) for a new "
        f"one to count as a separate event. Default {DEFAULT_GAP} sessions, about three months.",
        ("min gap", "min_gap"),
    ),
    Term(
        "max drawdown",
        "The deepest fall below the entry price at any close within the window (\"worst\" in "
        "the table). \"none\" means it never closed below where it started.",
        ("drawdown", "worst"),
    ),
    Term(
        "pp",
        "Percentage points: the plain difference between two percentages. A spread going from "
        "3.50% to 3.25% moved -0.25 pp (not -7%, which would be the relative change).",
        ("percentage points", "percentage point"),
    ),
    Term(
        "Fed net liquidity",
        "The Federal Reserve's balance sheet minus the Treasury's account at the Fed minus "
        "overnight reverse repos (FRED series WALCL - WTREGEN - RRPONTSYD), in trillions of "
        "dollars: a rough gauge of money available to markets. It describes the backdrop; it "
        "does not predict prices.",
        ("net liquidity", "liquidity", "walcl"),
    ),
    Term(
        "high-yield spread",
        "The extra yield investors demand to hold risky (junk) corporate bonds instead of "
        "Treasuries (FRED BAMLH0A0HYM2). Rising means more worry about defaults.",
        ("hy spread", "credit spread", "spread"),
    ),
    Term(
        "ATH",
        "All-time high: the highest daily close in the history riskon has. Closes only; an "
        "intraday high is mentioned separately when it was higher.",
        ("all-time high", "record", "record close"),
    ),
    Term(
        "52-week breakout",
        f"A close above every close of the prior {BREAKOUT_SESSIONS} sessions (about a year of "
        "trading): a one-year high, which need not be an all-time high.",
        ("breakout", "52 week"),
    ),
    Term(
        "session",
        "A trading day. Indices trade on weekdays; crypto every day. \"90 sessions\" is about "
        "four months of an index's trading.",
        ("sessions", "trading day"),
    ),
    Term(
        "horizon",
        "How long after each event the target is followed, in calendar days (30, 90, 180, 365, "
        "730). The return is from the close on the event day to the last close on or before "
        "the end of the window.",
        ("window",),
    ),
    Term(
        "median",
        "The middle value once the results are sorted: half did better, half worse. Unlike the "
        "mean (average) one extreme episode cannot drag it far.",
        ("mean", "average"),
    ),
    Term(
        "pending",
        "An episode whose window has not finished yet (\"still running\"): shown in the table, "
        "never counted in the statistics.",
        ("still running", "running"),
    ),
    Term(
        "overlapping windows",
        "Two events closer together than the horizon share part of their window, so they are "
        "not independent evidence: 5 overlapping episodes say less than 5 separate ones.",
        ("overlap",),
    ),
    Term(
        "small sample",
        f"Fewer than {MIN_EPISODES} completed episodes: a single episode can swing the median "
        "and the hit rate, so read the result as an anecdote with context, not a pattern.",
        ("sample size", "few episodes"),
    ),
    Term(
        "correlation",
        "How closely two assets' daily moves go together, from -1 (always opposite) through 0 "
        "(unrelated) to +1 (always together), measured on the sessions both trade. "
        f"A window under {MIN_CORR_WINDOW} sessions is noisy. Moving together is not cause.",
        ("corr", "rolling correlation"),
    ),
    Term(
        "beta",
        "How big one asset's daily move has been, on average, for a 1% move of the other: "
        "beta +2.0 means twice as big in the same direction, -0.5 half as big the other way.",
    ),
    Term(
        "percentile",
        "Where today's reading sits among the past ones: \"higher than 80% of past readings\". "
        "For a negative correlation riskon says \"more negative than X%\", the stronger way.",
    ),
    Term(
        "stale",
        "Data that is not current: the source did not answer and earlier prices were used, or "
        f"a series is more than {STALE_SESSIONS} sessions behind the answer's date. The "
        "answer then says the date of its last bar and how many days old it is.",
        ("days old", "out of date", "old data"),
    ),
    Term(
        "price index",
        "An index (or ETF price) without dividends: a record in a price index is not the same "
        "as a record in total return.",
        ("dividends", "price-only"),
    ),
)

_BY_NAME: dict[str, Term] = {}
for _term in TERMS:
    for _alias in (_term.name, *_term.aliases):
        _BY_NAME.setdefault(_alias.lower(), _term)


def _key(text: str) -> str:
    return " ".join(text.lower().replace("_", " ").replace("-", " ").split())


_NORMALISED = {_key(k): t for k, t in _BY_NAME.items()}


def lookup(text: str) -> Term | None:
    """The term a word names (its name or an alias, any case, '-' and '_' as spaces)."""
    return _NORMALISED.get(_key(text))


def suggest(text: str, limit: int = 25) -> list[str]:
    """Term names for an autocomplete: names starting with the text first, then containing it
    (in a name or an alias); all terms for empty text."""
    typed = _key(text)
    if not typed:
        return [t.name for t in TERMS][:limit]
    starts = [t.name for t in TERMS if _key(t.name).startswith(typed)]
    contains = [
        t.name
        for t in TERMS
        if t.name not in starts and any(typed in _key(k) for k in (t.name, *t.aliases))
    ]
    return (starts + contains)[:limit]


def unknown_message(text: str) -> str:
    """One line for a word the glossary does not have, with the closest names."""
    close = suggest(text, 5) or [t.name for t in TERMS[:6]]
    return f"No glossary entry for {text.strip()!r}. Try: {', '.join(close)}."


def explain_text(text: str | None = None) -> str:
    """The terminal's text: one term explained, or the list of terms."""
    if text:
        term = lookup(text)
        if term is None:
            raise BadInput(unknown_message(text))
        return f"{term.name}\n\n" + "\n".join(textwrap.wrap(term.text, 96))
    lines = ["Terms riskon's answers use (python -m bot help TERM explains one):", ""]
    lines += [f"  {t.name}" for t in TERMS]
    return "\n".join(lines)
