"""Shared look and plumbing for every riskon chart.

Charts are rendered from worker threads, so nothing here touches pyplot or mutates
``matplotlib.rcParams``: each figure gets its own canvas and every artist is styled explicitly.
Text that may carry user or symbol strings is created with ``parse_math=False`` so a ``$`` in a
title can never switch on mathtext.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from io import BytesIO

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.axis import Axis
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg, get_hinting_flag
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.ft2font import FT2Font, RenderMode
from matplotlib.lines import Line2D
from matplotlib.text import Text
from matplotlib.ticker import (
    FixedFormatter,
    FixedLocator,
    FuncFormatter,
    LogLocator,
    MaxNLocator,
    NullLocator,
)
from matplotlib.transforms import Bbox, IdentityTransform, blended_transform_factory
from PIL import Image

DPI = 100
MAIN_SIZE = (1200, 675)
SMALL_SIZE = (800, 400)

# Discord dark UI: embeds sit on #2b2d31, the app background is #1e1f22.
BG = "#1e1f22"
PANEL = "#2b2d31"
TEXT = "#dbdee1"
MUTED = "#949ba4"
GRID = "#3f4248"
ZERO = "#6d7178"

# Okabe-Ito without black (invisible on a dark background).
ORANGE = "#E69F00"
SKY = "#56B4E9"
GREEN = "#009E73"
YELLOW = "#F0E442"
BLUE = "#0072B2"
VERMILLION = "#D55E00"
PURPLE = "#CC79A7"
PALETTE = (SKY, ORANGE, GREEN, YELLOW, PURPLE, VERMILLION, BLUE)
UP, DOWN = SKY, VERMILLION

# Sizes in points; at 100 dpi 1 pt = 1.39 px, so 11 pt is ~15 px before Discord scales down.
FS_TITLE = 20
FS_SUB = 14
FS_TICK = 13
FS_LABEL = 13
FS_SMALL = 11
FS_FOOTER = 11

# Pixel band reserved at the top (title, subtitle) and bottom (footer) of each figure.
HEADER_PX = 78
HEADER_PX_NO_SUB = 52
FOOTER_PX = 30


# ---------------------------------------------------------------- text rendering cache
#
# Text is most of a chart's draw time: Matplotlib 3.11 shapes every string with a full hinted
# glyph load, then loads and rasterises each glyph again after resetting the font size, so a
# four-character tick label costs ~0.5 ms. Charts repeat the same strings within one figure
# (the brief's twelve sets of month labels) and across figures (axis labels, legends, round
# tick values), so the renderer below keeps each string's rasterised glyphs and its metrics.
#
# To make a cached bitmap reusable, a string's origin is snapped to a whole pixel (at most half
# a pixel, invisible); the glyphs themselves are rasterised exactly as Matplotlib does (same
# hinting, same sub-pixel offsets within the string). Entries hold only numpy bitmaps and
# numbers, never FreeType objects (those are per thread), so one cache serves all worker
# threads; every value is what the uncached path would compute, so output does not depend on
# which thread filled it. Maths text, rotated text and text with OpenType features or a
# language tag take Matplotlib's own path.

_TEXT_CACHE_MAX = 4096
_GlyphBitmaps = tuple[tuple[np.ndarray, int, int], ...]
_string_cache: dict[tuple, _GlyphBitmaps] = {}  # whole strings at a whole-pixel origin
_glyph_cache: dict[tuple, tuple[np.ndarray, int, int]] = {}  # one glyph at a sub-pixel phase
_metric_cache: dict[tuple, tuple[float, float, float]] = {}
_height_cache: dict[tuple, tuple[float | None, float | None, float | None]] = {}


def _remember(cache: dict, key: tuple, value):
    if len(cache) >= _TEXT_CACHE_MAX:
        cache.clear()
    cache[key] = value
    return value


class _CachedTextRenderer(RendererAgg):
    def draw_text(self, gc, x, y, s, prop, angle, ismath=False, mtext=None):
        if ismath or angle % 360 or (mtext is not None and (
                mtext.get_fontfeatures() is not None or mtext.get_language() is not None)):
            return super().draw_text(gc, x, y, s, prop, angle, ismath, mtext)
        flags, aa = get_hinting_flag(), bool(gc.get_antialiased())
        glyphs = _string_cache.get((s, prop, self.dpi, flags, aa))
        if glyphs is None:
            glyphs = _remember(_string_cache, (s, prop.copy(), self.dpi, flags, aa),
                               self._rasterise(s, prop, flags, aa))
        # Matplotlib places glyph i at round(64 * (origin + offset_i)) in 26.6 fixed point; with
        # a whole-pixel origin that is the cached bitmap moved by exactly (x0, y0) pixels.
        x0, y0, height = round(x), round(self.height - y), int(self.height)
        draw = self._renderer.draw_text_image
        for buf, left, top in glyphs:
            draw(buf, x0 + left, height - (y0 + top) + buf.shape[0], 0, gc)
        return None

    def _rasterise(self, s, prop, flags, aa) -> _GlyphBitmaps:
        """Each glyph of ``s`` as (bitmap, left, top) for an origin at pixel (0, 0). A glyph's
        bitmap depends only on its 1/64-pixel phase, so new strings reuse known glyphs."""
        font = self._prepare_font(prop)
        size = prop.get_size_in_points()
        mode = RenderMode.NORMAL if aa else RenderMode.MONO
        sized: set[int] = set()
        out = []
        for item in font._layout(s, flags=flags):
            ft = item.ft_object
            ox, oy = round(0x40 * item.x), round(0x40 * item.y)
            key = (ft.fname, ft.face_index, size, self.dpi, item.glyph_index, flags, aa,
                   ox & 0x3F, oy & 0x3F)
            glyph = _glyph_cache.get(key)
            if glyph is None:
                if id(ft) not in sized:  # Matplotlib resets the size before every glyph
                    ft.set_size(size, self.dpi)
                    sized.add(id(ft))
                ft._set_transform([[0x10000, 0], [0, 0x10000]], [ox & 0x3F, oy & 0x3F])
                bitmap = ft._render_glyph(item.glyph_index, flags, mode)
                buf = np.array(bitmap.buffer, dtype=np.uint8)  # the glyph slot is reused
                if not aa:
                    buf *= 0xFF
                glyph = _remember(_glyph_cache, key, (buf, bitmap.left, bitmap.top))
            buf, left, top = glyph
            out.append((buf, left + (ox >> 6), top + (oy >> 6)))
        return tuple(out)

    def get_text_width_height_descent(self, s, prop, ismath):
        if ismath:
            return super().get_text_width_height_descent(s, prop, ismath)
        key = (s, prop, self.dpi, get_hinting_flag())
        wh = _metric_cache.get(key)
        if wh is None:
            wh = _remember(_metric_cache, (s, prop.copy(), *key[2:]),
                           super().get_text_width_height_descent(s, prop, ismath))
        return wh

    def _get_font_height_metrics(self, prop):
        """Hook Text._get_layout asks first (Matplotlib 3.11): the font's ascent, descent and
        line gap in pixels, read from the same sfnt tables Text would read, once per font."""
        key = (prop, self.dpi)
        hit = _height_cache.get(key)
        if hit is None:
            font = self._prepare_font(prop)
            hit = (None, None, None)
            for table_name, gap_key, asc_key, desc_key in (
                    ("OS/2", "sTypoLineGap", "sTypoAscender", "sTypoDescender"),
                    ("hhea", "lineGap", "ascent", "descent")):
                table = font.get_sfnt_table(table_name)
                if table is None:
                    continue
                scale = (prop.get_size_in_points() * self.dpi / 72
                         / font.get_sfnt_table("head")["unitsPerEm"])
                hit = (table[asc_key] * scale, -table[desc_key] * scale, table[gap_key] * scale)
                break
            _remember(_height_cache, (prop.copy(), self.dpi), hit)
        return hit


def _text_cache_works() -> bool:
    """The cache relies on FT2Font internals new in Matplotlib 3.11; use it only when they exist
    and it lays out and draws sample text exactly as Matplotlib's own renderer does."""
    if not all(hasattr(FT2Font, a) for a in ("_layout", "_render_glyph", "_set_transform")):
        return False
    try:
        seen = []
        for cls in (RendererAgg, _CachedTextRenderer):
            fig = Figure(figsize=(2.4, 1.0), dpi=DPI)
            r = cls(240, 100, DPI)
            gc = r.new_gc()
            gc.set_foreground(TEXT)
            boxes = []
            for i, prop in enumerate((FontProperties(size=FS_TICK),
                                      FontProperties(size=FS_TITLE, weight="bold"))):
                r.draw_text(gc, 4.0, 30.0 + 40 * i, "Ag 1,234 \u2212%", prop, 0)
                r.draw_text(gc, 4.0, 30.0 + 40 * i, "Ag 1,234 \u2212%", prop, 0)  # cache hit
                txt = fig.text(0.1, 0.5, "Ag 1,234\n\u2212%", fontproperties=prop)
                boxes.append(tuple(txt.get_window_extent(r).bounds))
            gc.restore()
            seen.append((bytes(r.buffer_rgba()), boxes))
        return seen[0] == seen[1]
    except Exception:  # any internal API drift: fall back to Matplotlib's renderer
        return False
    finally:
        clear_text_cache()


