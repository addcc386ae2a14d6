"""Drawing a figure to PNG fast: cached text rasterisation and baked ticks on Agg.

Why a module of its own: this is the only place that leans on Matplotlib internals (3.11's
Agg text path and tick machinery). Each trick checks itself against stock Matplotlib the first
time a chart is drawn (a private name that is gone counts as a failed check) and is switched
off on any drift, with one warning in the log; the charts then draw with stock Matplotlib, only
slower. The chart modules never need to know. ``fast_paths()`` says what is on.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from io import BytesIO
from typing import cast

import matplotlib
import numpy as np
from matplotlib.axes import Axes
from matplotlib.axis import XAxis, YAxis
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure, SubFigure
from matplotlib.font_manager import FontProperties
from matplotlib.lines import Line2D
from matplotlib.text import Text
from matplotlib.ticker import NullFormatter, NullLocator
from matplotlib.transforms import Bbox, IdentityTransform, blended_transform_factory
from PIL import Image

from bot.charts.style import (
    DPI,
    FS_TICK,
    FS_TITLE,
    TEXT,
)

try:  # private names of Matplotlib 3.11; older releases lack RenderMode, for one
    from matplotlib.backends.backend_agg import get_hinting_flag
    from matplotlib.ft2font import FT2Font, RenderMode
    _IMPORT_PROBLEM = ""
except ImportError as exc:
    _IMPORT_PROBLEM = str(exc)

log = logging.getLogger(__name__)

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


def _text_cache_works() -> str:
    """The cache relies on FT2Font internals new in Matplotlib 3.11; use it only when they exist
    and it lays out and draws sample text exactly as Matplotlib's own renderer does. Returns ""
    when it does, else what is wrong."""
    if _IMPORT_PROBLEM:
        return _IMPORT_PROBLEM
    missing = [a for a in ("_layout", "_render_glyph", "_set_transform") if not hasattr(FT2Font, a)]
    if missing:
        return "FT2Font lacks " + ", ".join(missing)
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
        return "" if seen[0] == seen[1] else "cached text draws differently"
    except Exception as exc:  # any internal API drift: fall back to Matplotlib's renderer
        return f"text cache check failed: {exc!r}"
    finally:
        clear_text_cache()


def clear_text_cache() -> None:
    """Forget cached text (for cold-start benchmarks and tests)."""
    for cache in (_string_cache, _glyph_cache, _metric_cache, _height_cache):
        cache.clear()


class _Canvas(FigureCanvasAgg):
    """Agg canvas drawing with the text-caching renderer when it passed its check."""

    def get_renderer(self):
        w, h = self.get_width_height(physical=True)
        key = w, h, self.figure.dpi
        if self._lastKey != key:
            cls = _CachedTextRenderer if fast_paths().text_cache else RendererAgg
            self.renderer = cls(w, h, self.figure.dpi)
            self._lastKey = key
        return self.renderer


def agg_canvas(fig: Figure | SubFigure) -> FigureCanvasAgg:
    """The figure's canvas as the Agg canvas it is: every riskon figure gets one (`_Canvas` in
    `theme.new_figure`), but Matplotlib's stubs type `Figure.canvas` as the abstract base."""
    return cast(FigureCanvasAgg, fig.canvas)


# ---------------------------------------------------------------- which speed-ups are on

@dataclass(frozen=True)
class FastPaths:
    """Which private-API speed-ups passed their self-check on this Matplotlib."""

    text_cache: bool
    baked_ticks: bool
    problems: tuple[str, ...] = ()


_fast: FastPaths | None = None
_fast_lock = threading.Lock()


def fast_paths() -> FastPaths:
    """Run the self-checks once per process (on first use, not at import: they draw ~50 ms of
    sample figures a process that never charts should not pay) and log once if any is off."""
    global _fast
    if _fast is None:
        with _fast_lock:
            if _fast is None:
                text, ticks = _text_cache_works(), _baked_ticks_work()
                problems = tuple(p for p in (text and f"text cache: {text}",
                                             ticks and f"baked ticks: {ticks}") if p)
                if problems:
                    log.warning("Charts: Matplotlib %s fails the fast-drawing self-check (%s); "
                                "drawing with stock Matplotlib, correct but slower",
                                matplotlib.__version__, "; ".join(problems))
                _fast = FastPaths(not text, not ticks, problems)
    return _fast


def draw_one_chart_only() -> None:
    """Declare that this process draws a single chart (the terminal): skip the self-checks and
    draw with stock Matplotlib. The checks draw two sample figures, more than the speed-ups
    save on one chart; the picture is the same up to anti-aliasing of a few pixels."""
    global _fast
    with _fast_lock:
        if _fast is None:
            _fast = FastPaths(False, False, ("one chart: self-check skipped",))


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


def _baked_ticks_work() -> str:
    """Draw a sample with the tick kinds the charts use (dates with ConciseDateFormatter and an
    axis label below them, log prices with a FuncFormatter) baked and with Matplotlib's own
    ticks; baking is on only when the two agree to the pixel (up to anti-aliasing of a few
    pixels). "" when it works, else what went wrong."""
    from bot.charts import theme  # theme imports this module

    def draw(bake: bool) -> np.ndarray:
        fig = Figure(figsize=(3.6, 2.0), dpi=100)
        canvas = FigureCanvasAgg(fig)
        ax = fig.add_axes((0.18, 0.25, 0.78, 0.7))
        theme.style_axes(ax, 8)
        x = np.arange(11_000.0, 12_100.0)
        y = np.exp(np.linspace(0, 3, x.size))
        ax.plot(x, y)
        theme.price_axis(ax, y)
        theme.date_axis(ax)
        ax.set_xlabel("Date", fontsize=8)
        if bake:
            _bake_ticks(ax)
        canvas.draw()
        return np.asarray(canvas.buffer_rgba()).astype(np.int16)

    try:
        diff = np.abs(draw(True) - draw(False)).max(axis=-1)
    except Exception as exc:  # any internal API drift: keep Matplotlib's ticks
        return f"check failed: {exc!r}"
    bad = int((diff > 24).sum())
    return "" if bad <= 20 else f"{bad} pixels differ from Matplotlib's ticks"


def _bake_axis(ax: Axes, axis: XAxis | YAxis) -> bool:
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
    # All locations, as Axis._update_ticks formats them (an array, as there; stubs say list).
    texts = fmt.format_ticks(locs)  # type: ignore[arg-type]
    if fmt.get_offset():
        return False
    lo, hi = sorted(axis.get_view_interval())
    tol = (hi - lo) * 1e-10  # Matplotlib's own "inside the view" tolerance
    keep = [(float(v), s) for v, s in zip(locs, texts, strict=True) if lo - tol <= v <= hi + tol]
    axis.set_major_locator(NullLocator())
    axis.set_major_formatter(NullFormatter())  # no formatter is ever asked about zero ticks
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


def _place_axis_label(ax: Axes, axis: XAxis | YAxis, labels: list[Text]) -> None:
    """Axis label just beyond the tick labels, as XAxis/YAxis._update_label_position does."""
    renderer = agg_canvas(ax.figure).get_renderer()
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
    canvas = agg_canvas(fig)
    try:
        if fast_paths().baked_ticks:
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


