"""How closely do two assets move together, now and historically?"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from bot import fmt
from bot.analytics import correlation, correlation_caveats
from bot.answers.common import chart_footer, file_stem, provenance, stale_note
from bot.answers.model import Insight
from bot.charts import correlation_chart
from bot.defaults import WINDOW_RANGE
from bot.errors import BadInput, TooLittleHistory
from bot.market.symbols import Asset

if TYPE_CHECKING:
    from bot.market.data import PriceHistory


def _strength(r: float) -> str:
    size = abs(r)
    word = (
        "very weak"
        if size < 0.2
        else "weak"
        if size < 0.4
        else "moderate"
        if size < 0.6
        else "strong"
        if size < 0.8
        else "very strong"
    )
    return f"{word} {'positive' if r >= 0 else 'negative'}"


def rank_words(rolling: pd.Series, current: float, window: int) -> tuple[str, float | None]:
    """Where today's reading sits among past readings, read the right way for its sign.

    A positive correlation is 'higher than X%' of past readings (stronger together); a negative
    one is 'more negative than X%' (stronger opposite): saying a -0.6 is "higher than 3%" of its
    history is true but reads as weak. X counts readings strictly beyond today's, so the
    sentence is exactly what its number says. Returns the words and X (0-1).
    """
    values = np.asarray(rolling, dtype=float)
    if not len(values) or not fmt.is_num(current):
        return "with no history to compare", None
    if current < 0:
        share = float(np.mean(values > current))
        return f"more negative than {fmt.share(share)} of past {window}-session readings", share
    share = float(np.mean(values < current))
    return f"higher than {fmt.share(share)} of past {window}-session readings", share


def beta_parts(beta: float) -> tuple[str, str]:
    """(times, direction) of a beta: ('2.7x', 'in the same direction')."""
    size = abs(beta)
    times = f"{size:.1f}x" if size >= 1 else f"{size:.2f}x"
    if round(size, 2) == 0:
        return times, "with no consistent direction"
    return times, "in the same direction" if beta > 0 else "in the opposite direction"


def beta_words(mover: str, base: str, beta: float) -> str:
    """'Bitcoin moved 2.7x Russell 2000's daily move on average, in the same direction (beta
    +2.70).' A beta says size and direction; both are said in words."""
    if not fmt.is_num(beta):
        return f"{mover}'s daily moves have no measurable beta against {base}'s."
    times, direction = beta_parts(beta)
    return (
        f"{mover} moved {times} {base}'s daily move on average, {direction} "
        f"(beta {fmt.corr(beta)})."
    )


def _beta_figure(base: str, beta: float) -> str:
    if not fmt.is_num(beta):
        return "n/a"
    times, direction = beta_parts(beta)
    return f"{fmt.corr(beta)}: {times} {base}'s daily move, {direction}"


def _check_shared_history(
    a: Asset, history_a: PriceHistory, b: Asset, history_b: PriceHistory, window: int
) -> None:
    """Too few shared dates is said plainly: which series is short and from when, and whether a
    shorter window would do (a young listing) or nothing can be measured yet."""
    close_a, close_b = history_a.close, history_b.close
    shared = len(close_a.index.intersection(close_b.index))
    if shared >= window + 1:
        return
    young, first = max(((a.name, close_a.index[0]), (b.name, close_b.index[0])),
                       key=lambda pair: pair[1]) if len(close_a) and len(close_b) else (None, None)
    why = f" ({young}'s history starts {fmt.day(first)})" if young is not None else ""
    have = f"{a.name} and {b.name} share " + (
        f"only {fmt.count(shared, 'date')}{why}" if shared else f"no dates{why}"
    )
    if shared - 1 >= WINDOW_RANGE[0]:
        # The asker chose the window and a shorter one fits: their call, said privately.
        raise BadInput(
            f"{have}, too few for a {window}-session window; a window of up to "
            f"{shared - 1} sessions fits."
        )
    raise TooLittleHistory(
        f"{have}: a correlation needs at least {WINDOW_RANGE[0] + 1} shared dates, so there is "
        "nothing to measure yet."
    )


def answer_correlation(
    a: Asset, history_a: PriceHistory, b: Asset, history_b: PriceHistory, *, window: int
) -> Insight:
    _check_shared_history(a, history_a, b, history_b, window)
    c = correlation(history_a.close, history_b.close, window=window)
    shared = fmt.count(c.n_obs, "shared session")
    rank, share = rank_words(c.rolling, c.current, window)
    beta_text = beta_words(b.name, a.name, c.beta_b_on_a)
    verdict = (
        f"Over the latest {window}-session window {a.name} and {b.name} moved with a "
        f"{_strength(c.current)} correlation of {fmt.corr(c.current)}, {rank}; over all {shared} "
        f"it is {fmt.corr(c.full)}. {beta_text}"
    )
    figures = [
        (f"Now ({window} sessions)", f"{fmt.corr(c.current)}, {rank}"),
        ("Whole period", f"{fmt.corr(c.full)} over {shared}"),
        (f"Beta of {b.symbol} on {a.symbol}", _beta_figure(a.name, c.beta_b_on_a)),
        ("Rolling range", f"{fmt.corr(c.rolling.min())} to {fmt.corr(c.rolling.max())}"),
        ("Period", f"{fmt.day(c.start)} to {fmt.day(c.end)}"),
    ]
    caveats = correlation_caveats(
        c, a=a.name, b=b.name, stale_since=stale_note(history_a) or stale_note(history_b)
    )
    meta = provenance(history_a, history_b)
    chart = correlation_chart(
        c.rolling,
        full=c.full,
        current=c.current,
        percentile=c.percentile,
        window=window,
        title=f"{a.name} vs {b.name}: {window}-session correlation of daily returns",
        subtitle="Measured on the dates both trade",
        footer=chart_footer(meta),
    )
    data = {
        "a": a.symbol,
        "b": b.symbol,
        "window": window,
        "full": fmt.json_num(c.full),
        "current": fmt.json_num(c.current),
        "percentile": fmt.json_num(c.percentile),
        "beta": fmt.json_num(c.beta),
        "beta_b_on_a": fmt.json_num(c.beta_b_on_a),
        "share_beyond": fmt.json_num(share),
        "n_obs": int(c.n_obs),
        "start": fmt.day(c.start),
        "end": fmt.day(c.end),
    }
    return Insight(
        kind="corr",
        title=f"{a.name} vs {b.name}",
        verdict=verdict,
        figures=figures,
        caveats=caveats,
        chart_png=chart,
        chart_name=f"corr-{file_stem(a.symbol, b.symbol)}.png",
        data=data,
        **meta,
    )
