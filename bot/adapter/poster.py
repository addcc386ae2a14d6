"""Posting unasked: the daily brief and alerts. One render per watchlist (brief) or per
(signal, target) (alert), fanned out to every channel owed it, each send exactly once through
the posting log (`post_once`), a gone or closed channel pausing what posts there.

Kept apart from the cogs so a test can drive `tick(now)` / `check(now)` with any clock. A pass
never raises: a failing guild is recorded and logged, and the loop lives on for the others.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import hashlib
import logging
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import discord

from bot.adapter.embeds import insight_embed
from bot.adapter.options import through_server_errors
from bot.analytics.signals import parse_signal
from bot.errors import RiskonError
from bot.scheduling import alertstore, brieflog, postlog
from bot.scheduling.alerts import AlertChecker, Firing
from bot.scheduling.alertstore import Alert, post_key
from bot.scheduling.schedule import Due, due

if TYPE_CHECKING:
    from bot.adapter.app import RiskonBot
    from bot.answers.model import Insight

log = logging.getLogger(__name__)

#: Discord errors that mean "this channel is gone or closed to us": pause that guild's brief.
CHANNEL_GONE = {
    10003: "the channel was deleted",
    50001: "riskon lost access to the channel",
    50013: "riskon lacks permission to post there",
}


class ClaimKeeper:
    """This process's posting-log maintenance: the heartbeat of its open claims and the
    resolution of claims whose process died (`postlog.beat`, `postlog.resolve_dead`).

    One per bot (`RiskonBot.claim_keeper`), shared by every kind of post: it runs while any cog that
    posts is loaded, on a task of its own, so alert claims keep their heartbeat when briefs are
    off or the Brief cog is gone (and the reverse), and a long fan-out never makes our claims
    look dead to another process. Claims are the process's, not a cog's: one beat covers both.
    """

    #: Seconds between passes (tests shorten it; the lease allows for several missed beats).
    interval: float = postlog.HEARTBEAT.total_seconds()

    def __init__(self, bot: RiskonBot) -> None:
        self.bot = bot
        self.owner: str = bot.post_owner
        self.passes = 0  # loop passes completed, so a test can wait for one
        self._users: set[int] = set()
        self._task: asyncio.Task[None] | None = None

    async def maintain(self) -> list[postlog.PostRecord]:
        """One pass: refresh our claims' heartbeat, resolve every claim of a dead process."""
        now = self.bot.clock()
        await postlog.beat(self.bot.store, now, owner=self.owner)
        return await postlog.resolve_dead(self.bot.store, now, owner=self.owner)

    async def join(self, user: object) -> None:
        """A posting cog is loading: resolve a predecessor's claims now (a failure, such as the
        store locked past its busy timeout, fails the cog's load), and keep the loop running."""
        await self.maintain()
        self._users.add(id(user))
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="posting-log heartbeat")

    async def leave(self, user: object) -> None:
        """A posting cog is unloading; the loop stops with the last of them."""
        self._users.discard(id(user))
        if not self._users and self._task is not None:
            task, self._task = self._task, None
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                await self.maintain()
            except Exception:
                log.exception("Posting log maintenance failed; the loop goes on")
            self.passes += 1


