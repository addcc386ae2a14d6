"""/alert: a server subscribes to a signal, and riskon posts the study when it fires.

Manage Server only, checked in code (`default_permissions` only hides the commands); every reply
is private. The background check runs every `[alerts] check_minutes` (`AlertPoster.check`); the
posting log's maintenance (heartbeats, dead claims) is the process's `ClaimKeeper`, which runs
while this cog or the Brief cog is loaded, so alert claims never depend on briefs.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import cast

import discord
from discord import app_commands, ui
from discord.ext import commands, tasks

from bot.adapter import views
from bot.adapter.app import RiskonBot
from bot.adapter.embeds import insight_embed
from bot.adapter.options import Symbol, guild_id_of, guild_of
from bot.adapter.poster import AlertPoster, alert_text, missing_permissions
from bot.analytics.signals import parse_signal
from bot.errors import BadInput
from bot.insights import after_signal
from bot.market.symbols import resolve
from bot.scheduling import alertstore
from bot.scheduling.alerts import Firing, SignalRecord, latest_final, signal_record
from bot.scheduling.alertstore import Alert
from bot.store import Store

log = logging.getLogger(__name__)


def _when(alert: Alert) -> str:
    return alert.created_at.strftime("%Y-%m-%d")


def list_lines(alerts: list[Alert], missed: dict[int, list]) -> list[str]:
    """One line per alert: id, signal, target, channel, role, created, last fired, state."""
    lines = []
    for a in alerts:
        role = f"<@&{a.role_id}>" if a.role_id else "no role"
        last = a.last_fired.isoformat() if a.last_fired else "never"
        line = (f"**#{a.id}** `{a.signal}` → {a.target} in <#{a.channel_id}>, {role}; "
                f"created {_when(a)}, last fired {last}")
        if a.paused_reason:
            line += f"; **paused**: {a.paused_reason} (fix it, then /alert resume {a.id})"
        for record in missed.get(a.id, [])[-3:]:
            line += f"; {record.day.isoformat()} not posted ({record.detail})"
        lines.append(line)
    return lines


async def paused_summary(store, guild_id: int) -> str | None:
    """The server's paused alerts and why, for /config show (None when none are paused)."""
    paused = [a for a in await alertstore.of_guild(store, guild_id) if a.paused_reason]
    if not paused:
        return None
    text = "\n".join(f"#{a.id} `{a.signal}` in <#{a.channel_id}>: {a.paused_reason}"
                     for a in paused)
    return text[:1000]


ASK_A_MANAGER = ("Only a server manager (Manage Server) can add alerts: ask one to press "
                 "this button, or to run /alert add.")


class AlertMeButton(ui.DynamicItem[ui.Button], template=views.after_template("alert")):
    """"Alert me when this happens" under every /after answer: the add flow, prefilled.

    The question rides in the custom_id like the other /after buttons (so it works after a
    restart). A manager gets the /alert add reply for the answer's signal and target, posting
    in this channel; anyone else a private line.
    """

    def __init__(self, query: views.AfterQuery) -> None:
        self.query = query
        super().__init__(ui.Button(
            label="Alert me when this happens", style=discord.ButtonStyle.primary,
            custom_id=views.after_id("alert", query), row=1,
        ))

    @classmethod
    async def from_custom_id(cls, interaction, item, match, /):
        return cls(views.query_from(match))

    async def callback(self, interaction: discord.Interaction) -> None:
        await views.guarded(interaction, lambda: self._press(interaction))

    async def _press(self, interaction: discord.Interaction) -> None:
        if interaction.guild is None or not interaction.permissions.manage_guild:
            await interaction.response.send_message(ASK_A_MANAGER, ephemeral=True)
            return
        if self.query.lost:
            raise BadInput("This button has expired; add the alert with /alert add.")
        client = interaction.client
        cog = client.get_cog("Alerts") if isinstance(client, RiskonBot) else None
        if cog is None:  # the button is registered only while the cog is loaded
            raise RuntimeError("the Alerts cog is not loaded")
        signal = after_signal(self.query.trigger, min_gap=self.query.min_gap,
                              event=self.query.event)
        # Not isinstance: each load of an extension is a new module, with a new Alerts class.
        alerts = cast(Alerts, cog)
        await alerts.add_flow(interaction, signal.canonical, self.query.target, None, None)


