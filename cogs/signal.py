"""/signal: when did a signal fire, and does it hold today?"""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.adapter.app import RiskonBot
from bot.adapter.options import answer, cooldown
from bot.adapter.signal_option import SignalText


class SignalCog(commands.Cog):
    def __init__(self, bot: RiskonBot) -> None:
        self.bot = bot

    @app_commands.command(
        name="signal", description="When did a signal fire? Every date, and whether it holds now"
    )
    @app_commands.describe(
        signal="e.g. ^VIX close > 30 · russell drawdown >= 20% · ^GSPC sma 50 > sma 200",
    )
    @cooldown
    async def signal(self, interaction: discord.Interaction, signal: SignalText) -> None:
        await answer(interaction, lambda: self.bot.insights.signal(signal))


async def setup(bot: RiskonBot) -> None:
    await bot.add_cog(SignalCog(bot))
