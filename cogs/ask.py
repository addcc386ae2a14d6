"""/ask: a question in plain words, answered as the command riskon read it as.

The reply is exactly that command's embed and chart, with "Read as: `/after ...`" on top, so a
wrong reading is visible at once. When the reader is unsure it adds up to three buttons, one per
other reading; a press answers that reading the same way. The cog computes nothing: the reader
is pure (bot/ask/reader.py) and the answer is the service call the command makes.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import discord
from discord import app_commands
from discord.ext import commands

from bot.adapter.app import RiskonBot
from bot.adapter.embeds import insight_embed
from bot.adapter.options import cooldown, show_answer
from bot.adapter.tree import explain, reply_privately
from bot.ask import MAX_QUESTION, Reading
from bot.ask.answer import answer_reading, read_as_line, understand

log = logging.getLogger(__name__)

BUTTONS_TIMEOUT = 15 * 60  # seconds the other readings stay pressable


class OtherReadings(discord.ui.View):
    """One button per other reading; a press answers that reading as a new reply.

    Not persistent: a reading's signal text can be longer than a custom_id (100 characters),
    so the readings live in this view; after a restart or the timeout the buttons go quiet
    and the "Read as" commands on the message can still be typed."""

    def __init__(self, cog: Ask, readings: Sequence[Reading]) -> None:
        super().__init__(timeout=BUTTONS_TIMEOUT)
        for index, reading in enumerate(readings[:3]):
            button: discord.ui.Button[OtherReadings] = discord.ui.Button(
                label=reading.label, style=discord.ButtonStyle.secondary, row=0
            )
            # discord.py's documented way to give one Button its own callback.
            button.callback = self._press(cog, reading)  # type: ignore[method-assign]
            button.custom_id = f"riskon:ask:{index}:{id(self):x}"
            self.add_item(button)

    @staticmethod
    def _press(cog: Ask, reading: Reading):
        async def callback(interaction: discord.Interaction) -> None:
            await cog.reply(interaction, reading, ())

        return callback

    async def on_error(
        self, interaction: discord.Interaction, error: Exception, item: discord.ui.Item
    ) -> None:
        # A press has no command to wrap the error in (CommandInvokeError(None, ...) raised
        # here and left the press "thinking" forever): explain() takes the error itself.
        message = explain(error)
        if message is None:
            log.error("/ask reading button failed", exc_info=error)
            message = "Sorry, something went wrong on riskon's side; please try again later."
        await reply_privately(interaction, message)


class Ask(commands.Cog):
    def __init__(self, bot: RiskonBot) -> None:
        self.bot = bot

    async def _settings(self, interaction: discord.Interaction):
        if interaction.guild_id is None:
            return None
        return await self.bot.settings.get(interaction.guild_id)

    @app_commands.command(
        name="ask", description="Ask in plain words, e.g. is the russell at an all time high?"
    )
    @app_commands.describe(
        question="e.g. what did btc do after small caps hit a record? / does eth move with gold?"
    )
    @cooldown
    async def ask(
        self,
        interaction: discord.Interaction,
        question: app_commands.Range[str, 1, MAX_QUESTION],
    ) -> None:
        # a refusal or an unreadable question is a UserError: the tree answers it privately,
        # at once; the server's default target only changes which reading is chosen
        understand(question)
        # acknowledge before the store: a settings read may wait on a write lock for longer
        # than Discord's 3 s
        await interaction.response.defer(thinking=True)
        settings = await self._settings(interaction)
        default_target = settings.default_target if settings is not None else None
        understanding = understand(question, default_target=default_target)
        assert understanding.reading is not None
        await self.reply(interaction, understanding.reading, understanding.alternatives)

    async def reply(
        self, interaction: discord.Interaction, reading: Reading, others: Sequence[Reading]
    ) -> None:
        """Defer (unless done), answer `reading` through the service, send embed and chart."""
        if not interaction.response.is_done():
            await interaction.response.defer(thinking=True)
        settings = await self._settings(interaction)
        watchlist = (settings.watchlist if settings is not None else ()) or (
            self.bot.config.brief.watchlist
        )
        insight = await answer_reading(self.bot.insights, reading, watchlist=watchlist)
        embed, file = insight_embed(insight)
        content = read_as_line(reading, code=True)
        kwargs: dict = {"content": content, "embed": embed,
                        "attachments": [file] if file is not None else []}
        if others:
            kwargs["content"] = content + "\nNot what you meant? Pick another reading:"
            kwargs["view"] = OtherReadings(self, others)
        await show_answer(interaction, **kwargs)  # in place of "thinking…": never shown twice


async def setup(bot: RiskonBot) -> None:
    await bot.add_cog(Ask(bot))
