"""Charts: plain pandas data in, PNG bytes out (thread-safe, no pyplot)."""

from .ath import ath_chart

__all__ = ["ath_chart"]
