"""Two real `python -m bot` processes, split by shard, sharing one PostgreSQL store: every
brief goes out exactly once, a process killed mid fan-out loses nothing silently, and even
overlapping shard ranges never double-post.

Everything is real except Discord (the stand-in, sharded IDENTIFY, events routed by shard) and
Yahoo (a CSV folder built here): the processes, their gateway sessions, PostgreSQL (a schema of
this test's own, dropped after), the posting log. The briefs are due "now" on the real clock:
each guild's post time is the current UTC minute, so the first tick of each process finds them.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import pytest

from bot.scheduling.postlog import OUTCOME_UNKNOWN
from bot.store import Store
from tests.bot_harness import TOKEN
from tests.discord_standin import DiscordStandin, text_channel
from tests.market_fixtures import market_folder
from tests.netguard.netguard import child_pythonpath
from tests.pgtest import PG_URL, pg_schema

pytestmark = pytest.mark.skipif(not PG_URL, reason="RISKON_TEST_POSTGRES_URL is not set")

ROOT = Path(__file__).resolve().parents[1]
SHARDS = 4


def guild_ids(count: int, shards: int = SHARDS) -> list[int]:
    """`count` guilds spread round-robin over the shards (guild n is on shard n % shards)."""
    return [((2_000_000_000_000 + n) << 22) | 9 for n in range(count)]


def shard(guild_id: int, shards: int = SHARDS) -> int:
    return (guild_id >> 22) % shards


def channel(guild_id: int) -> int:
    return guild_id + 1


@dataclass
class Proc:
    """One `python -m bot` process and where its output goes."""

    name: str
    process: asyncio.subprocess.Process
    log: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""


class Cluster:
    """The shared pieces of one scenario: stand-in, PostgreSQL schema, prices, processes."""

    def __init__(self, standin: DiscordStandin, url: str, tmp: Path, prices: Path) -> None:
        self.standin, self.url, self.tmp, self.prices = standin, url, tmp, prices
        self.procs: list[Proc] = []
        self.guilds: list[int] = []

    async def add_guilds(self, count: int) -> None:
        """`count` guilds in the stand-in, each with its brief due this very minute (UTC)."""
        self.guilds = guild_ids(count)
        for gid in self.guilds:
            self.standin.add_guild(gid, name=f"g{gid % 10_000}",
                                   channels=[text_channel(channel(gid), "brief")])
        now = datetime.now(UTC)
        long_ago = (now - timedelta(days=1)).isoformat()
        store = await Store(self.url).open()  # migrates the fresh schema
        try:
            async with store.transaction() as db:
                await db.executemany(
                    "INSERT INTO guild_settings (guild_id, channel_id, post_time, timezone, "
                    "weekdays_only, brief_enabled, watchlist, updated_at) "
                    "VALUES (?, ?, ?, 'UTC', 0, 1, '[\"^RUT\"]', ?)",
                    [(gid, channel(gid), now.strftime("%H:%M"), long_ago)
                     for gid in self.guilds],
                )
        finally:
            await store.close()

    async def start(self, name: str, shard_ids: str) -> Proc:
        config = self.tmp / f"{name}.toml"
        config.write_text(f"""
[discord]
token = "{TOKEN}"
api_base = "{self.standin.api_base}"
gateway_url = "{self.standin.gateway_url}"
shard_count = {SHARDS}
shard_ids = "{shard_ids}"

[store]
url = "{self.url}"

[data]
provider = "csv"
csv_dir = "{self.prices}"

[fred]
enabled = false

[compute]
processes = 0

