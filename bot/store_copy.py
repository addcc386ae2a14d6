"""`python -m bot migrate-store`: copy one store into another (SQLite file -> PostgreSQL).

Both ends are opened as riskon stores first, so both are migrated to this riskon's schema and
have the same tables. Then every table of the source that the target also has is copied, in the
order the migrations created them (parents before anything that refers to them), by the columns
both have: settings, the posting/brief log, alerts, cached bars and their fetch log, and any
table a later migration adds, without this module having to learn about it.

All or nothing: the copy is one transaction on the target. A target that already holds rows is
refused unless `force`, which empties the copied tables first: merging two histories row by row
could silently keep a stale setting or an old claim.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from bot.errors import UserError
from bot.store import Store

_CHUNK = 5000


def parse_target(text: str, option: str) -> str:
    """`sqlite:PATH`, a bare path, or `postgresql://...` -> what `Store()` takes."""
    if text.startswith(("postgresql://", "postgres://")):
        return text
    path = text.removeprefix("sqlite:")
    if not path:
        raise UserError(f"{option} needs sqlite:PATH or a postgresql:// URL.")
    return path


async def copy_store(
    source: Store, target: Store, *, force: bool = False,
    progress: Callable[[str, int], None] = lambda table, rows: None,
) -> dict[str, int]:
    """Copy every shared table from `source` into `target`; returns rows copied per table."""
    target_tables = set(await target.tables())
    tables = [t for t in await source.tables() if t in target_tables]
    columns = {}
    for table in tables:
        theirs = set(await target.columns(table))
        columns[table] = [c for c in await source.columns(table) if c in theirs]
    occupied = []
    for table in tables:
        row = await target.fetchone(f"SELECT count(*) FROM {table}")
        if row and row[0]:
            occupied.append(f"{table} ({row[0]} rows)")
    if occupied and not force:
        raise UserError(
            f"the target {target.describe()} already holds data: {', '.join(occupied)}. "
            "Pass --force to replace it."
        )
    counts: dict[str, int] = {}
    async with target.transaction() as db:
        for table in reversed(tables):  # children before parents
            await db.execute(f"DELETE FROM {table}")
        for table in tables:
            cols = columns[table]
            if not cols:
                continue
            names = ", ".join(cols)
            rows = await source.fetchall(f"SELECT {names} FROM {table}")
            insert = (f"INSERT INTO {table} ({names}) VALUES "
                      f"({', '.join('?' for _ in cols)})")
            for start in range(0, len(rows), _CHUNK):
                await db.executemany(insert, rows[start : start + _CHUNK])
            counts[table] = len(rows)
            progress(table, len(rows))
        if target.backend == "postgresql":
            # Identity columns (fetch_log.id) continue after the copied ids.
            identities = await (await db.execute(
                "SELECT table_name, column_name FROM information_schema.columns "
                "WHERE table_schema = current_schema() AND is_identity = 'YES'"
            )).fetchall()
            for table, column in identities:
                if counts.get(table):
                    await db.execute(
                        f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'), "
                        f"(SELECT max({column}) FROM {table}))"
                    )
    return counts


def migrate_store(source_text: str, target_text: str, *, force: bool) -> dict[str, int]:
    """The command: check the arguments, then copy (printing one line per table)."""
    source = parse_target(source_text, "--from")
    target = parse_target(target_text, "--to")
    if not source.startswith("postgres") and not Path(source).is_file():
        raise UserError(f"--from {source_text}: no such SQLite file.")
    if source == target:
        raise UserError("--from and --to name the same store.")
    return asyncio.run(_migrate(source, target, force=force))


async def _migrate(source_target: str, target_target: str, *, force: bool) -> dict[str, int]:
    async with Store(source_target) as source, Store(target_target) as target:
        return await copy_store(
            source, target, force=force,
            progress=lambda table, n: print(f"{table}: {n} row(s) copied"),
        )
