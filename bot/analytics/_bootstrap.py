"""The base-rate bootstrap and quantiles, done without sorting thousands of small samples.

"How often does a random sample of n ordinary days have a median as good as the events'?" is
asked at every horizon of every study, 10,000 samples each. Drawing indices into the *sorted*
base returns turns most of that into comparisons of uniforms with one threshold.
"""

from __future__ import annotations

import math

import numpy as np


def _below_threshold(j: int, big_n: int) -> float:
    """Smallest double t with t * big_n >= j in floating point, so u < t  <=>  floor(u * N) < j.

    Comparing uniforms against one threshold is much cheaper than building the index matrix,
    and this keeps the shortcut bit-for-bit equal to drawing base[floor(u * N)].
    """
    t = j / big_n
    while t > 0 and math.nextafter(t, 0.0) * big_n >= j:
        t = math.nextafter(t, 0.0)
    while t * big_n < j:
        t = math.nextafter(t, 2.0)
    return t


def p_as_good(u: np.ndarray, base_sorted: np.ndarray, m: float) -> float:
    """Share of bootstrap samples whose median base return is >= m (the events' median).

    Column i of u (shape (n, n_boot)) is one sample: base_sorted[floor(u * N)]. Because base is
    sorted, counting drawn returns below m is a comparison on u, so odd sample sizes need no
    sort at all; for even sizes only samples where m falls between the two middle values look
    at the values themselves.
    """
    big_n, n = len(base_sorted), u.shape[0]
    j = int(np.searchsorted(base_sorted, m, side="left"))  # base returns strictly below m
    if j >= big_n:
        return 0.0
    below = np.add.reduce(u < _below_threshold(j, big_n), axis=0, dtype=np.int32)
    if n % 2:
        return float(np.count_nonzero(below <= n // 2)) / u.shape[1]
    good = below <= n // 2 - 1
    tie = np.flatnonzero(below == n // 2)
    if len(tie):
        idx = np.minimum((u[:, tie] * big_n).astype(np.int64), big_n - 1)
        vals = base_sorted[idx]
        lo = np.where(vals < m, vals, -np.inf).max(axis=0)
        hi = np.where(vals >= m, vals, np.inf).min(axis=0)
        good[tie] = (lo + hi) / 2 >= m
    return float(np.count_nonzero(good)) / u.shape[1]


def sorted_quantiles(sorted_values: np.ndarray, qs: tuple[float, ...]) -> list[float]:
    """numpy's default (linear) quantiles, read off an already sorted array without re-sorting."""
    pos = np.asarray(qs) * (len(sorted_values) - 1)
    lo = np.floor(pos).astype(np.int64)
    hi = np.minimum(lo + 1, len(sorted_values) - 1)
    v = sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (pos - lo)
    return [float(x) for x in v]
