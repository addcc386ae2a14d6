"""Correlation of daily returns between two assets, measured on the dates both have.

Returns are computed *after* aligning the calendars: for Bitcoin (7 days a week) against an
equity index (5), Monday's Bitcoin return then spans Friday to Monday, weekend included, rather
than being paired with a day the index did not trade. Comparing Saturday's Bitcoin move with
nothing, or Friday's with Monday's, would understate the link.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from bot import defaults
from bot.analytics._series import close_arrays


@dataclass(frozen=True, slots=True)
class Correlation:
    """Full-period and rolling correlation of A's and B's daily returns on shared dates."""

    full: float
    rolling: pd.Series
    current: float
    percentile: float
    beta: float
    window: int
    n_obs: int
    start: pd.Timestamp
    end: pd.Timestamp
    a_only: int = 0
    b_only: int = 0
    beta_b_on_a: float = float("nan")  # B's sensitivity to A (cov / var of A)


def _inside(index: pd.Index, common: pd.Index) -> int:
    """Dates of one series inside the shared span that the other lacks (folded into returns)."""
    return int(np.count_nonzero((index >= common[0]) & (index <= common[-1]))) - len(common)


def correlation(
    a_close: pd.Series, b_close: pd.Series, window: int = defaults.CORR_WINDOW
) -> Correlation:
    """Pearson correlation of daily simple returns, full period and over a rolling window.

    `beta` is A's sensitivity to B (cov / var of B): with beta 1.5, a 1% move in B has come with
    1.5% in A on average; `beta_b_on_a` is the same the other way round. `percentile` places
    the latest rolling value within the rolling series' own history (100 = the highest it has
    been), which says more than the raw number when two assets are always somewhat correlated.
    `a_only`/`b_only` count dates inside the shared span that only one series has, so a caller
    can say how much calendar folding happened.
    `n_obs` is the number of shared sessions with a daily return (the shared dates but the
    first): the one count of shared sessions an answer should quote.
    """
    if window < 2:
        raise ValueError(f"window must be at least 2 sessions, got {window}")
    close_arrays(a_close, "a_close")
    close_arrays(b_close, "b_close")
    common = a_close.index.intersection(b_close.index)
    if len(common) < window + 1:
        raise ValueError(
            f"need at least {window + 1} dates that both series have for a {window}-session "
            f"window, found {len(common)}"
        )
    a = a_close.loc[common].to_numpy(dtype=np.float64)
    b = b_close.loc[common].to_numpy(dtype=np.float64)
    ra = a[1:] / a[:-1] - 1.0
    rb = b[1:] / b[:-1] - 1.0
    full = float(np.corrcoef(ra, rb)[0, 1]) if ra.std() > 0 and rb.std() > 0 else float("nan")
    var_b = float(np.var(rb, ddof=1))
    var_a = float(np.var(ra, ddof=1))
    cov = float(np.cov(ra, rb, ddof=1)[0, 1])
    beta = cov / var_b if var_b > 0 else float("nan")
    beta_b_on_a = cov / var_a if var_a > 0 else float("nan")

    idx = common[1:]
    rolling = pd.Series(ra, index=idx).rolling(window).corr(pd.Series(rb, index=idx))
    rolling = rolling.replace([np.inf, -np.inf], np.nan).dropna().clip(-1.0, 1.0)
    rolling.name = f"corr_{window}"
    if len(rolling):
        current = float(rolling.iloc[-1])
        percentile = float(np.count_nonzero(rolling.to_numpy() <= current)) / len(rolling) * 100
    else:  # every window had a flat series: there is no correlation to speak of
        current = percentile = float("nan")
    return Correlation(
        full=full,
        rolling=rolling,
        current=current,
        percentile=percentile,
        beta=beta,
        window=int(window),
        n_obs=len(ra),
        start=common[0],
        end=common[-1],
        a_only=_inside(a_close.index, common),
        b_only=_inside(b_close.index, common),
        beta_b_on_a=beta_b_on_a,
    )
