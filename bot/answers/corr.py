"""How closely do two assets move together, now and historically?"""

from __future__ import annotations

from typing import Any

from bot import fmt
from bot.analytics import correlation, correlation_caveats
from bot.answers.common import chart_footer, file_stem, provenance, stale_note
from bot.answers.model import Insight
from bot.charts import correlation_chart
from bot.market.symbols import Asset


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


def answer_correlation(
    a: Asset, history_a: Any, b: Asset, history_b: Any, *, window: int
) -> Insight:
    c = correlation(history_a.close, history_b.close, window=window)
    verdict = (
        f"Over the last {window} shared sessions {a.name} and {b.name} moved with a "
        f"{_strength(c.current)} correlation of {c.current:+.2f}, higher than "
        f"{c.percentile:.0f}% of their own history; over the whole period it is {c.full:+.2f}."
    )
    figures = [
        (f"Now ({window} sessions)", f"{c.current:+.2f} ({c.percentile:.0f}th percentile)"),
        ("Whole period", f"{c.full:+.2f} over {c.n_obs} shared sessions"),
        (f"Beta of {a.symbol} on {b.symbol}", f"{c.beta:.2f}"),
        ("Rolling range", f"{c.rolling.min():+.2f} to {c.rolling.max():+.2f}"),
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
