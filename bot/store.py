"""riskon's one SQLite database: bar cache, fetch log, guild settings, brief log.

Why one file and one connection: a Discord bot's write rate is tiny, and one aiosqlite connection
(a single worker thread) serializes access without any locking games. WAL keeps readers of other
processes (a second `python -m bot ask`) from blocking, and every write goes through
`transaction()`, so a crash or an exception mid-write leaves the previous state intact.

Schema changes are numbered migrations recorded in `PRAGMA user_version`, each applied in its own
transaction at open; a database from any earlier version is brought forward in order.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite

log = logging.getLogger(__name__)

#: Migration N (1-based) is MIGRATIONS[N-1]. Append only: never edit a released migration.
MIGRATIONS: tuple[str, ...] = (
    # 1: the daily bar cache and its fetch log.
    """
    CREATE TABLE bars (
        symbol TEXT NOT NULL,
        date   TEXT NOT NULL,            -- exchange-local date, YYYY-MM-DD
        open   REAL, high REAL, low REAL,
        close  REAL NOT NULL CHECK (close > 0),
        volume REAL,
        PRIMARY KEY (symbol, date)
    ) WITHOUT ROWID;
    CREATE TABLE fetch_log (
        id          INTEGER PRIMARY KEY,
        symbol      TEXT NOT NULL,
        source      TEXT NOT NULL,
        started_at  TEXT NOT NULL,       -- UTC ISO-8601
        finished_at TEXT NOT NULL,
        ok          INTEGER NOT NULL,
        rows        INTEGER NOT NULL DEFAULT 0,
        error       TEXT
    );
    CREATE INDEX fetch_log_symbol ON fetch_log (symbol, ok, finished_at);
    """,
    # 2: per-guild settings; NULL means "the default declared in bot/settings.py".
    """
    CREATE TABLE guild_settings (
        guild_id        INTEGER PRIMARY KEY,
        channel_id      INTEGER,
        post_time       TEXT,
        timezone        TEXT,
        weekdays_only   INTEGER,
        brief_enabled   INTEGER,
        watchlist       TEXT,            -- JSON list of symbols
        disabled_reason TEXT,
        updated_at      TEXT NOT NULL
    );
    """,
    # 3: one row per guild and local date: the claim/commit record that makes briefs exactly-once.
    """
    CREATE TABLE brief_log (
        guild_id   INTEGER NOT NULL,
        local_date TEXT NOT NULL,
        status     TEXT NOT NULL CHECK (status IN ('claimed', 'sent', 'skipped', 'failed')),
        claimed_at TEXT NOT NULL,
        done_at    TEXT,
        message_id INTEGER,
        detail     TEXT,
        PRIMARY KEY (guild_id, local_date)
    );
    """,
    # 4: the scheduler reads brief_log by date every tick, and start-up looks for open claims;
    # without these both scan the whole table, which grows by one row per guild per day.
    """
    CREATE INDEX brief_log_date ON brief_log (local_date);
    CREATE INDEX brief_log_open_claims ON brief_log (claimed_at) WHERE status = 'claimed';
    """,
)


class Store:
    """An open riskon database. Use as `async with Store(path) as store:`."""

    def __init__(self, path: str | Path, migrations: Sequence[str] = MIGRATIONS) -> None:
        self.path = Path(path)
        self._migrations = tuple(migrations)
        self._db: aiosqlite.Connection | None = None
        # One transaction at a time: statements of two coroutines must never interleave
        # inside one BEGIN..COMMIT on the shared connection.
        self._lock = asyncio.Lock()

    async def __aenter__(self) -> Store:
        await self.open()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @property
    def db(self) -> aiosqlite.Connection:
        if self._db is None:
            raise RuntimeError("Store is not open")
        return self._db

    async def open(self) -> Store:
        if self.path.parent != Path():
            self.path.parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: we issue BEGIN/COMMIT ourselves, so Python's sqlite3 never
        # opens implicit transactions behind our back.
        self._db = await aiosqlite.connect(self.path, isolation_level=None)
        await self._db.execute("PRAGMA journal_mode=WAL")
        await self._db.execute("PRAGMA foreign_keys=ON")
        await self._db.execute("PRAGMA synchronous=NORMAL")
        await self._db.execute("PRAGMA busy_timeout=5000")
        try:
            await self._migrate()
        except BaseException:
            await self.close()  # never leave the connection's thread behind a failed open
            raise
        return self

    async def close(self) -> None:
        if self._db is not None:
            await self._db.close()
            self._db = None

    async def version(self) -> int:
        row = await self.fetchone("PRAGMA user_version")
        return int(row[0]) if row else 0

    async def _migrate(self) -> None:
        current = await self.version()
        if current > len(self._migrations):
            raise RuntimeError(
                f"{self.path} is at schema version {current}, newer than this riskon "
                f"({len(self._migrations)}); upgrade riskon instead of downgrading the database."
            )
        for number in range(current + 1, len(self._migrations) + 1):
            async with self.transaction() as db:
                for statement in _statements(self._migrations[number - 1]):
                    await db.execute(statement)
                # PRAGMA takes no parameters; number is an int we control.
                await db.execute(f"PRAGMA user_version = {int(number)}")
            log.info("Applied database migration %s to %s", number, self.path)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """All-or-nothing writes: commit on success, roll back on any exception."""
        async with self._lock:
            await self.db.execute("BEGIN IMMEDIATE")
            try:
                yield self.db
            except BaseException:
                await self.db.execute("ROLLBACK")
                raise
            else:
                await self.db.execute("COMMIT")

    async def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[tuple[Any, ...]]:
        async with self._lock:
            async with self.db.execute(sql, tuple(params)) as cursor:
                return list(await cursor.fetchall())  # plain tuples: no row_factory is set

    async def fetchone(self, sql: str, params: Iterable[Any] = ()) -> tuple[Any, ...] | None:
        async with self._lock:
            async with self.db.execute(sql, tuple(params)) as cursor:
                row = await cursor.fetchone()
                return tuple(row) if row is not None else None


def _statements(script: str) -> list[str]:
    """Split a migration script so each statement runs inside our own transaction.

    (`executescript` would COMMIT first, breaking the all-or-nothing migration.)
    """
    return [s.strip() for s in _strip_comments(script).split(";") if s.strip()]


def _strip_comments(script: str) -> str:
    return "\n".join(line.split("--", 1)[0] for line in script.splitlines())
