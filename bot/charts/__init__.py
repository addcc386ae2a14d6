"""Charts: plain pandas data in, PNG bytes out.

Every function builds its own ``Figure`` on an Agg canvas (no pyplot, no rcParams changes), so
they are safe to call from several threads at once (the bot itself draws in worker processes).
Each chart module is imported when its function is first used (`bot/lazy.py`).
"""

from typing import TYPE_CHECKING

from bot.lazy import lazy_exports

_EXPORTS = {
    "ath_chart": ".ath",
    "brief_chart": ".brief",
    "brief_size": ".brief",
    "correlation_chart": ".correlation",
    "event_chart": ".event",
    "quote_chart": ".quote",
    "MAIN_SIZE": ".theme",
    "SMALL_SIZE": ".theme",
    "decimate": ".theme",
}
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
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

if TYPE_CHECKING:  # the names as type checkers and readers expect them
    from .ath import (
        ath_chart as ath_chart,
    )
    from .brief import (
        brief_chart as brief_chart,
    )
    from .brief import (
        brief_size as brief_size,
    )
    from .correlation import (
        correlation_chart as correlation_chart,
    )
    from .event import (
        event_chart as event_chart,
    )
    from .quote import (
        quote_chart as quote_chart,
    )
    from .theme import (
        MAIN_SIZE as MAIN_SIZE,
    )
    from .theme import (
        SMALL_SIZE as SMALL_SIZE,
    )
    from .theme import (
        decimate as decimate,
    )
