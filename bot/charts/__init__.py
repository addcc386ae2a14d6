"""Charts: plain pandas data in, PNG bytes out (thread-safe, no pyplot)."""

from .ath import ath_chart
from .event import event_chart

__all__ = ["ath_chart", "event_chart"]