def clear_text_cache() -> None:
    """Forget cached text (for cold-start benchmarks and tests)."""
    for cache in (_string_cache, _glyph_cache, _metric_cache, _height_cache):
        cache.clear()


_RENDERER = _CachedTextRenderer if _text_cache_works() else RendererAgg


class _Canvas(FigureCanvasAgg):
    """Agg canvas drawing with the text-caching renderer."""

    def get_renderer(self):
        w, h = self.get_width_height(physical=True)
        key = w, h, self.figure.dpi
        if self._lastKey != key:
            self.renderer = _RENDERER(w, h, self.figure.dpi)
            self._lastKey = key
        return self.renderer


def new_figure(size: tuple[int, int] = MAIN_SIZE) -> Figure:
    """A detached figure with its own Agg canvas, so no global figure manager is involved."""
    fig = Figure(figsize=(size[0] / DPI, size[1] / DPI), dpi=DPI, facecolor=BG)
    _Canvas(fig)
    return fig


def rect(fig: Figure, left: float, bottom: float, right: float, top: float) -> list[float]:
    """Axes rectangle from pixel margins: fixed margins keep layout cheap and deterministic
    (no tight/constrained layout passes)."""
    w, h = fig.bbox.width, fig.bbox.height
    return [left / w, bottom / h, (w - left - right) / w, (h - bottom - top) / h]


