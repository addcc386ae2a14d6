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
BRIEF_WIDTH = t.MAIN_SIZE[0]
MAX_PANELS = 16
_ROW_PX = 236
_NEAR_ATH = 0.15  # draw the ATH line when the last close is within 15% of it
_LABEL_PX = 34  # symbol and 1-day change above each panel
_TICKS_PX = 32  # quarter labels below it


def _grid(n: int) -> tuple[int, int]:
    """At most three columns: a fourth leaves panels too narrow for 15 pt labels once Discord
    shows the image 550 px wide."""
    cols = 1 if n <= 1 else 2 if n <= 4 else 3
    return cols, max(1, math.ceil(n / cols))


def _row_px(rows: int) -> int:
    return 360 if rows == 1 else _ROW_PX  # a lone row would otherwise be a thin strip


def _block_px(lines: int, fontsize: float, weight: str = "normal") -> float:
    """Height of ``lines`` lines of text, as theme.fit measures it."""
    fig = t.new_figure((BRIEF_WIDTH, 100))
    return t.fit(fig, "\n".join(["lp"] * lines), fontsize, BRIEF_WIDTH, weight=weight)[1]


def brief_size(n_panels: int, title_lines: int = 1, footer_lines: int = 1) -> tuple[int, int]:
    """Pixel size of the brief for ``n_panels``: width fixed, rows grow with the count (and the
    header and footer with their lines, when a long title or footer wraps)."""
    _, rows = _grid(min(n_panels, MAX_PANELS))
    top = 12 + _block_px(title_lines, t.FS_TITLE, "bold") + 4 + 8  # as theme.header
    bottom = _block_px(footer_lines, t.FS_FOOTER) + 8 + 6  # as theme.footer
    return BRIEF_WIDTH, math.ceil(top + bottom + 8 + rows * _row_px(rows))


def brief_chart(panels: Sequence[tuple[str, pd.Series]], *, title: str, footer: str) -> bytes:
    """Small multiples of the last year, one per symbol, each with its distance from its ATH.

    Each panel has its own y scale: the brief asks "what did each do", not "which is bigger".
    Pass each symbol's full history so the ATH is the true record, not the one-year high.
    """
    panels = list(panels)[:MAX_PANELS]
    fig = t.new_figure((BRIEF_WIDTH, 400))
    lines = [t.fit(fig, text, size, BRIEF_WIDTH - 28, weight=weight)[0].count("\n") + 1
             for text, size, weight in ((title, t.FS_TITLE, "bold"),
                                        (footer, t.FS_FOOTER, "normal"))]
    w, h = brief_size(len(panels), *lines)
    fig.set_size_inches((w + 1e-6) / t.DPI, (h + 1e-6) / t.DPI)
    top0 = t.header(fig, title) - 4
    t.footer(fig, footer)
    cols, rows = _grid(len(panels))
    row_px, cell_w = _row_px(rows), (w - 16) / cols
    if not panels:
        fig.text(0.5, 0.5, "Nothing to show", color=t.MUTED, fontsize=t.FS_LABEL,
                 ha="center", va="center")
        return t.to_png(fig)
    grid: list = []
    for i, (label, series) in enumerate(panels):
        r, c = divmod(i, cols)
        x0 = 8 + c * cell_w + 74
        x1 = 8 + (c + 1) * cell_w - 16
        y1 = h - (top0 + r * row_px + _LABEL_PX)  # pixel coordinates, origin bottom-left
        y0 = h - (top0 + (r + 1) * row_px) + _TICKS_PX
        grid += _panel(fig, (x0, y0, x1, y1), label, t.clean(series))
    # All gridlines of all panels in one collection, drawn under the price lines.
    fig.add_artist(LineCollection(grid, colors=t.GRID, linewidths=0.8, alpha=0.7, zorder=1,
                                  transform=None))
    return t.to_png(fig)


def _panel(fig: Figure, box: tuple[float, float, float, float], label: str,
           close: pd.Series) -> list:
    """Draw one panel in pixel box ``(x0, y0, x1, y1)``; returns its gridline segments."""
    x0, y0, x1, y1 = box
    fs, small = t.FS_LABEL, t.FS_SMALL
    chg = float(close.iloc[-1] / close.iloc[-2] - 1.0) if len(close) >= 2 else None
    change = "" if chg is None else t.fmt_pct(chg, 2) + " 1d"
    # The symbol gets the panel's width less the 1-day change beside it.
    room = x1 - x0 + 60 - (t.tag_px(fig, change, fs=small) if change else 0) - 8
    label = t.shorten(fig, label, fs, room, weight="bold")

    def text(x, y, s, **kw):
        fig.text(x, y, s, transform=None, parse_math=False, **kw)

    fig.add_artist(Rectangle((x0, y0), x1 - x0, y1 - y0, facecolor=t.PANEL, edgecolor="none",
                             transform=None, zorder=0))
    text(x0 - 60, y1 + 6, label, ha="left", va="bottom", color=t.TEXT, fontsize=fs,
         fontweight="bold")
    if close.empty:
        text((x0 + x1) / 2, (y0 + y1) / 2, "No data", ha="center", va="center", color=t.MUTED,
             fontsize=small)
        return []
    if chg is not None:
        text(x1, y1 + 6, change, ha="right", va="bottom",
             color=t.UP if chg >= 0 else t.DOWN, fontsize=small, fontweight="bold")

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
    half_line = small * fig.dpi / 72 * 0.6  # a level's label reaches this far above and below
    for v in MaxNLocator(nbins=3, steps=[1, 2, 2.5, 5, 10]).tick_values(lo, hi):
        # Only levels whose label stays beside the panel: one at its very top would run into
        # the panel's title (the symbol and its day's change).
        if lo <= v <= hi and y0 + half_line <= py(v) <= y1 - half_line:
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
