"""Shared look and plumbing for every riskon chart.

Charts are rendered in worker processes, several at once in the terminal's and the benchmarks'
threads, so nothing here touches pyplot or mutates
``matplotlib.rcParams``: each figure gets its own canvas and every artist is styled explicitly.
Text that may carry user or symbol strings is created with ``parse_math=False`` so a ``$`` in a
title can never switch on mathtext.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.axis import Axis
from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.ticker import (
    FixedFormatter,
    FixedLocator,
    FuncFormatter,
    LogLocator,
    MaxNLocator,
    NullLocator,
)

from bot import fmt

# The style constants and the renderer are part of this module's surface for the chart
# modules (theme.SKY, theme.to_png), so they are re-exported here.
from bot.charts.render import _Canvas, agg_canvas, clear_text_cache, to_png  # noqa: F401
from bot.charts.style import (  # noqa: F401
    BG,
    BLUE,
    DOWN,
    DPI,
    FS_FOOTER,
    FS_LABEL,
    FS_SMALL,
    FS_SUB,
    FS_TICK,
    FS_TITLE,
    GREEN,
    GRID,
    MAIN_SIZE,
    MUTED,
    ORANGE,
    PANEL,
    PREVIEW_WIDTH,
    PURPLE,
    SKY,
    SMALL_SIZE,
    TEXT,
    UP,
    VERMILLION,
    YELLOW,
    ZERO,
)

if TYPE_CHECKING:
    from matplotlib.typing import LegendLocType


def new_figure(size: tuple[int, int] = MAIN_SIZE) -> Figure:
    """A detached figure with its own Agg canvas, so no global figure manager is involved.

    The inch size carries a millionth of a pixel extra: 410 / 100 * 100 is 409.99999999999994
    in floating point, which Matplotlib 3.11.0 truncates to 409 pixels (3.11.1 rounds)."""
    fig = Figure(figsize=((size[0] + 1e-6) / DPI, (size[1] + 1e-6) / DPI), dpi=DPI, facecolor=BG)
    _Canvas(fig)
    return fig


Rect = tuple[float, float, float, float]


def rect(fig: Figure, left: float, bottom: float, right: float, top: float) -> Rect:
    """Axes rectangle from pixel margins: fixed margins keep layout cheap and deterministic
    (no tight/constrained layout passes)."""
    w, h = fig.bbox.width, fig.bbox.height
    return (left / w, bottom / h, (w - left - right) / w, (h - bottom - top) / h)


def add_axes(fig: Figure, box: Rect, *, fs: float = FS_TICK, **kw: Any) -> Axes:
    ax = fig.add_axes(box, **kw)
    style_axes(ax, fs)
    return ax


def style_axes(ax: Axes, fs: float = FS_TICK) -> None:
    ax.set_facecolor(PANEL)
    for side, spine in ax.spines.items():
        spine.set_visible(side in ("bottom", "left"))
        spine.set_color(GRID)
    ax.tick_params(colors=MUTED, labelcolor=TEXT, labelsize=fs, length=4, which="both")
    ax.grid(True, color=GRID, linewidth=0.8, alpha=0.7)
    ax.set_axisbelow(True)


def fixed_ticks(axis: Axis, values: Sequence[float], labels: Sequence[str] | None = None) -> None:
    """``Axis.set_ticks`` (+ labels) without building a Tick per value, which set_ticks does
    at ~0.3 ms each; like set_ticks, the view is widened to include every value."""
    values = [float(v) for v in values]
    axis.set_major_locator(FixedLocator(values))
    if labels is not None:
        axis.set_major_formatter(FixedFormatter(list(labels)))
    if values:
        axis.set_view_interval(min(values), max(values))


_MARGIN = 14  # px between the figure edge and header/footer text

# Pixels header() and footer() take when nothing wraps (one title line, one subtitle line, one
# footer line), for layouts computed before any text is placed. header() and footer() return
# the real figure: prefer those.
HEADER_PX_NO_SUB = 60
HEADER_PX = 89
FOOTER_PX = 37


def fit(fig: Figure, text: str, fontsize: float, width: float, *,
        weight: str = "normal") -> tuple[str, float]:
    """``text`` wrapped at spaces to lines at most ``width`` px wide, and its height in px.

    Measured with the figure's own renderer, so a long title wraps instead of running off the
    edge, and the caller lays out the rest below however many lines it took."""
    renderer = agg_canvas(fig).get_renderer()
    probe = Text(0, 0, "", fontsize=fontsize, fontweight=weight)
    probe.set_figure(fig)

    def size(s: str) -> tuple[float, float]:
        probe.set_text(s)
        box = probe.get_window_extent(renderer)
        return box.width, box.height

    if size(text)[0] > width:
        lines: list[str] = []
        for para in text.split("\n"):
            line = ""
            for word in para.split(" "):
                wider = f"{line} {word}" if line else word
                if line and size(wider)[0] > width:
                    lines.append(line)
                    line = word
                else:
                    line = wider
            lines.append(line)
        text = "\n".join(lines)
    # The height of that many lines of ordinary text, so it depends on the line count only
    # (a bracket or a dollar sign reaches lower than the letters do).
    return text, size("\n".join(["lp"] * (text.count("\n") + 1)))[1]


def header(fig: Figure, title: str, subtitle: str = "", *, scale: float = 1.0) -> float:
    """Title (bold) and subtitle at the top left, wrapped to the figure's width. Returns the
    pixels they take from the top edge: where the chart itself may begin."""
    top, w = 12.0, fig.bbox.width
    for text, size, color, weight in ((title, FS_TITLE * scale, TEXT, "bold"),
                                      (subtitle, FS_SUB * scale, MUTED, "normal")):
        if not text:
            continue
        text, height = fit(fig, text, size, w - 2 * _MARGIN, weight=weight)
        fig.text(_MARGIN / w, 1 - top / fig.bbox.height, text, color=color, fontsize=size,
                 fontweight=weight, va="top", ha="left", parse_math=False)
        top += height + 4
    return top + 8


def footer(fig: Figure, text: str) -> float:
    """Source and as-of on every chart, so a screenshot still says where the data came from.
    Wrapped to the width; returns the pixels it takes from the bottom edge."""
    w = fig.bbox.width
    text, height = fit(fig, text, FS_FOOTER, w - 2 * _MARGIN)
    fig.text(_MARGIN / w, 8 / fig.bbox.height, text, color=MUTED, fontsize=FS_FOOTER,
             va="bottom", ha="left", parse_math=False)
    return height + 8 + 6


def key(fig: Figure, top: float, handles: list, *, left: float = 6.0) -> float:
    """A legend row under the title, outside every plot, so it never covers data: one row when
    it fits the width, else as few rows as fit. Returns its height in px."""
    w, h = fig.bbox.width, fig.bbox.height
    renderer = agg_canvas(fig).get_renderer()
    n = len(handles)
    for ncols in dict.fromkeys((n, math.ceil(n / 2), 2, 1)):
        leg = fig.legend(handles=handles, loc="upper left", ncols=ncols,
                         bbox_to_anchor=(left / w, 1 - (top - 6) / h), frameon=False,
                         fontsize=FS_SMALL, labelcolor=TEXT, handlelength=1.6,
                         columnspacing=1.4, borderaxespad=0.0)
        box = leg.get_window_extent(renderer)
        if box.width <= w - 2 * left or ncols == 1:
            break
        leg.remove()
    for text in leg.get_texts():
        text.set_parse_math(False)
    return box.height


def shorten(fig: Figure, text: str, fontsize: float, width: float, *,
            weight: str = "normal") -> str:
    """``text`` cut with an ellipsis to fit ``width`` px (for labels that cannot wrap)."""
    renderer = agg_canvas(fig).get_renderer()
    probe = Text(0, 0, text, fontsize=fontsize, fontweight=weight)
    probe.set_figure(fig)
    while len(text) > 1 and probe.get_window_extent(renderer).width > width:
        text = text[:-1]
        probe.set_text(text.rstrip() + "…")
    return probe.get_text()


def log_note(ax: Axes) -> None:
    """A log axis says so: its even steps are ratios, which a reader must not take for
    equal amounts."""
    ax.set_ylabel("log scale", color=MUTED, fontsize=FS_SMALL, labelpad=4)


def empty_note(ax: Axes, text: str = "No data") -> None:
    ax.text(0.5, 0.5, text, transform=ax.transAxes, ha="center", va="center", color=MUTED,
            fontsize=FS_LABEL, parse_math=False)


# ---------------------------------------------------------------- data helpers

def clean(s: pd.Series) -> pd.Series:
    """Charts accept what callers have; drop NaN and sort so one bad row cannot break a render."""
    s = pd.Series(s, dtype="float64").dropna()
    if not s.index.is_monotonic_increasing:
        s = s.sort_index()
    return s


def decimate(s: pd.Series, max_points: int) -> pd.Series:
    """Keep at most ``max_points`` points while preserving every visible peak and trough.

    A 1,000-pixel-wide axes cannot show 10,000 closes; drawing them all costs time and adds
    nothing. The series is cut into ``max_points // 2`` equal buckets and each keeps its min and
    max (plus the first and last point), so highs, crashes and the drawn envelope are unchanged.
    """
    n = len(s)
    if n <= max_points or max_points < 4:
        return s
    v = s.to_numpy(dtype="float64")
    nb = max_points // 2
    k = math.ceil(n / nb)
    pad = nb * k - n
    grid = np.concatenate([v, np.full(pad, np.nan)]).reshape(nb, k)
    filled_lo = np.where(np.isnan(grid), np.inf, grid)
    filled_hi = np.where(np.isnan(grid), -np.inf, grid)
    base = np.arange(nb) * k
    idx = np.concatenate([base + filled_lo.argmin(1), base + filled_hi.argmax(1), [0, n - 1]])
    idx = np.unique(idx[idx < n])
    return s.iloc[idx]


def plot_px(ax: Axes) -> int:
    """Width of an axes in pixels: the number of distinguishable x positions."""
    return max(int(ax.get_position().width * ax.figure.bbox.width), 10)


def xdates(index: pd.Index) -> np.ndarray:
    """Index -> matplotlib date numbers (tz dropped: charts show exchange-local dates)."""
    idx = pd.DatetimeIndex(index)
    if idx.tz is not None:
        idx = idx.tz_localize(None)
    return mdates.date2num(idx.to_numpy())


def wants_log(values: np.ndarray | pd.Series, ratio: float = 10.0) -> bool:
    v = np.asarray(values, dtype="float64")
    v = v[np.isfinite(v)]
    # Compared as logs: 1e300 / 1e-300 overflows.
    return bool(v.size) and v.min() > 0 and np.log(v.max()) - np.log(v.min()) > np.log(ratio)


# ---------------------------------------------------------------- formatting

# The numbers on a chart follow bot/fmt.py's rules (the verdict, the table and the chart must
# never disagree); the chart only typesets them with a true minus sign, which DejaVu draws as
# wide as a plus, so signed columns of labels line up.

def minus(text: str) -> str:
    """fmt's text with U+2212 for the sign: '-12.3%' -> '−12.3%'."""
    return text.replace("-", "\u2212")


