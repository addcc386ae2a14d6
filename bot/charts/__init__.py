"""Charts: plain pandas data in, PNG bytes out.

Every function builds its own ``Figure`` on an Agg canvas (no pyplot, no rcParams changes), so
they are safe to call from several threads at once (the bot itself draws in worker processes).
"""

from .ath import ath_chart
from .brief import brief_chart, brief_size
from .correlation import correlation_chart
from .event import event_chart
from .quote import quote_chart
from .theme import MAIN_SIZE, SMALL_SIZE, decimate

__all__ = [
    "MAIN_SIZE",
    "SMALL_SIZE",
    "ath_chart",
    "brief_chart",
    "brief_size",
    "correlation_chart",
    "decimate",
    "event_chart",
    "quote_chart",
]
