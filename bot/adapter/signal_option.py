"""A signal option (/after trigger, /signal): autocompleted, and read before anything is fetched.

Why a transformer: a signal that does not parse is the asker's mistake, so it is answered with
one private line at once, before the public "thinking..." appears; the text handed on is the
canonical spelling (or the bare registry symbol, which means its fresh all-time highs).
"""

from __future__ import annotations

import discord
from discord import app_commands

from bot.analytics.signals import complete_signal, parse_signal
from bot.errors import UnknownSymbol
from bot.market.symbols import lookup, resolve


def read_signal(value: str) -> str:
    """A bare symbol as its registry symbol, anything else as its canonical signal text;
    raises `SignalError` (a `BadInput`) with one line when it is neither."""
    try:
        return resolve(value).symbol
    except UnknownSymbol:
        return parse_signal(value).canonical


class SignalTransformer(app_commands.Transformer):
    async def transform(self, interaction: discord.Interaction, value: str) -> str:
        return read_signal(value)

    # discord.py's base takes and returns any option type; this option is a string.
    async def autocomplete(  # type: ignore[override]
        self, interaction: discord.Interaction, value: str
    ) -> list[app_commands.Choice[str]]:
        choices = []
        for text in complete_signal(value, 25):
            asset = lookup(text)  # a bare symbol reads better with its name
            choices.append(app_commands.Choice(name=asset.label if asset else text, value=text))
        return choices


SignalText = app_commands.Transform[str, SignalTransformer]
