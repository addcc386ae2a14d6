"""Answer a reading with the service call its command makes: /ask computes nothing itself.

Shared by the terminal and the Discord cog, so a question and the command it was read as give
the same Insight (embed, chart, caveats, JSON).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from bot.answers.model import Insight
from bot.ask.reader import Reading, Understanding, read
from bot.errors import UserError

if TYPE_CHECKING:
    from bot.insights import Insights

__all__ = ["answer_reading", "understand"]


def understand(question: str, *, default_target: str | None = None) -> Understanding:
    """Read the question; a refusal or nothing usable is a `UserError` with its one line, and
    an asset riskon does not know is an `UnknownSymbol` carrying the registry's suggestions."""
    understanding = read(question, default_target=default_target)
    if understanding.unknown is not None:
        raise understanding.unknown_asset()
    if understanding.reading is None:
        raise UserError(understanding.message())
    return understanding


async def answer_reading(
    insights: Insights, reading: Reading, *, watchlist: Sequence[str] = ()
) -> Insight:
    """The Insight of the command `reading.command`, through the same service method."""
    kind = reading.kind
    if kind == "ath":
        return await insights.ath(_part(reading, reading.symbol))
    if kind == "quote":
        return await insights.quote(_part(reading, reading.symbol))
    if kind == "corr":
        return await insights.correlation(_part(reading, reading.a), _part(reading, reading.b))
    if kind == "brief":
        return await insights.brief(list(watchlist))
    signal = _part(reading, reading.signal)
    if kind == "signal":
        return await insights.signal(signal)
    # /after takes the signal itself: "^RUT ath" and "^RUT breakout" are today's event options
    return await insights.after(signal, _part(reading, reading.target))


def _part(reading: Reading, value: str | None) -> str:
    """An option the reader always fills for this kind of reading: missing is riskon's bug."""
    if value is None:
        raise AssertionError(f"the reader left out an option of {reading!r}")
    return value


def read_as_line(reading: Reading, *, code: bool = False) -> str:
    """'Read as: /after trigger:^RUT ath target:BTC-USD' (in backticks for Discord)."""
    command = f"`{reading.command}`" if code else reading.command
    return f"Read as: {command}"


def understood_json(understanding: Understanding) -> dict[str, Any]:
    """The "understood" object; other readings ride along when riskon was unsure."""
    assert understanding.reading is not None
    out = understanding.reading.understood()
    if understanding.alternatives:
        out["alternatives"] = [r.command for r in understanding.alternatives]
    return out


def print_answer(
    understanding: Understanding, insight: Insight, chart_path: str | None, *, as_json: bool
) -> int:
    """What `python -m bot ask text` prints: the command's own answer, read-as line first.

    Other readings (when unsure) go to stderr, so stdout stays exactly the resolved answer."""
    import json
    import sys

    from bot.report import render_text

    assert understanding.reading is not None
    if as_json:
        payload = insight.to_json(chart_path)
        payload["understood"] = understood_json(understanding)
        print(json.dumps(payload, ensure_ascii=False))
    else:
        print(read_as_line(understanding.reading))
        print(render_text(insight, chart_path))
    if understanding.alternatives:
        others = "; ".join(r.command for r in understanding.alternatives)
        print(f"riskon: not sure; other readings: {others}", file=sys.stderr)
    return 0
