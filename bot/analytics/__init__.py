"""Pure analytics on daily close series: ATH status, event studies, correlation, caveats.

No I/O here: every function takes pandas/numpy data and returns plain data, so the service
layer can run it in a worker process and tests can check it against numbers known by construction.
"""

from bot.analytics.ath import (
    AthStatus,
    ath_status,
    breakout_events,
    drawdown_from_ath,
    fresh_ath_events,
    running_ath,
)
from bot.analytics.caveats import ath_caveats, correlation_caveats, study_caveats
from bot.analytics.correlation import Correlation, correlation
from bot.analytics.events import (
    DEFAULT_HORIZONS,
    Episode,
    EventStudy,
    HorizonStats,
    base_band,
    event_paths,
    event_study,
    forward_returns,
)
from bot.analytics.quote import Quote, quote

__all__ = [
    "DEFAULT_HORIZONS",
    "AthStatus",
    "Correlation",
    "Episode",
    "EventStudy",
    "HorizonStats",
    "Quote",
    "ath_caveats",
    "ath_status",
    "base_band",
    "breakout_events",
    "correlation",
    "correlation_caveats",
    "drawdown_from_ath",
    "event_paths",
    "event_study",
    "forward_returns",
    "fresh_ath_events",
    "quote",
    "running_ath",
    "study_caveats",
]
