"""A quick look: last close, daily/weekly/monthly/YTD change, distance from the record."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

import pandas as pd

from bot import fmt
from bot.analytics import Quote, quote
from bot.answers.common import (
    age_words,
    chart_footer,
    data_age,
    file_stem,
    partial_last_bar,
    provenance,
    stale_note,
)
from bot.answers.model import Insight
from bot.charts import quote_chart
from bot.market.symbols import Asset

if TYPE_CHECKING:
    from bot.market.data import PriceHistory


def quote_json(asset: Asset, q: Quote) -> dict[str, Any]:
    """A quote as JSON: the /quote payload and one row of the brief's watchlist."""
    return {
        "symbol": asset.symbol,
        "name": asset.name,
        "last_date": fmt.day(q.last_date),
        "last_close": fmt.json_num(q.last_close),
        "change_1d": fmt.json_num(q.change_1d),
        "change_1w": fmt.json_num(q.change_1w),
        "change_1m": fmt.json_num(q.change_1m),
        "change_ytd": fmt.json_num(q.change_ytd),
        "pct_from_ath": fmt.json_num(q.pct_from_ath),
        "is_ath": bool(q.is_ath),
        "is_fresh_ath": bool(q.is_fresh_ath),
        "is_breakout": bool(q.is_breakout),
    }


#: The chart ranges /quote offers (its buttons): key -> (words, lookback; None = all history).
CHART_RANGES: dict[str, tuple[str, pd.Timedelta | None]] = {
    "1m": ("1 month", pd.Timedelta(days=31)),
    "1y": ("1 year", pd.Timedelta(days=365)),
    "5y": ("5 years", pd.Timedelta(days=5 * 365 + 1)),
    "max": ("all history", None),
}


def answer_quote(
    asset: Asset, history: PriceHistory, *, today: date | None = None, chart_range: str = "1y"
) -> Insight:
    """`today`: the date asked on; when the last bar is more than three sessions older, the
    first line says how many days old the data is (None: no such check). `chart_range`: one of
    CHART_RANGES, what the chart draws (the numbers are the same whatever it is)."""
    words, lookback = CHART_RANGES[chart_range]
    close = history.bars["Close"]
    q = quote(close)
    age = data_age(asset, q.last_date, today)
    dated = fmt.day(q.last_date) + (f" ({age_words(age)})" if age is not None else "")
    flags = []
    if q.is_ath:
        flags.append("new closing record")
    if q.is_fresh_ath:
        flags.append("fresh ATH event")
    if q.is_breakout:
        flags.append("52-week breakout")
    verdict = (
        f"{asset.name} closed at {fmt.price(q.last_close)} on {dated}: "
        f"{fmt.pct(q.change_1d)} on the day, {fmt.pct(q.change_ytd)} this year, "
        + ("at its record." if q.is_ath else f"{fmt.pct(q.pct_from_ath)} from its record.")
    )
    figures = [
        ("Last close", f"{fmt.price(q.last_close)} ({fmt.day(q.last_date)})"),
        ("1 day", fmt.pct(q.change_1d)),
        ("1 week", fmt.pct(q.change_1w)),
        ("1 month", fmt.pct(q.change_1m)),
        ("Year to date", fmt.pct(q.change_ytd)),
        ("From record close", fmt.pct(q.pct_from_ath)),
    ]
    if flags:
        figures.append(("Flags", ", ".join(flags)))
    caveats = []
    note = stale_note(history)
    if note:
        caveats.append(f"Prices may be out of date: {note}.")
    if partial_last_bar(asset, history.bars):
        caveats.append(
            f"The last bar ({fmt.day(q.last_date)}) looks like an intraday capture, not a close."
        )
    caveats.append("Not investment advice.")
    meta = provenance(history)
    chart = quote_chart(
        close,
        title=f"{asset.name} ({asset.symbol}), {words}",
        footer=chart_footer(meta),
        lookback=lookback,
    )
    data = {**quote_json(asset, q), "stale_days": age, "chart_range": chart_range}
    return Insight(
        kind="quote",
        title=f"{asset.name} ({asset.symbol})",
        verdict=verdict,
        figures=figures,
        caveats=caveats,
        chart_png=chart,
        chart_name=f"quote-{file_stem(asset.symbol, chart_range)}.png",
        data=data,
        **meta,
    )
