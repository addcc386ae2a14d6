"""Store, on SQLite and PostgreSQL alike: migrations from empty, concurrent start-ups,
interrupted writes roll back, portable SQL round-trips. Upgrades from every earlier version and
real processes starting at once: tests/test_store_upgrade.py."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest

from bot.store import MIGRATIONS, Migration, Store, StoreError, pg_ddl
from tests.pgtest import PG_URL, pg_schema

INSERT = "INSERT INTO bars (symbol, date, close) VALUES (?, ?, ?)"
TABLES = ("bars", "fetch_log", "guild_settings", "posting_log")


def db_errors(target: str) -> tuple[type[BaseException], ...]:
    """What a failing statement raises on the target's backend (the store does not wrap them)."""
    if target.startswith("postgresql://"):
        import asyncpg

        return (asyncpg.PostgresError,)
    return (sqlite3.Error,)


async def test_fresh_database_reaches_latest_version(store_target) -> None:
    async with Store(store_target) as store:
        assert await store.version() == len(MIGRATIONS)
        for table in TABLES:  # every table exists (an unknown one would raise)
            assert await store.fetchone(f"SELECT count(*) FROM {table}") == (0,)


async def test_sqlite_uses_wal_and_foreign_keys(tmp_path) -> None:
    async with Store(tmp_path / "r.sqlite3") as store:
        assert store.backend == "sqlite"
        assert await store.fetchone("PRAGMA journal_mode") == ("wal",)
        assert await store.fetchone("PRAGMA foreign_keys") == (1,)


async def test_reopening_applies_nothing_twice(store_target) -> None:
    async with Store(store_target):
        pass
    async with Store(store_target) as store:  # would fail with "bars already exists" if re-applied
        assert await store.version() == len(MIGRATIONS)


async def test_processes_starting_at_once_migrate_once(store_target) -> None:
    """Two stores opening the same empty database at the same moment (two bot processes): the
    migration lock lets one migrate; the other waits and finds the schema current."""
    stores = [Store(store_target) for _ in range(3)]
    await asyncio.gather(*(s.open() for s in stores))
    try:
        for store in stores:
            assert await store.version() == len(MIGRATIONS)
    finally:
        for store in stores:
            await store.close()


async def test_newer_database_is_refused(store_target) -> None:
    async with Store(store_target):
        pass
    with pytest.raises(RuntimeError, match="newer"):
        async with Store(store_target, migrations=MIGRATIONS[:1]):
            pass


async def test_failed_migration_leaves_previous_version(store_target) -> None:
    broken = (*MIGRATIONS[:1], "CREATE TABLE half (x INTEGER); INSERT INTO nowhere VALUES (1);")
    with pytest.raises((*db_errors(store_target), StoreError)):  # SQLite: one line, the file
        async with Store(store_target, migrations=broken):
            pass
    async with Store(store_target, migrations=MIGRATIONS[:1]) as store:
        assert await store.version() == 1
        with pytest.raises(db_errors(store_target)):  # the half-made table was rolled back
            await store.fetchall("SELECT x FROM half")


async def test_exception_mid_write_keeps_previous_state(store_target) -> None:
    async with Store(store_target) as store:
        async with store.transaction() as db:
            await db.execute(INSERT, ("X", "2024-01-02", 1))
        with pytest.raises(ZeroDivisionError):
            async with store.transaction() as db:
                await db.execute("DELETE FROM bars")
                await db.execute(INSERT, ("X", "2024-01-03", 2))
                1 / 0  # noqa: B018
        assert await store.fetchall("SELECT date, close FROM bars") == [("2024-01-02", 1.0)]


async def test_constraint_violation_rolls_back_the_whole_batch(store_target) -> None:
    async with Store(store_target) as store:
        with pytest.raises(db_errors(store_target)):
            async with store.transaction() as db:
                await db.execute(INSERT, ("X", "2024-01-02", 1))
                await db.execute(INSERT, ("X", "2024-01-03", 0))  # CHECK (close > 0)
        assert await store.fetchall("SELECT * FROM bars") == []