class Alerts(commands.Cog):
    alert = app_commands.Group(
        name="alert",
        description="Post a study in a channel when a signal fires (Manage Server only)",
        guild_only=True,
        default_permissions=discord.Permissions(manage_guild=True),
    )

    def __init__(self, bot: RiskonBot) -> None:
        self.bot = bot
        self.config = bot.config.alerts
        self.poster = AlertPoster(
            bot,
            grace=timedelta(hours=self.config.grace_hours),
            concurrency=self.config.concurrency,
            clock=bot.clock,
        )
        self.loop.change_interval(minutes=self.config.check_minutes)

    @property
    def store(self) -> Store:
        return self.bot.store

    async def cog_load(self) -> None:
        await self.bot.claim_keeper.join(self)
        self.bot.add_dynamic_items(AlertMeButton)
        # Reloading this extension makes a new class: drop an earlier one, never show two.
        views.AFTER_EXTRAS[:] = [f for f in views.AFTER_EXTRAS
                                 if getattr(f, "__qualname__", None) != "AlertMeButton"]
        views.register_after_extra(AlertMeButton)
        if self.config.enabled:
            self.loop.start()

    async def cog_unload(self) -> None:
        self.loop.cancel()
        await self.bot.claim_keeper.leave(self)
        self.bot.remove_dynamic_items(AlertMeButton)
        if AlertMeButton in views.AFTER_EXTRAS:
            views.AFTER_EXTRAS.remove(AlertMeButton)

    @tasks.loop(minutes=15)
    async def loop(self) -> None:
        await self.poster.check()

    @loop.before_loop
    async def before_loop(self) -> None:
        await self.bot.wait_until_ready()

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if interaction.guild is None:
            raise app_commands.NoPrivateMessage()
        if not interaction.permissions.manage_guild:
            raise app_commands.MissingPermissions(["manage_guild"])
        return True

    # --- add ----------------------------------------------------------------------------------

    async def _record(self, canonical: str, symbols: tuple[str, ...]) -> SignalRecord:
        now = self.bot.clock()
        market = self.bot.services.market
        histories = await asyncio.gather(
            *(market.daily(s, fresh_since=latest_final(s, now)) for s in symbols)
        )
        closes = {h.symbol: h.close for h in histories}
        return await asyncio.to_thread(signal_record, canonical, closes, now)

    async def add_flow(
        self, interaction: discord.Interaction, signal: str, target: str | None,
        channel: discord.abc.GuildChannel | None, role: discord.Role | None,
    ) -> None:
        """Validate, show the record and a preview, then store the alert. Shared by /alert add
        and the "Alert me when this happens" button."""
        parsed = parse_signal(signal)
        target_symbol = resolve(target).symbol if target else parsed.trigger
        chosen = channel or interaction.channel
        if not isinstance(chosen, discord.TextChannel):
            raise BadInput("Pick a text channel for the alert with the channel option.")
        channel = chosen
        missing = missing_permissions(channel)
        if missing:
            raise BadInput(
                f"riskon can't post alerts in #{channel.name}: it lacks {', '.join(missing)} "
                "there. Grant that, or pick another channel."
            )
        if role is not None and role.is_default():
            raise BadInput("An alert may mention a role, not @everyone: pick a role.")
        existing = await alertstore.of_guild(self.store, guild_id_of(interaction))
        limit = self.config.max_per_server
        if len(existing) >= limit:
            raise BadInput(
                f"This server already has {len(existing)} alerts, the most allowed "
                f"([alerts] max_per_server = {limit}); remove one with /alert remove first."
            )
        await interaction.response.defer(ephemeral=True, thinking=True)
        record = await self._record(parsed.canonical, parsed.symbols)
        if record.noisy:
            raise BadInput(f"Not added: `{record.canonical}` {record.noise_text()}. "
                           "Make it rarer, e.g. a higher threshold or another clause.")
        insight = await self.poster.render(parsed.canonical, target_symbol)
        alert = await alertstore.add(
            self.store, guild_id=guild_id_of(interaction), channel_id=channel.id,
            role_id=role.id if role else None, signal=parsed.canonical, target=target_symbol,
            created_by=interaction.user.id, now=self.bot.clock(),
            since_session=record.latest_session, limit=limit,
        )
        mention = f", mentioning {role.mention}" if role else ""
        text = (f"Alert #{alert.id} added: `{record.canonical}`, posting the study of "
                f"{target_symbol} in {channel.mention}{mention}.\nIt {record.fired_text()}. "
                f"{record.holds_text()}\nPreview of the post:")
        embed, file = insight_embed(insight)
        # The line as it would have read on its latest event (or the latest session).
        preview = Firing(alert.signal, alert.target, record.last_event or record.latest_session,
                         self.bot.clock(), False, (alert,))
        content = f"{text}\n>>> {alert_text(alert, preview)}"
        await interaction.followup.send(
            content[:2000], embed=embed, ephemeral=True,
            allowed_mentions=discord.AllowedMentions.none(), file=file or discord.utils.MISSING,
        )

    @alert.command(name="add", description="Post the study in a channel each time a signal fires.")
    @app_commands.describe(
        signal="e.g. '^RUT ath' or '^VIX close > 30' or '^RUT ath and ^VIX close < 20'",
        target="The asset studied after each event (default: the signal's first symbol)",
        channel="Where to post (default: this channel)",
        role="The one role the post mentions (default: none)",
    )
    async def add(
        self, interaction: discord.Interaction, signal: str, target: Symbol | None = None,
        channel: discord.TextChannel | None = None, role: discord.Role | None = None,
    ) -> None:
        await self.add_flow(interaction, signal, target.symbol if target else None, channel, role)

    # --- list / remove / test -----------------------------------------------------------------

    @alert.command(name="list", description="This server's alerts, and whether they are paused.")
    async def list_(self, interaction: discord.Interaction) -> None:
        alerts = await alertstore.of_guild(self.store, guild_id_of(interaction))
        if not alerts:
            await interaction.response.send_message(
                "No alerts yet: add one with /alert add signal:<signal>.", ephemeral=True)
            return
        missed = await alertstore.not_posted(self.store, guild_id_of(interaction))
        lines = list_lines(alerts, missed)
        text, shown = "", 0
        for line in lines:
            if len(text) + len(line) + 60 > 4000:
                break
            text += line + "\n"
            shown += 1
        if shown < len(lines):
            text += f"... and {len(lines) - shown} more."
        embed = discord.Embed(title=f"Alerts on this server ({len(alerts)} of "
                                    f"{self.config.max_per_server})",
                              description=text, colour=0x0072B2)
        await interaction.response.send_message(embed=embed, ephemeral=True)

    async def _own(self, interaction: discord.Interaction, alert_id: int) -> Alert:
        alert = await alertstore.get(self.store, guild_id_of(interaction), alert_id)
        if alert is None:
            raise BadInput(f"This server has no alert #{alert_id}; see /alert list.")
        return alert

    @alert.command(name="remove", description="Stop an alert.")
    @app_commands.describe(id="The alert's number (see /alert list)")
    async def remove(self, interaction: discord.Interaction, id: int) -> None:
        alert = await self._own(interaction, id)
        await alertstore.remove(self.store, guild_id_of(interaction), alert.id)
        await interaction.response.send_message(
            f"Removed alert #{alert.id} (`{alert.signal}` → {alert.target}).", ephemeral=True)

    @alert.command(name="test", description="The alert's post as it would look now, privately.")
    @app_commands.describe(id="The alert's number (see /alert list)")
    async def test(self, interaction: discord.Interaction, id: int) -> None:
        alert = await self._own(interaction, id)
        await interaction.response.defer(ephemeral=True, thinking=True)
        parsed = parse_signal(alert.signal)
        record = await self._record(parsed.canonical, parsed.symbols)
        insight = await self.poster.render(alert.signal, alert.target)
        embed, file = insight_embed(insight)
        session = record.last_event or record.latest_session
        firing = Firing(alert.signal, alert.target, session, self.bot.clock(), False, (alert,))
        await interaction.followup.send(
            f"Test of alert #{alert.id} (nobody was notified; it {record.fired_text()}), "
            f"as its post read on {session.isoformat()}:\n>>> {alert_text(alert, firing)}",
            embed=embed, ephemeral=True, allowed_mentions=discord.AllowedMentions.none(),
            file=file or discord.utils.MISSING,
        )

    @alert.command(name="resume", description="Resume a paused alert once its channel works.")
    @app_commands.describe(id="The alert's number (see /alert list)")
    async def resume(self, interaction: discord.Interaction, id: int) -> None:
        alert = await self._own(interaction, id)
        if not alert.paused:
            raise BadInput(f"Alert #{alert.id} is not paused.")
        channel = guild_of(interaction).get_channel(alert.channel_id)
        if not isinstance(channel, discord.TextChannel):
            raise BadInput(f"Alert #{alert.id}'s channel no longer exists; remove the alert "
                           "and add it again with another channel.")
        missing = missing_permissions(channel)
        if missing:
            raise BadInput(f"riskon still lacks {', '.join(missing)} in #{channel.name}. "
                           "Grant that, then run /alert resume again.")
        await alertstore.resume(self.store, guild_id_of(interaction), alert.id)
        await interaction.response.send_message(
            f"Alert #{alert.id} resumed: it posts in {channel.mention} again.", ephemeral=True)

    @remove.autocomplete("id")
    @test.autocomplete("id")
    @resume.autocomplete("id")
    async def id_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[int]]:
        if interaction.guild_id is None:
            return []
        typed = current.strip().lstrip("#").lower()
        choices = []
        for a in await alertstore.of_guild(self.store, guild_id_of(interaction)):
            name = f"#{a.id} {a.signal} → {a.target}" + (" (paused)" if a.paused else "")
            if typed and typed not in name.lower():
                continue
            choices.append(app_commands.Choice(name=name[:100], value=a.id))
        return choices[:25]


async def setup(bot: RiskonBot) -> None:
    await bot.add_cog(Alerts(bot))
