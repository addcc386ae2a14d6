"""The Discord bot: a `commands.Bot` that owns the store and services for its whole life.

Following discord.py's advanced start-up example and RoboDanny's launcher: async resources are
opened in `setup_hook` and closed in `close`; extensions come from an explicit list, and one that
fails to load is logged while the rest still load; commands sync instantly to a development guild
when one is configured, and globally only when someone runs `python -m bot sync`.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import signal
import sqlite3
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

import aiohttp
import discord
import yarl
from discord.ext import commands, tasks

from bot.adapter.poster import ClaimKeeper
from bot.adapter.tree import RiskonTree
from bot.compute import import_answer_builders, shutdown_pools, start_pool
from bot.config import Config
from bot.errors import RiskonError
from bot.insights import Insights
from bot.scheduling import postlog
from bot.scheduling.postlog import new_owner
from bot.services import Services, build_services
from bot.settings import GuildSettingsRepo
from bot.store import Store, StoreError, is_lock_error, store_for

log = logging.getLogger(__name__)

T = TypeVar("T")

EXTENSIONS = (
    "cogs.market", "cogs.study", "cogs.corr", "cogs.help", "cogs.admin", "cogs.brief", "cogs.ask",
    "cogs.alerts", "cogs.signal",
)

#: How long a shutdown lets a posting pass in flight finish before abandoning it: with the
#: gateway, store and worker pool closing after it, the whole stop stays within 10 seconds.
POST_GRACE_SECONDS = 4.0
#: Past this a stop that hangs exits anyway (1), rather than waiting for SIGKILL.
SHUTDOWN_LIMIT_SECONDS = 9.5

TOKEN_HELP = (
    "riskon: no Discord bot token. Set DISCORD_TOKEN (or [discord] token in an untracked "
    "config.toml). `python -m bot ask ...` works without one."
)


class StartupError(RiskonError):
    """The bot cannot start whole; the message is one line saying what and why."""


def point_discord_at(api_base: str, gateway_url: str) -> None:
    """Send discord.py's REST calls and gateway connection to the given endpoints.

    For REST or gateway proxies (and the tests' local stand-in). discord.py reads both from class
    attributes, so this is process-wide, which matches one bot per process.
    """
    discord.http.Route.BASE = api_base.rstrip("/")
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)


#: Discord's identify window: one IDENTIFY per bucket per 5 seconds.
IDENTIFY_WINDOW = 5.0


def shard_of(guild_id: int, shard_count: int) -> int:
    """The shard Discord sends a guild's events to (Discord's documented formula)."""
    return (guild_id >> 22) % shard_count


class RiskonBot(commands.AutoShardedBot):
    """riskon on one or more gateway shards.

    `[discord] shard_count` and `shard_ids` split the bot over processes: each runs its own
    shards and schedules briefs only for the guilds on them (`owns_guild`). Exactly-once does
    not depend on that split; claims are unique rows in the shared store.
    """

    def __init__(
        self,
        config: Config,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        yahoo_session: Any | None = None,
        **options: Any,
    ) -> None:
        """`clock` and `yahoo_session` are the seams a test injects (see `build_services`);
        `options` go to discord.py's client."""
        if config.discord.shard_count:
            options.setdefault("shard_count", config.discord.shard_count)
        shard_ids = config.discord.shard_list()
        if shard_ids is not None:
            options.setdefault("shard_ids", shard_ids)
        # riskon never joins voice: skip discord.py's warnings about voice libraries.
        discord.VoiceClient.warn_nacl = False
        discord.VoiceClient.warn_dave = False
        intents = discord.Intents.none()
        intents.guilds = True  # channels and our own permissions; no members, no message content
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents,
            allowed_mentions=discord.AllowedMentions.none(),
            tree_cls=RiskonTree,
            help_command=None,
            **options,
        )
        self.config = config
        #: The one clock for everything time-dependent (settings stamps, the scheduler,
        #: /config show's next run): a test injects its own and every part agrees.
        self.clock = clock
        self._yahoo_session = yahoo_session
        #: Who this bot is in the posting log: its open claims carry it, and claims of any
        #: other owner found dead are resolved, never re-posted (bot.scheduling.postlog).
        self.post_owner = new_owner()
        #: Heartbeat of this process's claims, run while a posting cog (Brief, Alerts) is loaded.
        self.claim_keeper = ClaimKeeper(self)
        # Opened in setup_hook, before any extension loads: the properties below are what
        # cogs read, typed as always there.
        self._store: Store | None = None
        self._services: Services | None = None
        self._settings: GuildSettingsRepo | None = None
        self.failed_extensions: dict[str, str] = {}
        self._stopping = False
        self._max_concurrency: int | None = None
        self._identified_at: dict[int, float] = {}  # identify bucket -> loop time

    async def setup_hook(self) -> None:
        try:
            await self._start_up()
        except OSError as exc:  # a file riskon needs, never the network: login comes later
            where = f" ({exc.filename})" if exc.filename else ""
            raise StartupError(
                f"cannot start: {exc.strerror or exc}{where}; check the paths in the config."
            ) from None

    async def _start_up(self) -> None:
        # Waits up to [store] lock_wait_seconds for another process's write lock, and proves
        # the file writable: everything below starts on a store that works.
        self._store = store = await store_for(self.config.store).open()
        self._services = services = build_services(
            self.config, store, clock=self.clock, yahoo_session=self._yahoo_session
        )
        if self.config.compute.processes:
            workers = self.config.compute.processes
            services.insights.executor = await asyncio.to_thread(start_pool, workers)
        self._settings = GuildSettingsRepo(store, self.config.brief, clock=self.clock)
        await self._load_extensions()
        # Everything loaded so far (pandas, matplotlib, discord.py, the cogs) lives as long as
        # the process: move it out of the collector's sight, or a full collection walks it all
        # and stalls the loop for ~90 ms (measured on the first commands after start-up). The
        # answer builders are imported lazily (for the terminal): load them first, not on the
        # loop at the first /after.
        import_answer_builders()
        gc.freeze()
        guild_id = self.config.discord.dev_guild_id
        if guild_id:
            guild = discord.Object(id=guild_id)
            self.tree.copy_global_to(guild=guild)
            synced = await self.tree.sync(guild=guild)
            log.info("Synced %d commands to development guild %s", len(synced), guild_id)

    async def _load_extensions(self) -> None:
        """Load every cog or refuse to start: a bot running without /brief and its daily posts
        (say) because the store was locked for a moment at start-up fails silently for days.

        A cog that fails on a locked store is retried until `[store] lock_wait_seconds` after
        start; any other failure, or the lock outlasting the wait, is one line and exit 1.
        """
        deadline = time.monotonic() + self.config.store.lock_wait_seconds
        for name in EXTENSIONS:
            waited = False
            while True:
                try:
                    await self.load_extension(name)
                    break
                except commands.ExtensionError as exc:
                    cause = getattr(exc, "original", None) or exc
                    if is_lock_error(cause) and time.monotonic() < deadline:
                        if not waited:
                            waited = True
                            log.warning("%s: the store is locked by another process; retrying "
                                        "until the lock wait ends", name)
                        await asyncio.sleep(0.5)
                        continue
                    self.failed_extensions[name] = repr(cause)
                    if not isinstance(cause, (sqlite3.Error, StoreError)):
                        log.error("Extension %s failed to load", name, exc_info=cause)
                    reason = str(cause).splitlines()[0] if str(cause) else ""
                    raise StartupError(
                        f"cannot start: {name} failed to load ({type(cause).__name__}"
                        f"{': ' + reason if reason else ''}); riskon does not run without it."
                    ) from None

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """Identify as fast as Discord allows: `max_concurrency` shards per 5 seconds.

        discord.py waits 5 s before every IDENTIFY but the first, whatever the limit. Discord
        gives large bots `session_start_limit.max_concurrency` (16 and up) buckets, shard
        `id % max_concurrency`, each allowed one IDENTIFY per 5 s: a process running 16 shards
        then connects in one step instead of 75 s. With a limit of 1 (or no answer) the stock
        wait is kept.
        """
        concurrency = await self._identify_concurrency()
        if shard_id is None or concurrency <= 1:
            await super().before_identify_hook(shard_id, initial=initial)
            return
        loop = asyncio.get_running_loop()
        bucket = shard_id % concurrency
        last = self._identified_at.get(bucket)
        if last is not None and (wait := last + IDENTIFY_WINDOW - loop.time()) > 0:
            await asyncio.sleep(wait)
        self._identified_at[bucket] = loop.time()

    async def _identify_concurrency(self) -> int:
        if self._max_concurrency is None:
            try:
                limits = await self.fetch_session_start_limits()
                self._max_concurrency = max(1, int(limits.max_concurrency))
            except Exception:  # an answer we cannot read: keep discord.py's own pacing
                log.info("No session start limits from Discord; identifying one shard per 5 s")
                self._max_concurrency = 1
        return self._max_concurrency

    def owns_guild(self, guild_id: int) -> bool:
        """Whether this process schedules the guild's posts: its shard is one of ours.

        With every shard in this process (no `shard_ids`), every guild is ours.
        """
        if self.shard_ids is None or not self.shard_count:
            return True
        return shard_of(guild_id, self.shard_count) in self.shard_ids

    @property
    def store(self) -> Store:
        return _started(self._store, "store")

    @property
    def services(self) -> Services:
        return _started(self._services, "services")

    @property
    def settings(self) -> GuildSettingsRepo:
        return _started(self._settings, "settings")

    @property
    def insights(self) -> Insights:
        return self.services.insights

    async def shutdown(self) -> None:
        """The graceful stop SIGTERM and SIGINT ask for: no new commands, posts in flight
        finish or are abandoned with their claims recorded, then `close()`.

        `close()` alone stays abrupt for posts (their claims are resolved at the next start),
        which is what a crash looks like and what tests of crash recovery rely on.
        """
        if not self._stopping:
            self._stopping = True
            try:
                await self._stop_posting()
            except Exception:
                log.exception("Stopping the posting loops failed; closing anyway")
        await self.close()

    async def close(self) -> None:
        await super().close()
        if self._store is not None:
            await self._store.close()

    async def _stop_posting(self) -> None:
        # No new commands: close the gateway first (REST stays open for the posts below).
        for shard in list(self.shards.values()):
            try:
                await shard.disconnect()
            except Exception:
                log.debug("Shard %s did not disconnect cleanly", shard.id, exc_info=True)
        # Posts in flight (claims this process holds) get a few seconds to finish; the loops
        # that make them are cancelled by the extensions' unload in super().close() after.
        for loop in [value for cog in list(self.cogs.values()) for value in vars(cog).values()
                     if isinstance(value, tasks.Loop) and value.is_running()]:
            loop.stop()  # no new pass (cancelled below, should one be due meanwhile)
        if self._store is not None:
            deadline = time.monotonic() + POST_GRACE_SECONDS
            while await postlog.held(self._store, self.post_owner):
                if time.monotonic() >= deadline:
                    log.warning("Posts still in flight after %g s: abandoning them",
                                POST_GRACE_SECONDS)
                    break
                await asyncio.sleep(0.1)
        for cog in list(self.cogs.values()):
            for value in vars(cog).values():
                if isinstance(value, tasks.Loop) and value.is_running():
                    value.cancel()
        await asyncio.sleep(0)  # let the cancelled passes unwind before their claims are read
        if self._store is not None:
            # A post cut off mid-send may or may not be on Discord: recorded as such now.
            await postlog.abandon_own(self._store, self.clock(), owner=self.post_owner)

    async def on_ready(self) -> None:
        log.info("Connected as %s to %d server(s)", self.user, len(self.guilds))