def add_axes(fig: Figure, box: Sequence[float], *, fs: float = FS_TICK, **kw) -> Axes:
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


def header(fig: Figure, title: str, subtitle: str = "", *, scale: float = 1.0) -> None:
    top = fig.bbox.height
    fig.text(14 / fig.bbox.width, 1 - 12 / top, title, color=TEXT, fontsize=FS_TITLE * scale,
             fontweight="bold", va="top", ha="left", parse_math=False)
    if subtitle:
        fig.text(14 / fig.bbox.width, 1 - (18 + 30 * scale) / top, subtitle, color=MUTED,
                 fontsize=FS_SUB * scale, va="top", ha="left", parse_math=False)


def footer(fig: Figure, text: str) -> None:
    """Source and as-of on every chart, so a screenshot still says where the data came from."""
    fig.text(14 / fig.bbox.width, 8 / fig.bbox.height, text, color=MUTED, fontsize=FS_FOOTER,
             va="bottom", ha="left", parse_math=False)


# ---------------------------------------------------------------- baked ticks
#
# A Matplotlib tick is five artists (grid line, two marks, two labels) built by deep-copying
# the first tick, ~0.3 ms each to create and as much again to update and draw, and the locator
# is re-run several times per draw (for dates, through dateutil's rrule). A chart with 25-35
# ticks spent 15-20 ms there. Just before drawing, once every limit is final, each axis's ticks
# are computed once, exactly as Axis.draw would, and replaced by three artists with the first
# tick's own styles and transforms: one LineCollection of grid lines, one Line2D of tick marks
# and one Text per label. Axes with anything this does not reproduce (an offset or minor
# ticks, top/right ticks, rotated labels, an axis label above/right) keep Matplotlib's ticks.

