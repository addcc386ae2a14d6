"""/ath and /quote: where does an asset stand?"""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.adapter.options import Symbol, answer, cooldown


class Market(commands.Cog):
    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot

    @app_commands.command(
        name="ath", description="Is it at an all-time high? Verdict, chart, caveats."
    )
    @app_commands.describe(symbol="An index or asset, e.g. russell 2000, ^RUT, bitcoin")
    @cooldown
    async def ath(self, interaction: discord.Interaction, symbol: Symbol) -> None:
        await answer(interaction, lambda: self.bot.insights.ath(symbol.symbol))

    @app_commands.command(
        name="quote", description="Last close, recent changes, distance from the record."
    )
    @app_commands.describe(symbol="An index or asset, e.g. s&p 500, BTC-USD")
    @cooldown
    async def quote(self, interaction: discord.Interaction, symbol: Symbol) -> None:
        await answer(interaction, lambda: self.bot.insights.quote(symbol.symbol))


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(Market(bot))
