"""/config: server settings that only people with Manage Server can change.

`default_permissions` only hides the commands in Discord's UI, and server admins can override it,
so every command here also checks the member's permissions in code (`interaction_check`).
Every reply is private: settings are the admins' business, not the channel's.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.adapter.options import Symbol
from bot.errors import BadInput
from bot.scheduling import brieflog
from bot.scheduling.schedule import next_run, parse_hhmm, parse_timezone, timezone_choices
from bot.settings import MAX_WATCHLIST, GuildSettings

#: What riskon needs in the brief channel, with the names Discord's UI shows.
NEEDED = (
    ("view_channel", "View Channel"),
    ("send_messages", "Send Messages"),
    ("embed_links", "Embed Links"),
    ("attach_files", "Attach Files"),
)


def missing_permissions(channel: discord.abc.GuildChannel, me: discord.Member) -> list[str]:
    perms = channel.permissions_for(me)
    return [label for attr, label in NEEDED if not getattr(perms, attr)]


def describe(settings: GuildSettings, now: datetime | None = None) -> discord.Embed:
    embed = discord.Embed(title="riskon settings for this server", colour=0x0072B2)
    channel = f"<#{settings.channel_id}>" if settings.channel_id else "not set"
    embed.add_field(name="Brief", value="on" if settings.brief_enabled else "off")
    embed.add_field(name="Channel", value=channel)
    embed.add_field(name="Time", value=f"{settings.post_time} {settings.timezone}")
    embed.add_field(name="Weekdays only", value="yes" if settings.weekdays_only else "no")
    embed.add_field(name="Watchlist", value=", ".join(settings.watchlist) or "empty", inline=False)
    if settings.disabled_reason:
        embed.add_field(name="Brief paused", value=settings.disabled_reason, inline=False)
    due = next_run(settings, now or datetime.now(UTC))
    if due is not None:
        embed.add_field(name="Next brief", value=f"<t:{int(due.timestamp())}:F>", inline=False)
    elif not settings.channel_id:
        embed.set_footer(text="Set a channel with /config channel, then /config brief on.")
    return embed


class Admin(commands.Cog):
    config = app_commands.Group(
        name="config",
        description="riskon's settings for this server (Manage Server only)",
        guild_only=True,
        default_permissions=discord.Permissions(manage_guild=True),
    )
    watchlist = app_commands.Group(
        name="watchlist", description="The brief's symbols", parent=config
    )

    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot

    @property
    def settings(self):
        return self.bot.settings  # type: ignore[attr-defined]

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if interaction.guild is None:
            raise app_commands.NoPrivateMessage()
        if not interaction.permissions.manage_guild:
            raise app_commands.MissingPermissions(["manage_guild"])
        return True

    async def _done(
        self, interaction: discord.Interaction, text: str, settings: GuildSettings | None = None
    ) -> None:
        embed = describe(settings, self.bot.clock()) if settings is not None else None  # type: ignore[attr-defined]
        if embed is not None:
            await interaction.response.send_message(text, embed=embed, ephemeral=True)
        else:
            await interaction.response.send_message(text, ephemeral=True)

    @config.command(name="show", description="Show this server's riskon settings.")
    async def show(self, interaction: discord.Interaction) -> None:
        settings = await self.settings.get(interaction.guild_id)
        now = self.bot.clock()  # type: ignore[attr-defined]
        embed = describe(settings, now)
        last = await brieflog.latest(self.bot.store, interaction.guild_id)  # type: ignore[attr-defined]
        if last is not None and last.status in ("failed", "skipped"):
            embed.add_field(
                name="Last brief", value=f"{last.day}: {last.status}, {last.detail}", inline=False
            )
        from cogs.alerts import paused_summary

        paused = await paused_summary(self.bot.store, interaction.guild_id)  # type: ignore[attr-defined]
        if paused:
            embed.add_field(name="Alerts paused", value=paused, inline=False)
        await interaction.response.send_message(embed=embed, ephemeral=True)

    @config.command(name="channel", description="Where the daily brief is posted.")
    @app_commands.describe(channel="A text channel riskon can post in")
    async def channel(self, interaction: discord.Interaction, channel: discord.TextChannel) -> None:
        missing = missing_permissions(channel, interaction.guild.me)
        if missing:
            raise BadInput(
                f"riskon can't post briefs in #{channel.name}: it lacks "
                f"{', '.join(missing)} there. Grant that, then run /config channel again."
            )
        settings = await self.settings.update(
            interaction.guild_id, channel_id=channel.id, disabled_reason=None
        )
        await self._done(interaction, f"Briefs will go to {channel.mention}.", settings)

    @config.command(name="time", description="Local time of the daily brief (24-hour HH:MM).")
    @app_commands.describe(time="e.g. 08:30 or 17:45, in this server's time zone")
    async def time(self, interaction: discord.Interaction, time: str) -> None:
        settings = await self.settings.update(interaction.guild_id, post_time=parse_hhmm(time))
        await self._done(interaction, f"Briefs will be posted at {settings.post_time}.", settings)

    @config.command(name="timezone", description="The time zone for the brief time.")
    @app_commands.describe(zone="An IANA time zone, e.g. Europe/London or America/New_York")
    async def timezone(self, interaction: discord.Interaction, zone: str) -> None:
        settings = await self.settings.update(interaction.guild_id, timezone=parse_timezone(zone))
        await self._done(interaction, f"Time zone set to {settings.timezone}.", settings)

    @timezone.autocomplete("zone")
    async def timezone_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=z, value=z) for z in timezone_choices(current, 25)]

    @watchlist.command(name="add", description="Add a symbol to the brief's watchlist.")
    async def watchlist_add(self, interaction: discord.Interaction, symbol: Symbol) -> None:
        current = (await self.settings.get(interaction.guild_id)).watchlist
        if symbol.symbol in current:
            raise BadInput(f"{symbol.symbol} is already on the watchlist.")
        if len(current) >= MAX_WATCHLIST:
            raise BadInput(
                f"The watchlist holds at most {MAX_WATCHLIST} symbols; remove one first."
            )
        settings = await self.settings.update(
            interaction.guild_id, watchlist=(*current, symbol.symbol)
        )
        await self._done(interaction, f"Added {symbol.label} to the watchlist.", settings)

    @watchlist.command(name="remove", description="Remove a symbol from the brief's watchlist.")
    async def watchlist_remove(self, interaction: discord.Interaction, symbol: Symbol) -> None:
        current = (await self.settings.get(interaction.guild_id)).watchlist
        if symbol.symbol not in current:
            raise BadInput(f"{symbol.symbol} is not on the watchlist ({', '.join(current)}).")
        settings = await self.settings.update(
            interaction.guild_id, watchlist=tuple(s for s in current if s != symbol.symbol)
        )
        await self._done(interaction, f"Removed {symbol.symbol} from the watchlist.", settings)

    @config.command(name="brief", description="Turn the daily brief on or off.")
    async def brief(self, interaction: discord.Interaction, state: Literal["on", "off"]) -> None:
        current = await self.settings.get(interaction.guild_id)
        if state == "on" and current.channel_id is None:
            raise BadInput("Choose a channel first with /config channel, then turn briefs on.")
        if state == "on":
            # Re-check before re-enabling (a pause names what was missing): fail here, not at
            # the next brief.
            channel = interaction.guild.get_channel(current.channel_id)
            if channel is None:
                raise BadInput(
                    "The brief's channel no longer exists; choose one with /config channel."
                )
            missing = missing_permissions(channel, interaction.guild.me)
            if missing:
                raise BadInput(
                    f"riskon still lacks {', '.join(missing)} in #{channel.name}. Grant that, "
                    "then run /config brief on again."
                )
        settings = await self.settings.update(
            interaction.guild_id, brief_enabled=state == "on", disabled_reason=None
        )
        await self._done(interaction, f"Daily brief is {state}.", settings)

    @config.command(name="reset", description="Forget this server's settings (back to defaults).")
    async def reset(self, interaction: discord.Interaction) -> None:
        settings = await self.settings.reset(interaction.guild_id)
        await self._done(interaction, "Settings reset to defaults; the brief is off.", settings)


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(Admin(bot))