class BriefPoster:
    def __init__(
        self,
        bot: RiskonBot,
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

    async def _send(self, insight: Insight, item: Due) -> tuple[int, str]:
        guild_id = item.settings.guild_id
        channel_id = item.settings.channel_id
        assert channel_id is not None, "due() yields only guilds with a brief channel"
        async with self._limit:
            outcome, reason = await post_once(
                self.bot, "brief", brieflog.key(guild_id, item.local_date), guild_id=guild_id,
                day=item.local_date, channel_id=channel_id, insight=insight,
                owner=self.owner, clock=self.clock,
            )
            if reason is not None:
                return guild_id, await self._paused(item, reason)
            return guild_id, outcome

    async def _paused(self, item: Due, reason: str) -> str:
        guild_id = item.settings.guild_id
        stamp = self.clock().strftime("%Y-%m-%d %H:%M UTC")
        await self.bot.settings.update(
            guild_id,
            brief_enabled=False,
            disabled_reason=f"Paused on {stamp}: {reason}. Fix it, then /config brief on.",
        )
        log.warning("Brief for guild %s paused: %s", guild_id, reason)
        await notify_pause(self.bot, guild_id, item.settings.channel_id, "daily brief", reason)
        return "disabled"


def post_nonce(kind: str, key: str) -> str:
    """The same nonce for every attempt at one post (Discord takes up to 25 characters).

    A 5xx can come after Discord made the message; sent again, it would appear twice.
    With `enforce_nonce` (discord.py sets it with a nonce) Discord answers a repeat within a
    few minutes with the message it already made, so retrying is safe."""
    return hashlib.sha256(f"{kind}:{key}".encode()).hexdigest()[:25]


async def post_once(
    bot: RiskonBot, kind: postlog.Kind, key: str, *, guild_id: int, day: date, channel_id: int,
    insight: Insight, owner: str, clock: Callable[[], datetime], content: str | None = None,
    allowed_mentions: discord.AllowedMentions | None = None,
) -> tuple[str, str | None]:
    """Claim (kind, key), send the insight to the channel, commit or mark: one post, once.

    Shared by briefs and alerts. Returns (outcome, pause reason): outcome is 'sent',
    'already claimed' or 'failed'; the reason is set when the channel is gone or closed to
    us (the caller pauses what posts there), else None.
    """
    store = bot.store
    if not await postlog.claim(store, kind, key, guild_id=guild_id, day=day, now=clock(),
                               owner=owner):
        return "already claimed", None
    try:
        channel = bot.get_channel(channel_id) or await bot.fetch_channel(channel_id)
        if not isinstance(channel, discord.abc.Messageable):  # a category or forum: no posts
            raise TypeError(f"channel {channel_id} is a {type(channel).__name__}")
        embed, file = insight_embed(insight)
        extra: dict[str, Any] = {"file": file} if file else {}
        if content is not None:
            extra["content"] = content
        # A brief lost for the day to one 503 is worse than a few seconds' wait; the nonce
        # keeps every retry one message.
        message = await through_server_errors(
            lambda: channel.send(
                nonce=post_nonce(kind, key), embed=embed,
                allowed_mentions=allowed_mentions or discord.AllowedMentions.none(), **extra,
            ),
            [file] if file else (),
        )
    except discord.HTTPException as exc:
        reason = pause_reason(bot, channel_id, exc)
        detail = reason or f"Discord error {exc.status}: {exc.text[:200]}"
        await postlog.mark(store, kind, key, "failed", detail, clock(), guild_id=guild_id,
                           day=day)
        log.warning("%s %s for guild %s failed: %s", kind.capitalize(), key, guild_id, detail)
        return "failed", reason
    except Exception as exc:
        log.exception("%s %s for guild %s failed", kind.capitalize(), key, guild_id)
        await postlog.mark(store, kind, key, "failed", repr(exc), clock(), guild_id=guild_id,
                           day=day)
        return "failed", None
    await postlog.commit(store, kind, key, message.id, clock(), guild_id=guild_id, day=day)
    return "sent", None


def alert_text(alert: Alert, firing: Firing) -> str:
    """The line above an alert's study: the role (if any), what fired, when, and lateness."""
    try:
        words = parse_signal(firing.signal).describe()
    except RiskonError:
        words = firing.signal
    text = (f"**Alert #{alert.id}:** `{firing.signal}` fired on {firing.session.isoformat()}: "
            f"{words}.")
    if firing.late:
        text += " (posted late)"
    return f"<@&{alert.role_id}> {text}" if alert.role_id else text


def alert_mentions(alert: Alert) -> discord.AllowedMentions:
    """Exactly the alert's role, or nobody: never @everyone, never a user."""
    if alert.role_id is None:
        return discord.AllowedMentions.none()
    return discord.AllowedMentions(
        everyone=False, users=False, roles=[discord.Object(id=alert.role_id)],
        replied_user=False,
    )


RENDERS_AT_ONCE = 8


class AlertPoster:
    """One alert check: what fired (`AlertChecker`), one render per (signal, target), fan-out.

    Sends go through `post_once`, as the brief's do: claimed in the posting log (kind 'alert',
    key "<alert id>:<session>"), so each (alert, event session) is posted at most once across
    restarts and processes. A channel that is gone or closed pauses that server's alerts in it.
    A check never raises: a failure is logged and the next check tries again.
    """

    def __init__(
        self,
        bot: RiskonBot,
        *,
        grace: timedelta,
        concurrency: int,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.bot = bot
        self.clock = clock
        self._concurrency = concurrency
        self._limit = asyncio.Semaphore(concurrency)
        #: Renders in flight: enough to keep every worker process busy, few enough that the
        #: studies waiting for their fan-out do not pile up in memory.
        self._renders = asyncio.Semaphore(RENDERS_AT_ONCE)
        self.owner: str = getattr(bot, "post_owner", None) or postlog.new_owner()
        owns = getattr(bot, "owns_guild", lambda guild_id: True)
        self.checker = AlertChecker(bot.store, bot.services.market, grace=grace, owns=owns)
        self.renders = 0  # studies rendered, for tests and benchmarks
        self.checks = 0  # checks completed, so a test can wait for the loop to have looked

    async def render(self, signal: str, target: str) -> Insight:
        """The study an alert posts: the /after answer for the signal and target."""
        return await self.bot.insights.after(signal, target)

    async def check(self, now: datetime | None = None) -> list[tuple[int, date, str]]:
        """One pass; returns (alert id, event session, outcome) for what it did."""
        now = now or self.clock()
        try:
            outcomes = await self._check(now)
        except Exception:
            log.exception("Alert check at %s failed; the loop goes on", now.isoformat())
            return []
        self.checks += 1
        return outcomes

    async def _check(self, now: datetime) -> list[tuple[int, date, str]]:
        result = await self.checker.check(now)
        await self.checker.record_missed(result.missed, now)
        outcomes = [(alert.id, session, "missed") for alert, session in result.missed]
        by_pair: dict[tuple[str, str], list[Firing]] = defaultdict(list)
        for firing in result.firings:
            by_pair[(firing.signal, firing.target)].append(firing)
        paused: set[tuple[int, int]] = set()
        # Sends wait in a queue as plain tuples for `concurrency` workers. A task per send (as
        # gather made) costs ~12 objects the cyclic collector tracks (task, coroutines,
        # context, futures) while it waits: at 10,000 alerts ~60,000 of them, and a full
        # collection walking them held the loop 80-300 ms (bench_alerts.py).
        sends: asyncio.Queue[tuple[Firing, Alert, Any] | None] = asyncio.Queue()

        async def render(signal: str, target: str, firings: list[Firing]) -> None:
            """Render once, then queue a send to every alert owed it; pairs render side by
            side (the compute pool bounds them), so the first posts do not wait for the last
            render."""
            try:
                async with self._renders:
                    insight = await self.render(signal, target)
                self.renders += 1
            except Exception:
                # Not marked: the next check renders again, until the grace window ends.
                log.exception("Alert study for %r on %s could not be built", signal, target)
                return
            for firing in firings:
                for alert in firing.alerts:
                    sends.put_nowait((firing, alert, insight))

        async def send() -> None:
            while (job := await sends.get()) is not None:
                try:
                    outcomes.append(await self._send(*job, paused))
                except Exception:
                    # The store failed around the post (its claim, or the bookkeeping after
                    # it): the other sends go on; an unclaimed one is tried next check.
                    log.exception("Alert %s for guild %s failed",
                                  post_key(job[1].id, job[0].session), job[1].guild_id)

        workers = [asyncio.create_task(send()) for _ in range(self._concurrency)]
        try:
            await asyncio.gather(*(render(signal, target, firings)
                                   for (signal, target), firings in by_pair.items()))
            for _ in workers:
                sends.put_nowait(None)  # after every queued send: the workers drain, then stop
            await asyncio.gather(*workers)
        finally:
            # Done, or the check was cancelled (shutdown): stop sending.
            for worker in workers:
                worker.cancel()
            await asyncio.gather(*workers, return_exceptions=True)
        return outcomes

    async def _send(
        self, firing: Firing, alert: Alert, insight: Insight, paused: set[tuple[int, int]]
    ) -> tuple[int, date, str]:
        store, where = self.bot.store, (alert.guild_id, alert.channel_id)
        async with self._limit:
            if where in paused:
                return alert.id, firing.session, "paused"  # not claimed: judged after a fix
            outcome, reason = await post_once(
                self.bot, "alert", post_key(alert.id, firing.session), guild_id=alert.guild_id,
                day=firing.session, channel_id=alert.channel_id, insight=insight,
                owner=self.owner, clock=self.clock, content=alert_text(alert, firing),
                allowed_mentions=alert_mentions(alert),
            )
            self.checker.settle(alert.id, firing.session)
            if outcome == "sent":
                await alertstore.fired(store, alert.id, firing.session)
            if reason is not None and where not in paused:
                paused.add(where)
                stamp = self.clock().strftime("%Y-%m-%d %H:%M UTC")
                count = await alertstore.pause_channel(
                    store, alert.guild_id, alert.channel_id, f"paused on {stamp}: {reason}"
                )
                log.warning("%d alert(s) of guild %s paused: %s", count, alert.guild_id, reason)
                await notify_pause(self.bot, alert.guild_id, alert.channel_id,
                                   f"alerts posting to <#{alert.channel_id}>", reason,
                                   fix="/alert resume")
                return alert.id, firing.session, "disabled"
            return alert.id, firing.session, outcome


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


def pause_reason(
    bot: RiskonBot, channel_id: int | None, exc: discord.HTTPException
) -> str | None:
    """Why posting to this channel must pause, naming the channel and what is missing; None
    for an error that is not about the channel (a retry tomorrow may work)."""
    gone = isinstance(exc, discord.NotFound) or exc.code == 10003
    if not gone and not (isinstance(exc, discord.Forbidden) or exc.code in CHANNEL_GONE):
        return None
    channel = bot.get_channel(channel_id) if channel_id is not None else None
    if not isinstance(channel, (discord.abc.GuildChannel, discord.Thread)):
        channel = None  # riskon posts only in a server's channels
    where = f"#{channel.name}" if channel is not None else f"channel {channel_id}"
    if gone or channel is None:
        return f"the channel {where} was deleted" if gone else f"riskon lost access to {where}"
    missing = missing_permissions(channel)
    if missing:
        return f"riskon lacks {', '.join(missing)} in {where}"
    return f"riskon lacks permission to post in {where}"


async def notify_pause(
    bot: RiskonBot, guild_id: int, channel_id: int | None, what: str, reason: str,
    fix: str = "/config brief on",
) -> bool:
    """Tell the server once, in its system channel, that `what` was paused and why.

    Called once per pause (a paused subscription is not tried again, so it cannot fail again
    until an admin turns it back on). Only when riskon may post there, and never in the
    channel that just failed. Mentions nobody. True if the notice went out.
    """
    guild = bot.get_guild(guild_id)
    system = guild.system_channel if guild is not None else None
    if guild is None or system is None or system.id == channel_id:
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
