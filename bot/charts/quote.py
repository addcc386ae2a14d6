"""Small price charts: a one-symbol quote and the multi-symbol morning brief."""

from __future__ import annotations

import math
from collections.abc import Sequence

import matplotlib.dates as mdates
import pandas as pd
from matplotlib.ticker import FuncFormatter, MaxNLocator

from . import theme as t

LOOKBACK = pd.Timedelta(days=365)
BRIEF_WIDTH = 1200
_BRIEF_ROW_PX = 205


def _last_year(close: pd.Series) -> pd.Series:
    return close[close.index >= close.index[-1] - LOOKBACK]


def quote_chart(close: pd.Series, *, title: str, footer: str) -> bytes:
    """One year of closes: enough context for "where is it now" without the full history.

    The ATH is computed from the full series (so it is the real record) and drawn only when it
    sits near the visible range; otherwise it is stated in text rather than squashing the line.
    """
    close = t.clean(close)
    fig = t.new_figure(t.SMALL_SIZE)
    t.header(fig, title, scale=0.8)
    t.footer(fig, footer)
    ax = t.add_axes(fig, t.rect(fig, 62, t.FOOTER_PX + 28, 96, 46), fs=t.FS_SMALL)
    if close.empty:
        t.empty_note(ax)
        return t.to_png(fig)
    view = _last_year(close)
    _draw_panel(ax, view, close, near=0.15, fs=t.FS_SMALL, tag=True)
    return t.to_png(fig)


def brief_size(n_panels: int) -> tuple[int, int]:
    """Pixel size of the brief for ``n_panels`` (rows grow with the count, width is fixed)."""
    _, rows = _grid(n_panels)
    return BRIEF_WIDTH, t.HEADER_PX_NO_SUB + t.FOOTER_PX + 8 + rows * _row_px(rows)


def _row_px(rows: int) -> int:
    return 320 if rows == 1 else _BRIEF_ROW_PX  # a lone row would otherwise be a thin strip


def _grid(n: int) -> tuple[int, int]:
    cols = 1 if n <= 1 else 2 if n <= 4 else 3 if n <= 9 else 4
    return cols, max(1, math.ceil(n / cols))


def brief_chart(panels: Sequence[tuple[str, pd.Series]], *, title: str, footer: str) -> bytes:
    """Small multiples of the last year, one per symbol, each with its distance from its ATH.

    Each panel has its own y scale: the brief asks "what did each do", not "which is bigger".
    Pass each symbol's full history so the ATH is the true record, not the one-year high.
    """
    panels = list(panels)[:16]
    fig = t.new_figure(brief_size(len(panels)))
    t.header(fig, title)
    t.footer(fig, footer)
    cols, rows = _grid(len(panels))
    row_px = _row_px(rows)
    w, h = fig.bbox.width, fig.bbox.height
    cell_w = (w - 16) / cols
    top0 = t.HEADER_PX_NO_SUB + 4
    if not panels:
        ax = t.add_axes(fig, t.rect(fig, 60, t.FOOTER_PX + 20, 20, top0 + 20))
        t.empty_note(ax, "Nothing to show")
        return t.to_png(fig)
    for i, (label, series) in enumerate(panels):
        r, c = divmod(i, cols)
        left = 8 + c * cell_w + 58
        top = top0 + r * row_px + 30
        bottom = h - (top0 + (r + 1) * row_px) + 26
        ax = t.add_axes(fig, t.rect(fig, left, bottom, w - (8 + (c + 1) * cell_w) + 14, top),
                        fs=t.FS_SMALL)
        _brief_panel(ax, label, t.clean(series), compact=cols >= 4)
    return t.to_png(fig)


def _brief_panel(ax, label: str, close: pd.Series, *, compact: bool) -> None:
    fs = t.FS_SMALL + 1 if compact else t.FS_LABEL
    if len(label) > (14 if compact else 22):
        label = label[: (13 if compact else 21)] + "…"
    ax.text(0.0, 1.04, label, transform=ax.transAxes, ha="left", va="bottom", color=t.TEXT,
            fontsize=fs, fontweight="bold", parse_math=False)
    if close.empty:
        t.empty_note(ax)
        ax.set_xticks([])
        ax.set_yticks([])
        return
    if len(close) >= 2:
        chg = float(close.iloc[-1] / close.iloc[-2] - 1.0)
        ax.text(1.0, 1.04, t.fmt_pct(chg, 2) + " 1d", transform=ax.transAxes, ha="right",
                va="bottom", color=t.UP if chg >= 0 else t.DOWN, fontsize=fs - 1,
                fontweight="bold", parse_math=False)
    _draw_panel(ax, _last_year(close), close, near=0.15, fs=10 if compact else t.FS_SMALL,
                tag=False, nticks=3, short=True)


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
    ax.set_ylim(*t.padded_limits(lo, hi, pad=0.08, top=0.14))
    when = "" if short else f" ({ath_date:%b %Y})"
    note = ("At its all-time high" if gap >= 0 else
            f"{t.fmt_pct(gap)} from ATH {t.fmt_num(ath)}{when}")
    ax.text(0.015, 0.96, note, transform=ax.transAxes, ha="left", va="top", fontsize=fs,
            color=t.ORANGE, parse_math=False,
            bbox={"boxstyle": "round,pad=0.2", "fc": t.PANEL, "ec": "none", "alpha": 0.85})
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
