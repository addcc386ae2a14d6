"""/after: what did one asset do after every fresh record (or breakout) of another?"""

from __future__ import annotations

from typing import Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.adapter.options import Symbol, answer, cooldown
from bot.adapter.signal_option import SignalText
from bot.insights import DEFAULT_HORIZONS, MIN_GAP_RANGE

HORIZON_CHOICES = [
    app_commands.Choice(name="30 days", value=30),
    app_commands.Choice(name="90 days", value=90),
    app_commands.Choice(name="180 days", value=180),
    app_commands.Choice(name="1 year (default)", value=365),
    app_commands.Choice(name="2 years", value=730),
    app_commands.Choice(name="3 years", value=1095),
]


def horizons_up_to(longest: int) -> tuple[int, ...]:
    """The chosen horizon headlines; the shorter standard ones come along for context."""
    return tuple(sorted({h for h in DEFAULT_HORIZONS if h < longest} | {longest}))


class Study(commands.Cog):
    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot

    @app_commands.command(
        name="after", description="After every fresh ATH of one asset, what did another do?"
    )
    @app_commands.describe(
        trigger="An asset (its fresh ATHs) or a signal, e.g. russell · ^VIX close > 30",
        target="The asset to follow after each event, e.g. bitcoin",
        horizon="The longest window to measure (shorter standard ones are shown too)",
        min_gap="Sessions since the trigger last held for it to count again (default 63)",
        event="For a bare asset: ath = fresh all-time highs; breakout = above the 52-week high",
    )
    @app_commands.choices(horizon=HORIZON_CHOICES)
    @cooldown
    async def after(
        self,
        interaction: discord.Interaction,
        trigger: SignalText,
        target: Symbol,
        horizon: int = 365,
        min_gap: app_commands.Range[int, MIN_GAP_RANGE[0], MIN_GAP_RANGE[1]] | None = None,
        event: Literal["ath", "breakout"] | None = None,
    ) -> None:
        await answer(
            interaction,
            lambda: self.bot.insights.after(
                trigger,
                target.symbol,
                horizons=horizons_up_to(horizon),
                min_gap=min_gap,
                event=event,
            ),
        )


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(Study(bot))
