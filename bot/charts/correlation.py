"""Rolling-correlation chart: how the relationship between two series has moved over time."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.ticker import FixedLocator, FuncFormatter

from . import theme as t

_LEFT, _RIGHT = 70, 90
_AXIS_PX = 34  # date labels


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def correlation_chart(
    rolling: pd.Series,
    *,
    full: float,
    current: float,
    percentile: float,
    window: int,
    title: str,
    subtitle: str = "",
    footer: str,
) -> bytes:
    """Rolling correlation against its full-period value.

    A single correlation number hides that it drifts; the line shows whether today's reading is
    typical or unusual. ``percentile`` is 0-100: the share of past rolling readings at or below
    ``current``.
    """
    rolling = t.clean(rolling)
    fig = t.new_figure(t.MAIN_SIZE)
    top = t.header(fig, title, subtitle)
    if not rolling.empty:
        handles = [Line2D([], [], color=t.SKY, lw=1.6, label=f"{window}-day rolling correlation")]
        if np.isfinite(full):
            handles.append(Line2D([], [], color=t.ORANGE, lw=1.6, ls=(0, (6, 3)),
                                  label=f"Whole period: {t.fmt_corr(full)}"))
        top += t.key(fig, top, handles, left=_LEFT - 6) + 10
    ax = t.add_axes(fig, t.rect(fig, _LEFT, t.footer(fig, footer) + _AXIS_PX, _RIGHT, top))
    ax.set_ylim(-1.05, 1.12)
    ax.yaxis.set_major_locator(FixedLocator([-1.0, -0.5, 0.0, 0.5, 1.0]))
    ax.yaxis.set_major_formatter(
        FuncFormatter(lambda v, _: t.minus(f"{v:+.1f}") if v else "0"))
    ax.axhline(0.0, color=t.ZERO, lw=1.0)
    for level, text, va in ((1.0, "+1: move together", "top"), (-1.0, "\u22121: move opposite",
                                                                  "bottom")):
        ax.text(0.005, level + (-0.02 if va == "top" else 0.02), text, color=t.MUTED,
                fontsize=t.FS_SMALL, transform=ax.get_yaxis_transform(), va=va, ha="left")
    if rolling.empty:
        t.empty_note(ax, "Not enough overlapping history for a rolling correlation")
        return t.to_png(fig)

    # Notes go in whichever half the line mostly stays out of.
    low_empty = bool(rolling.median() >= 0)
    d = t.decimate(rolling, 2 * t.plot_px(ax))
    x, y = t.xdates(d.index), d.to_numpy()
    ax.fill_between(x, y, 0.0, color=t.SKY, alpha=0.14, lw=0)
    ax.plot(x, y, color=t.SKY, lw=1.3)
    if np.isfinite(full):
        ax.axhline(full, color=t.ORANGE, lw=1.6, ls=(0, (6, 3)))
        t.price_tag(ax, full, t.fmt_corr(full), t.ORANGE)
    t.date_axis(ax, maxticks=10)
    if len(rolling) == 1:
        ax.set_xlim(x[0] - 15, x[0] + 15)

    if np.isfinite(current):
        x_now = float(t.xdates(rolling.index[-1:])[0])
        ax.scatter([x_now], [current], s=70, color=t.YELLOW, edgecolor=t.BG, zorder=5)
        note = f"Now {t.fmt_corr(current)}"
        if np.isfinite(percentile):
            pct = _ordinal(round(min(max(float(percentile), 0.0), 100.0)))
            note += f"\n{pct} percentile of past {window}-day readings"
        ax.annotate(note, (x_now, current), xytext=(0.97, 0.24 if low_empty else 0.76),
                    textcoords="axes fraction", ha="right", va="center",
                    color=t.TEXT, fontsize=t.FS_SMALL, parse_math=False,
                    bbox={"boxstyle": "round,pad=0.35", "fc": t.BG, "ec": t.YELLOW, "lw": 1},
                    arrowprops={"arrowstyle": "-", "color": t.YELLOW, "lw": 1.0})
    return t.to_png(fig)