def _bake_ticks(ax: Axes) -> None:
    for axis in (ax.xaxis, ax.yaxis):
        _bake_axis(ax, axis)


def _bake_axis(ax: Axes, axis: Axis) -> bool:
    if not axis.get_visible() or not isinstance(axis.get_minor_locator(), NullLocator):
        return False
    if isinstance(axis.get_major_locator(), NullLocator):
        return True
    is_x = axis.axis_name == "x"
    side = "bottom" if is_x else "left"
    if axis.label.get_text() and axis.get_label_position() != side:
        return False
    tick = axis.get_major_ticks(1)[0]  # carries every tick_params / grid setting
    mark, label, grid = tick.tick1line, tick.label1, tick.gridline
    if tick.tick2line.get_visible() or tick.label2.get_visible() or label.get_rotation():
        return False
    locs = np.asarray(axis.get_majorticklocs(), dtype="float64")
    fmt = axis.get_major_formatter()
    texts = fmt.format_ticks(locs)  # all locations, as Axis._update_ticks formats them
    if fmt.get_offset():
        return False
    lo, hi = sorted(axis.get_view_interval())
    tol = (hi - lo) * 1e-10  # Matplotlib's own "inside the view" tolerance
    keep = [(float(v), s) for v, s in zip(locs, texts, strict=True) if lo - tol <= v <= hi + tol]
    axis.set_major_locator(NullLocator())
    if not keep:
        return True
    z = axis.get_zorder()
    xs = [v for v, _ in keep]
    if grid.get_visible():
        segs = [[(v, 0), (v, 1)] if is_x else [(0, v), (1, v)] for v in xs]
        lines = LineCollection(segs, colors=[grid.get_color()], linewidths=grid.get_linewidth(),
                               linestyles=grid.get_linestyle(), alpha=grid.get_alpha(),
                               transform=grid.get_transform(), zorder=z)
        ax.add_artist(lines)  # add_artist clips to the axes patch, like grid lines
    if mark.get_visible():
        zeros = [0.0] * len(xs)
        ax.add_artist(Line2D(xs if is_x else zeros, zeros if is_x else xs,
                             transform=mark.get_transform(), marker=mark.get_marker(),
                             markersize=mark.get_markersize(), color=mark.get_color(),
                             markeredgecolor=mark.get_markeredgecolor(),
                             markeredgewidth=mark.get_markeredgewidth(), alpha=mark.get_alpha(),
                             linestyle="None", clip_on=False, zorder=z))
    if not label.get_visible():
        return True
    made = []
    for v, s in keep:
        if not s:
            continue
        t = Text(v if is_x else 0.0, 0.0 if is_x else v, s,
                 fontproperties=label.get_fontproperties(), color=label.get_color(),
                 alpha=label.get_alpha(), ha=label.get_horizontalalignment(),
                 va=label.get_verticalalignment(), transform=label.get_transform(),
                 clip_on=False, zorder=z)
        ax.add_artist(t)
        made.append(t)
    if axis.label.get_text():
        _place_axis_label(ax, axis, made)
    return True


def _place_axis_label(ax: Axes, axis: Axis, labels: list[Text]) -> None:
    """Axis label just beyond the tick labels, as XAxis/YAxis._update_label_position does."""
    renderer = ax.figure.canvas.get_renderer()
    pad = axis.labelpad * ax.figure.dpi / 72
    if axis.axis_name == "x":
        box = Bbox.union([t.get_window_extent(renderer) for t in labels]
                         + [ax.spines["bottom"].get_window_extent(renderer)])
        x, _ = axis.label.get_position()
        axis.set_label_coords(x, box.y0 - pad,
                              transform=blended_transform_factory(ax.transAxes,
                                                                  IdentityTransform()))
    else:
        box = Bbox.union([t.get_window_extent(renderer) for t in labels]
                         + [ax.spines["left"].get_window_extent(renderer)])
        _, y = axis.label.get_position()
        axis.set_label_coords(box.x0 - pad, y,
                              transform=blended_transform_factory(IdentityTransform(),
                                                                  ax.transAxes))


