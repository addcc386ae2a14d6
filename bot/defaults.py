"""The numbers riskon's answers use when the asker does not choose: one home, so the CLI's
help, the slash commands' defaults, the service and the analytics cannot drift apart.

Why these values:
- `MIN_GAP` 63 sessions (about a quarter): a record counts as "fresh" only after a quiet spell,
  so a run of records is one event, not dozens.
- `BREAKOUT_LOOKBACK` 252 sessions: a year of trading days, the "52-week high" people quote.
- `HORIZONS` 30/90/180/365 calendar days: a month, a quarter, half a year, a year.
- `CORR_WINDOW` 90 sessions: long enough to be stable, short enough to show a change of regime.
"""

from __future__ import annotations

MIN_GAP = 63
BREAKOUT_LOOKBACK = 252
HORIZONS: tuple[int, ...] = (30, 90, 180, 365)
CORR_WINDOW = 90
#: What "what happened after?" follows when neither the question nor the server names an asset.
DEFAULT_TARGET = "BTC-USD"

#: What an asker may choose, inclusive.
HORIZON_RANGE = (1, 3650)
MIN_GAP_RANGE = (1, 2520)
WINDOW_RANGE = (5, 1000)
LOOKBACK_RANGE = (20, 2520)

#: FRED series the brief reads: Fed net liquidity is total assets (WALCL) minus the Treasury's
#: account (WTREGEN) minus overnight reverse repos (RRPONTSYD); the credit line is the US
#: high-yield option-adjusted spread.
FRED_LIQUIDITY: tuple[str, ...] = ("WALCL", "WTREGEN", "RRPONTSYD")
FRED_HY_SPREAD = "BAMLH0A0HYM2"
FRED_SERIES: tuple[str, ...] = (*FRED_LIQUIDITY, FRED_HY_SPREAD)
