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
    big_n = len(base_sorted)
    j = int(np.searchsorted(base_sorted, m, side="left"))  # base returns strictly below m
    if j >= big_n:
        return 0.0
    below = np.add.reduce(u < _below_threshold(j, big_n), axis=0, dtype=np.int32)
    return _share_as_good(u, below, base_sorted, m)


def _share_as_good(u: np.ndarray, below: np.ndarray, base_sorted: np.ndarray, m: float) -> float:
    """p from the per-sample count of draws below m; only even-size ties read drawn values."""
    big_n, n = len(base_sorted), u.shape[0]
    if n % 2:
        return float(np.count_nonzero(below <= n // 2)) / u.shape[1]
    good = below <= n // 2 - 1
    tie = np.flatnonzero(below == n // 2)
    if len(tie):
        # The two middle values are the largest draw below m and the smallest at or above it.
        # floor(u * N) never decreases as u grows, so pick those two draws by their uniforms
        # (u < t  <=>  the draw is below m) and look up just two base values per sample.
        # Both picks are plain max/min after moving the other group out of the way by 2 (u is in
        # [0, 1), and adding or subtracting 0.0 leaves the picked uniforms exact); arithmetic,
        # because np.where with a scalar is several times slower here.
        ut = u[:, tie]
        low = ut < _below_threshold(int(np.searchsorted(base_sorted, m, side="left")), big_n)
        shift = low * 2.0
        hi_u = (ut + shift).min(axis=0)
        lo_u = (ut - (2.0 - shift)).max(axis=0)
        lo = base_sorted[np.minimum((lo_u * big_n).astype(np.int64), big_n - 1)]
        hi = base_sorted[np.minimum((hi_u * big_n).astype(np.int64), big_n - 1)]
        good[tie] = (lo + hi) / 2 >= m
    return float(np.count_nonzero(good)) / u.shape[1]


_BLOCK_ROWS = 16  # 16 x 10,000 uniforms (1.3 MB) stay in cache while every horizon reads them
# Drawn uniforms kept per (seed, n_boot), in every worker process: at most 8 MiB an entry (100
# events at 10,000 draws; bigger studies draw afresh each time) and two entries (/after's
# 10,000 draws and the brief's 2,000), so a worker holds ~10 MiB more at worst.
_UNIFORMS_MAX_BYTES = 8 << 20
_UNIFORMS_MAX_ENTRIES = 2
_UNIFORMS: dict[tuple[int, int], np.ndarray] = {}


def clear_uniforms_cache() -> None:
    """Forget drawn uniforms, so a benchmark can time a study the way the first one runs."""
    _UNIFORMS.clear()


def _remember(key: tuple[int, int], u: np.ndarray) -> None:
    if u.nbytes > _UNIFORMS_MAX_BYTES:
        return
    u.flags.writeable = False  # shared by every later study (and thread): read-only from now on
    while len(_UNIFORMS) >= _UNIFORMS_MAX_ENTRIES and key not in _UNIFORMS:
        _UNIFORMS.pop(next(iter(_UNIFORMS)), None)
    _UNIFORMS[key] = u


def p_as_good_many(
    seed: int, n_boot: int, asks: list[tuple[int, np.ndarray, float] | None]
) -> list[float | None]:
    """p_as_good for several (n, base_sorted, m) at once, on one common (rows, n_boot) draw.

    Equal, bit for bit, to p_as_good(default_rng(seed).random((rows, n_boot))[:n], base, m) for
    each ask (None asks get None). Drawing the uniforms is the study's cost floor, so they are
    drawn once, a block of rows at a time, and every horizon counts its draws below its
    threshold while the block is still in cache instead of sweeping the whole matrix once per
    horizon. Rows past the largest n are never read, so they are not drawn (they come last in
    the stream). The draw depends only on (seed, n_boot), and a row prefix of a bigger draw is
    the smaller draw, so it is kept for the next study instead of drawn again.
    """
    out: list[float | None] = [None] * len(asks)
    todo = []
    for i, ask in enumerate(asks):
        if ask is None or n_boot <= 0:
            continue
        n, base_sorted, m = ask
        j = int(np.searchsorted(base_sorted, m, side="left"))
        if j >= len(base_sorted):
            out[i] = 0.0
        else:
            todo.append((i, n, _below_threshold(j, len(base_sorted))))
    if not todo:
        return out
    rows = max(n for _, n, _ in todo)
    key = (seed, n_boot) if type(seed) is int else None
    cached = _UNIFORMS.get(key) if key is not None else None
    if cached is not None and len(cached) >= rows:
        u, rng = cached[:rows], None
    else:
        u, rng = np.empty((rows, n_boot)), np.random.default_rng(seed)
    hit = np.empty((min(rows, _BLOCK_ROWS), n_boot), dtype=bool)
    below = [np.zeros(n_boot, dtype=np.int32) for _ in todo]
    for r0 in range(0, rows, _BLOCK_ROWS):
        r1 = min(rows, r0 + _BLOCK_ROWS)
        block = u[r0:r1]
        if rng is not None:
            rng.random(out=block)  # the same stream, in the same order, as one (rows, n_boot) draw
        for (_, n, t), count in zip(todo, below, strict=True):
            k = min(r1, n) - r0
            if k > 0:
                np.less(block[:k], t, out=hit[:k])
                # a block has at most 16 rows, so uint8 sums can't overflow (and vectorize well)
                count += np.add.reduce(hit[:k].view(np.uint8), axis=0, dtype=np.uint8)
    if rng is not None and key is not None:
        _remember(key, u)
    for (i, n, _), count in zip(todo, below, strict=True):
        _, base_sorted, m = asks[i]  # type: ignore[misc]
        out[i] = _share_as_good(u[:n], count, base_sorted, m)
    return out


def sorted_quantiles(sorted_values: np.ndarray, qs: tuple[float, ...]) -> list[float]:
    """numpy's default (linear) quantiles, read off an already sorted array without re-sorting."""
    pos = np.asarray(qs) * (len(sorted_values) - 1)
    lo = np.floor(pos).astype(np.int64)
    hi = np.minimum(lo + 1, len(sorted_values) - 1)
    v = sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (pos - lo)
    return [float(x) for x in v]