def to_png(fig: Figure) -> bytes:
    """Draw once and encode as a 256-colour PNG.

    Flat-colour charts lose nothing visible in an adaptive palette, and the file is ~2.5x
    smaller and faster to encode than RGBA (Discord uploads are size-limited). zlib level 3
    costs ~3 ms against ~7-10 ms at level 6 for files ~15% larger (still ~50 KB). Pillow's
    quantize and encode release the GIL, so worker threads overlap here.
    """
    canvas = fig.canvas
    try:
        for ax in fig.axes:
            _bake_ticks(ax)
        canvas.draw()
        w, h = canvas.get_width_height()
        rgba = Image.frombuffer("RGBA", (w, h), canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
        img = rgba.convert("RGB").quantize(256, method=Image.Quantize.FASTOCTREE)
        buf = BytesIO()
        img.save(buf, format="png", compress_level=3)
    finally:
        # Free the 3 MB pixel buffer now rather than when the figure's reference cycles are
        # collected. (Figure.clear() did that too, but rebuilt every axis to do it: ~8 ms.)
        canvas.renderer = None
        canvas._lastKey = None
    return buf.getvalue()


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
    return bool(v.size) and v.min() > 0 and v.max() / v.min() > ratio


# ---------------------------------------------------------------- formatting

def fmt_num(x: float) -> str:
    """Compact price labels: 1,234 / 65.2k / 1.2M / 0.0123 (never scientific notation)."""
    if not np.isfinite(x):
        return ""
    a = abs(x)
    if a >= 1e9:
        return f"{x / 1e9:.3g}B"
    if a >= 1e6:
        return f"{x / 1e6:.3g}M"
    if a >= 1e5:
        return f"{x / 1e3:.0f}k"
    if a >= 1e4:
        return f"{x / 1e3:.3g}k"
    if a >= 100:
        return f"{x:,.0f}"
    if a >= 1:
        return f"{x:.4g}"
    return f"{x:.3g}"


def fmt_price(x: float) -> str:
    """Exact-enough price for the last-close tag: 2 decimals, thousands separators."""
    if abs(x) >= 1e5:
        return f"{x:,.0f}"
    if abs(x) >= 1:
        return f"{x:,.2f}"
    return f"{x:.4g}"


def fmt_pct(x: float, digits: int = 1, sign: bool = True) -> str:
    """Fraction -> percent text with a true minus sign."""
    s = f"{x * 100:+.{digits}f}%" if sign else f"{x * 100:.{digits}f}%"
    return s.replace("-", "\u2212")


def price_axis(ax: Axes, values: np.ndarray | pd.Series, *, log_ratio: float = 10.0) -> None:
    """Log scale when the series spans more than ~10x, so 1990 and 2024 moves read alike."""
    if wants_log(values, log_ratio):
        ax.set_yscale("log")
        ax.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0), numticks=12))
        ax.yaxis.set_minor_locator(NullLocator())  # minor ticks cost draw time, add no reading
    else:
        ax.yaxis.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 2.5, 5, 10]))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda x, _: fmt_num(x)))


def _pct_tick(x: float, _pos: object = None) -> str:
    s = f"{x * 100:.1f}".rstrip("0").rstrip(".")
    return ("0" if s in ("0", "-0") else s).replace("-", "\u2212") + "%"


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


def legend(ax: Axes, loc: str = "upper left", fs: float = FS_SMALL, **kw) -> None:
    leg = ax.legend(loc=loc, fontsize=fs, frameon=True, facecolor=BG, edgecolor=GRID,
                    framealpha=0.85, labelcolor=TEXT, **kw)
    for t in leg.get_texts():
        t.set_parse_math(False)


def padded_limits(lo: float, hi: float, *, log: bool = False, pad: float = 0.05,
                  top: float = 0.0) -> tuple[float, float]:
    """Axis limits with ``pad`` of the span on both sides plus ``top`` extra headroom (a share of
    the final axes height) where an in-plot legend sits, so the legend never covers data."""
    f, inv = (np.log, np.exp) if log else (float, float)
    a, b = f(lo), f(hi)
    span = (b - a) or (abs(a) * 0.1 or 1.0)
    a, b = a - span * pad, b + span * pad
    b = b + (b - a) * top / max(1.0 - top, 0.05)
    return float(inv(a)), float(inv(b))
