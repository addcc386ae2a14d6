"""/config: server settings that only people with Manage Server can change.

`default_permissions` only hides the commands in Discord's UI, and server admins can override it,
so every command here also checks the member's permissions in code (`interaction_check`), and
every autocomplete answers nothing to a member without Manage Server (discord.py runs no cog
check for autocomplete). Every reply is private: settings are the admins' business, not the
channel's. Every command acknowledges (defers) before it touches the store: a write can wait
on a lock longer than Discord's 3-second deadline.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.adapter.app import RiskonBot
from bot.adapter.options import SymbolTransformer, guild_id_of, guild_of
from bot.defaults import DEFAULT_TARGET
from bot.errors import BadInput, RiskonError
from bot.market.symbols import Asset, resolve
from bot.scheduling import brieflog
from bot.scheduling.schedule import next_run, parse_hhmm, parse_timezone, timezone_choices
from bot.settings import MAX_WATCHLIST, GuildSettings, GuildSettingsRepo

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


def manages_server(interaction: discord.Interaction) -> bool:
    """The check every /config path shares, autocomplete included."""
    return interaction.guild is not None and interaction.permissions.manage_guild


def schedule_words(settings: GuildSettings) -> str:
    """'08:00 Europe/London, weekdays only': when briefs go out, with the time zone."""
    days = "weekdays only" if settings.weekdays_only else "every day"
    return f"{settings.post_time} {settings.timezone}, {days}"


def brief_status(settings: GuildSettings, now: datetime) -> str:
    """What is still missing for a brief, or when the next one is posted (with the time zone).

    Every /config reply ends with it, so an admin never has to guess the next step.
    """
    missing = []
    if settings.channel_id is None:
        missing.append("choose a channel with `/config channel`")
    if not settings.brief_enabled:
        missing.append("turn it on with `/config brief on`")
    if not settings.watchlist:
        missing.append("add symbols with `/config watchlist add`")
    if missing:
        return "Still missing for a daily brief: " + "; ".join(missing) + "."
    due = next_run(settings, now)
    if due is None:  # pragma: no cover - next_run finds a run for every real zone
        return "The daily brief is on."
    return (
        f"The next brief will be posted <t:{int(due.timestamp())}:F> "
        f"({due.astimezone(UTC):%Y-%m-%d %H:%M} UTC; {schedule_words(settings)})."
    )


def describe(settings: GuildSettings, now: datetime | None = None) -> discord.Embed:
    embed = discord.Embed(title="riskon settings for this server", colour=0x0072B2)
    channel = f"<#{settings.channel_id}>" if settings.channel_id else "not set"
    embed.add_field(name="Brief", value="on" if settings.brief_enabled else "off")
    embed.add_field(name="Channel", value=channel)
    embed.add_field(name="Time", value=f"{settings.post_time} {settings.timezone}")
    embed.add_field(name="Weekdays only", value="yes" if settings.weekdays_only else "no")
    embed.add_field(name="Watchlist", value=", ".join(settings.watchlist) or "empty", inline=False)
    embed.add_field(
        name="Default target",
        value=settings.default_target or f"{DEFAULT_TARGET} (riskon's default)",
        inline=False,
    )
    if settings.disabled_reason:
        embed.add_field(name="Brief paused", value=settings.disabled_reason, inline=False)
    due = next_run(settings, now or datetime.now(UTC))
    if due is not None:
        embed.add_field(name="Next brief", value=f"<t:{int(due.timestamp())}:F>", inline=False)
    elif not settings.channel_id:
        embed.set_footer(text="Set a channel with /config channel, then /config brief on.")
    return embed


class AdminSymbol(SymbolTransformer):
    """A symbol option whose suggestions only people with Manage Server see."""

    # discord.py's base takes and returns any option type; this option is a string.
    async def autocomplete(  # type: ignore[override]
        self, interaction: discord.Interaction, value: str
    ) -> list[app_commands.Choice[str]]:
        if not manages_server(interaction):
            return []
        return await super().autocomplete(interaction, value)


class Admin(commands.Cog):
    config = app_commands.Group(
        name="config",
        description="riskon's settings for this server (Manage Server only)",
        guild_only=True,
        default_permissions=discord.Permissions(manage_guild=True),
    )
    watchlist = app_commands.Group(
        name="watchlist", description="The symbols the daily brief covers", parent=config
    )

    def __init__(self, bot: RiskonBot) -> None:
        self.bot = bot

    @property
    def settings(self) -> GuildSettingsRepo:
        return self.bot.settings

    def _now(self) -> datetime:
        return self.bot.clock()

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if interaction.guild is None:
            raise app_commands.NoPrivateMessage()
        if not interaction.permissions.manage_guild:
            raise app_commands.MissingPermissions(["manage_guild"])
        return True

    @staticmethod
    async def _defer(interaction: discord.Interaction) -> None:
        """Acknowledge privately before any store access (Discord's deadline is 3 s)."""
        await interaction.response.defer(ephemeral=True, thinking=True)

    async def _done(
        self, interaction: discord.Interaction, text: str, settings: GuildSettings
    ) -> None:
        text = f"{text} {brief_status(settings, self._now())}"
        embed = describe(settings, self._now())
        await interaction.followup.send(text, embed=embed, ephemeral=True)

    @config.command(name="show", description="Show this server's riskon settings.")
    async def show(self, interaction: discord.Interaction) -> None:
        await self._defer(interaction)
        settings = await self.settings.get(guild_id_of(interaction))
        embed = describe(settings, self._now())
        last = await brieflog.latest(self.bot.store, guild_id_of(interaction))
        if last is not None and last.status in ("failed", "skipped"):
            embed.add_field(
                name="Last brief", value=f"{last.day}: {last.status}, {last.detail}", inline=False
            )
        from cogs.alerts import paused_summary

        paused = await paused_summary(self.bot.store, guild_id_of(interaction))
        if paused:
            embed.add_field(name="Alerts paused", value=paused, inline=False)
        await interaction.followup.send(
            brief_status(settings, self._now()), embed=embed, ephemeral=True
        )

    @config.command(name="channel", description="Where the daily brief is posted.")
    @app_commands.describe(channel="A text channel riskon can post in (it checks its permissions)")
    async def channel(self, interaction: discord.Interaction, channel: discord.TextChannel) -> None:
        missing = missing_permissions(channel, guild_of(interaction).me)
        if missing:
            raise BadInput(
                f"riskon can't post briefs in #{channel.name}: it lacks "
                f"{', '.join(missing)} there. Grant that, then run /config channel again."
            )
        await self._defer(interaction)
        settings = await self.settings.update(
            guild_id_of(interaction), channel_id=channel.id, disabled_reason=None
        )
        await self._done(interaction, f"Briefs will go to {channel.mention}.", settings)

    @config.command(name="time", description="Local time of the daily brief (24-hour HH:MM).")
    @app_commands.describe(time="e.g. 08:30 or 17:45, in this server's time zone")
    async def time(self, interaction: discord.Interaction, time: str) -> None:
        post_time = parse_hhmm(time)  # a typo is answered at once, before deferring
        await self._defer(interaction)
        settings = await self.settings.update(guild_id_of(interaction), post_time=post_time)
        await self._done(
            interaction, f"Briefs will be posted at {schedule_words(settings)}.", settings
        )

    @config.command(name="timezone", description="The time zone for the brief time.")
    @app_commands.describe(
        zone="An IANA time zone (a place), e.g. Europe/London or America/New_York; not EST"
    )
    async def timezone(self, interaction: discord.Interaction, zone: str) -> None:
        await self._defer(interaction)
        # Reading tzdata (and, for an abbreviation, every zone's rules) is file I/O: off the loop.
        chosen = await asyncio.to_thread(parse_timezone, zone)
        settings = await self.settings.update(guild_id_of(interaction), timezone=chosen)
        await self._done(interaction, f"Time zone set to {settings.timezone}.", settings)

    @timezone.autocomplete("zone")
    async def timezone_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        if not manages_server(interaction):
            return []
        return [app_commands.Choice(name=z, value=z) for z in timezone_choices(current, 25)]

    @config.command(name="weekdays", description="Post the brief on weekdays only, or every day.")
    @app_commands.describe(state="on: Monday to Friday (local date); off: every day")
    async def weekdays(
        self, interaction: discord.Interaction, state: Literal["on", "off"]
    ) -> None:
        await self._defer(interaction)
        settings = await self.settings.update(guild_id_of(interaction), weekdays_only=state == "on")
        days = "on weekdays only" if settings.weekdays_only else "every day"
        await self._done(interaction, f"Briefs will be posted {days}.", settings)

    @config.command(
        name="target",
        description="The asset 'What happened after?' and /ask follow when none is named.",
    )
    @app_commands.describe(symbol="An index or asset with price data, e.g. btc, eth, ^GSPC")
    async def target(
        self,
        interaction: discord.Interaction,
        symbol: app_commands.Transform[Asset, AdminSymbol],
    ) -> None:
        await self._defer(interaction)
        try:  # a target with no prices would turn every default question into an error
            await self.bot.services.market.daily(symbol.symbol)
        except RiskonError as exc:
            raise BadInput(f"{symbol.symbol} was not set as the default target: {exc}") from exc
        settings = await self.settings.update(
            guild_id_of(interaction), default_target=symbol.symbol
        )
        await self._done(
            interaction, f"Questions that name no target now follow {symbol.label}.", settings
        )

    @watchlist.command(name="add", description="Add a symbol to the brief's watchlist.")
    @app_commands.describe(symbol="An index or asset with price data, e.g. gold, ^RUT, ETH-USD")
    async def watchlist_add(
        self,
        interaction: discord.Interaction,
        symbol: app_commands.Transform[Asset, AdminSymbol],
    ) -> None:
        await self._defer(interaction)
        current = (await self.settings.get(guild_id_of(interaction))).watchlist
        if symbol.symbol in current:
            raise BadInput(f"{symbol.symbol} is already on the watchlist.")
        if len(current) >= MAX_WATCHLIST:
            raise BadInput(
                f"The watchlist holds at most {MAX_WATCHLIST} symbols; remove one first."
            )
        try:  # a symbol with no prices would only ever be a "missing" line in every brief
            await self.bot.services.market.daily(symbol.symbol)
        except RiskonError as exc:
            raise BadInput(f"{symbol.symbol} was not added: {exc}") from exc
        settings = await self.settings.update(
            guild_id_of(interaction), watchlist=(*current, symbol.symbol)
        )
        await self._done(interaction, f"Added {symbol.label} to the watchlist.", settings)

    @watchlist.command(name="remove", description="Remove a symbol from the brief's watchlist.")
    @app_commands.describe(symbol="One of this server's watchlist symbols")
    async def watchlist_remove(self, interaction: discord.Interaction, symbol: str) -> None:
        await self._defer(interaction)
        current = (await self.settings.get(guild_id_of(interaction))).watchlist
        wanted = symbol.strip().upper()
        if wanted not in current:
            try:
                wanted = resolve(symbol).symbol
            except RiskonError:
                pass
        if wanted not in current:
            listed = ", ".join(current) or "it is empty"
            raise BadInput(f"{symbol.strip()} is not on the watchlist ({listed}).")
        settings = await self.settings.update(
            guild_id_of(interaction), watchlist=tuple(s for s in current if s != wanted)
        )
        await self._done(interaction, f"Removed {wanted} from the watchlist.", settings)

    @watchlist_remove.autocomplete("symbol")
    async def watchlist_remove_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        """The server's own list: removing something not on it is never the intent."""
        if not manages_server(interaction) or interaction.guild_id is None:
            return []
        listed = (await self.settings.get(guild_id_of(interaction))).watchlist
        typed = current.strip().upper()
        return [app_commands.Choice(name=s, value=s) for s in listed if typed in s.upper()][:25]

    @config.command(name="brief", description="Turn the daily brief on or off.")
    @app_commands.describe(state="on: post the daily brief in the chosen channel; off: stop")
    async def brief(self, interaction: discord.Interaction, state: Literal["on", "off"]) -> None:
        await self._defer(interaction)
        current = await self.settings.get(guild_id_of(interaction))
        if state == "on":
            if current.channel_id is None:
                raise BadInput(
                    "Choose a channel first with /config channel, then turn briefs on."
                )
            # Re-check before re-enabling (a pause names what was missing): fail here, not at
            # the next brief.
            channel = guild_of(interaction).get_channel(current.channel_id)
            if channel is None:
                raise BadInput(
                    "The brief's channel no longer exists; choose one with /config channel."
                )
            missing = missing_permissions(channel, guild_of(interaction).me)
            if missing:
                raise BadInput(
                    f"riskon still lacks {', '.join(missing)} in #{channel.name}. Grant that, "
                    "then run /config brief on again."
                )
        settings = await self.settings.update(
            guild_id_of(interaction), brief_enabled=state == "on", disabled_reason=None
        )
        await self._done(interaction, f"Daily brief is {state}.", settings)

    @config.command(name="reset", description="Forget this server's settings (back to defaults).")
    async def reset(self, interaction: discord.Interaction) -> None:
        await self._defer(interaction)
        settings = await self.settings.reset(guild_id_of(interaction))
        await self._done(interaction, "Settings reset to defaults; the brief is off.", settings)


async def setup(bot: RiskonBot) -> None:
    await bot.add_cog(Admin(bot))
