"""Signal chart: the trigger's price with every event marked, and the quantity a condition
watches (a level, an average, RSI, a drawdown, a change) beside its threshold.

Why a second panel: "the VIX closed above 30" is read off the VIX, not off the trigger's price,
and seeing the quantity against its line shows how often it came close without firing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib.ticker import FuncFormatter, MaxNLocator

from . import theme as t
from .ath import _copy_x_grid

# Room for "log scale" beside the levels, and for a price tag like "104,512.37" at 16 pt.
_LEFT, _RIGHT = 116, 150
_AXIS_PX = 34  # date labels under the lowest panel
_GAP = 14


@dataclass(frozen=True)
class SignalPanel:
    """What the lower panel draws: `left` against `right` (a threshold or a second line).

    `unit` is "price", "pct" (values already in percent, e.g. 20 for 20%) or "rsi" (0-100).
    `right_is_level` draws `right` as a dashed horizontal threshold line."""

    title: str
    left: pd.Series
    right: pd.Series
    left_label: str
    right_label: str
    unit: str = "price"
    right_is_level: bool = True


def signal_chart(
    close: pd.Series,
    *,
    events: Sequence[pd.Timestamp] = (),
    panel: SignalPanel | None = None,
    price_label: str = "Close",
    title: str,
    subtitle: str = "",
    footer: str,
) -> bytes:
    """The trigger's closes with a dot at each event; the watched quantity below when given."""
    close = t.clean(close)
    fig = t.new_figure(t.MAIN_SIZE)
    # The heights header() and footer() report, not one-line constants: a signal's title is
    # its definition, and a long one wraps to two or three lines.
    top_px = t.header(fig, title, subtitle)
    bottom = t.footer(fig, footer) + _AXIS_PX
    if panel is None:
        ax = t.add_axes(fig, t.rect(fig, _LEFT, bottom, _RIGHT, top_px))
        ax_low = None
    else:
        avail = fig.bbox.height - top_px - bottom - _GAP
        low_h = round(avail * 0.36)
        ax = t.add_axes(fig, t.rect(fig, _LEFT, bottom + low_h + _GAP, _RIGHT, top_px))
        ax_low = t.add_axes(
            fig, t.rect(fig, _LEFT, bottom, _RIGHT, fig.bbox.height - bottom - low_h)
        )
    if close.empty:
        t.empty_note(ax)
        ax.set_xticks([])
        if ax_low is not None:
            ax_low.set_xticks([])
            ax_low.set_yticks([])
        return t.to_png(fig)

    n = 2 * t.plot_px(ax)
    c_d = t.decimate(close, n)
    ax.plot(t.xdates(c_d.index), c_d.to_numpy(), color=t.SKY, lw=1.3, label=price_label)
    ev = _event_positions(close, events)
    if ev.size:
        pts = close.iloc[ev]
        ax.scatter(t.xdates(pts.index), pts.to_numpy(), s=30, color=t.YELLOW, edgecolor=t.BG,
                   linewidth=0.8, zorder=5, label=f"Event ({ev.size:,})")
    t.price_axis(ax, close.to_numpy())
    last = float(close.iloc[-1])
    t.price_tag(ax, last, t.fmt_price(last), t.SKY)
    t.legend(ax)

    if ax_low is None or panel is None:  # both or neither
        t.date_axis(ax, maxticks=10)
        return t.to_png(fig)
    dates = pd.DatetimeIndex(close.index)
    _panel(ax_low, panel, dates[ev] if ev.size else dates[:0])
    t.date_axis(ax_low, maxticks=10)
    ax_low.set_xlim(*_x_range(close))
    _copy_x_grid(ax_low, ax)
    return t.to_png(fig)


def _x_range(close: pd.Series) -> tuple[float, float]:
    x = t.xdates(close.index)
    if len(x) == 1:
        return float(x[0]) - 15, float(x[0]) + 15
    return float(x[0]), float(x[-1])


def _event_positions(close: pd.Series, events: Sequence[pd.Timestamp]) -> np.ndarray:
    """Each event on the last close on or before it (how the analytics define the event day)."""
    if len(events) == 0:
        return np.array([], dtype=int)
    ev = pd.DatetimeIndex(pd.to_datetime(list(events)))
    dates = pd.DatetimeIndex(close.index)  # no copy: a close series is indexed by date
    if dates.tz is not None and ev.tz is None:
        ev = ev.tz_localize(dates.tz)
    pos = dates.searchsorted(ev, side="right") - 1
    return np.unique(pos[pos >= 0])


def _panel(ax, panel: SignalPanel, event_days: pd.DatetimeIndex) -> None:
    left = t.clean(panel.left)
    right = t.clean(panel.right)
    n = 2 * t.plot_px(ax)
    if len(event_days):
        ax.vlines(t.xdates(event_days), 0, 1, transform=ax.get_xaxis_transform(),
                  colors=t.YELLOW, lw=0.8, alpha=0.35, zorder=0.8)
    if not left.empty:
        l_d = t.decimate(left, n)
        ax.plot(t.xdates(l_d.index), l_d.to_numpy(), color=t.PURPLE, lw=1.1,
                label=panel.left_label)
    if not right.empty:
        if panel.right_is_level:
            ax.axhline(float(right.iloc[-1]), color=t.ORANGE, lw=1.2, ls=(0, (5, 3)),
                       label=panel.right_label)
        else:
            r_d = t.decimate(right, n)
            ax.plot(t.xdates(r_d.index), r_d.to_numpy(), color=t.ORANGE, lw=1.1,
                    label=panel.right_label)
    values = np.concatenate([left.to_numpy(), right.to_numpy()])
    values = values[np.isfinite(values)]
    if panel.unit == "rsi":
        ax.set_ylim(0, 100)
        # RSI's landmarks; no 0 or 100 at the panel's corners, where they met the date labels.
        t.fixed_ticks(ax.yaxis, [30, 50, 70])
    elif panel.unit == "price" and values.size:
        t.price_axis(ax, values)
    else:
        ax.yaxis.set_major_locator(MaxNLocator(nbins=4, steps=[1, 2, 2.5, 5, 10]))
    if panel.unit == "pct":
        ax.yaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:.0f}%".replace("-", "\u2212")))
    ax.text(0.008, 0.94, panel.title, transform=ax.transAxes, color=t.TEXT,
            fontsize=t.FS_SMALL, ha="left", va="top", fontweight="bold", parse_math=False,
            bbox={"boxstyle": "round,pad=0.25", "fc": t.BG, "ec": "none", "alpha": 0.8})
    if not left.empty:
        last = float(left.iloc[-1])
        text = f"{last:.1f}%" if panel.unit == "pct" else (
            f"{last:.0f}" if panel.unit == "rsi" else t.fmt_price(last))
        t.price_tag(ax, last, text, t.PURPLE)
    t.legend(ax, loc="upper right")
