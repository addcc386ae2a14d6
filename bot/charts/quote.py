"""Quote chart: a small one-year view of one symbol for a quick "where is it now"."""

from __future__ import annotations

import matplotlib.dates as mdates
import pandas as pd
from matplotlib.ticker import FuncFormatter, MaxNLocator

from . import theme as t

LOOKBACK = pd.Timedelta(days=365)


def _window(close: pd.Series, lookback: pd.Timedelta | None) -> pd.Series:
    """The last `lookback` of closes (None: the whole history)."""
    if lookback is None:
        return close
    return close[close.index >= close.index[-1] - lookback]


def quote_chart(
    close: pd.Series, *, title: str, footer: str, lookback: pd.Timedelta | None = LOOKBACK
) -> bytes:
    """One year of closes by default: enough context for "where is it now" without the full
    history; `lookback` draws another range (the /quote buttons: 1M, 1Y, 5Y, None = Max).

    The ATH is computed from the full series (so it is the real record) and drawn only when it
    sits near the visible range; otherwise it is stated in text rather than squashing the line.
    """
    close = t.clean(close)
    fig = t.new_figure(t.SMALL_SIZE)
    top = t.header(fig, title)
    right = max(t.tag_px(fig, t.fmt_price(close.iloc[-1])), 60.0) if len(close) else 60.0
    view = _window(close, lookback) if len(close) else close
    left = 112 if t.wants_log(view.to_numpy()) else 84  # "log scale" beside the levels
    ax = t.add_axes(fig, t.rect(fig, left, t.footer(fig, footer) + 34, right, top))
    if close.empty:
        t.empty_note(ax)
        return t.to_png(fig)
    _draw_panel(ax, view, close, near=0.15, fs=t.FS_SMALL, tag=True)
    return t.to_png(fig)


def _draw_panel(ax, view: pd.Series, full: pd.Series, *, near: float, fs: float, tag: bool,
                nticks: int = 5, short: bool = False) -> None:
    """Line of ``view`` plus the ATH of ``full``: a dashed line when the last close is within
    ``near`` of it, else a text note (a far-away line would flatten the year into a strip)."""
    d = t.decimate(view, 2 * t.plot_px(ax))
    x = t.xdates(d.index)
    ax.plot(x, d.to_numpy(), color=t.SKY, lw=1.5)
    last = float(full.iloc[-1])
    ath = float(full.max())
    ath_date = full.idxmax()
    gap = last / ath - 1.0 if ath > 0 else 0.0
    lo, hi = float(view.min()), float(view.max())
    if ath > 0 and last >= ath * (1 - near):
        ax.axhline(ath, color=t.ORANGE, lw=1.3, ls=(0, (5, 3)))
        hi = max(hi, ath)
    log = t.wants_log(view.to_numpy())  # a Max range spanning 10x or more: ratios, not amounts
    if log:
        t.price_axis(ax, view.to_numpy())
    ax.set_ylim(*t.padded_limits(lo, hi, log=log, pad=0.08, top=0.14))
    when = "" if short else f" ({ath_date:%b %Y})"
    note = ("At its all-time high" if gap >= 0 else
            f"{t.fmt_pct(gap)} from ATH {t.fmt_num(ath)}{when}")
    ax.text(0.015, 0.96, note, transform=ax.transAxes, ha="left", va="top", fontsize=fs,
            color=t.ORANGE, parse_math=False,
            bbox={"boxstyle": "round,pad=0.2", "fc": t.PANEL, "ec": "none", "alpha": 0.85})
    if not log:
        ax.yaxis.set_major_locator(MaxNLocator(nbins=nticks, steps=[1, 2, 2.5, 5, 10]))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: t.fmt_num(v)))
    loc = mdates.AutoDateLocator(minticks=2, maxticks=nticks + 1)
    ax.xaxis.set_major_locator(loc)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(
        loc, show_offset=False, formats=["%Y", "%b", "%d %b", "%H:%M", "%H:%M", "%S"],
        zero_formats=["", "%Y", "%b %Y", "%d %b", "%H:%M", "%H:%M"]))
    if len(view) == 1:
        ax.set_xlim(x[0] - 15, x[0] + 15)
    if tag:
        t.price_tag(ax, last, t.fmt_price(last), t.SKY, fs=fs)
