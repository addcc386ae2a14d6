"""/after: what did one asset do after every fresh record (or breakout) of another?"""

from __future__ import annotations

from typing import Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot import defaults
from bot.adapter import views
from bot.adapter.app import RiskonBot
from bot.adapter.options import Symbol, cooldown
from bot.adapter.signal_option import SignalText
from bot.insights import MIN_GAP_RANGE

HORIZON_CHOICES = [
    app_commands.Choice(name="30 days", value=30),
    app_commands.Choice(name="90 days", value=90),
    app_commands.Choice(name="180 days", value=180),
    app_commands.Choice(name="1 year (default)", value=365),
    app_commands.Choice(name="2 years", value=730),
    app_commands.Choice(name="3 years", value=1095),
]


horizons_up_to = views.horizons_up_to


class Study(commands.Cog):
    def __init__(self, bot: RiskonBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        views.install(self.bot)  # the buttons under answers work across restarts

    async def cog_unload(self) -> None:
        views.uninstall(self.bot)

    @app_commands.command(
        name="after", description="After every fresh ATH of one asset, what did another do?"
    )
    @app_commands.describe(
        trigger="An asset (its fresh ATHs) or a signal, e.g. russell · ^VIX close > 30",
        target="The asset to follow after each event, e.g. bitcoin",
        horizon="The longest window to measure (shorter standard ones are shown too)",
        min_gap="Sessions since the trigger last held for it to count again "
        f"(default {defaults.MIN_GAP})",
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
        query = views.AfterQuery(trigger, target.symbol, horizon, min_gap, event)
        await views.answer_after(interaction, query)


async def setup(bot: RiskonBot) -> None:
    await bot.add_cog(Study(bot))
