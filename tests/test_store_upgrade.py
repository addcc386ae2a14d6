"""Upgrading a store from every earlier schema version, on SQLite and PostgreSQL, and several
real processes starting on one empty store at once.

For each version k the database is built by applying migrations 1..k (what a riskon release
that shipped k migrations left behind), filled with representative rows in every table that
exists at k, then opened by the current code. Every row must come back unchanged, the version
must be current, and the current code's own readers must see the old data.

`SAMPLES` holds rows for every table the migrations create; a new migration that adds a table
fails `test_every_table_has_samples` until its rows are added here, so no table escapes the
upgrade test.
"""

from __future__ import annotations

import asyncio
import os
import sys
import textwrap
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.config import BriefConfig
from bot.market import barcache
from bot.scheduling import brieflog
from bot.settings import GuildSettingsRepo
from bot.store import MIGRATIONS, Store
from tests.netguard.netguard import child_pythonpath

ROOT = Path(__file__).resolve().parents[1]
GUILD = 1_234_567_890_123_456_789  # needs 64 bits
CHANNEL = 1_234_567_890_123_456_790
MESSAGE = 1_334_567_890_123_456_791

#: Rows per table, as {column: value}: NULLs, 64-bit ids, full-precision floats, non-ASCII text.
#: Every column but ids the database assigns (fetch_log.id), as the old code wrote them.
SAMPLES: dict[str, list[dict[str, Any]]] = {
    "bars": [
        {"symbol": "^RUT", "date": "2024-06-10", "open": 2011.25, "high": 2030.5,
         "low": 2001.125, "close": 2022.0123456789, "volume": 1.5e9},
        {"symbol": "^RUT", "date": "2024-06-11", "open": None, "high": None, "low": None,
         "close": 2040.5, "volume": None},
        {"symbol": "BTC-USD", "date": "2024-06-11", "open": 67000.0, "high": 68000.0,
         "low": 66000.0, "close": 67321.987654321, "volume": 2.5e10},
    ],
    "fetch_log": [
        {"symbol": "^RUT", "source": "Yahoo", "started_at": "2024-06-11T21:00:00+00:00",
         "finished_at": "2024-06-11T21:00:01+00:00", "ok": 1, "rows": 2, "error": None},
        {"symbol": "BTC-USD", "source": "Yahoo",
         "started_at": "2024-06-11T21:00:02+00:00", "finished_at": "2024-06-11T21:00:03+00:00",
         "ok": 0, "rows": 0, "error": "HTTP 503 — try later"},
    ],
    "guild_settings": [
        {"guild_id": GUILD, "channel_id": CHANNEL, "post_time": "08:30",
         "timezone": "Europe/Zurich", "weekdays_only": 0, "brief_enabled": 1,
         "watchlist": '["^RUT", "BTC-USD"]', "disabled_reason": None,
         "default_target": "ETH-USD", "updated_at": "2024-06-01T10:00:00+00:00"},
        {"guild_id": GUILD + 1, "channel_id": None, "post_time": None, "timezone": None,
         "weekdays_only": None, "brief_enabled": 0, "watchlist": None,
         "disabled_reason": "Paused: riskon lacks permission — « fix »",
         "updated_at": "2024-06-02T10:00:00+00:00"},
    ],
    "brief_log": [
        {"guild_id": GUILD, "local_date": "2024-06-11", "status": "sent",
         "claimed_at": "2024-06-11T06:30:00.000000+00:00",
         "done_at": "2024-06-11T06:30:01.000000+00:00", "message_id": MESSAGE, "detail": None},
        {"guild_id": GUILD, "local_date": "2024-06-12", "status": "claimed",
         "claimed_at": "2024-06-12T06:30:00.000000+00:00", "done_at": None, "message_id": None,
         "detail": None},
        {"guild_id": GUILD + 1, "local_date": "2024-06-11", "status": "failed",
         "claimed_at": "2024-06-11T06:30:00.000000+00:00",
         "done_at": "2024-06-11T06:31:00.000000+00:00", "message_id": None,
         "detail": "outcome unknown after restart"},
    ],
    "posting_log": [
        {"kind": "brief", "key": f"{GUILD}:2024-06-14", "guild_id": GUILD, "day": "2024-06-14",
         "status": "sent", "owner": "host-a:4242:0badc0de",
         "claimed_at": "2024-06-14T06:30:00.000000+00:00",
         "heartbeat_at": "2024-06-14T06:30:00.500000+00:00",
         "done_at": "2024-06-14T06:30:01.000000+00:00", "message_id": MESSAGE + 1,
         "detail": None},
        {"kind": "alert", "key": "17:2024-06-14", "guild_id": GUILD + 1, "day": "2024-06-14",
         "status": "failed", "owner": None, "claimed_at": "2024-06-14T21:00:00.000000+00:00",
         "heartbeat_at": None, "done_at": "2024-06-14T21:05:00.000000+00:00",
         "message_id": None, "detail": "outcome unknown after restart"},
    ],
    "alerts": [
        {"id": 17, "guild_id": GUILD + 1, "channel_id": CHANNEL, "role_id": CHANNEL + 7,
         "signal": "^RUT ath and ^VIX close < 20 gap 21", "target": "BTC-USD",
         "created_by": GUILD + 9, "created_at": "2024-06-10T12:00:00.000000+00:00",
         "since_session": "2024-06-07", "last_fired": "2024-06-14", "paused_reason": None},
        {"id": 18, "guild_id": GUILD, "channel_id": CHANNEL + 1, "role_id": None,
         "signal": "^VIX close > 30", "target": "^VIX", "created_by": None,
         "created_at": "2024-06-11T12:00:00.000000+00:00", "since_session": "2024-06-10",
         "last_fired": None, "paused_reason": "riskon lacks Attach Files in #général"},
    ],
}


