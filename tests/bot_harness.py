"""Running the real riskon bot against the local Discord stand-in, for end-to-end tests.

The bot is `bot.app.RiskonBot` built from a real config file (named by RISKON_CONFIG, as in
production) whose `[discord] api_base`/`gateway_url` point at the stand-in, with a real SQLite
file and a temporary folder of CSV prices. Nothing is patched inside the bot.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.adapter.app import RiskonBot
from bot.config import load
from tests.discord_standin import ATTACH_FILES, DiscordStandin, text_channel
from tests.standin_helpers import running_client

TOKEN = "e2e-token-SECRET-123"
GUILD = 4_200_000_000_000_000_001
OTHER_GUILD = 4_200_000_000_000_000_002
GENERAL = 4_200_000_000_000_000_101
NO_FILES = 4_200_000_000_000_000_102
OTHER_GENERAL = 4_200_000_000_000_000_201
ADMIN_PERMS = (1 << 5) | (1 << 10) | (1 << 11)  # manage guild, view, send
MEMBER_PERMS = (1 << 10) | (1 << 11)


def add_guilds(standin: DiscordStandin) -> None:
    standin.add_guild(
        GUILD,
        name="Traders",
        channels=[
            text_channel(GENERAL, "general"),
            text_channel(NO_FILES, "no-files", deny_bot_role=ATTACH_FILES),
        ],
    )
    standin.add_guild(OTHER_GUILD, name="Crypto", channels=[text_channel(OTHER_GENERAL, "market")])


def write_config(
    path: Path, standin: DiscordStandin, *, store: Path, prices: Path, extra: str = ""
) -> Path:
    path.write_text(
        f"""
[discord]
token = "{TOKEN}"
dev_guild_id = {GUILD}
api_base = "{standin.api_base}"
gateway_url = "{standin.gateway_url}"
cooldown_uses = 3
cooldown_seconds = 60

[store]
path = "{store}"

[data]
provider = "csv"
csv_dir = "{prices}"

[fred]
enabled = false
{extra}
"""
    )
    return path


#: Where a test bot's clock starts unless the test says otherwise: the day before the brief tests'
#: DAY, so settings written at start are older than every run those tests look at.
CLOCK_START = datetime(2024, 6, 10, 0, 0, tzinfo=UTC)


class ManualClock:
    """The bot's injected clock (`RiskonBot(clock=...)`): time moves only when the test says."""

    def __init__(self, start: datetime = CLOCK_START) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def set(self, moment: datetime) -> None:
        self.now = moment

    def advance(self, delta: timedelta) -> None:
        self.now += delta


class QuietBot(RiskonBot):
    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """No 5 s identify back-off against a local stand-in."""


@contextlib.asynccontextmanager
async def riskon(
    standin: DiscordStandin,
    config_path: Path,
    *,
    clock: ManualClock | None = None,
    scheduler_seconds: float | None = None,
    yahoo_session: Any | None = None,
) -> AsyncIterator[RiskonBot]:
    """The real bot on `clock` (a fresh ManualClock by default).

    Without `scheduler_seconds` the brief loop is cancelled and the test calls `tick()`; with
    it the cog's own loop keeps running, every `scheduler_seconds` of real time, reading the
    injected clock: the production scheduler on the test's time.
    """
    config = load(environ={"RISKON_CONFIG": str(config_path)})
    bot = QuietBot(config, clock=clock or ManualClock(), guild_ready_timeout=0.05,
                   yahoo_session=yahoo_session)
    async with running_client(bot, standin, token=TOKEN):
        brief = bot.get_cog("Brief")
        if brief is not None:
            if scheduler_seconds is None:
                brief.loop.cancel()  # tests drive the scheduler with their own clock
            else:
                brief.loop.change_interval(seconds=scheduler_seconds)
        yield bot


class LoopLag:
    """Measures how late the event loop wakes a 5 ms sleeper: the longest stall it saw."""

    def __init__(self, interval: float = 0.005) -> None:
        self.interval = interval
        self.worst = 0.0
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        while True:
            start = time.perf_counter()
            await asyncio.sleep(self.interval)
            self.worst = max(self.worst, time.perf_counter() - start - self.interval)

    async def __aenter__(self) -> LoopLag:
        self._task = asyncio.create_task(self._run())
        await asyncio.sleep(0)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task


async def private_reply(ix, wait: float = 10.0) -> dict:
    """The body (content, embeds) of a private answer, sent at once or after a private deferral.

    /config defers before touching the store, so its answer is a followup; a mistake caught
    before deferring is an immediate reply. Either way only the asker may see it."""
    callback = await ix.wait_callback(wait)
    assert callback.ephemeral, callback.data
    if callback.type == 4:
        return callback.message.data
    assert callback.type == 5, callback.type
    followup = await ix.wait_followup(wait)
    assert followup.ephemeral, followup.payload
    return followup.message.data
