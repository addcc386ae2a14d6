"""The Discord stand-in speaks sharded IDENTIFY and routes guild events by shard, and a real
`RiskonBot` with `shard_ids` only receives, and only schedules, the guilds on its own shards.

Discord's rule: a guild's events go to shard `(guild_id >> 22) % shard_count`, DMs to shard 0.
The raw-websocket tests check the stand-in against that rule directly (not through discord.py,
whose own routing must not be able to hide a stand-in bug); the bot tests then run discord.py's
`AutoShardedBot` machinery for real against it.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.adapter.app import RiskonBot
from bot.config import load
from bot.scheduling import brieflog
from tests.bot_harness import TOKEN, ManualClock, QuietBot
from tests.discord_standin import DiscordStandin, text_channel
from tests.standin_helpers import running_client


def guild_on(shard: int, count: int, n: int) -> int:
    """A guild id whose shard under `count` shards is `shard` by construction."""
    return ((1_000_000_000_000 + count * n + shard) << 22) | 7


def channel_of(guild_id: int) -> int:
    return guild_id + 1


def add(standin: DiscordStandin, guild_id: int) -> None:
    standin.add_guild(guild_id, name=f"g{guild_id}", channels=[text_channel(channel_of(guild_id))])


class Gateway:
    """One raw gateway session, recording every dispatch it receives."""

    def __init__(self, standin: DiscordStandin, session: aiohttp.ClientSession) -> None:
        self.standin, self.session = standin, session
        self.events: list[tuple[str, dict[str, Any]]] = []
        self.ws: aiohttp.ClientWebSocketResponse | None = None
        self.closed_with: int | None = None
        self._reader: asyncio.Task[None] | None = None

    async def identify(self, shard: list[int] | None, token: str = TOKEN) -> None:
        self.ws = await self.session.ws_connect(self.standin.gateway_url)
        hello = await self.ws.receive_json()
        assert hello["op"] == 10
        d: dict[str, Any] = {"token": token, "intents": 1, "properties": {}}
        if shard is not None:
            d["shard"] = shard
        await self.ws.send_json({"op": 2, "d": d})
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.ws is not None
        async for msg in self.ws:
            if msg.type is aiohttp.WSMsgType.TEXT:
                payload = json.loads(msg.data)
                if payload["op"] == 0:
                    self.events.append((payload["t"], payload["d"]))
        self.closed_with = self.ws.close_code

    def guild_ids(self, event: str) -> set[int]:
        """The guilds of the `event`s received (GUILD_CREATE names its guild `id`)."""
        key = "id" if event == "GUILD_CREATE" else "guild_id"
        return {int(d[key]) for t, d in self.events if t == event and key in d}

    @property
    def ready(self) -> dict[str, Any]:
        return next(d for t, d in self.events if t == "READY")

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
        if self._reader is not None:
            await self._reader


async def until(predicate: Callable[[], bool], what: str, timeout: float = 5.0) -> None:  # noqa: ASYNC109
    """Poll a condition on what the raw clients received (the stand-in cannot wake us)."""
    deadline = time.perf_counter() + timeout
    while not predicate():
        if time.perf_counter() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def test_gateway_bot_recommends_the_configured_shard_count(http) -> None:
    async with DiscordStandin(shard_count=3, max_concurrency=16) as standin:
        async with http.get(standin.api_base + "/gateway/bot") as resp:
            body = await resp.json()
    assert body["shards"] == 3 and body["url"] == standin.gateway_url
    assert body["session_start_limit"]["max_concurrency"] == 16


async def test_guild_events_reach_only_the_connection_of_their_shard(http) -> None:
    async with DiscordStandin(token=TOKEN, shard_count=2) as standin:
        on0 = [guild_on(0, 2, n) for n in range(3)]
        on1 = [guild_on(1, 2, n) for n in range(4)]
        for gid in on0 + on1:
            add(standin, gid)
        first, second = Gateway(standin, http), Gateway(standin, http)
        await first.identify([0, 2])
        await second.identify([1, 2])
        await standin.wait_identified(count=2)
        await standin.wait_shards([0, 1])
        assert sorted(standin.identified_shards) == [(0, 2), (1, 2)]

        # READY lists, and GUILD_CREATE delivers, only the shard's own guilds.
        await until(lambda: len(first.guild_ids("GUILD_CREATE")) == 3
                    and len(second.guild_ids("GUILD_CREATE")) == 4, "GUILD_CREATEs")
        assert {int(g["id"]) for g in first.ready["guilds"]} == set(on0)
        assert {int(g["id"]) for g in second.ready["guilds"]} == set(on1)
        assert first.ready["shard"] == [0, 2] and second.ready["shard"] == [1, 2]
        assert first.guild_ids("GUILD_CREATE") == set(on0)
        assert second.guild_ids("GUILD_CREATE") == set(on1)

        # A guild joined later, and an interaction in it, go to its shard alone.
        late = guild_on(1, 2, 99)
        add(standin, late)
        await until(lambda: late in second.guild_ids("GUILD_CREATE"), "the late guild")
        await standin.send_slash("ping", guild_id=late)
        await standin.send_slash("ping", guild_id=on0[1])
        await standin.send_slash("ping", dm=True)  # DMs: shard 0
        await until(lambda: sum(t == "INTERACTION_CREATE" for t, _ in first.events) == 2
                    and len(second.guild_ids("INTERACTION_CREATE")) == 1, "interactions")
        await asyncio.sleep(0.05)
        assert first.guild_ids("INTERACTION_CREATE") == {on0[1]}
        assert second.guild_ids("INTERACTION_CREATE") == {late}
        assert late not in first.guild_ids("GUILD_CREATE")
        dms = [d for t, d in first.events if t == "INTERACTION_CREATE" and "guild_id" not in d]
        assert len(dms) == 1
        assert [t for t, _ in second.events].count("INTERACTION_CREATE") == 1
        await first.close()
        await second.close()


async def test_no_session_for_a_shard_means_its_events_cannot_be_sent(http) -> None:
    async with DiscordStandin(token=TOKEN, shard_count=2) as standin:
        mine, orphan = guild_on(0, 2, 1), guild_on(1, 2, 1)
        add(standin, mine)
        add(standin, orphan)
        only = Gateway(standin, http)
        await only.identify([0, 2])
        await standin.wait_identified()
        with pytest.raises(RuntimeError, match="no session for shard 1"):
            await standin.send_slash("ping", guild_id=orphan)
        await until(lambda: only.guild_ids("GUILD_CREATE") == {mine}, "shard 0's guild")
        await asyncio.sleep(0.05)
        assert only.guild_ids("GUILD_CREATE") == {mine}
        await only.close()


async def test_overlapping_sessions_both_receive_their_shards_events(http) -> None:
    """Two processes misconfigured onto one shard: Discord serves both, so must the stand-in
    (exactly-once has to come from the store, not from the gateway)."""
    async with DiscordStandin(token=TOKEN, shard_count=2) as standin:
        gid = guild_on(1, 2, 5)
        add(standin, gid)
        a, b = Gateway(standin, http), Gateway(standin, http)
        await a.identify([1, 2])
        await b.identify([1, 2])
        await standin.wait_identified(count=2)
        await standin.send_slash("ping", guild_id=gid)
        await until(lambda: a.guild_ids("INTERACTION_CREATE") == {gid}
                    and b.guild_ids("INTERACTION_CREATE") == {gid}, "both sessions")
        await a.close()
        await b.close()


async def test_unsharded_identify_gets_every_guild_and_bad_shards_are_refused(http) -> None:
    async with DiscordStandin(token=TOKEN) as standin:
        gids = [guild_on(s, 4, 1) for s in range(4)]
        for gid in gids:
            add(standin, gid)
        plain, bad = Gateway(standin, http), Gateway(standin, http)
        await plain.identify(None)
        await standin.wait_identified()
        await until(lambda: plain.guild_ids("GUILD_CREATE") == set(gids), "every guild")
        await bad.identify([2, 2])
        await bad._reader  # type: ignore[misc]
        assert bad.closed_with == 4010 and len(standin.identifies) == 1
        await plain.close()


# ---- the real bot -------------------------------------------------------------------------


def write_config(path: Path, standin: DiscordStandin, tmp: Path, prices: Path,
                 shards: str = "") -> Path:
    path.write_text(f"""