def fmt_num(x: float) -> str:
    """Compact axis and tag levels (fmt.compact): 1,234 / 65.2k / 1.2M / 0.0123."""
    return minus(fmt.compact(x))


def fmt_price(x: float) -> str:
    """The last-close tag: the same text as the answer's price (fmt.price)."""
    return minus(fmt.price(x))


def fmt_pct(x: float, digits: int = 1, sign: bool = True) -> str:
    """Fraction -> percent (fmt.pct: no signed zero, separators)."""
    return minus(fmt.pct(x, digits, signed=sign))


def fmt_corr(x: float) -> str:
    """A correlation coefficient (fmt.corr): '+0.32', '0.00'."""
    return minus(fmt.corr(x))


def price_axis(ax: Axes, values: np.ndarray | pd.Series, *, log_ratio: float = 10.0) -> None:
    """Log scale when the series spans more than ~10x, so 1990 and 2024 moves read alike."""
    if wants_log(values, log_ratio):
        ax.set_yscale("log")
        v = np.asarray(values, dtype="float64")
        v = v[np.isfinite(v) & (v > 0)]
        decades = np.log10(v.max()) - np.log10(v.min())
        # 1-2-5 steps while they fit; powers of ten alone over many decades.
        subs = (1.0, 2.0, 5.0) if decades <= 3.5 else (1.0,)
        ax.yaxis.set_major_locator(LogLocator(base=10, subs=subs, numticks=10))
        ax.yaxis.set_minor_locator(NullLocator())  # minor ticks cost draw time, add no reading
        log_note(ax)
    else:
        ax.yaxis.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 2.5, 5, 10]))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda x, _: fmt_num(x)))