async def test_cursor_calls_and_rowcount_match_across_backends(store_target) -> None:
    """The calls bot/settings.py, brieflog.py and barcache.py use, with the same answers."""
    async with Store(store_target) as store:
        async with store.transaction() as db:
            await db.executemany(INSERT, [("A", f"2024-01-0{d}", d) for d in range(1, 6)])
            cursor = await db.execute("DELETE FROM bars WHERE symbol = ? AND date >= ?",
                                      ("A", "2024-01-04"))
            assert cursor.rowcount == 2
            cursor = await db.execute(
                "INSERT INTO bars (symbol, date, close) VALUES (?, ?, ?) "
                "ON CONFLICT (symbol, date) DO NOTHING", ("A", "2024-01-01", 9))
            assert cursor.rowcount == 0
            async with db.execute("SELECT count(*) FROM bars WHERE symbol = ?", ("A",)) as rows:
                assert await rows.fetchone() == (3,)
            cursor = await db.execute("SELECT date FROM bars ORDER BY date")
            assert await cursor.fetchall() == [("2024-01-01",), ("2024-01-02",), ("2024-01-03",)]
        # '?' inside a string literal is text, not a placeholder.
        assert await store.fetchone("SELECT 'what?', ?", ("x",)) == ("what?", "x")
        assert await store.fetchone("SELECT close FROM bars WHERE date = ?", ("1999-01-01",)) \
            is None


async def test_discord_ids_and_prices_keep_full_precision(store_target) -> None:
    """Snowflakes need 64 bits and closes double precision (PostgreSQL's INTEGER and REAL are
    32-bit): the migrations' types are mapped, and the values come back unchanged."""
    guild = 1_234_567_890_123_456_789
    async with Store(store_target) as store:
        async with store.transaction() as db:
            await db.execute(
                "INSERT INTO guild_settings (guild_id, channel_id, updated_at) VALUES (?, ?, ?)",
                (guild, guild + 1, "2024-01-01T00:00:00+00:00"))
            await db.execute(INSERT, ("P", "2024-01-02", 12345.678901234))
        assert await store.fetchone("SELECT guild_id, channel_id FROM guild_settings") == (
            guild, guild + 1)
        assert await store.fetchone("SELECT close FROM bars") == (12345.678901234,)
        async with store.transaction() as db:  # fetch_log ids are assigned by the database
            for _ in range(2):
                await db.execute(
                    "INSERT INTO fetch_log (symbol, source, started_at, finished_at, ok) "
                    "VALUES (?, ?, ?, ?, ?)", ("P", "t", "a", "b", 1))
        assert await store.fetchall("SELECT id FROM fetch_log ORDER BY id") == [(1,), (2,)]


async def test_claims_from_many_connections_have_one_winner(store_target) -> None:
    """Exactly-once rests on the unique key, not on one process: 2 stores x 20 concurrent
    claims of the same row, and only one INSERT wins."""
    from datetime import UTC, date, datetime

    from bot.scheduling import brieflog

    async with Store(store_target) as a, Store(store_target) as b:
        now = datetime.now(UTC)
        wins = await asyncio.gather(*(
            brieflog.claim(s, 7, date(2024, 6, 12), now) for s in (a, b) * 20
        ))
        assert wins.count(True) == 1


def test_pg_ddl_maps_sqlite_types() -> None:
    ddl = pg_ddl("CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER, x REAL) WITHOUT ROWID;")
    assert ddl == ("CREATE TABLE t (id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, "
                   "n BIGINT, x DOUBLE PRECISION);")


async def test_migration_with_two_texts_uses_its_backends_text(store_target) -> None:
    both = Migration(sqlite="CREATE TABLE only_sqlite (x INTEGER)",
                     postgresql="CREATE TABLE only_pg (x BIGINT)")
    async with Store(store_target, migrations=(*MIGRATIONS, both)) as store:
        name = "only_pg" if store.backend == "postgresql" else "only_sqlite"
        assert await store.fetchall(f"SELECT x FROM {name}") == []


@pytest.mark.skipif(not PG_URL, reason="RISKON_TEST_POSTGRES_URL is not set")
async def test_fetch_guard_serializes_processes() -> None:
    """Two stores (two processes) guarding one key take turns; other keys do not wait."""
    async with pg_schema() as url, Store(url) as a, Store(url) as b:
        order: list[str] = []

        async def hold(store: Store, name: str, key: str) -> None:
            async with store.fetch_guard(key) as reread:
                assert reread is True
                order.append(f"{name}+")
                await asyncio.sleep(0.2)
                order.append(f"{name}-")

        first = asyncio.create_task(hold(a, "a", "bars:X"))
        await asyncio.sleep(0.05)
        await asyncio.gather(first, hold(b, "b", "bars:X"), hold(b, "c", "bars:Y"))
        assert order.index("a-") < order.index("b+")  # b waited for a
        assert order.index("c+") < order.index("a-")  # another key did not


@pytest.mark.skipif(not PG_URL, reason="RISKON_TEST_POSTGRES_URL is not set")
async def test_missing_schema_or_server_is_one_clear_error() -> None:
    with pytest.raises(StoreError, match="no schema"):
        async with Store(f"{PG_URL}?search_path=riskon_no_such_schema"):
            pass
    with pytest.raises(StoreError, match="cannot open the PostgreSQL store"):
        async with Store("postgresql://nobody:secret@127.0.0.1:1/none"):
            pass
