"""Is it at an all-time high? The verdict, the figures, the ATH chart, the caveats."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from bot import defaults, fmt
from bot.analytics import ath_caveats, ath_status, fresh_ath_events
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
from bot.charts import ath_chart
from bot.market.symbols import Asset

if TYPE_CHECKING:
    from bot.market.data import PriceHistory


def answer_ath(
    asset: Asset,
    history: PriceHistory,
    *,
    min_gap: int = defaults.MIN_GAP,
    today: date | None = None,
) -> Insight:
    """`today`: the date asked on; data more than three sessions older is called old in the
    first line, so a record from a stopped feed is not read as today's."""
    bars = history.bars
    close = bars["Close"]
    high = bars["High"] if "High" in bars and bars["High"].notna().all() else None
    status = ath_status(close, high)
    events = fresh_ath_events(close, min_gap=min_gap)
    name = asset.name
    age = data_age(asset, status.last_date, today)
    dated = fmt.day(status.last_date) + (f" ({age_words(age)})" if age is not None else "")

    if status.is_ath:
        verdict = (
            f"Yes: {name} closed at a record {fmt.price(status.last_close)} on "
            f"{dated}, above every close since {fmt.day(close.index[0])}."
        )
    else:
        verdict = (
            f"No: {name} closed at {fmt.price(status.last_close)} on {dated}, "
            f"{fmt.pct(-status.pct_from_ath, signed=False)} below its record close of "
            f"{fmt.price(status.ath_close)} ({fmt.day(status.ath_date)}, "
            f"{status.sessions_since_ath} sessions ago)."
        )
    figures = [
        ("Last close", f"{fmt.price(status.last_close)} ({fmt.day(status.last_date)})"),
        ("Record close", f"{fmt.price(status.ath_close)} ({fmt.day(status.ath_date)})"),
        ("From record", fmt.pct(status.pct_from_ath)),
        ("Sessions since record", str(status.sessions_since_ath)),
        (f"Fresh records (gap ≥ {min_gap} sessions)", str(len(events))),
    ]
    if status.intraday is not None:
        figures.append(
            (
                "Intraday record",
                f"{fmt.price(status.intraday.ath_close)} ({fmt.day(status.intraday.ath_date)})",
            )
        )
    caveats = ath_caveats(
        status,
        name=name,
        price_index=asset.price_only,
        stale_since=stale_note(history),
        partial_last_bar=partial_last_bar(asset, bars),
        history_start=fmt.day(close.index[0]),
    )
    meta = provenance(history)
    chart = ath_chart(
        close,
        events=list(events),
        title=f"{name} ({asset.symbol}): all-time highs",
        subtitle=f"Fresh record = new closing high ≥ {min_gap} sessions after the previous one",
        footer=chart_footer(meta),
    )
    data = {
        "symbol": asset.symbol,
        "name": name,
        "last_date": fmt.day(status.last_date),
        "last_close": fmt.json_num(status.last_close),
        "ath_close": fmt.json_num(status.ath_close),
        "ath_date": fmt.day(status.ath_date),
        "pct_from_ath": fmt.json_num(status.pct_from_ath),
        "is_ath": bool(status.is_ath),
        "sessions_since_ath": int(status.sessions_since_ath),
        "fresh_ath_events": [fmt.day(d) for d in events],
        "min_gap": min_gap,
        "stale_days": age,
    }
    return Insight(
        kind="ath",
        title=f"Is {name} at an all-time high?",
        verdict=verdict,
        figures=figures,
        caveats=caveats,
        chart_png=chart,
        chart_name=f"ath-{file_stem(asset.symbol)}.png",
        data=data,
        **meta,
    )