[discord]
token = "{TOKEN}"
api_base = "{standin.api_base}"
gateway_url = "{standin.gateway_url}"
{shards}

[store]
path = "{tmp / 'riskon.sqlite3'}"

[data]
provider = "csv"
csv_dir = "{prices}"

[fred]
enabled = false

[compute]
processes = 0
""")
    return path


DAY_0800 = datetime(2024, 6, 11, 8, 0, tzinfo=UTC)  # a Tuesday


async def test_riskon_with_shard_ids_receives_and_schedules_only_its_guilds(
    tmp_path, prices
) -> None:
    async with DiscordStandin(token=TOKEN, shard_count=2) as standin:
        ours = [guild_on(1, 2, n) for n in range(3)]
        theirs = [guild_on(0, 2, n) for n in range(3)]
        for gid in ours + theirs:
            add(standin, gid)
        config = load(environ={"RISKON_CONFIG": str(write_config(
            tmp_path / "c.toml", standin, tmp_path, prices,
            'shard_count = 2\nshard_ids = "1"'))})
        clock = ManualClock(DAY_0800 - timedelta(days=1))
        bot = QuietBot(config, clock=clock, guild_ready_timeout=0.05)
        async with running_client(bot, standin, token=TOKEN):
            bot.get_cog("Brief").loop.cancel()
            assert standin.identified_shards == [(1, 2)]
            assert {g.id for g in bot.guilds} == set(ours)
            assert all(bot.owns_guild(g) for g in ours)
            assert not any(bot.owns_guild(g) for g in theirs)
            # Every guild's brief is on in the store, as it would be in a shared database.
            for gid in ours + theirs:
                await bot.settings.update(
                    gid, channel_id=channel_of(gid), post_time="08:00", timezone="UTC",
                    brief_enabled=True, weekdays_only=False, watchlist=("^RUT",))
            clock.set(DAY_0800 + timedelta(seconds=5))
            outcomes = await bot.get_cog("Brief").poster.tick()
            assert sorted(o for o in outcomes if o[1] == "sent") == sorted(
                (g, "sent") for g in ours)
            for gid in ours:
                assert len(standin.channel_messages[channel_of(gid)]) == 1
            for gid in theirs:
                assert channel_of(gid) not in standin.channel_messages
                assert await brieflog.get(bot.store, gid, DAY_0800.date()) is None


async def test_riskon_unconfigured_takes_discords_shard_count_and_identifies_at_its_pace(
    tmp_path, prices
) -> None:
    """No shard settings: Discord's recommended count, every shard in this process, every
    guild ours. With max_concurrency 16 the shards identify together (discord.py alone waits
    5 s per shard)."""
    async with DiscordStandin(token=TOKEN, shard_count=3, max_concurrency=16) as standin:
        gids = [guild_on(s, 3, 1) for s in range(3)]
        for gid in gids:
            add(standin, gid)
        config = load(environ={"RISKON_CONFIG": str(write_config(
            tmp_path / "c.toml", standin, tmp_path, prices))})
        bot = RiskonBot(config, guild_ready_timeout=0.05)
        started = time.perf_counter()
        async with running_client(bot, standin, token=TOKEN, ready_timeout=20):
            await standin.wait_identified(count=3)
            took = time.perf_counter() - started
            assert sorted(standin.identified_shards) == [(0, 3), (1, 3), (2, 3)]
            assert bot.shard_count == 3
            assert {g.id for g in bot.guilds} == set(gids)
            assert all(bot.owns_guild(g) for g in gids)
            assert {bot.get_guild(g).shard_id for g in gids} == {0, 1, 2}
        assert took < 4.0, f"3 shards took {took:.1f} s to identify"