def _pct_tick(x: float, _pos: object = None) -> str:
    return minus(fmt.pct_tick(x))


def pct_axis(ax: Axes) -> None:
    """Y axis of fractions shown as percentages (a decimal only where the ticks need one)."""
    ax.yaxis.set_major_formatter(FuncFormatter(_pct_tick))


def date_axis(ax: Axes, maxticks: int = 8) -> None:
    """Few, unambiguous date ticks: years for long spans, months for short ones."""
    loc = mdates.AutoDateLocator(minticks=3, maxticks=maxticks)
    ax.xaxis.set_major_locator(loc)
    fmt = mdates.ConciseDateFormatter(
        loc, show_offset=False,
        zero_formats=["", "%Y", "%b %Y", "%d %b", "%H:%M", "%H:%M"])
    ax.xaxis.set_major_formatter(fmt)


def price_tag(ax: Axes, y: float, text: str, color: str, fs: float = FS_SMALL) -> None:
    """Label just outside the right edge at height ``y``: the usual place a trader looks for the
    latest price, and it never collides with the line."""
    ax.annotate(text, xy=(1.0, y), xycoords=("axes fraction", "data"), xytext=(6, 0),
                textcoords="offset points", ha="left", va="center", fontsize=fs,
                color=BG, fontweight="bold", annotation_clip=False, parse_math=False,
                bbox={"boxstyle": "round,pad=0.25", "fc": color, "ec": "none"})


