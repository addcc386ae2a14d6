"""/brief on demand, and the loop that posts each server's daily brief at its local time."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

import discord
from discord import app_commands
from discord.ext import commands, tasks

from bot.adapter.app import RiskonBot
from bot.adapter.options import answer, cooldown
from bot.adapter.poster import BriefPoster

log = logging.getLogger(__name__)

TICK_SECONDS = 30


class Brief(commands.Cog):
    def __init__(self, bot: RiskonBot) -> None:
        self.bot = bot
        config = bot.config.brief
        self.poster = BriefPoster(
            bot,
            grace=timedelta(hours=config.grace_hours),
            concurrency=config.concurrency,
            clock=bot.clock,
        )

    async def cog_load(self) -> None:
        # A restart resolves its predecessor's open claims at once (postlog.owner_dead), and
        # the process's claims keep their heartbeat (`ClaimKeeper`, shared with alerts). A
        # failure (the store locked past its busy timeout) fails the load: the bot retries it
        # within [store] lock_wait_seconds or refuses to start, never runs without briefs.
        await self.bot.claim_keeper.join(self)
        self.loop.start()

    async def cog_unload(self) -> None:
        self.loop.cancel()
        await self.bot.claim_keeper.leave(self)

    @tasks.loop(seconds=TICK_SECONDS)
    async def loop(self) -> None:
        await self.poster.tick()

    @loop.before_loop
    async def before_loop(self) -> None:
        await self.bot.wait_until_ready()

    @loop.error
    async def loop_error(self, error: BaseException) -> None:  # pragma: no cover - belt and braces
        log.exception("Brief loop stopped by an error; restarting it", exc_info=error)
        await asyncio.sleep(TICK_SECONDS)
        self.loop.restart()

    @app_commands.command(name="brief", description="Today's market brief for this server.")
    @cooldown
    async def brief(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(thinking=True)  # before the store: it may be locked
        if interaction.guild_id is not None:
            watchlist = (await self.bot.settings.get(interaction.guild_id)).watchlist
        else:
            watchlist = self.bot.config.brief.watchlist
        await answer(interaction, lambda: self.bot.insights.brief(watchlist))


async def setup(bot: RiskonBot) -> None:
    await bot.add_cog(Brief(bot))
