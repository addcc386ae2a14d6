"""Event study: what a target did after trigger events, beside what it does on any day.

Horizons are calendar days so that a 7-day crypto target and a 5-day equity trigger speak the
same language; "the close at date + h" is always the last close on or before that date. All the
work is integer day arithmetic plus `np.searchsorted` (or, for the base rate over every session,
one gather from a per-calendar-day table), which keeps a full study (four horizons, a
10,000-draw bootstrap) in a few milliseconds; the bootstrap's uniforms are most of it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from bot import defaults
from bot.analytics._bootstrap import clear_uniforms_cache, p_as_good_many, sorted_quantiles
from bot.analytics._series import asof_positions, calendar_positions, close_arrays, day_numbers

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


def _base_sorted(days, values, table, b0: int, b1: int, h: int) -> np.ndarray:
    """Sorted forward returns over h from every start day in [b0, b1) whose window has finished.

    Exactly _forward's numbers (same closes, same division), but the finished starts form a
    prefix, so they are sliced rather than masked, and the end closes come from the calendar
    table when there is one: this runs over every session of the target at every horizon.
    """
    n_fin = int(np.searchsorted(days[b0:b1], days[-1] - h, side="right"))
    start_days = days[b0 : b0 + n_fin]
    if table is None:
        end = asof_positions(days, start_days + h)
    else:
        end = table[start_days + (h - days[0])]
    base = values[end] / values[b0 : b0 + n_fin] - 1.0
    base.sort()
    return base


@dataclass(slots=True)
class _KeptBases:
    days: np.ndarray
    values: np.ndarray
    by_horizon: dict[int, np.ndarray]


# Sorted base returns kept per target and span: a later study on the same target (the usual
# case: one default target, many questions) reads them instead of recomputing them. Entries
# hold their own copies of the target's days and closes and are used only when those are equal
# bit for bit, so a series edited in place or a new series at the same address is never
# mistaken for a kept one. Bounded: a few targets, a few horizons each (~1.2 MB for ^GSPC's
# 24,777 sessions and four horizons).
_BASES_MAX_TARGETS = 4
_BASES_MAX_HORIZONS = 8
_BASES: dict[tuple[int, int, int, int, int], _KeptBases] = {}


def clear_study_caches() -> None:
    """Forget kept base rates and bootstrap draws: the next study runs as a first one does."""
    _BASES.clear()
    clear_uniforms_cache()


def _base_rates(
    days: np.ndarray, values: np.ndarray, b0: int, b1: int, hs: tuple[int, ...]
) -> dict[int, np.ndarray]:
    """Sorted base returns per horizon (read-only arrays), kept for the next study."""
    key = (len(days), int(days[0]), int(days[-1]), b0, b1)
    kept = _BASES.get(key)
    if kept is None or not (
        np.array_equal(kept.days, days)
        and np.array_equal(kept.values.view(np.int64), values.view(np.int64))
    ):
        kept = _KeptBases(days.copy(), values.copy(), {})
        while len(_BASES) >= _BASES_MAX_TARGETS and key not in _BASES:
            _BASES.pop(next(iter(_BASES)), None)
        _BASES[key] = kept
    out: dict[int, np.ndarray] = {}
    table, have_table = None, False
    for h in hs:
        base = kept.by_horizon.get(h)
        if base is None:
            if not have_table:
                table, have_table = calendar_positions(days), True
            base = _base_sorted(days, values, table, b0, b1, h)
            base.flags.writeable = False  # shared with later studies (and threads)
            if len(kept.by_horizon) >= _BASES_MAX_HORIZONS:
                kept.by_horizon = {}  # a fresh dict: a study reading the old one is unaffected
            kept.by_horizon[h] = base
        out[h] = base
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


def _horizon_stats(h, r, median, base, p, n_pending) -> HorizonStats:
    """`base` is already sorted; `median` is r's (the bootstrap needed it first)."""
    n, base_n = len(r), len(base)
    mean = hit = best = worst = None
    b_mean = b_median = b_hit = b_q25 = b_q75 = None
    if n:
        mean = float(r.mean())
        hit, best, worst = float(np.mean(r > 0)), float(r.max()), float(r.min())
    if base_n:
        b_mean = float(base.mean())
        b_hit = float(np.count_nonzero(base > 0)) / base_n
        b_q25, b_median, b_q75 = sorted_quantiles(base, (0.25, 0.5, 0.75))
    diff_median = diff_hit = None
    # Both samples non-empty: the event stats (n > 0) and the base stats (base_n > 0) are set.
    if median is not None and hit is not None and b_median is not None and b_hit is not None:
        diff_median, diff_hit = median - b_median, hit - b_hit
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
    not depend on which other horizons were asked for. Rows no horizon uses (events still
    pending everywhere) are not drawn, and the draw is kept for the next study with the same
    (seed, n_boot); neither changes any number.
    """
    hs = tuple(sorted({int(h) for h in horizons}))
    if not hs or hs[0] < 1:
        raise ValueError("horizons must be positive calendar-day counts")
    x_days, x_vals = close_arrays(trigger_close, "trigger_close")
    if target_close is trigger_close:
        y_days, y_vals = x_days, x_vals
    else:
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
    bases = _base_rates(y_days, y_vals, b0, b1, hs)

    end_pos = {h: asof_positions(y_days, ev_days + h) for h in hs}
    done = {h: ev_days + h <= last_day for h in hs}
    gains, dds = _extremes(y_vals, entry_pos, end_pos[hs[-1]])
    rows = np.arange(len(ev_days))
    rets, mg, md, overlaps, done_r, medians = {}, {}, {}, {}, {}, {}
    for h in hs:
        k = end_pos[h] - entry_pos
        ret = y_vals[end_pos[h]] / entry - 1.0
        # No close inside (entry, date + h] means the path never left the entry price.
        col = np.maximum(k - 1, 0)
        mg[h] = np.where(k > 0, gains[rows, col], 0.0)
        md[h] = np.where(k > 0, dds[rows, col], 0.0)
        rets[h] = ret
        d = done[h]  # events are sorted, so completed episodes are a prefix too
        overlaps[h] = int(np.count_nonzero(np.diff(ev_days[d]) < h))
        done_r[h] = ret[d]
        medians[h] = float(np.median(ret[d])) if len(ret[d]) else None
    asks: list[tuple[int, np.ndarray, float] | None] = []
    for h in hs:
        m = medians[h]  # None exactly when no episode has finished
        asks.append((len(done_r[h]), bases[h], m) if m is not None and len(bases[h]) else None)
    ps = p_as_good_many(seed, n_boot, asks)
    stats = {
        h: _horizon_stats(h, done_r[h], medians[h], bases[h], p, int(np.count_nonzero(~done[h])))
        for h, p in zip(hs, ps, strict=True)
    }

    finished = np.column_stack([done[h] for h in hs])  # (events, horizons)

    def by_episode(by_h: dict[int, np.ndarray]) -> list[list[float | None]]:
        """One list per episode, None where the window has not finished; built in bulk."""
        cells = np.column_stack([by_h[h] for h in hs]).astype(object)
        cells[~finished] = None
        return cells.tolist()

    r_rows, g_rows, d_rows = by_episode(rets), by_episode(mg), by_episode(md)
    pending: list[bool] = np.logical_not(np.all(finished, axis=1)).tolist()
    y_index = target_close.index
    dates, entry_dates = ev.tolist(), y_index[entry_pos].tolist()  # box Timestamps in bulk
    trig, entries = x_vals[trig_pos].tolist(), entry.tolist()
    episodes = [
        Episode(
            date=dates[i], trigger_close=trig[i],
            entry_date=entry_dates[i], target_entry=entries[i],
            returns=dict(zip(hs, r_rows[i], strict=True)),
            max_gain=dict(zip(hs, g_rows[i], strict=True)),
            max_drawdown=dict(zip(hs, d_rows[i], strict=True)),
            pending=pending[i],
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
