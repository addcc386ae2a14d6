"""/corr: how closely two assets move together, now and historically."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot import defaults
from bot.adapter.app import RiskonBot
from bot.adapter.options import Symbol, answer, cooldown
from bot.errors import BadInput
from bot.insights import WINDOW_RANGE


class Correlation(commands.Cog):
    def __init__(self, bot: RiskonBot) -> None:
        self.bot = bot

    @app_commands.command(name="corr", description="Correlation of two assets' daily returns.")
    @app_commands.describe(
        a="First asset, e.g. russell 2000",
        b="Second asset, e.g. bitcoin",
        window="Rolling window in shared sessions (default 90)",
    )
    @cooldown
    async def corr(
        self,
        interaction: discord.Interaction,
        a: Symbol,
        b: Symbol,
        window: app_commands.Range[int, WINDOW_RANGE[0], WINDOW_RANGE[1]] = defaults.CORR_WINDOW,
    ) -> None:
        if a.symbol == b.symbol:
            raise BadInput("Pick two different assets to correlate.")
        await answer(
            interaction, lambda: self.bot.insights.correlation(a.symbol, b.symbol, window=window)
        )


async def setup(bot: RiskonBot) -> None:
    await bot.add_cog(Correlation(bot))