def tag_px(fig: Figure, *texts: str, fs: float = FS_SMALL) -> float:
    """Pixels right of an axes that ``price_tag`` labels need (the widest of ``texts``), so a
    long price widens the margin instead of running off the figure."""
    renderer = agg_canvas(fig).get_renderer()
    probe = Text(0, 0, "", fontsize=fs, fontweight="bold")
    probe.set_figure(fig)
    widest = 0.0
    for text in texts:
        probe.set_text(text)
        widest = max(widest, probe.get_window_extent(renderer).width)
    pt = fig.dpi / 72
    # offset, box padding, a margin; never more than a third of the figure (absurd prices)
    return min(widest + (6 + 2 * 0.25 * fs) * pt + 10, fig.bbox.width / 3)


def legend(ax: Axes, loc: LegendLocType = "upper left", fs: float = FS_SMALL, **kw: Any) -> None:
    leg = ax.legend(loc=loc, fontsize=fs, frameon=True, facecolor=BG, edgecolor=GRID,
                    framealpha=0.85, labelcolor=TEXT, **kw)
    for t in leg.get_texts():
        t.set_parse_math(False)


def padded_limits(lo: float, hi: float, *, log: bool = False, pad: float = 0.05,
                  top: float = 0.0) -> tuple[float, float]:
    """Axis limits with ``pad`` of the span on both sides plus ``top`` extra headroom (a share of
    the final axes height) where an in-plot legend sits, so the legend never covers data."""
    # Always finite, whatever the data (Matplotlib refuses NaN or infinite limits): ends are
    # kept within [-1e300, 1e300] ([1e-300, 1e300] on a log axis), so closes near the edge of
    # the float range (1e-300 next to 1e300) still draw, squeezed but without an error.
    floor = _LIMIT_TINY if log else -_LIMIT_CAP
    ends = [float(np.clip(v, floor, _LIMIT_CAP)) for v in (lo, hi) if np.isfinite(v)]
    if not ends:
        ends = [1.0, 10.0] if log else [0.0, 1.0]
    lo, hi = min(ends), max(ends)
    f, inv = (np.log, np.exp) if log else (float, float)
    a, b = f(lo), f(hi)
    span = (b - a) or (abs(a) * 0.1 or 1.0)
    a, b = a - span * pad, b + span * pad
    b = b + (b - a) * top / max(1.0 - top, 0.05)
    with np.errstate(over="ignore", under="ignore"):
        a, b = (float(np.clip(inv(v), floor, _LIMIT_CAP)) for v in (a, b))
    return (a, b) if a < b else (a, a * 10 if log else a + 1.0)


_LIMIT_CAP, _LIMIT_TINY = 1e300, 1e-300
