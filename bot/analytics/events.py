"""Event study: what a target did after trigger events, beside what it does on any day.

Horizons are calendar days so that a 7-day crypto target and a 5-day equity trigger speak the
same language; "the close at date + h" is always the last close on or before that date. All the
work is integer day arithmetic plus `np.searchsorted`, which keeps a full study (four horizons,
a 10,000-draw bootstrap) in a few milliseconds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from bot import defaults
from bot.analytics._bootstrap import p_as_good, sorted_quantiles
from bot.analytics._series import asof_positions, close_arrays, day_numbers

DEFAULT_HORIZONS: tuple[int, ...] = defaults.HORIZONS


@dataclass(frozen=True, slots=True)
class Episode:
    """One trigger event seen through the target; None marks a horizon that has not finished."""

    date: pd.Timestamp
    trigger_close: float
    entry_date: pd.Timestamp
    target_entry: float
    returns: dict[int, float | None]
    max_gain: dict[int, float | None]
    max_drawdown: dict[int, float | None]
    pending: bool


@dataclass(frozen=True, slots=True)
class HorizonStats:
    """Completed episodes at one horizon beside the base rate (every day over the same span).

    Undefined numbers (no completed episodes, no finished base window) are None, never NaN, so a
    renderer has to decide what to print instead of printing "nan%".
    """

    horizon: int
    n: int
    mean: float | None
    median: float | None
    hit_rate: float | None
    best: float | None
    worst: float | None
    base_n: int
    base_mean: float | None
    base_median: float | None
    base_hit_rate: float | None
    base_q25: float | None
    base_q75: float | None
    diff_median: float | None
    diff_hit_rate: float | None
    p_random_as_good: float | None
    n_pending: int = 0


@dataclass(frozen=True, slots=True)
class EventStudy:
    horizons: tuple[int, ...]
    episodes: list[Episode]
    stats: dict[int, HorizonStats]
    events_before_target: int
    target_start: pd.Timestamp
    trigger_start: pd.Timestamp
    span_start: pd.Timestamp
    span_end: pd.Timestamp
    overlapping_pairs: dict[int, int]


def _forward(days: np.ndarray, values: np.ndarray, start: np.ndarray, h: int) -> np.ndarray:
    """values[start] to the last close on or before days[start] + h, minus 1; NaN if unfinished."""
    end_day = days[start] + h
    out = values[asof_positions(days, end_day)] / values[start] - 1.0
    out[end_day > days[-1]] = np.nan
    return out


def forward_returns(close: pd.Series, horizon_days: int) -> pd.Series:
    """Forward return over `horizon_days` calendar days from every date: the base rate's raw data.

    A window counts as finished when date + h is on or before the last date we have; later
    starts are NaN rather than a return over a shorter span.
    """
    if horizon_days < 1:
        raise ValueError("horizon_days must be >= 1")
    days, values = close_arrays(close, "close")
    ret = _forward(days, values, np.arange(len(days)), int(horizon_days))
    return pd.Series(ret, index=close.index, name=f"fwd_{int(horizon_days)}d")


def _extremes(values, entry_pos, end_pos):
    """Running max/min of close/entry - 1 over (entry, end], one row per episode.

    Built once for the widest window; each horizon then reads its column, so max gain and max
    drawdown cost one small matrix instead of a slice per episode and horizon.
    """
    width = int(max(1, (end_pos - entry_pos).max(initial=0)))
    pos = np.minimum(entry_pos[:, None] + np.arange(1, width + 1), len(values) - 1)
    path = values[pos] / values[entry_pos][:, None] - 1.0
    return np.maximum.accumulate(path, axis=1), np.minimum.accumulate(path, axis=1)


def _horizon_stats(h, r, base, u, n_pending) -> HorizonStats:
    n, base_n = len(r), len(base)
    mean = median = hit = best = worst = None
    b_mean = b_median = b_hit = b_q25 = b_q75 = None
    if n:
        mean, median = float(r.mean()), float(np.median(r))
        hit, best, worst = float(np.mean(r > 0)), float(r.max()), float(r.min())
    base = np.sort(base)
    if base_n:
        b_mean, b_hit = float(base.mean()), float(np.count_nonzero(base > 0)) / base_n
        b_q25, b_median, b_q75 = sorted_quantiles(base, (0.25, 0.5, 0.75))
    p = diff_median = diff_hit = None
    # Both samples non-empty: the event stats (n > 0) and the base stats (base_n > 0) are set.
    if median is not None and hit is not None and b_median is not None and b_hit is not None:
        diff_median, diff_hit = median - b_median, hit - b_hit
        if u is not None:
            p = p_as_good(u[:n], base, median)
    return HorizonStats(
        horizon=h, n=n, mean=mean, median=median, hit_rate=hit, best=best, worst=worst,
        base_n=base_n, base_mean=b_mean, base_median=b_median, base_hit_rate=b_hit,
        base_q25=b_q25, base_q75=b_q75,
        diff_median=diff_median,
        diff_hit_rate=diff_hit,
        p_random_as_good=p, n_pending=n_pending,
    )  # fmt: skip


def event_study(
    trigger_close: pd.Series,
    target_close: pd.Series,
    events: pd.DatetimeIndex,
    horizons: tuple[int, ...] = DEFAULT_HORIZONS,
    *,
    n_boot: int = 10_000,
    seed: int = 0,
) -> EventStudy:
    """Forward returns of the target after each event, beside the base rate to read them against.

    The base rate uses every target start day from max(target start, trigger start) to the
    earlier of the two last dates, so events and "any day" are drawn from the same era. The
    bootstrap draws one (n_episodes, n_boot) matrix of uniforms from default_rng(seed) and reuses
    its first n rows at each horizon (common random numbers): the p for a horizon then does
    not depend on which other horizons were asked for.
    """
    hs = tuple(sorted({int(h) for h in horizons}))
    if not hs or hs[0] < 1:
        raise ValueError("horizons must be positive calendar-day counts")
    x_days, x_vals = close_arrays(trigger_close, "trigger_close")
    y_days, y_vals = close_arrays(target_close, "target_close")
    ev = pd.DatetimeIndex(events).unique().sort_values()
    ev_days = day_numbers(ev)
    if len(ev_days) and ev_days[0] < x_days[0]:
        raise ValueError(f"event {ev[0].date()} is before the trigger's first date")

    measured = ev_days >= y_days[0]
    ev, ev_days = ev[measured], ev_days[measured]
    trig_pos = asof_positions(x_days, ev_days)
    entry_pos = asof_positions(y_days, ev_days)
    entry = y_vals[entry_pos]
    last_day = y_days[-1]

    span_lo, span_hi = max(x_days[0], y_days[0]), min(x_days[-1], y_days[-1])
    b0 = int(np.searchsorted(y_days, span_lo, side="left"))
    b1 = int(np.searchsorted(y_days, span_hi, side="right"))
    rng = np.random.default_rng(seed)
    u = rng.random((len(ev_days), n_boot)) if n_boot > 0 else None

    end_pos = {h: asof_positions(y_days, ev_days + h) for h in hs}
    done = {h: ev_days + h <= last_day for h in hs}
    gains, dds = _extremes(y_vals, entry_pos, end_pos[hs[-1]])
    rows = np.arange(len(ev_days))
    rets, mg, md, stats, overlaps = {}, {}, {}, {}, {}
    for h in hs:
        k = end_pos[h] - entry_pos
        ret = y_vals[end_pos[h]] / entry - 1.0
        # No close inside (entry, date + h] means the path never left the entry price.
        col = np.maximum(k - 1, 0)
        mg[h] = np.where(k > 0, gains[rows, col], 0.0)
        md[h] = np.where(k > 0, dds[rows, col], 0.0)
        rets[h] = ret
        # Start days in the span whose window has finished form a prefix, so slice, don't mask.
        starts = np.arange(b0, b1)
        n_fin = int(np.searchsorted(y_days[b0:b1], last_day - h, side="right"))
        base = _forward(y_days, y_vals, starts[:n_fin], h)
        d = done[h]  # events are sorted, so completed episodes are a prefix too
        overlaps[h] = int(np.count_nonzero(np.diff(ev_days[d]) < h))
        stats[h] = _horizon_stats(h, ret[d], base, u, int(np.count_nonzero(~d)))

    def column(table: dict[int, np.ndarray], h: int) -> list[float | None]:
        pairs = zip(table[h].tolist(), done[h].tolist(), strict=True)
        return [v if ok else None for v, ok in pairs]

    cols = {name: {h: column(t, h) for h in hs} for name, t in (("r", rets), ("g", mg), ("d", md))}
    y_index = target_close.index
    dates, entry_dates = ev.tolist(), y_index[entry_pos].tolist()  # box Timestamps in bulk
    trig, entries = x_vals[trig_pos].tolist(), entry.tolist()
    episodes = [
        Episode(
            date=dates[i], trigger_close=trig[i],
            entry_date=entry_dates[i], target_entry=entries[i],
            returns={h: cols["r"][h][i] for h in hs},
            max_gain={h: cols["g"][h][i] for h in hs},
            max_drawdown={h: cols["d"][h][i] for h in hs},
            pending=not all(done[h][i] for h in hs),
        )
        for i in range(len(ev_days))
    ]  # fmt: skip
    x_index = trigger_close.index

    return EventStudy(
        horizons=hs,
        episodes=episodes,
        stats=stats,
        events_before_target=int(np.count_nonzero(~measured)),
        target_start=y_index[0],
        trigger_start=x_index[0],
        span_start=max(x_index[0], y_index[0]),
        span_end=min(x_index[-1], y_index[-1]),
        overlapping_pairs=overlaps,
    )


def _indexed_paths(days, values, start_days, entry, n_days) -> np.ndarray:
    """(n_starts, n_days + 1) matrix of close / entry * 100 on each calendar day after a start."""
    grid = start_days[:, None] + np.arange(n_days + 1)
    pos = asof_positions(days, grid)
    out = values[np.maximum(pos, 0)] / entry[:, None] * 100.0
    out[grid > days[-1]] = np.nan
    return out


def event_paths(
    target_close: pd.Series, event_dates: pd.DatetimeIndex | list[pd.Timestamp], days: int
) -> pd.DataFrame:
    """Target indexed to 100 at each event's entry, per calendar day, for the chart's spaghetti.

    Forward-filled over weekends and holidays (the last close on or before each day), NaN past
    the target's last date so a pending episode's line simply stops. Events before the target's
    first date have nothing to show and get no column.
    """
    if days < 0:
        raise ValueError("days must be >= 0")
    y_days, y_vals = close_arrays(target_close, "target_close")
    ev = pd.DatetimeIndex(event_dates).unique().sort_values()
    ev_days = day_numbers(ev)
    keep = ev_days >= y_days[0]
    ev, ev_days = ev[keep], ev_days[keep]
    entry = y_vals[asof_positions(y_days, ev_days)]
    paths = _indexed_paths(y_days, y_vals, ev_days, entry, days)
    return pd.DataFrame(
        paths.T,
        index=pd.RangeIndex(days + 1, name="day"),
        columns=[d.strftime("%Y-%m-%d") for d in ev],
    )


def base_band(
    target_close: pd.Series,
    days: int,
    start: pd.Timestamp | str | None = None,
    *,
    max_starts: int = 1000,
) -> pd.DataFrame:
    """Quartiles of the indexed-to-100 path over every start day: the "any day" band.

    Only start days whose whole window has finished are used. Quantiles over thousands of
    overlapping 365-day paths cost tens of milliseconds, so when there are more than
    `max_starts` start days an evenly spaced subset is used; neighbouring start days share
    almost all of their path, so the band barely moves.
    """
    if days < 0:
        raise ValueError("days must be >= 0")
    y_days, y_vals = close_arrays(target_close, "target_close")
    lo = 0 if start is None else int(np.searchsorted(y_days, day_numbers([pd.Timestamp(start)])[0]))
    hi = int(np.searchsorted(y_days, y_days[-1] - days, side="right"))
    idx = np.arange(lo, max(lo, hi))
    if len(idx) > max_starts:
        idx = idx[np.unique(np.linspace(0, len(idx) - 1, max_starts).round().astype(np.int64))]
    index = pd.RangeIndex(days + 1, name="day")
    if len(idx) == 0:
        return pd.DataFrame(np.nan, index=index, columns=["q25", "q50", "q75"])
    paths = _indexed_paths(y_days, y_vals, y_days[idx], y_vals[idx], days)
    q = np.quantile(paths, [0.25, 0.5, 0.75], axis=0)
    return pd.DataFrame(q.T, index=index, columns=["q25", "q50", "q75"])