def _started(value: T | None, what: str) -> T:
    if value is None:
        raise RuntimeError(f"the bot's {what} exists once setup_hook has run")
    return value


def _prepare(config: Config) -> str | None:
    token = config.discord.token.reveal()
    if not token:
        print(TOKEN_HELP, file=sys.stderr)
        return None
    point_discord_at(config.discord.api_base, config.discord.gateway_url)
    return token


REJECTED_TOKEN = (
    "riskon: Discord rejected the bot token; copy it again from the Developer Portal "
    "(Bot > Reset Token) into DISCORD_TOKEN."
)


def _run(config: Config, main: Callable[[RiskonBot, str], Awaitable[int]]) -> int:
    """Run one bot session; a missing or rejected token, or no route to Discord, is one line
    on stderr (exit 2 or 1), never a traceback."""
    token = _prepare(config)
    if token is None:
        return 2

    async def runner() -> int:
        loop = asyncio.get_running_loop()
        current = asyncio.current_task()
        try:
            async with RiskonBot(config) as bot:
                stopping: list[asyncio.Task[None] | None] = []

                def stop(sig: signal.Signals) -> None:
                    if stopping:
                        return  # one stop is under way, bounded by the limit below
                    log.info("%s received: shutting down", sig.name)
                    loop.call_later(SHUTDOWN_LIMIT_SECONDS, _force_exit)
                    if bot.is_ready():
                        stopping.append(loop.create_task(bot.shutdown()))  # start() returns
                    else:
                        stopping.append(None)
                        if current is not None:
                            current.cancel()  # still starting: leave setup_hook and close

                for sig in (signal.SIGTERM, signal.SIGINT):
                    loop.add_signal_handler(sig, stop, sig)
                try:
                    return await main(bot, token)
                except asyncio.CancelledError:
                    return 0
        finally:
            # The worker processes go with the bot (they would also notice on their own).
            await asyncio.to_thread(shutdown_pools)

    try:
        return asyncio.run(runner())
    except discord.LoginFailure:
        print(REJECTED_TOKEN, file=sys.stderr)
        return 2
    except (aiohttp.ClientError, OSError) as exc:
        print(
            f"riskon: cannot reach Discord at {config.discord.api_base} "
            f"({type(exc).__name__}: {exc}). Check the network and [discord] api_base.",
            file=sys.stderr,
        )
        return 1
    except KeyboardInterrupt:
        return 0


def _force_exit() -> None:
    log.error("Shutdown took over %g s; exiting now", SHUTDOWN_LIMIT_SECONDS)
    logging.shutdown()
    os._exit(1)


async def _serve(bot: RiskonBot, token: str) -> int:
    await bot.start(token)
    return 0


async def _sync(bot: RiskonBot, token: str) -> int:
    await bot.login(token)  # runs setup_hook, which loads the cogs
    synced = await bot.tree.sync()
    print(f"Synced {len(synced)} global commands: " + ", ".join(f"/{c.name}" for c in synced))
    return 0


def run_bot(config: Config) -> int:
    """`python -m bot`: run until interrupted."""
    return _run(config, _serve)


def sync_commands(config: Config) -> int:
    """`python -m bot sync`: publish the slash commands globally (takes up to an hour to show)."""
    return _run(config, _sync)
