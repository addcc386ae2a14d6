"""Pure analytics on daily close series: ATH status, event studies, correlation, caveats.

No I/O here: every function takes pandas/numpy data and returns plain data, so the service
layer can run it in a worker process and tests can check it against numbers known by construction.
Each module is imported when one of its names is first used (`bot/lazy.py`).
"""

from typing import TYPE_CHECKING

from bot.lazy import lazy_exports

_EXPORTS = {
    "AthStatus": ".ath",
    "ath_status": ".ath",
    "breakout_events": ".ath",
    "drawdown_from_ath": ".ath",
    "fresh_ath_events": ".ath",
    "running_ath": ".ath",
    "ath_caveats": ".caveats",
    "correlation_caveats": ".caveats",
    "study_caveats": ".caveats",
    "DEFAULT_HORIZONS": ".events",
    "Episode": ".events",
    "EventStudy": ".events",
    "HorizonStats": ".events",
    "base_band": ".events",
    "event_paths": ".events",
    "event_study": ".events",
    "forward_returns": ".events",
}
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)

# Imported now: these functions share their module's name, and importing a submodule binds the
# package attribute to the module, which would shadow a lazily exported function.
from bot.analytics.correlation import Correlation, correlation  # noqa: E402
from bot.analytics.quote import Quote, quote  # noqa: E402

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

if TYPE_CHECKING:  # the names as type checkers and readers expect them
    from bot.analytics.ath import (
        AthStatus as AthStatus,
    )
    from bot.analytics.ath import (
        ath_status as ath_status,
    )
    from bot.analytics.ath import (
        breakout_events as breakout_events,
    )
    from bot.analytics.ath import (
        drawdown_from_ath as drawdown_from_ath,
    )
    from bot.analytics.ath import (
        fresh_ath_events as fresh_ath_events,
    )
    from bot.analytics.ath import (
        running_ath as running_ath,
    )
    from bot.analytics.caveats import (
        ath_caveats as ath_caveats,
    )
    from bot.analytics.caveats import (
        correlation_caveats as correlation_caveats,
    )
    from bot.analytics.caveats import (
        study_caveats as study_caveats,
    )
    from bot.analytics.correlation import (
        Correlation as Correlation,
    )
    from bot.analytics.correlation import (
        correlation as correlation,
    )
    from bot.analytics.events import (
        DEFAULT_HORIZONS as DEFAULT_HORIZONS,
    )
    from bot.analytics.events import (
        Episode as Episode,
    )
    from bot.analytics.events import (
        EventStudy as EventStudy,
    )
    from bot.analytics.events import (
        HorizonStats as HorizonStats,
    )
    from bot.analytics.events import (
        base_band as base_band,
    )
    from bot.analytics.events import (
        event_paths as event_paths,
    )
    from bot.analytics.events import (
        event_study as event_study,
    )
    from bot.analytics.events import (
        forward_returns as forward_returns,
    )
    from bot.analytics.quote import (
        Quote as Quote,
    )
    from bot.analytics.quote import (
        quote as quote,
    )
