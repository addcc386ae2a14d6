"""The daily brief: what moved, what sits at a record, what history says, the risk backdrop.

Built from whatever data arrived: a symbol or macro series whose source failed is listed in a
note and left out, so one outage never cancels the whole brief.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from bot import defaults, fmt
from bot.analytics import (
    breakout_events,
    correlation,
    event_study,
    fresh_ath_events,
    quote,
)
from bot.answers.common import (
    STALE_SESSIONS,
    age_words,
    chart_footer,
    data_age,
    partial_last_bar,
    provenance,
)
from bot.answers.corr import rank_words
from bot.answers.model import Insight
from bot.answers.quote import quote_json
from bot.charts import brief_chart
from bot.errors import BadInput
from bot.market.symbols import Asset

if TYPE_CHECKING:
    from bot.market.data import PriceHistory

HISTORY_HORIZONS = (90, 365)
LIQUIDITY_IDS = defaults.FRED_LIQUIDITY
HY_ID = defaults.FRED_HY_SPREAD


@dataclass
class BriefInputs:
    """Everything the brief may use; failures are kept as sentences, not exceptions."""

    watchlist: list[tuple[Asset, PriceHistory]]  # the ones that arrived
    missing: dict[str, str] = field(default_factory=dict)  # symbol -> why it is left out
    rut: PriceHistory | None = None
    btc: PriceHistory | None = None
    vix: PriceHistory | None = None
    macro: dict[str, pd.Series] = field(default_factory=dict)
    macro_missing: dict[str, str] = field(default_factory=dict)
    min_gap: int = defaults.MIN_GAP
    # The brief's date (the day it is posted for). None: the newest bar on the watchlist.
    today: date | None = None

    def brief_date(self) -> date:
        if self.today is not None:
            return self.today
        return max(h.bars.index[-1] for _, h in self.watchlist).date()


def _symbol_line(
    asset: Asset, history: PriceHistory, min_gap: int, today: date
) -> tuple[str, dict[str, Any]]:
    q = quote(history.close, min_gap=min_gap)
    age = data_age(asset, q.last_date, today)
    flags = [
        name
        for name, on in (
            ("new ATH", q.is_ath),
            ("fresh ATH event", q.is_fresh_ath),
            ("52-week breakout", q.is_breakout),
        )
        if on
    ]
    text = (
        f"{fmt.price(q.last_close)} · 1d {fmt.pct(q.change_1d)} · 1w {fmt.pct(q.change_1w)}"
        f" · 1m {fmt.pct(q.change_1m)} · YTD {fmt.pct(q.change_ytd)} · "
        + ("at ATH" if q.is_ath else f"ATH {fmt.pct(q.pct_from_ath)}")
    )
    if flags:
        text += " · **" + ", ".join(flags) + "**"
    if age is not None:
        # Not today's market: the line opens with its date so nobody reads it as current.
        text = f"last bar {fmt.day(q.last_date)} ({age_words(age)}) · " + text
    row = {**quote_json(asset, q), "flags": flags, "stale_days": age}
    return text, row


def _history_says(inputs: BriefInputs, rows: list[dict[str, Any]]) -> list[str]:
    """Event-study headlines for each crypto asset after today's fresh ATH/breakout of an index."""
    by_symbol = {a.symbol: (a, h) for a, h in inputs.watchlist}
    cryptos = [(a, h) for a, h in inputs.watchlist if a.is_crypto]
    lines = []
    for row in rows:
        trigger, history = by_symbol[row["symbol"]]
        if row["stale_days"] is not None:
            continue  # a record on an old bar is not today's news
        if trigger.is_crypto or not (row["is_fresh_ath"] or row["is_breakout"]):
            continue
        kind = "fresh ATHs" if row["is_fresh_ath"] else "52-week breakouts"
        events = (
            fresh_ath_events(history.close, inputs.min_gap)
            if row["is_fresh_ath"]
            else breakout_events(history.close, defaults.BREAKOUT_LOOKBACK, inputs.min_gap)
        )
        for target, target_history in cryptos:
            study = event_study(
                history.close, target_history.close, events, HISTORY_HORIZONS, n_boot=2000
            )
            parts = []
            for h in HISTORY_HORIZONS:
                s = study.stats[h]
                parts.append(
                    f"{fmt.horizon(h)}: n={s.n}, higher {fmt.share(s.hit_rate)}, "
                    f"median {fmt.pct(s.median)} (any day {fmt.share(s.base_hit_rate)}, "
                    f"{fmt.pct(s.base_median)})"
                )
            lines.append(f"After {trigger.name} {kind}, {target.name} — " + "; ".join(parts))
    return lines


def _percentile(series: pd.Series, value: float) -> float:
    return float((series.to_numpy() <= value).mean() * 100)


