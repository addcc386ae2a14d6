"""Store: migrations from empty and from every earlier version; interrupted writes roll back."""

from __future__ import annotations

import sqlite3

import pytest

from bot.store import MIGRATIONS, Store

INSERT = "INSERT INTO bars (symbol, date, close) VALUES (?, ?, ?)"


async def test_fresh_database_reaches_latest_version(tmp_path) -> None:
    async with Store(tmp_path / "r.sqlite3") as store:
        assert await store.version() == len(MIGRATIONS)
        tables = {row[0] for row in await store.fetchall("SELECT name FROM sqlite_master")}
        assert {"bars", "fetch_log", "guild_settings", "brief_log"} <= tables
        mode = await store.fetchone("PRAGMA journal_mode")
        assert mode == ("wal",)
        assert await store.fetchone("PRAGMA foreign_keys") == (1,)


@pytest.mark.parametrize("start", range(len(MIGRATIONS)))
async def test_upgrade_from_each_earlier_version_keeps_data(tmp_path, start: int) -> None:
    path = tmp_path / "r.sqlite3"
    async with Store(path, migrations=MIGRATIONS[:start]) as old:
        assert await old.version() == start
        if start >= 1:
            async with old.transaction() as db:
                await db.execute(INSERT, ("^RUT", "2024-01-02", 2000))
    async with Store(path) as store:
        assert await store.version() == len(MIGRATIONS)
        rows = await store.fetchall("SELECT symbol, close FROM bars")
        assert rows == ([("^RUT", 2000.0)] if start >= 1 else [])


async def test_reopening_applies_nothing_twice(tmp_path) -> None:
    path = tmp_path / "r.sqlite3"
    async with Store(path):
        pass
    async with Store(path) as store:  # would fail with "table bars already exists" if re-applied
        assert await store.version() == len(MIGRATIONS)


async def test_newer_database_is_refused(tmp_path) -> None:
    path = tmp_path / "r.sqlite3"
    async with Store(path):
        pass
    with pytest.raises(RuntimeError, match="newer"):
        async with Store(path, migrations=MIGRATIONS[:1]):
            pass


async def test_failed_migration_leaves_previous_version(tmp_path) -> None:
    path = tmp_path / "r.sqlite3"
    broken = (*MIGRATIONS[:1], "CREATE TABLE half (x INTEGER); INSERT INTO nowhere VALUES (1);")
    with pytest.raises(sqlite3.OperationalError):
        async with Store(path, migrations=broken):
            pass
    async with Store(path, migrations=MIGRATIONS[:1]) as store:
        assert await store.version() == 1
        names = {row[0] for row in await store.fetchall("SELECT name FROM sqlite_master")}
        assert "half" not in names


async def test_exception_mid_write_keeps_previous_state(tmp_path) -> None:
    async with Store(tmp_path / "r.sqlite3") as store:
        async with store.transaction() as db:
            await db.execute(INSERT, ("X", "2024-01-02", 1))
        with pytest.raises(ZeroDivisionError):
            async with store.transaction() as db:
                await db.execute("DELETE FROM bars")
                await db.execute(INSERT, ("X", "2024-01-03", 2))
                1 / 0  # noqa: B018
        assert await store.fetchall("SELECT date, close FROM bars") == [("2024-01-02", 1.0)]


async def test_constraint_violation_rolls_back_the_whole_batch(tmp_path) -> None:
    async with Store(tmp_path / "r.sqlite3") as store:
        with pytest.raises(sqlite3.IntegrityError):
            async with store.transaction() as db:
                await db.execute(INSERT, ("X", "2024-01-02", 1))
                await db.execute(INSERT, ("X", "2024-01-03", 0))
        assert await store.fetchall("SELECT * FROM bars") == []
