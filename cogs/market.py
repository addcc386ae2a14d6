"""/ath and /quote: where does an asset stand?"""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.adapter import views
from bot.adapter.app import RiskonBot
from bot.adapter.options import Symbol, cooldown


class Market(commands.Cog):
    def __init__(self, bot: RiskonBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        views.install(self.bot)

    async def cog_unload(self) -> None:
        views.uninstall(self.bot)

    @app_commands.command(
        name="ath", description="Is it at an all-time high? Verdict, chart, caveats."
    )
    @app_commands.describe(symbol="An index or asset, e.g. russell 2000, ^RUT, bitcoin")
    @cooldown
    async def ath(self, interaction: discord.Interaction, symbol: Symbol) -> None:
        await views.answer_with_view(
            interaction,
            lambda: self.bot.insights.ath(symbol.symbol),
            views.ath_view(symbol.symbol),
            lambda: views.ath_view(symbol.symbol, disabled=True),
        )

    @app_commands.command(
        name="quote",
        description="Last close, recent changes, distance from the record; chart range buttons.",
    )
    @app_commands.describe(symbol="An index or asset, e.g. s&p 500, BTC-USD")
    @cooldown
    async def quote(self, interaction: discord.Interaction, symbol: Symbol) -> None:
        await views.answer_with_view(
            interaction,
            lambda: self.bot.insights.quote(symbol.symbol),
            views.quote_view(symbol.symbol),
            lambda: views.quote_view(symbol.symbol, disabled=True),
        )


async def setup(bot: RiskonBot) -> None:
    await bot.add_cog(Market(bot))