def _four_week_change(series: pd.Series) -> float:
    before = series.loc[: series.index[-1] - pd.Timedelta(days=28)]
    return float(series.iloc[-1] - before.iloc[-1]) if len(before) else float("nan")


def _risk(inputs: BriefInputs) -> tuple[list[tuple[str, str]], dict[str, Any], list[str]]:
    figures: list[tuple[str, str]] = []
    data: dict[str, Any] = {}
    notes: list[str] = []
    c = None
    if inputs.rut is not None and inputs.btc is not None:
        shared = len(inputs.rut.close.index.intersection(inputs.btc.close.index))
        if shared > 90:
            c = correlation(inputs.rut.close, inputs.btc.close, window=90)
        else:  # a short cache (a new data folder): the line cannot be measured, say so
            notes.append(
                "Russell 2000 vs Bitcoin correlation left out: only "
                f"{fmt.count(shared, 'shared date')}, a 90-session window needs 91."
            )
    if c is not None:
        figures.append(
            (
                "Russell 2000 vs Bitcoin (90 sessions)",
                f"correlation {fmt.corr(c.current)}, {rank_words(c.rolling, c.current, 90)[0]}",
            )
        )
        data["rut_btc_corr"] = {
            "current": fmt.json_num(c.current),
            "percentile": fmt.json_num(c.percentile),
        }
    if inputs.vix is not None:
        vix = inputs.vix.close
        pct = _percentile(vix, float(vix.iloc[-1]))
        figures.append(
            (
                "VIX",
                f"{vix.iloc[-1]:.1f}, higher than {pct:.0f}% of closes since "
                f"{fmt.day(vix.index[0])}",
            )
        )
        data["vix"] = {"level": fmt.json_num(float(vix.iloc[-1])), "percentile": pct}
    macro = inputs.macro
    if all(k in macro for k in LIQUIDITY_IDS):
        walcl = macro["WALCL"]
        aligned = pd.DataFrame({k: macro[k] for k in LIQUIDITY_IDS}).sort_index().ffill()
        aligned = aligned.loc[aligned.index.isin(walcl.index)].dropna()
        # WALCL and WTREGEN are in millions of dollars, RRPONTSYD in billions.
        net = (aligned["WALCL"] - aligned["WTREGEN"] - aligned["RRPONTSYD"] * 1000) / 1e6
        finite = net[np.isfinite(net.to_numpy())]  # 1e308 * 1000 is no level to show
        if len(net) and not len(finite):
            notes.append("Fed net liquidity left out: FRED's figures are out of range.")
        net = finite
        if len(net):
            change = _four_week_change(net)
            # Under 4 weeks of history there is no change to give: the level and its date only.
            moved = (
                f"{'+' if change >= 0 else '-'}${abs(change):.2f}T over 4 weeks, "
                if fmt.is_num(change) else ""
            )
            figures.append(
                (
                    "Fed net liquidity",
                    f"${net.iloc[-1]:.2f}T ({moved}to {fmt.day(net.index[-1])})",
                )
            )
            data["net_liquidity_tn"] = {
                "level": fmt.json_num(net.iloc[-1]),
                "change_4w": fmt.json_num(change),
                "date": fmt.day(net.index[-1]),
            }
    elif any(k in inputs.macro_missing for k in LIQUIDITY_IDS):
        notes.append("Fed net liquidity left out: " + _why(inputs.macro_missing, LIQUIDITY_IDS))
    if HY_ID in macro and len(macro[HY_ID]):
        hy = macro[HY_ID]
        change = _four_week_change(hy)
        moved = (
            f" ({change:+.2f} percentage points over 4 weeks)" if fmt.is_num(change) else ""
        )
        figures.append(("High-yield spread", f"{hy.iloc[-1]:.2f}%{moved}"))
        data["hy_spread"] = {
            "level": fmt.json_num(float(hy.iloc[-1])),
            "change_4w": fmt.json_num(change),
        }
    elif HY_ID in inputs.macro_missing:
        notes.append("High-yield spread left out: " + _why(inputs.macro_missing, (HY_ID,)))
    return figures, data, notes


def _why(missing: dict[str, str], ids: tuple[str, ...]) -> str:
    return "; ".join(dict.fromkeys(missing[i] for i in ids if i in missing)) + "."


def _short(asset: Asset) -> str:
    """A panel title that fits beside its daily change: long fund names give way to symbols."""
    return asset.name if len(asset.name) <= 16 else asset.symbol.lstrip("^")


def _lagging(rows: list[dict[str, Any]]) -> str:
    """Series more than STALE_SESSIONS sessions behind the brief's date (a halted feed, a
    stale file), with the date of their last bar."""
    return ", ".join(
        f"{r['symbol']} ends {r['last_date']}" for r in rows if r["stale_days"] is not None
    )


