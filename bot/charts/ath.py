"""All-time-high chart: where the price is relative to its record, and how deep the dips were."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.ticker import FixedLocator, MaxNLocator

from . import theme as t

_LEFT = 116  # room for "log scale" and the levels
_AXIS_PX = 34  # date labels under the drawdown panel
_GAP = 14


def ath_chart(
    close: pd.Series,
    *,
    events: Sequence[pd.Timestamp] = (),
    title: str,
    subtitle: str = "",
    footer: str,
) -> bytes:
    """Price with its running record and a drawdown panel.

    The drawdown panel answers the question a record alone hides: how far below the high the
    series spent its time, so "at an ATH" is seen against the size of past falls.
    """
    close = t.clean(close)
    fig = t.new_figure(t.MAIN_SIZE)
    top_px = t.header(fig, title, subtitle)
    bottom = t.footer(fig, footer) + _AXIS_PX
    avail = fig.bbox.height - top_px - bottom - _GAP
    dd_h = round(avail * 0.3)
    tags = (t.fmt_price(close.iloc[-1]), "ATH " + t.fmt_num(close.max()), "\u221299.9%") \
        if len(close) else ("",)
    right = max(t.tag_px(fig, *tags), 60.0)
    ax = t.add_axes(fig, t.rect(fig, _LEFT, bottom + dd_h + _GAP, right, top_px))
    ax_dd = t.add_axes(fig, t.rect(fig, _LEFT, bottom, right, fig.bbox.height - bottom - dd_h))
    if close.empty:
        t.empty_note(ax)
        ax_dd.set_yticks([])
        ax.set_xticks([])
        return t.to_png(fig)

    ath = close.cummax()
    dd = close / ath - 1.0
    n = 2 * t.plot_px(ax)
    c_d, a_d, d_d = t.decimate(close, n), t.decimate(ath, n), t.decimate(dd, n)

    ax.plot(t.xdates(c_d.index), c_d.to_numpy(), color=t.SKY, lw=1.4, label="Close")
    ax.plot(t.xdates(a_d.index), a_d.to_numpy(), color=t.ORANGE, lw=1.3, alpha=0.9,
            label="Record close so far (ATH)")
    _mark_events(ax, close, events)
    t.price_axis(ax, close.to_numpy())

    last, last_ath = float(close.iloc[-1]), float(ath.iloc[-1])
    t.price_tag(ax, last, t.fmt_price(last), t.SKY)
    if _apart_px(ax, last, last_ath) > 30:
        t.price_tag(ax, last_ath, "ATH " + t.fmt_num(last_ath), t.ORANGE)
    t.legend(ax)

    x = t.xdates(d_d.index)
    ax_dd.fill_between(x, d_d.to_numpy(), 0.0, color=t.VERMILLION, alpha=0.35, lw=0)
    ax_dd.plot(x, d_d.to_numpy(), color=t.VERMILLION, lw=1.0)
    ax_dd.axhline(0.0, color=t.ZERO, lw=0.8)
    lo = float(dd.min())
    ax_dd.set_ylim(min(lo * 1.08, -0.01), 0.0 - lo * 0.04 if lo < 0 else 0.001)
    ax_dd.yaxis.set_major_locator(MaxNLocator(nbins=3, steps=[1, 2, 2.5, 5, 10]))
    t.pct_axis(ax_dd)
    ax_dd.text(0.008, 0.06, "Drawdown from ATH", transform=ax_dd.transAxes, color=t.TEXT,
               fontsize=t.FS_SMALL, ha="left", va="bottom",
               bbox={"boxstyle": "round,pad=0.25", "fc": t.BG, "ec": "none", "alpha": 0.8})
    t.price_tag(ax_dd, float(dd.iloc[-1]), t.fmt_pct(float(dd.iloc[-1]), sign=False),
                t.VERMILLION)
    t.date_axis(ax_dd, maxticks=10)
    if len(close) == 1:
        x0 = float(t.xdates(close.index)[0])
        ax_dd.set_xlim(x0 - 15, x0 + 15)
    _copy_x_grid(ax_dd, ax)
    return t.to_png(fig)


def _copy_x_grid(src, dst) -> None:
    """Give the price panel the drawdown panel's x range and date gridlines without a second
    set of tick objects (ticks are the costliest thing matplotlib draws here)."""
    dst.set_xlim(src.get_xlim())
    locs = list(src.xaxis.get_major_locator()())
    # Limits are final here: keep these locations rather than re-running the date rules (rrule)
    # when the axis is drawn.
    src.xaxis.set_major_locator(FixedLocator(locs))
    ticks = [v for v in locs if src.get_xlim()[0] <= v]
    dst.set_xticks([])
    dst.vlines(ticks, 0, 1, transform=dst.get_xaxis_transform(), colors=t.GRID, lw=0.8,
               alpha=0.7, zorder=0.5)


def _mark_events(ax, close: pd.Series, events: Sequence[pd.Timestamp]) -> None:
    """Dots on the close at each fresh ATH; an event date between sessions snaps to the last
    close on or before it, matching how the analytics define entry."""
    if len(events) == 0:
        return
    ev = pd.DatetimeIndex(pd.to_datetime(list(events)))
    dates = pd.DatetimeIndex(close.index)  # no copy: a close series is indexed by date
    if dates.tz is not None and ev.tz is None:
        ev = ev.tz_localize(dates.tz)
    pos = dates.searchsorted(ev, side="right") - 1
    pos = np.unique(pos[pos >= 0])
    if pos.size == 0:
        return
    pts = close.iloc[pos]
    ax.scatter(t.xdates(pts.index), pts.to_numpy(), s=34, color=t.YELLOW, edgecolor=t.BG,
               linewidth=0.8, zorder=5, label=f"Fresh ATH after a gap ({pos.size})")


def _apart_px(ax, y1: float, y2: float) -> float:
    """Vertical pixel distance between two prices, to keep right-edge tags from overlapping."""
    ax.get_ylim()  # forces autoscale so the transform is final
    a = ax.transData.transform([(0, y1), (0, y2)])
    return abs(float(a[0, 1] - a[1, 1]))
