"""/help: what riskon answers, where its numbers come from, and what they are not.

`/help topic:<term>` explains one word the answers use, from the same glossary the terminal's
`python -m bot help TERM` prints (`bot/glossary.py`).
"""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot import glossary
from bot.adapter.app import RiskonBot
from bot.errors import BadInput

COMMANDS = (
    ("/ath symbol", "Is it at an all-time high? Record close, distance from it, chart."),
    (
        "/after trigger target [horizon] [min_gap] [event]",
        "After every fresh ATH (or 52-week breakout) of the trigger, what did the target do over "
        "30/90/180/365 days, against its ordinary base rate? The whole record, every episode.",
    ),
    ("/corr a b [window]", "Correlation of daily returns, now and over history."),
    ("/quote symbol", "Last close, 1-day/1-week/1-month/YTD change, distance from the record."),
    ("/brief", "Today's market brief for this server's watchlist."),
    ("/config ...", "Admins (Manage Server): brief channel, time, time zone, watchlist, on/off."),
)


class Help(commands.Cog):
    def __init__(self, bot: RiskonBot) -> None:
        self.bot = bot

    @app_commands.command(
        name="help", description="What riskon does and where its data comes from."
    )
    @app_commands.describe(topic="A term from the answers, e.g. base rate, fresh, gap, pp")
    async def help(self, interaction: discord.Interaction, topic: str | None = None) -> None:
        if topic:
            await interaction.response.send_message(embed=term_embed(topic), ephemeral=True)
            return
        config = self.bot.config.data
        source = (
            "a local folder of CSV files"
            if config.provider == "csv"
            else "Yahoo Finance (daily bars)"
        )
        embed = discord.Embed(
            title="riskon: market questions, answered with the whole record",
            description=(
                "Every answer shows the numbers, a chart and the caveats those numbers call for: "
                "sample size, overlapping windows, the base rate of an ordinary day, data coverage."
            ),
            colour=0x56B4E9,
        )
        for usage, what in COMMANDS:
            embed.add_field(name=usage, value=what, inline=False)
        embed.add_field(
            name="Data",
            value=(
                f"Prices come from {source}; macro series from FRED. Prices are cached and "
                f"refreshed every {config.max_age_equity_minutes:.0f} min for markets and "
                f"{config.max_age_crypto_minutes:.0f} min for crypto. Every reply says the date "
                "of its data, and says so when a source was down and older data was used. "
                "Indices are price indices: dividends are not included."
            ),
            inline=False,
        )
        embed.add_field(
            name="Terms",
            value="Unsure of a word? `/help topic:` explains "
            + ", ".join(t.name for t in glossary.TERMS[:8])
            + " and more.",
            inline=False,
        )
        embed.set_footer(text="Co-movement is not cause. Not investment advice. No ads, no hype.")
        await interaction.response.send_message(embed=embed, ephemeral=True)

    @help.autocomplete("topic")
    async def topic_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=n, value=n) for n in glossary.suggest(current, 25)]


def term_embed(topic: str) -> discord.Embed:
    """One glossary entry as a private embed; an unknown word is a one-line user error."""
    term = glossary.lookup(topic)
    if term is None:
        raise BadInput(glossary.unknown_message(topic))
    embed = discord.Embed(title=term.name, description=term.text, colour=0x56B4E9)
    embed.set_footer(text="More terms: /help topic")
    return embed


async def setup(bot: RiskonBot) -> None:
    await bot.add_cog(Help(bot))
