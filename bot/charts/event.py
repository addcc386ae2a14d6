"""Event-study chart: what the target did after each trigger, next to what it does on any day."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.collections import LineCollection
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator, NullLocator

from . import theme as t

# Orange means "after the events", grey means "any day", on both panels.
EVENT = t.ORANGE
BASE = t.MUTED
# Episode lines avoid orange (the median), vermillion (close to orange for some readers) and
# Okabe-Ito blue (too dark to read as label text on the Discord background).
_EPISODE_COLORS = (t.SKY, t.GREEN, t.YELLOW, t.PURPLE)

_LEFT = 112  # "log scale" and levels up to "10,000" left of the paths panel
_PATHS_RIGHT = 472  # px from the right edge to the paths panel's right side
_GUTTER_PX = 26  # leader from the last point to an end-of-line label
_HORIZON_LEFT = 846  # room for the paths' end labels, then this panel's "log scale" and ticks
_RIGHT = 18
_AXIS_PX = 62  # tick labels and the x-axis label (two-line horizon labels on the right)
_PANEL_TITLE = 34
MAX_LABELLED = 8  # more labelled lines than this and the labels stop being readable
_PLAIN = "#80858c"  # the unlabelled, older episodes: thin and grey, there for the spread
ANY_DAY_MEDIAN = "#c4c9cf"


def event_chart(
    paths: pd.DataFrame,
    *,
    band: pd.DataFrame | None,
    horizon_returns: Mapping[int, Sequence[float]],
    base_returns: Mapping[int, tuple[float, float, float]],
    title: str,
    subtitle: str = "",
    footer: str,
) -> bytes:
    """Episode paths on the left, per-horizon returns vs the base rate on the right.

    Showing every episode (not just an average) lets a reader see how much the outcomes
    disagree; the grey "any day" band and bars are there so a typical drift is not mistaken for
    an effect of the event. The eight most recent episodes are coloured and labelled, older
    ones drawn thin and grey: more labels than that cannot be read at Discord's preview size.
    """
    fig = t.new_figure(t.MAIN_SIZE)
    top = t.header(fig, title, subtitle)
    bottom = t.footer(fig, footer) + _AXIS_PX
    paths = paths.astype("float64") if len(paths.columns) else paths
    live = [c for c in paths.columns if paths[c].notna().any()]
    done = [c for c in live if pd.notna(paths[c].iloc[-1])]
    has_band = band is not None and bool(
        band.astype("float64").replace([np.inf, -np.inf], np.nan).dropna().shape[0])
    top += _key(fig, top, median_of=len(done), band=has_band or bool(base_returns),
                older=len(live) > MAX_LABELLED) + _PANEL_TITLE
    ax = t.add_axes(fig, t.rect(fig, _LEFT, bottom, _PATHS_RIGHT, top))
    axr = t.add_axes(fig, t.rect(fig, _HORIZON_LEFT, bottom, _RIGHT, top))
    for a, text in ((ax, "Path after each event (event day = 100)"),
                    (axr, "Return by horizon")):
        a.text(0, 1.0, text, transform=a.transAxes, color=t.TEXT, fontsize=t.FS_LABEL,
               ha="left", va="bottom", fontweight="bold", parse_math=False,
               ).set_y(1.0 + 8 / (a.get_position().height * fig.bbox.height))
    _paths_panel(ax, paths, band)
    _horizon_panel(axr, horizon_returns, base_returns)
    return t.to_png(fig)


def _key(fig, top: float, *, median_of: int, band: bool, older: bool) -> float:
    """One legend for both panels, under the title: orange is "after the events" and grey is
    "any day" on both sides, so one key serves both and neither panel loses room to it."""
    handles = [
        Line2D([], [], color=EVENT, lw=3.2, label=f"Median of {median_of} completed episodes"
               if median_of >= 2 else "Median after the events"),
        Line2D([], [], marker="o", ls="none", color=EVENT, label="Each episode"),
    ]
    if band:
        handles += [Line2D([], [], color=BASE, lw=8, alpha=0.45, label="Any day 25–75%"),
                    Line2D([], [], color=ANY_DAY_MEDIAN, lw=1.6, ls=(0, (5, 3)),
                           label="Any-day median")]
    if older:
        handles.append(Line2D([], [], color=_PLAIN, lw=0.8, label="Older episodes"))
    return t.key(fig, top, handles)


def _paths_panel(ax, paths: pd.DataFrame, band: pd.DataFrame | None) -> None:
    live = [c for c in paths.columns if paths[c].notna().any()]
    pending = [str(c) for c in paths.columns if c not in live]
    ax.set_xlabel("Calendar days after the event", color=t.MUTED, fontsize=t.FS_SMALL)
    ys: list[np.ndarray] = []

    b = band.astype("float64").replace([np.inf, -np.inf], np.nan).dropna() \
        if band is not None else pd.DataFrame()
    if len(b):
        x = b.index.to_numpy(dtype="float64")
        ax.fill_between(x, b["q25"].to_numpy(), b["q75"].to_numpy(), color=BASE, alpha=0.22, lw=0)
        ax.plot(x, b["q50"].to_numpy(), color=ANY_DAY_MEDIAN, lw=1.6, ls=(0, (5, 3)))
        ys += [b[c].to_numpy() for c in ("q25", "q75")]

    ends: list[tuple[float, float, str, str]] = []  # (x_end, y_end, label, colour)
    labels = _episode_labels([str(c) for c in live])
    # The most recent episodes are the ones a reader relates to; older ones stay as the spread.
    named = set(sorted(live, key=str)[-MAX_LABELLED:])
    k = 0
    for i, c in enumerate(live):
        s = paths[c].dropna()
        xs, vs = s.index.to_numpy(dtype="float64"), s.to_numpy()
        ys.append(vs)
        if c not in named:
            ax.plot(xs, vs, color=_PLAIN, lw=0.8, alpha=0.55, gid="episode", zorder=2)
            continue
        color = _EPISODE_COLORS[k % len(_EPISODE_COLORS)]
        k += 1
        ax.plot(xs, vs, color=color, lw=1.6, alpha=0.9, gid="episode-labelled", zorder=3)
        ends.append((float(s.index[-1]), float(s.iloc[-1]), labels[i], color))
    # The median runs over completed episodes only: a median over whatever episodes reach a
    # day jumps where a running one stops (25 points at day 339 in one real case), a step
    # that is about the sample, not the market.
    done = [c for c in live if pd.notna(paths[c].iloc[-1])]
    if len(done) >= 2:
        med = paths[done].median(axis=1, skipna=False).dropna()
        ax.plot(med.index.to_numpy(dtype="float64"), med.to_numpy(), color=EVENT, lw=3.2,
                zorder=4)
    ax.axhline(100.0, color=t.ZERO, lw=1.0, zorder=1)

    if not len(paths.index):
        ax.set_xlim(0, 365)
    else:
        ax.set_xlim(float(paths.index.min()), float(paths.index.max()))
    vals = np.concatenate([v[np.isfinite(v)] for v in ys] + [np.array([100.0])])
    log = t.wants_log(vals, 4.0)
    t.price_axis(ax, vals, log_ratio=4.0)
    lo, hi = min(float(vals.min()), 95.0), max(float(vals.max()), 105.0)
    ax.set_ylim(*t.padded_limits(lo, hi, log=log))
    ax.xaxis.set_major_locator(MaxNLocator(nbins=5, steps=[1, 2, 3, 5, 10]))
    if not live:
        t.empty_note(ax, "No completed episodes yet" if pending else "No past episodes")
    notes = []
    if band is not None and not len(b):
        notes.append("No any-day band: the target's history\nis shorter than the window")
    if pending:
        more = f" +{len(pending) - 2} more" if len(pending) > 2 else ""
        notes.append("Pending (window not finished):\n" + ", ".join(pending[:2]) + more)
    if notes:
        ax.text(0.01, 0.02, "\n".join(notes), transform=ax.transAxes, color=t.MUTED,
                fontsize=t.FS_SMALL, ha="left", va="bottom", parse_math=False)
    _end_labels(ax, ends)


def _episode_labels(cols: list[str]) -> list[str]:
    """Year alone is enough unless two episodes share a year."""
    years = [c[:4] for c in cols]
    return [c[:7] if years.count(y) > 1 else y for c, y in zip(cols, years, strict=True)]


def _end_labels(ax, ends: list[tuple[float, float, str, str]]) -> None:
    """Year labels in the right gutter, nudged apart so they never overlap; episodes that
    stop early (window still open) get their label where the line stops."""
    if not ends:
        return
    x0, x1 = ax.get_xlim()
    cut = x1 - (x1 - x0) * 0.2  # near-complete windows still label in the gutter
    full = [e for e in ends if e[0] >= cut]
    early = [e for e in ends if e[0] < cut]
    fig = ax.figure
    fw, fh = fig.bbox.width, fig.bbox.height
    bbox = ax.get_window_extent()
    gap = 25.0  # one 16 pt line: at most MAX_LABELLED labels, so they always fit
    if early:  # window still open: a dot where the data stops, the label beside it
        pts = ax.transData.transform([(x, y) for x, y, _, _ in early])
        order = np.argsort(pts[:, 1])
        placed = _spread(pts[order, 1], gap, bbox.y0 + gap / 2, bbox.y1 - gap / 2)
        for j, k in enumerate(order):
            x, y, lab, color = early[k]
            ax.scatter([x], [y], s=24, color=color, zorder=4)
            right = pts[k, 0] > bbox.x0 + 0.6 * bbox.width  # late stop: label to the left
            fig.text((pts[k, 0] + (-8 if right else 6)) / fw, placed[j] / fh, f"{lab} (so far)",
                     fontsize=t.FS_SMALL, color=color, va="center",
                     ha="right" if right else "left",
                     parse_math=False, gid="episode-label", zorder=5,
                     bbox={"boxstyle": "round,pad=0.15", "fc": t.PANEL, "ec": "none",
                           "alpha": 0.8})
    if not full:
        return
    # Plain figure texts plus one LineCollection of leaders: ~20x cheaper to draw than
    # annotations with arrows.
    pts = ax.transData.transform([(x, y) for x, y, _, _ in full])
    order = np.argsort(pts[:, 1])
    placed = _spread(pts[order, 1], gap, bbox.y0 + gap / 2, bbox.y1 - gap / 2)
    x_lab = bbox.x1 + _GUTTER_PX
    segs, colors = [], []
    for j, k in enumerate(order):
        _, _, lab, color = full[k]
        fig.text((x_lab + 2) / fw, placed[j] / fh, lab, fontsize=t.FS_SMALL, color=color,
                 va="center", ha="left", parse_math=False, gid="episode-label")
        segs.append([(pts[k, 0] / fw, pts[k, 1] / fh), (x_lab / fw, placed[j] / fh)])
        colors.append(color)
    fig.add_artist(LineCollection(segs, colors=colors, linewidths=0.7, alpha=0.7,
                                  transform=fig.transFigure))


def _spread(y: np.ndarray, gap: float, lo: float, hi: float) -> np.ndarray:
    """Push sorted positions apart by at least ``gap`` and keep them inside [lo, hi]."""
    out = np.clip(y.astype("float64"), lo, hi)
    for i in range(1, len(out)):
        out[i] = max(out[i], out[i - 1] + gap)
    if len(out) and out[-1] > hi:
        out[-1] = hi
        for i in range(len(out) - 2, -1, -1):
            out[i] = min(out[i], out[i + 1] - gap)
    return out


def _horizon_name(h: int) -> str:
    return f"{h // 365}y" if h % 365 == 0 else f"{h}d"


def _horizon_label(h: int, n: int) -> str:
    return f"{_horizon_name(h)}\nn={n}"


_NICE_RETURNS = (-0.9, -0.75, -0.5, -0.25, 0.0, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0)


def _growth_scale(ax, lo: float, hi: float) -> bool:
    """Returns of +800% next to -20% are unreadable on a linear axis; plot log(1 + r) instead
    (the same geometry as a log price chart) and label it in plain percent."""
    if (1 + hi) / max(1 + lo, 1e-3) <= 4.0:
        t.pct_axis(ax)
        return False
    ax.set_yscale("function", functions=(lambda r: np.log1p(np.maximum(r, -0.999)), np.expm1))
    t.log_note(ax)
    ticks = [v for v in _NICE_RETURNS if lo * 1.05 - 0.02 <= v <= hi * 1.05 + 0.02]
    t.fixed_ticks(ax.yaxis, ticks)
    ax.yaxis.set_minor_locator(NullLocator())
    t.pct_axis(ax)
    return True


def _thin_ticks(ax, min_px: float) -> None:
    """Drop y ticks that would print on top of each other, working outward from 0%."""
    ticks = sorted(ax.yaxis.get_majorticklocs(), key=abs)
    keep: list[float] = []
    for v in ticks:
        py = ax.transData.transform((0, v))[1]
        if all(abs(py - ax.transData.transform((0, k))[1]) >= min_px for k in keep):
            keep.append(v)
    t.fixed_ticks(ax.yaxis, sorted(keep))


def _horizon_panel(ax, horizon_returns: Mapping[int, Sequence[float]],
                   base_returns: Mapping[int, tuple[float, float, float]]) -> None:
    horizons = sorted(set(horizon_returns) | set(base_returns))
    ax.axhline(0.0, color=t.ZERO, lw=1.0, zorder=1)
    ax.grid(False, axis="x")
    if not horizons:
        t.pct_axis(ax)
        t.empty_note(ax)
        return
    rng = np.random.default_rng(7)  # fixed jitter: same input, same bytes
    counts, seen = [], [0.0]
    # One artist per kind for all horizons (they never overlap): each Line2D costs ~0.3 ms.
    bars, base_meds, dots_x, dots_y, meds = [], [], [], [], []
    no_base = []  # horizons the target's history is too short to give an any-day range for
    for i, h in enumerate(horizons):
        q = _finite(base_returns.get(h, ()))
        if len(q) != 3:
            no_base.append(h)
        else:
            q25, q50, q75 = q
            bars.append([(i - 0.2, q25), (i - 0.2, q75)])
            base_meds.append([(i - 0.31, q50), (i - 0.09, q50)])
            seen += [q25, q75]
        r = np.asarray(list(horizon_returns.get(h, ())), dtype="float64")
        r = r[np.isfinite(r)]
        counts.append(r.size)
        if r.size:
            jit = rng.uniform(-0.09, 0.09, r.size) if r.size > 1 else np.zeros(1)
            dots_x.append(i + 0.16 + jit)
            dots_y.append(r)
            m = float(np.median(r))
            meds.append([(i + 0.02, m), (i + 0.30, m)])
            seen += [float(r.min()), float(r.max())]
    if bars:
        ax.add_collection(LineCollection(bars, colors=BASE, linewidths=9, alpha=0.55,
                                         capstyle="butt", zorder=2))
        ax.add_collection(LineCollection(base_meds, colors="#e3e5e8", linewidths=2.2,
                                         capstyle="projecting", zorder=2))
    if not bars and not dots_x:
        t.pct_axis(ax)
        t.empty_note(ax, "No completed window\nand no any-day range:\nthe history is too short")
        ax.set_xlim(-0.55, len(horizons) - 0.45)
        t.fixed_ticks(ax.xaxis, range(len(horizons)),
                      [_horizon_label(h, n) for h, n in zip(horizons, counts, strict=True)])
        return
    if dots_x:
        ax.scatter(np.concatenate(dots_x), np.concatenate(dots_y), s=26, color=EVENT,
                   alpha=0.8, edgecolor=t.BG, linewidth=0.5, zorder=3)
        ax.add_collection(LineCollection(meds, colors=EVENT, linewidths=3.2,
                                         capstyle="projecting", zorder=4))
    lo, hi = min(seen), max(seen)
    log = _growth_scale(ax, lo, hi)
    a, b = (np.log1p(max(lo, -0.999)), np.log1p(hi)) if log else (lo, hi)
    a, b = t.padded_limits(float(a), float(b))
    if log:  # back from log(1 + r), kept finite for absurd returns (1e300 overflows here)
        with np.errstate(over="ignore"):
            a, b = float(np.expm1(a)), float(min(np.expm1(b), 1e300))
    ax.set_ylim(a, b)
    if log:
        _thin_ticks(ax, min_px=30)
    t.fixed_ticks(ax.xaxis, range(len(horizons)),
                  [_horizon_label(h, n) for h, n in zip(horizons, counts, strict=True)])
    ax.tick_params(axis="x", labelsize=t.FS_SMALL)
    ax.set_xlim(-0.55, len(horizons) - 0.45)
    if no_base:
        ax.text(0.02, 0.02, "No any-day range\nfor " + ", ".join(_horizon_name(h) for h in no_base)
                + ": history\ntoo short", transform=ax.transAxes, color=t.MUTED,
                fontsize=t.FS_SMALL, ha="left", va="bottom", parse_math=False)


def _finite(values: Sequence[float | None]) -> list[float]:
    """The values that are real numbers (an empty base rate comes as None or NaN)."""
    out = []
    for v in values:
        if v is None:
            continue
        try:
            f = float(v)
        except (TypeError, ValueError):
            continue
        if np.isfinite(f):
            out.append(f)
    return out
