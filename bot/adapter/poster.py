"""Posting the daily brief: which guilds are due, one render per watchlist, exactly-once sends.

Kept apart from the cog so a test can drive `tick(now)` with any clock. A tick never raises:
a failing guild is recorded and logged, and the loop lives on for every other guild.
"""

from __future__ import annotations

import asyncio
import bisect
import logging
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import discord

from bot.adapter.embeds import insight_embed
from bot.scheduling import brieflog, postlog
from bot.scheduling.schedule import Due, due

log = logging.getLogger(__name__)

#: Discord errors that mean "this channel is gone or closed to us": pause that guild's brief.
CHANNEL_GONE = {
    10003: "the channel was deleted",
    50001: "riskon lost access to the channel",
    50013: "riskon lacks permission to post there",
}


class BriefPoster:
    def __init__(
        self,
        bot: Any,
        *,
        grace: timedelta,
        concurrency: int,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.bot = bot
        self.grace = grace
        self.clock = clock
        self._limit = asyncio.Semaphore(concurrency)
        self.owner: str = getattr(bot, "post_owner", None) or postlog.new_owner()
        self.renders = 0  # briefs computed and rendered, for tests and benchmarks
        self.ticks = 0  # ticks completed, so a test can wait for the loop to have looked
        self._settled = postlog.SettledKeys()
        #: Instants of the ticks that completed, sorted, for the last two days: whether a tick
        #: looked at a run before its guild's settings changed (see `_owed`).
        self._ticks: list[datetime] = []

    async def tick(self, now: datetime | None = None) -> list[tuple[int, str]]:
        """One scheduler pass; returns (guild_id, outcome) for what it did."""
        now = now or self.clock()
        try:
            outcomes = await self._tick(now)
        except Exception:
            log.exception("Brief tick at %s failed; the loop goes on", now.isoformat())
            return []
        self.ticks += 1
        bisect.insort(self._ticks, now)
        horizon = now - timedelta(days=2)
        if self._ticks[0] < horizon:
            del self._ticks[: bisect.bisect_left(self._ticks, horizon)]
        return outcomes

    async def maintain(self) -> list[postlog.PostRecord]:
        """Keep our open claims' heartbeat fresh and resolve every claim of a dead process.

        Run at start-up and then every `postlog.HEARTBEAT` by the cog's own loop (never by the
        tick, which may be busy fanning out for minutes). Briefs and alerts alike.
        """
        now = self.clock()
        await postlog.beat(self.bot.store, now, owner=self.owner)
        return await postlog.resolve_dead(self.bot.store, now, owner=self.owner)

    def _owed(self, item: Due) -> bool:
        """Whether the guild's current settings owe it this run.

        A run is owed unless the guild changed its settings after the run's instant and
        either the run is already past the grace window (turning briefs on at 07:00 must not
        log yesterday's 08:00 as missed) or one of our ticks looked at the guild between the
        run's instant and the change: that tick found nothing due, so under the settings of
        the time the run did not exist (briefs were off, or set to another time). A run not
        owed is *not* settled: it is judged again next tick against the settings of then, so
        turning briefs on after 08:00 and then choosing 12:01 posts at 12:01 (issue 8, defect
        4: settling it in memory silently dropped that brief until a restart).
        """
        if item.settings.updated_at is None:
            return True
        changed = datetime.fromisoformat(item.settings.updated_at)
        if item.scheduled_at_utc >= changed:
            return True
        if item.missed:
            return False
        seen = bisect.bisect_left(self._ticks, item.scheduled_at_utc)
        return not (seen < len(self._ticks) and self._ticks[seen] < changed)

    async def _settled_for(self, days: set[date]) -> postlog.SettledKeys:
        """(guild, local date) pairs already claimed, sent, skipped or failed.

        Read from the posting log one day at a time (each day's rows become a set of guild ids
        beside the loop) and then kept in step with our own writes, so an idle tick does no SQL
        at all, and even the first tick at 100,000 servers holds the loop only milliseconds.
        """
        self._settled.keep_only(days)
        for day in sorted(days - self._settled.days):
            self._settled.put_day(day, await postlog.guilds_on(self.bot.store, "brief", day))
        return self._settled

    async def _tick(self, now: datetime) -> list[tuple[int, str]]:
        store = self.bot.store
        enabled = await self.bot.settings.all_enabled()
        if getattr(self.bot, "shard_ids", None) is not None:
            # Several processes split the shards: post only for guilds on ours.
            enabled = [s for s in enabled if self.bot.owns_guild(s.guild_id)]
        if not enabled:
            return []
        days = {now.date() + timedelta(days=d) for d in (-2, -1, 0, 1)}
        settled = await self._settled_for(days)
        # Pure but O(guilds): run it beside the loop. Nothing mutates `settled` meanwhile:
        # only this tick writes to it, after `due` returns.
        items = await asyncio.to_thread(due, enabled, now, grace=self.grace, exclude=settled)
        outcomes: list[tuple[int, str]] = []
        by_watchlist: dict[tuple[str, ...], list[Due]] = defaultdict(list)
        for item in items:
            guild_id = item.settings.guild_id
            key = (guild_id, item.local_date)
            if not self._owed(item):
                continue  # chosen after that run: nothing was owed, nothing to record
            settled.add(key)  # recorded below (skipped) or claimed, whatever the outcome
            if item.missed:
                late = item.late_by.total_seconds() / 3600
                detail = f"missed: {late:.1f} h late, past the {self.grace} grace window"
                await brieflog.mark(store, guild_id, item.local_date, "skipped", detail, now)
                log.warning(
                    "Brief for guild %s on %s skipped (%s)", guild_id, item.local_date, detail
                )
                outcomes.append((guild_id, "skipped"))
            else:
                by_watchlist[item.settings.watchlist].append(item)
        for watchlist, items_ in by_watchlist.items():
            outcomes += await self._post_group(watchlist, items_, now)
        return outcomes

    async def _post_group(
        self, watchlist: tuple[str, ...], items: list[Due], now: datetime
    ) -> list[tuple[int, str]]:
        """Render once, send to every guild due with this watchlist (bounded concurrency)."""
        try:
            insight = await self.bot.insights.brief(watchlist)
            self.renders += 1
        except Exception as exc:
            log.exception("Brief for watchlist %s could not be built", ",".join(watchlist))
            for item in items:
                await brieflog.mark(
                    self.bot.store,
                    item.settings.guild_id,
                    item.local_date,
                    "failed",
                    f"brief not built: {exc}",
                    now,
                )
            return [(item.settings.guild_id, "failed") for item in items]
        return list(await asyncio.gather(*(self._send(insight, item) for item in items)))

    async def _send(self, insight: Any, item: Due) -> tuple[int, str]:
        store, guild_id = self.bot.store, item.settings.guild_id
        async with self._limit:
            claimed = await brieflog.claim(
                store, guild_id, item.local_date, self.clock(), owner=self.owner
            )
            if not claimed:
                return guild_id, "already claimed"
            try:
                channel = self.bot.get_channel(
                    item.settings.channel_id
                ) or await self.bot.fetch_channel(item.settings.channel_id)
                embed, file = insight_embed(insight)
                message = await channel.send(embed=embed, **({"file": file} if file else {}))
            except discord.HTTPException as exc:
                return guild_id, await self._failed(item, exc)
            except Exception as exc:
                log.exception("Brief for guild %s failed", guild_id)
                await brieflog.mark(
                    store, guild_id, item.local_date, "failed", repr(exc), self.clock()
                )
                return guild_id, "failed"
            await brieflog.commit(store, guild_id, item.local_date, message.id, self.clock())
            return guild_id, "sent"

    async def _failed(self, item: Due, exc: discord.HTTPException) -> str:
        guild_id = item.settings.guild_id
        reason = pause_reason(self.bot, item.settings.channel_id, exc)
        detail = reason or f"Discord error {exc.status}: {exc.text[:200]}"
        await brieflog.mark(
            self.bot.store, guild_id, item.local_date, "failed", detail, self.clock()
        )
        if reason:
            stamp = self.clock().strftime("%Y-%m-%d %H:%M UTC")
            await self.bot.settings.update(
                guild_id,
                brief_enabled=False,
                disabled_reason=f"Paused on {stamp}: {reason}. Fix it, then /config brief on.",
            )
            log.warning("Brief for guild %s paused: %s", guild_id, reason)
            await notify_pause(self.bot, guild_id, item.settings.channel_id, "daily brief", reason)
            return "disabled"
        log.warning("Brief for guild %s failed: %s", guild_id, detail)
        return "failed"


#: What riskon needs in a channel it posts to, with the names Discord's UI shows.
NEEDED = (
    ("view_channel", "View Channel"),
    ("send_messages", "Send Messages"),
    ("embed_links", "Embed Links"),
    ("attach_files", "Attach Files"),
)


def missing_permissions(channel: Any) -> list[str]:
    """The permissions riskon lacks in `channel` (names as Discord shows them)."""
    perms = channel.permissions_for(channel.guild.me)
    return [label for attr, label in NEEDED if not getattr(perms, attr)]


def pause_reason(bot: Any, channel_id: int | None, exc: discord.HTTPException) -> str | None:
    """Why posting to this channel must pause, naming the channel and what is missing; None
    for an error that is not about the channel (a retry tomorrow may work)."""
    gone = isinstance(exc, discord.NotFound) or exc.code == 10003
    if not gone and not (isinstance(exc, discord.Forbidden) or exc.code in CHANNEL_GONE):
        return None
    channel = bot.get_channel(channel_id) if channel_id is not None else None
    where = f"#{channel.name}" if channel is not None else f"channel {channel_id}"
    if gone or channel is None:
        return f"the channel {where} was deleted" if gone else f"riskon lost access to {where}"
    missing = missing_permissions(channel)
    if missing:
        return f"riskon lacks {', '.join(missing)} in {where}"
    return f"riskon lacks permission to post in {where}"


async def notify_pause(
    bot: Any, guild_id: int, channel_id: int | None, what: str, reason: str,
    fix: str = "/config brief on",
) -> bool:
    """Tell the server once, in its system channel, that `what` was paused and why.

    Called once per pause (a paused subscription is not tried again, so it cannot fail again
    until an admin turns it back on). Only when riskon may post there, and never in the
    channel that just failed. Mentions nobody. True if the notice went out.
    """
    guild = bot.get_guild(guild_id)
    system = getattr(guild, "system_channel", None)
    if system is None or system.id == channel_id:
        return False
    perms = system.permissions_for(guild.me)
    if not (perms.view_channel and perms.send_messages):
        return False
    try:
        await system.send(
            f"riskon paused the {what}: {reason}. A server manager can fix that, then run "
            f"{fix}.",
            allowed_mentions=discord.AllowedMentions.none(),
        )
    except discord.HTTPException as exc:
        log.info("Pause notice for guild %s not sent: %s", guild_id, exc)
        return False
    return True