[brief]
concurrency = 8
""")
        log = self.tmp / f"{name}-{len(self.procs)}.log"
        env = {**os.environ, "RISKON_CONFIG": str(config), "PYTHONPATH": child_pythonpath(ROOT)}
        env.pop("DISCORD_TOKEN", None)
        with log.open("wb") as out:
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", cwd=self.tmp, env=env, stdout=out, stderr=out
            )
        proc = Proc(name, process, log)
        self.procs.append(proc)
        return proc

    async def stop_all(self) -> None:
        for proc in self.procs:
            if proc.process.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    proc.process.send_signal(signal.SIGINT)
        for proc in self.procs:
            try:
                await asyncio.wait_for(proc.process.wait(), 20)
            except TimeoutError:
                proc.process.kill()
                await proc.process.wait()

    # ---- what happened -----------------------------------------------------------------

    async def rows(self) -> list[asyncpg.Record]:
        conn = await asyncpg.connect(self.url)
        try:
            return await conn.fetch(
                "SELECT guild_id, status, owner, message_id, detail FROM posting_log "
                "WHERE kind = 'brief'"
            )
        finally:
            await conn.close()

    def messages(self, gid: int) -> list[int]:
        return [m.id for m in self.standin.channel_messages.get(channel(gid), [])]

    def posted(self, gids: Iterable[int]) -> int:
        return sum(len(self.messages(g)) for g in gids)

    async def until(self, predicate: Callable[[], bool], what: str, timeout: float) -> None:  # noqa: ASYNC109
        deadline = time.perf_counter() + timeout
        while not predicate():
            for proc in self.procs:
                if proc.process.returncode not in (None, -signal.SIGKILL):
                    raise AssertionError(f"{proc.name} exited {proc.process.returncode}:\n"
                                         f"{proc.tail()}")
            if time.perf_counter() > deadline:
                tails = "\n".join(f"--- {p.name}\n{p.tail()}" for p in self.procs)
                raise TimeoutError(f"timed out after {timeout}s waiting for {what}\n{tails}")
            await asyncio.sleep(0.05)

    async def until_settled(self, timeout: float) -> list[asyncpg.Record]:  # noqa: ASYNC109
        """Until every guild has a final posting-log row and Discord has answered every post."""
        deadline = time.perf_counter() + timeout
        while True:
            rows = await self.rows()
            posts = self.standin.requests_to("POST", "/channels/{channel_id}/messages")
            if (len(rows) == len(self.guilds) and all(r["status"] != "claimed" for r in rows)
                    and all(p.status for p in posts)):
                return rows
            if time.perf_counter() > deadline:
                tails = "\n".join(f"--- {p.name}\n{p.tail()}" for p in self.procs)
                raise TimeoutError(f"posting log not settled after {timeout}s: "
                                   f"{Counter(r['status'] for r in rows)} of {len(self.guilds)}"
                                   f"\n{tails}")
            await asyncio.sleep(0.1)


def owner_pid(owner: str | None) -> int | None:
    return int(owner.split(":")[1]) if owner else None


@pytest.fixture(scope="module")
def prices(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("prices")
    market_folder(folder)
    return folder


@contextlib.asynccontextmanager
async def cluster(tmp_path: Path, prices: Path) -> AsyncIterator[Cluster]:
    async with DiscordStandin(token=TOKEN, shard_count=SHARDS, max_concurrency=16) as standin:
        async with pg_schema("shards") as url:
            c = Cluster(standin, url, tmp_path, prices)
            try:
                yield c
            finally:
                await c.stop_all()
    assert standin.unknown_routes == [], [f"{r.method} {r.path}" for r in standin.unknown_routes]


def assert_exactly_once(c: Cluster, rows: list[asyncpg.Record]) -> None:
    """One row per guild; each 'sent' row names the one message its channel got."""
    assert sorted(r["guild_id"] for r in rows) == sorted(c.guilds)
    for r in rows:
        if r["status"] == "sent":
            assert c.messages(r["guild_id"]) == [r["message_id"]], r


async def test_two_processes_post_1000_briefs_exactly_once(tmp_path, prices) -> None:
    async with cluster(tmp_path, prices) as c:
        await c.add_guilds(1000)
        a = await c.start("a", "0-1")
        b = await c.start("b", "2-3")
        await c.until(lambda: c.posted(c.guilds) >= 1000, "1,000 briefs", timeout=180)
        rows = await c.until_settled(timeout=60)
        await asyncio.sleep(0.5)  # a double post would be arriving now
        assert_exactly_once(c, rows)
        assert Counter(r["status"] for r in rows) == {"sent": 1000}
        assert all(len(c.messages(g)) == 1 for g in c.guilds)
        # Each process posted exactly its own shards' guilds, on its own sessions.
        by_pid = {a.pid: {0, 1}, b.pid: {2, 3}}
        for r in rows:
            assert shard(r["guild_id"]) in by_pid[owner_pid(r["owner"])], r
        assert sorted(c.standin.identified_shards) == [(s, SHARDS) for s in range(SHARDS)]


async def test_kill_9_mid_fan_out_then_restart_posts_nothing_twice(tmp_path, prices) -> None:
    async with cluster(tmp_path, prices) as c:
        c.standin.message_delay = 0.04  # a slow Discord: the fan-out takes seconds
        await c.add_guilds(400)  # 1,000 are the test above; this one is about the crash
        a_guilds = [g for g in c.guilds if shard(g) in (0, 1)]
        a = await c.start("a", "0-1")
        b = await c.start("b", "2-3")
        await c.until(lambda: c.posted(a_guilds) >= 30, "a's fan-out under way", timeout=180)
        a.process.kill()  # SIGKILL: no clean-up, claims left open, posts in flight
        await a.process.wait()
        posted_at_kill = c.posted(a_guilds)
        assert 30 <= posted_at_kill < len(a_guilds), "a was not killed mid fan-out"
        await c.until(lambda: all(r.status for r in c.standin.requests_to(
            "POST", "/channels/{channel_id}/messages")), "in-flight posts answered", timeout=10)

        restarted = await c.start("a", "0-1")
        rows = await c.until_settled(timeout=180)
        await asyncio.sleep(0.5)
        assert_exactly_once(c, rows)
        assert all(len(c.messages(g)) <= 1 for g in c.guilds), "a guild was posted twice"
        statuses = Counter(r["status"] for r in rows)
        unknown = [r for r in rows if r["status"] == "failed"]
        # The claims the killed process held are failed as unknown, never silently re-posted:
        # whether Discord took their message or not, none got a second one.
        assert unknown and all(r["detail"] == OUTCOME_UNKNOWN for r in unknown), unknown
        assert all(owner_pid(r["owner"]) == a.pid for r in unknown)
        assert statuses == {"sent": 400 - len(unknown), "failed": len(unknown)}
        assert len(unknown) <= 8  # at most `concurrency` posts were in flight
        # The restarted process finished the killed one's shards, and only those.
        mine = [r for r in rows if owner_pid(r["owner"]) == restarted.pid]
        assert mine and all(shard(r["guild_id"]) in (0, 1) for r in mine)
        # The process that lived on posted its own shards, untouched by the crash.
        theirs = [r for r in rows if shard(r["guild_id"]) in (2, 3)]
        assert {owner_pid(r["owner"]) for r in theirs} == {b.pid}
        assert all(r["status"] == "sent" for r in theirs)
        assert restarted.process.returncode is None, restarted.tail()


async def test_overlapping_shard_ranges_never_double_post(tmp_path, prices) -> None:
    """Both processes run shards 1 and 2 (a copied config): Discord serves both sessions, both
    schedule those guilds, and the store's unique claims still let each post go out once."""
    async with cluster(tmp_path, prices) as c:
        await c.add_guilds(200)
        c.standin.hold_messages()  # catch both processes mid fan-out at the same moment
        a = await c.start("a", "0-2")
        b = await c.start("b", "1-3")
        posts = lambda: len(c.standin.requests_to("POST", "/channels/{channel_id}/messages"))  # noqa: E731
        await c.until(lambda: posts() >= 16, "both processes fanning out", timeout=180)
        c.standin.release_messages()
        rows = await c.until_settled(timeout=120)
        await asyncio.sleep(0.5)
        assert_exactly_once(c, rows)
        assert Counter(r["status"] for r in rows) == {"sent": 200}
        assert all(len(c.messages(g)) == 1 for g in c.guilds)
        assert Counter(c.standin.identified_shards) == {
            (0, SHARDS): 1, (1, SHARDS): 2, (2, SHARDS): 2, (3, SHARDS): 1}
        overlap_owners = {owner_pid(r["owner"]) for r in rows if shard(r["guild_id"]) in (1, 2)}
        assert overlap_owners == {a.pid, b.pid}  # both really contended for those guilds
        for r in rows:
            allowed = {0, 1, 2} if owner_pid(r["owner"]) == a.pid else {1, 2, 3}
            assert shard(r["guild_id"]) in allowed, r