async def _brief_log_moved(store: Store, rows: list[dict[str, Any]]) -> None:
    """Migration 5 moved brief_log into posting_log (kind 'brief', key guild:date)."""
    for row in rows:
        back = await store.fetchone(
            "SELECT guild_id, day, status, claimed_at, done_at, message_id, detail "
            "FROM posting_log WHERE kind = 'brief' AND key = ?",
            (f"{row['guild_id']}:{row['local_date']}",))
        assert back == (row["guild_id"], row["local_date"], row["status"], row["claimed_at"],
                        row["done_at"], row["message_id"], row["detail"]), row


#: Tables a later migration replaced: how to find their rows after the upgrade.
MOVED = {"brief_log": _brief_log_moved}


async def fill(store: Store) -> dict[str, tuple[list[str], list[tuple[Any, ...]]]]:
    """Insert SAMPLES into every table the store has now; returns what went where."""
    written: dict[str, tuple[list[str], list[tuple[Any, ...]]]] = {}
    for table in await store.tables():
        assert table in SAMPLES, f"no sample rows for table {table}: add them to SAMPLES"
        columns = [c for c in await store.columns(table) if c in SAMPLES[table][0]]
        rows = [tuple(sample.get(c) for c in columns) for sample in SAMPLES[table]]
        written[table] = (columns, rows)
    async with store.transaction() as db:
        for table, (columns, rows) in written.items():
            marks = ", ".join("?" for _ in columns)
            await db.executemany(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)
    return written


async def rows_of(store: Store, table: str, columns: list[str]) -> list[tuple[Any, ...]]:
    return await store.fetchall(f"SELECT {', '.join(columns)} FROM {table}")


async def test_every_table_has_samples(store_target) -> None:
    async with Store(store_target) as store:
        assert set(await store.tables()) == set(SAMPLES) - set(MOVED)
        for table, samples in SAMPLES.items():
            if table in MOVED:
                continue
            assigned = {"id"} if table == "fetch_log" else set()
            assert set(await store.columns(table)) - assigned == set(samples[0]), table


