"""Morning-brief small multiples, drawn without Axes.

A dozen matplotlib Axes cost ~10 ms each to create and more to tick, which made the brief
several times slower than any other chart. Each panel here is a handful of figure-level artists
in pixel coordinates (background, one grid LineCollection, the price line, a few texts), so the
whole grid costs about what one ordinary chart does.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from matplotlib.ticker import MaxNLocator

from . import theme as t

LOOKBACK = pd.Timedelta(days=365)
BRIEF_WIDTH = 1200
MAX_PANELS = 16
_ROW_PX = 205
_NEAR_ATH = 0.15  # draw the ATH line when the last close is within 15% of it


def _grid(n: int) -> tuple[int, int]:
    cols = 1 if n <= 1 else 2 if n <= 4 else 3 if n <= 9 else 4
    return cols, max(1, math.ceil(n / cols))


def _row_px(rows: int) -> int:
    return 320 if rows == 1 else _ROW_PX  # a lone row would otherwise be a thin strip


def brief_size(n_panels: int) -> tuple[int, int]:
    """Pixel size of the brief for ``n_panels``: width fixed, rows grow with the count."""
    _, rows = _grid(min(n_panels, MAX_PANELS))
    return BRIEF_WIDTH, t.HEADER_PX_NO_SUB + t.FOOTER_PX + 8 + rows * _row_px(rows)


def brief_chart(panels: Sequence[tuple[str, pd.Series]], *, title: str, footer: str) -> bytes:
    """Small multiples of the last year, one per symbol, each with its distance from its ATH.

    Each panel has its own y scale: the brief asks "what did each do", not "which is bigger".
    Pass each symbol's full history so the ATH is the true record, not the one-year high.
    """
    panels = list(panels)[:MAX_PANELS]
    fig = t.new_figure(brief_size(len(panels)))
    t.header(fig, title)
    t.footer(fig, footer)
    cols, rows = _grid(len(panels))
    w, h = fig.bbox.width, fig.bbox.height
    row_px, cell_w = _row_px(rows), (w - 16) / cols
    top0 = t.HEADER_PX_NO_SUB + 4
    if not panels:
        fig.text(0.5, 0.5, "Nothing to show", color=t.MUTED, fontsize=t.FS_LABEL,
                 ha="center", va="center")
        return t.to_png(fig)
    grid: list = []
    for i, (label, series) in enumerate(panels):
        r, c = divmod(i, cols)
        x0 = 8 + c * cell_w + 58
        x1 = 8 + (c + 1) * cell_w - 14
        y1 = h - (top0 + r * row_px + 30)  # pixel coordinates, origin bottom-left
        y0 = h - (top0 + (r + 1) * row_px) + 26
        grid += _panel(fig, (x0, y0, x1, y1), label, t.clean(series), compact=cols >= 4)
    # All gridlines of all panels in one collection, drawn under the price lines.
    fig.add_artist(LineCollection(grid, colors=t.GRID, linewidths=0.8, alpha=0.7, zorder=1,
                                  transform=None))
    return t.to_png(fig)


def _panel(fig: Figure, box: tuple[float, float, float, float], label: str,
           close: pd.Series, *, compact: bool) -> list:
    """Draw one panel in pixel box ``(x0, y0, x1, y1)``; returns its gridline segments."""
    x0, y0, x1, y1 = box
    fs = t.FS_SMALL + 1 if compact else t.FS_LABEL
    small = 10 if compact else t.FS_SMALL
    if len(label) > (14 if compact else 22):
        label = label[: (13 if compact else 21)] + "…"

    def text(x, y, s, **kw):
        fig.text(x, y, s, transform=None, parse_math=False, **kw)

    fig.add_artist(Rectangle((x0, y0), x1 - x0, y1 - y0, facecolor=t.PANEL, edgecolor="none",
                             transform=None, zorder=0))
    text(x0, y1 + 6, label, ha="left", va="bottom", color=t.TEXT, fontsize=fs,
         fontweight="bold")
    if close.empty:
        text((x0 + x1) / 2, (y0 + y1) / 2, "No data", ha="center", va="center", color=t.MUTED,
             fontsize=small)
        return []
    if len(close) >= 2:
        chg = float(close.iloc[-1] / close.iloc[-2] - 1.0)
        text(x1, y1 + 6, t.fmt_pct(chg, 2) + " 1d", ha="right", va="bottom",
             color=t.UP if chg >= 0 else t.DOWN, fontsize=fs - 1, fontweight="bold")

    view = close[close.index >= close.index[-1] - LOOKBACK]
    last, ath = float(close.iloc[-1]), float(close.max())
    lo, hi = float(view.min()), float(view.max())
    show_ath = ath > 0 and last >= ath * (1 - _NEAR_ATH)
    if show_ath:
        hi = max(hi, ath)
    lo, hi = t.padded_limits(lo, hi, pad=0.08, top=0.14)
    xs = t.xdates(view.index)
    xa, xb = (float(xs[0]), float(xs[-1])) if len(xs) > 1 else (xs[0] - 15.0, xs[0] + 15.0)

    def px(x):
        return x0 + (np.asarray(x, dtype="float64") - xa) / (xb - xa) * (x1 - x0)

    def py(y):
        return y0 + (np.asarray(y, dtype="float64") - lo) / (hi - lo) * (y1 - y0)

    segs = []
    for v in MaxNLocator(nbins=3, steps=[1, 2, 2.5, 5, 10]).tick_values(lo, hi):
        if lo <= v <= hi:
            segs.append([(x0, py(v)), (x1, py(v))])
            text(x0 - 6, py(v), t.fmt_num(v), ha="right", va="center", color=t.TEXT,
                 fontsize=small)
    for tick in _quarter_ticks(xa, xb):
        xv = float(mdates.date2num(tick))
        segs.append([(px(xv), y0), (px(xv), y1)])
        text(px(xv), y0 - 5, str(tick.year) if tick.month == 1 else f"{tick:%b}", ha="center",
             va="top", color=t.TEXT, fontsize=small)

    d = t.decimate(view, 2 * int(x1 - x0))
    fig.add_artist(Line2D(px(t.xdates(d.index)), py(d.to_numpy()), color=t.SKY, lw=1.5,
                          transform=None, zorder=3,
                          marker="o" if len(d) == 1 else "None", markersize=4))
    if show_ath:
        fig.add_artist(Line2D([x0, x1], [py(ath)] * 2, color=t.ORANGE, lw=1.3,
                              ls=(0, (5, 3)), transform=None, zorder=2))
    gap = last / ath - 1.0 if ath > 0 else 0.0
    note = "At its all-time high" if gap >= 0 else f"{t.fmt_pct(gap)} from ATH {t.fmt_num(ath)}"
    text(x0 + 5, y1 - 4, note, ha="left", va="top", color=t.ORANGE, fontsize=small, zorder=4,
         bbox={"boxstyle": "round,pad=0.2", "fc": t.PANEL, "ec": "none", "alpha": 0.85})
    return segs


def _quarter_ticks(xa: float, xb: float) -> list[pd.Timestamp]:
    """Quarter starts inside the range: 3-4 ticks a year, readable in a 230 px panel."""
    a, b = mdates.num2date(xa).replace(tzinfo=None), mdates.num2date(xb).replace(tzinfo=None)
    months = pd.date_range(pd.Timestamp(a).normalize(), pd.Timestamp(b), freq="MS")
    return [m for m in months if m.month in (1, 4, 7, 10)]