def answer_brief(inputs: BriefInputs) -> Insight:
    if not inputs.watchlist:
        # Not one watchlist symbol arrived: a brief of backdrop alone would state "nothing
        # closed at a record" about prices it never saw. Refuse, saying why (the scheduler
        # records it as 'failed'; /brief shows it to the asker).
        why = "; ".join(f"{sym}: {reason}" for sym, reason in list(inputs.missing.items())[:3])
        raise BadInput(f"No prices arrived for any symbol on the watchlist ({why}).")
    figures: list[tuple[str, str]] = []
    rows = []
    today = inputs.brief_date()
    for asset, history in inputs.watchlist:
        text, row = _symbol_line(asset, history, inputs.min_gap, today)
        figures.append((f"{asset.name} ({asset.symbol})", text))
        rows.append(row)
    history_lines = _history_says(inputs, rows)
    risk_figures, risk_data, notes = _risk(inputs)
    notes = [f"{sym} left out: {why}" for sym, why in inputs.missing.items()] + notes

    records = [
        r["name"] if r["stale_days"] is None else f"{r['name']} (on {r['last_date']})"
        for r in rows
        if r["is_ath"]
    ]
    movers = sorted(
        # A volatility index's daily change is not a market move in the same sense, and a
        # series that stopped days ago did not move today: neither may be the headline.
        (
            r
            for r in rows
            if fmt.is_num(r["change_1d"]) and r["symbol"] != "^VIX" and r["stale_days"] is None
        ),
        key=lambda r: abs(r["change_1d"]),
        reverse=True,
    )
    verdict = (
        "At a record close: " + ", ".join(records) + "."
        if records
        else "Nothing on the watchlist closed at a record."
    )
    if movers:
        top = movers[0]
        verdict += f" Biggest daily move: {top['name']} {fmt.pct(top['change_1d'])}."
    elif any(r["stale_days"] is not None for r in rows) and all(
        r["stale_days"] is not None for r in rows if r["symbol"] != "^VIX"
    ):
        verdict += (
            f" No series is current (each is more than {STALE_SESSIONS} sessions behind "
            f"{fmt.day(today)}), so there is no move of the day to report."
        )
    figures += [("What history says", line) for line in history_lines]
    figures += risk_figures

    caveats = [
        f"Records are closing highs; a fresh ATH event needs a {inputs.min_gap}-session gap "
        "since the previous record."
    ]
    if history_lines:
        caveats.append(
            "History lines summarise past episodes; samples are small and windows "
            "overlap, so read them as context, not forecasts."
        )
    partial = [a.symbol for a, h in inputs.watchlist if partial_last_bar(a, h.bars)]
    if partial:
        caveats.append(f"The last bar of {', '.join(partial)} looks like an intraday capture.")
    stale = [a.symbol for a, h in inputs.watchlist if h.stale]
    if stale:
        caveats.append(
            f"Prices for {', '.join(stale)} are from an earlier fetch: their source did not answer."
        )
    lagging = _lagging(rows)
    if lagging:
        caveats.append(
            f"Not every series is current on {fmt.day(today)}: {lagging}; "
            "left out of the biggest move."
        )
    if risk_figures:
        caveats.append(
            "Co-movement is not cause: correlations and liquidity describe the "
            "backdrop, they do not explain or predict prices."
        )
    caveats.append("Not investment advice.")

    histories = [h for _, h in inputs.watchlist]
    meta = (
        provenance(*histories)
        if histories
        else {"as_of": "", "fetched_at": None, "sources": [], "stale": False}
    )
    if histories:
        # The brief is as of its newest data; older series are named in a caveat above.
        meta["as_of"] = max(h.bars.index[-1] for h in histories).strftime("%Y-%m-%d")
    if inputs.macro:
        meta["sources"] = [*meta["sources"], "FRED"]
    chart = (
        brief_chart(
            [(_short(a), h.close) for a, h in inputs.watchlist],
            title=f"Market brief · {meta['as_of']}",
            footer=chart_footer(meta),
        )
        if histories
        else None
    )
    data = {
        "date": fmt.day(today),
        "watchlist": rows,
        "history_says": history_lines,
        "risk": risk_data,
        "missing": dict(inputs.missing),
        "macro_missing": dict(inputs.macro_missing),
    }
    return Insight(
        kind="brief",
        title=f"Market brief · {meta['as_of'] or 'no data'}",
        verdict=verdict,
        figures=figures,
        caveats=caveats,
        chart_png=chart,
        chart_name="brief.png",
        notes=notes,
        data=data,
        **meta,
    )