@pytest.mark.parametrize("version", range(len(MIGRATIONS)))
async def test_upgrade_from_every_earlier_version_keeps_every_row(
    store_target, version: int
) -> None:
    async with Store(store_target, migrations=MIGRATIONS[:version]) as old:
        assert await old.version() == version
        written = await fill(old)
    if version >= 1:
        assert written, "migration 1 creates tables, so there is something to upgrade"

    async with Store(store_target) as store:
        assert await store.version() == len(MIGRATIONS)
        now_tables = set(await store.tables())
        for table, (columns, rows) in written.items():
            if table not in now_tables:
                assert table in MOVED, f"{table} was dropped and its rows are not checked"
                await MOVED[table](store, [dict(zip(columns, r, strict=True)) for r in rows])
                continue
            back = await rows_of(store, table, columns)
            assert sorted(back, key=_sort_key) == sorted(rows, key=_sort_key), table

        # The current code reads the old rows through its own calls...
        if "guild_settings" in written:
            settings = await GuildSettingsRepo(store, BriefConfig()).get(GUILD)
            assert settings.channel_id == CHANNEL and settings.post_time == "08:30"
            assert settings.watchlist == ("^RUT", "BTC-USD") and settings.brief_enabled
        if "brief_log" in written:
            record = await brieflog.get(store, GUILD, date(2024, 6, 11))
            assert record is not None and (record.status, record.message_id) == ("sent", MESSAGE)
            # ...and its claims still refuse a date that the old process already claimed.
            now = datetime(2024, 6, 12, 6, 31, tzinfo=UTC)
            assert not await brieflog.claim(store, GUILD, date(2024, 6, 12), now)
            assert await brieflog.claim(store, GUILD, date(2024, 6, 13), now)
        if "posting_log" in written:
            record = await brieflog.get(store, GUILD, date(2024, 6, 14))
            assert record is not None and record.message_id == MESSAGE + 1
        if "bars" in written:
            frame = await barcache.load_bars(store, "^RUT")
            assert list(frame["Close"]) == [2022.0123456789, 2040.5]
        if "fetch_log" in written:
            # New fetch log ids continue after the old ones (no identity collision).
            await barcache.log_failed_fetch(store, "X", "Yahoo", now_utc(), now_utc(), "boom")
            assert await store.fetchone("SELECT max(id) FROM fetch_log") == (3,)


def _sort_key(row: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple((v is None, v if v is not None else 0) for v in row)


def now_utc() -> datetime:
    return datetime.now(UTC)


# ---- several real processes on one empty store ---------------------------------------------

#: Opens the store once the parent says go. An extra last migration fills a table slowly, so the
#: processes really overlap while one of them migrates; a second migrator would fail on
#: "table slow already exists" (or duplicate rows), and each applied migration is logged.
CHILD = textwrap.dedent("""
    import asyncio, logging, os, sys, time
    from bot.store import MIGRATIONS, Store
    SLOW = ("CREATE TABLE slow (x INTEGER PRIMARY KEY); "
            "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 200000) "
            "INSERT INTO slow (x) SELECT x FROM c")
    logging.basicConfig(level=logging.INFO, stream=sys.stdout, format="%(message)s")

    async def main():
        print("ready", flush=True)
        while not os.path.exists(sys.argv[2]):
            time.sleep(0.005)
        async with Store(sys.argv[1], migrations=(*MIGRATIONS, SLOW)) as store:
            print("version", await store.version(), flush=True)
            print("slow", (await store.fetchone("SELECT count(*) FROM slow"))[0], flush=True)

    asyncio.run(main())
""")


async def test_processes_starting_at_once_migrate_once(store_target, tmp_path) -> None:
    go = tmp_path / "go"
    env = {**os.environ, "PYTHONPATH": child_pythonpath(ROOT)}
    procs = [
        await asyncio.create_subprocess_exec(
            sys.executable, "-c", CHILD, store_target, str(go), env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        for _ in range(3)
    ]
    for proc in procs:  # every process has imported riskon and waits at the gate
        assert proc.stdout is not None
        assert (await asyncio.wait_for(proc.stdout.readline(), 60)).strip() == b"ready"
    go.touch()
    results = await asyncio.gather(*(asyncio.wait_for(p.communicate(), 60) for p in procs))

    latest = len(MIGRATIONS) + 1
    applied: list[int] = []
    for proc, (out, err) in zip(procs, results, strict=True):
        assert proc.returncode == 0, err.decode()[-2000:]
        lines = out.decode().splitlines()
        assert f"version {latest}" in lines and "slow 200000" in lines
        applied += [int(line.split()[3]) for line in lines
                    if line.startswith("Applied database migration")]
    assert sorted(applied) == list(range(1, latest + 1))  # each one once, by one process
