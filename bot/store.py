"""riskon's database: bar cache, fetch log, guild settings, posting log, alerts.

One interface, two backends. `Store(target)` opens SQLite for a file path (the default: nothing to
install) and PostgreSQL for a `postgresql://` URL (`bot/store_pg.py`, asyncpg), so several bot
processes on several machines can share settings, the brief log and the price cache. The rest of
riskon only uses what both backends offer: `transaction()` yielding an object whose
`await db.execute(sql, params)` returns a cursor-like (`fetchall()`, `fetchone()`, `rowcount`),
`executemany`, `store.fetchall/fetchone`, `version()` and `fetch_guard(key)`. SQL is written once
with `?` placeholders and portable syntax (`ON CONFLICT`, no SQLite-only functions); the PostgreSQL
backend translates the placeholders to `$n`.

SQLite: one file and one connection. A Discord bot's write rate is tiny, and one aiosqlite
connection (a single worker thread) serializes access without any locking games. WAL keeps readers
of other processes (a second `python -m bot ask`) from blocking, and every write goes through
`transaction()`, so a crash or an exception mid-write leaves the previous state intact.

Schema changes are numbered migrations (SQLite: `PRAGMA user_version`; PostgreSQL: the
`riskon_schema` table), each applied in its own transaction at open, under a lock that two
processes starting at once both take (SQLite: `BEGIN IMMEDIATE` re-reading the version inside it;
PostgreSQL: an advisory lock), so only one of them migrates. A migration is written in SQLite's
dialect; `pg_ddl()` maps its types for PostgreSQL, and a `Migration(sqlite=..., postgresql=...)`
gives both texts where the mapping is not enough.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import sqlite3
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import aiosqlite

from bot.errors import RiskonError

if TYPE_CHECKING:
    from bot.config import StoreConfig

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Migration:
    """A migration whose PostgreSQL text is not what `pg_ddl()` makes of the SQLite text."""

    sqlite: str
    postgresql: str


#: Migration N (1-based) is MIGRATIONS[N-1]. Append only: never edit a released migration.
#: Write a plain string in SQLite's dialect (INTEGER, REAL, TEXT) unless `pg_ddl()` cannot map
#: it; then append a `Migration` with both texts. Both backends are tested on every entry.
MIGRATIONS: tuple[str | Migration, ...] = (
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
    # 5 (engineer "posting"): one posting log for briefs and alerts, keyed by (kind, key), whose
    # claims name the process that holds them (owner) and carry its heartbeat, so a restart
    # resolves a dead process's claims at once; brief_log's rows move into it.
    """
    CREATE TABLE posting_log (
        kind         TEXT NOT NULL,      -- 'brief' | 'alert'
        key          TEXT NOT NULL,      -- brief: guild_id:local_date; alert: alert_id:session
        guild_id     INTEGER NOT NULL,
        day          TEXT NOT NULL,      -- brief: the guild's local date; alert: event session
        status       TEXT NOT NULL CHECK (status IN ('claimed', 'sent', 'skipped', 'failed')),
        owner        TEXT,               -- host:pid:token of the claiming process
        claimed_at   TEXT NOT NULL,
        heartbeat_at TEXT,
        done_at      TEXT,
        message_id   INTEGER,
        detail       TEXT,
        PRIMARY KEY (kind, key)
    );
    CREATE INDEX posting_log_day ON posting_log (kind, day);
    CREATE INDEX posting_log_guild ON posting_log (guild_id, kind, day);
    CREATE INDEX posting_log_open ON posting_log (owner) WHERE status = 'claimed';
    INSERT INTO posting_log (kind, key, guild_id, day, status, claimed_at, heartbeat_at,
                             done_at, message_id, detail)
        SELECT 'brief', CAST(guild_id AS TEXT) || ':' || local_date, guild_id, local_date,
               status, claimed_at, claimed_at, done_at, message_id, detail
        FROM brief_log;
    DROP TABLE brief_log;
    """,
    # 6 (engineer "alerts"): a server's subscriptions to a signal. `since_session` is the
    # trigger's latest session when the alert was made: only later sessions fire (no
    # back-firing on history). Exactly-once posting lives in posting_log (kind 'alert').
    """
    CREATE TABLE alerts (
        id            INTEGER PRIMARY KEY,
        guild_id      INTEGER NOT NULL,
        channel_id    INTEGER NOT NULL,
        role_id       INTEGER,            -- the only thing the post may mention
        signal        TEXT NOT NULL,      -- canonical signal text
        target        TEXT NOT NULL,      -- registry symbol studied after the event
        created_by    INTEGER,
        created_at    TEXT NOT NULL,      -- UTC ISO-8601
        since_session TEXT NOT NULL,      -- YYYY-MM-DD
        last_fired    TEXT,               -- event session of the last post sent
        paused_reason TEXT                -- NULL = active
    );
    CREATE INDEX alerts_guild ON alerts (guild_id);
    """,
    # 7: the asset a server's questions follow when they name none ("What happened after?",
    # /ask); NULL = Bitcoin, riskon's default.
    """
    ALTER TABLE guild_settings ADD COLUMN default_target TEXT;
    """,
)


def pg_ddl(script: str) -> str:
    """SQLite DDL in PostgreSQL's types: 64-bit integers (Discord ids do not fit 32 bits),
    double-precision floats (PostgreSQL's REAL is single precision), identity columns for
    SQLite's auto-assigned `INTEGER PRIMARY KEY`, and no `WITHOUT ROWID`."""
    out = re.sub(r"\bINTEGER\s+PRIMARY\s+KEY(\s+AUTOINCREMENT)?\b",
                 "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY", script, flags=re.I)
    out = re.sub(r"\bINTEGER\b", "BIGINT", out, flags=re.I)
    out = re.sub(r"\bREAL\b", "DOUBLE PRECISION", out, flags=re.I)
    return re.sub(r"\)\s*WITHOUT\s+ROWID\b", ")", out, flags=re.I)


def migration_text(migration: str | Migration, backend: str) -> str:
    if isinstance(migration, Migration):
        return migration.postgresql if backend == "postgresql" else migration.sqlite
    return pg_ddl(migration) if backend == "postgresql" else migration


def is_postgres_url(target: str | Path) -> bool:
    return isinstance(target, str) and target.startswith(("postgresql://", "postgres://"))


class StoreError(RiskonError, RuntimeError):
    """The database cannot be opened or used; the message is one line naming what to fix."""


#: How long start-up waits, by default, for another process to release the database's write
#: lock (`[store] lock_wait_seconds`); past it riskon refuses to start with one line.
DEFAULT_LOCK_WAIT = 30.0
#: The busy timeout once open: a running bot's writes are short, and a command must not hang.
RUNTIME_BUSY_MS = 5000


def is_lock_error(exc: BaseException) -> bool:
    """Whether `exc` is "another process holds the lock" (SQLite busy/locked), i.e. worth a
    retry, as opposed to a database that can never work."""
    if not isinstance(exc, sqlite3.OperationalError):
        return False
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None and code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
        return True
    text = str(exc).lower()
    return "locked" in text or "busy" in text


class Store:
    """The store interface. `Store(path)` opens SQLite, `Store("postgresql://...")` PostgreSQL.

    Use as `async with Store(target) as store:` or `await Store(target).open()`. Subclasses:
    `SqliteStore` below and `bot.store_pg.PostgresStore`.
    """

    #: "sqlite" or "postgresql": for the few places that must know (tests, migrate-store).
    backend = "abstract"

    def __new__(cls, *args: Any, **kwargs: Any) -> Store:
        if cls is Store:
            target = args[0] if args else kwargs.get("path", "")
            if is_postgres_url(target):
                from bot.store_pg import PostgresStore

                cls = PostgresStore
            else:
                cls = SqliteStore
        return super().__new__(cls)

    async def __aenter__(self) -> Store:
        await self.open()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def open(self) -> Store:
        raise NotImplementedError

    async def close(self) -> None:
        raise NotImplementedError

    async def version(self) -> int:
        """The number of migrations applied."""
        raise NotImplementedError

    def transaction(self) -> AbstractAsyncContextManager[Any]:
        """All-or-nothing writes: commit on success, roll back on any exception."""
        raise NotImplementedError

    async def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[tuple[Any, ...]]:
        raise NotImplementedError

    async def fetchall_bulk(
        self, sql: str, params: Iterable[Any] = ()
    ) -> list[tuple[Any, ...]]:
        """`fetchall` for results of 100,000 rows: decoded beside the event loop, not on it.

        SQLite's driver already decodes in its own thread, so this is `fetchall` there; the
        PostgreSQL backend overrides it (asyncpg decodes on the loop that awaits it).
        """
        return await self.fetchall(sql, params)

    async def fetchone(self, sql: str, params: Iterable[Any] = ()) -> tuple[Any, ...] | None:
        raise NotImplementedError

    async def tables(self) -> list[str]:
        """riskon's tables in the order the migrations created them (parents first), without
        the backend's own bookkeeping (SQLite's internal tables, PostgreSQL's riskon_schema).
        For code that must treat every table alike: `migrate-store`, the upgrade tests."""
        raise NotImplementedError

    async def columns(self, table: str) -> list[str]:
        """The table's column names in their declared order."""
        raise NotImplementedError

    def fetch_guard(self, key: str) -> AbstractAsyncContextManager[bool]:
        """Hold `key` against every process sharing this store (e.g. while fetching a symbol).

        Yields whether another process may have changed the data meanwhile, i.e. whether the
        caller should re-read before doing the guarded work. SQLite is one process's file: a
        no-op yielding False. PostgreSQL: an advisory lock, yielding True.
        """
        return _no_guard()

    def describe(self) -> str:
        """Where the data lives, safe to log (never a password)."""
        return self.backend


@asynccontextmanager
async def _no_guard() -> AsyncIterator[bool]:
    yield False


def store_for(config: StoreConfig) -> Store:
    """The store `[store]` names, not yet open: PostgreSQL for `url`, else SQLite at `path`."""
    target = config.url or config.path
    return Store(target, lock_wait=config.lock_wait_seconds)


async def open_store(config: StoreConfig) -> Store:
    return await store_for(config).open()


class SqliteStore(Store):
    """An open riskon SQLite database. Use as `async with Store(path) as store:`."""

    backend = "sqlite"

    def __init__(
        self, path: str | Path, migrations: Sequence[str | Migration] = MIGRATIONS, *,
        lock_wait: float = DEFAULT_LOCK_WAIT,
    ) -> None:
        self.path = Path(path)
        self._migrations: tuple[str | Migration, ...] = tuple(migrations)
        self._lock_wait = lock_wait
        self._db: aiosqlite.Connection | None = None
        # One transaction at a time: statements of two coroutines must never interleave
        # inside one BEGIN..COMMIT on the shared connection.
        self._lock = asyncio.Lock()

    def describe(self) -> str:
        return str(self.path)

    @property
    def db(self) -> aiosqlite.Connection:
        if self._db is None:
            raise RuntimeError("Store is not open")
        return self._db

    async def open(self) -> Store:
        """Open, migrate and prove the file writable, or raise `StoreError` naming the file.

        Every failure (not a database, a directory, a newer schema, a read-only file, a lock
        held past `lock_wait` seconds) is one line, and the connection's thread is always
        stopped first: a thread left running keeps the process alive after the error.
        """
        self._check_path()
        try:
            # isolation_level=None: we issue BEGIN/COMMIT ourselves, so Python's sqlite3 never
            # opens implicit transactions behind our back.
            self._db = await aiosqlite.connect(self.path, isolation_level=None)
        except sqlite3.Error as exc:
            raise StoreError(self._explain(exc)) from None
        try:
            # The busy timeout first: `journal_mode=WAL` on a fresh file needs the write lock.
            await self._db.execute("PRAGMA busy_timeout=500")
            await self._wait_for_lock(self._prepare)
            await self._db.execute(f"PRAGMA busy_timeout={RUNTIME_BUSY_MS}")
        except sqlite3.Error as exc:
            await self.close()
            raise StoreError(self._explain(exc)) from None
        except BaseException:
            await self.close()  # never leave the connection's thread behind a failed open
            raise
        return self

    def _check_path(self) -> None:
        """What the file system can tell before SQLite tries: one line instead of an OSError
        (which the bot would otherwise take for a network problem)."""
        if str(self.path) == ":memory:":
            return
        if self.path.is_dir():
            raise StoreError(f"{self.path} is a directory, not a database file; "
                             "set [store] path to a file name.")
        parent = self.path.parent
        existing = next((p for p in (parent, *parent.parents) if p.exists()), None)
        if existing is not None and not existing.is_dir():
            raise StoreError(f"cannot use {self.path}: {existing} is not a folder but a file; "
                             "set [store] path elsewhere.")
        try:
            parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the folder {parent} for the database {self.path} "
                             f"({exc.strerror or exc}); set [store] path elsewhere.") from None
        writable = os.access(self.path, os.W_OK) if self.path.exists() else True
        if not (writable and os.access(parent, os.W_OK)):
            raise StoreError(f"{self.path} is read-only (riskon writes settings and posting "
                             "records there); fix its permissions or set [store] path.")

    async def _prepare(self) -> None:
        db = self.db
        await db.execute("PRAGMA journal_mode=WAL")
        await db.execute("PRAGMA foreign_keys=ON")
        await db.execute("PRAGMA synchronous=NORMAL")
        await self._migrate()
        # Prove the file writable now, not at the first /config: a read-only store is refused
        # at start (rewriting user_version with its own value is a real, harmless write).
        async with self.transaction() as tx:
            async with tx.execute("PRAGMA user_version") as cursor:
                row = await cursor.fetchone()
            await tx.execute(f"PRAGMA user_version = {int(row[0]) if row else 0}")

    async def _wait_for_lock(self, step: Callable[[], Awaitable[None]]) -> None:
        """Run `step`, retrying while another process holds the write lock, for up to
        `lock_wait` seconds (one log line when the wait starts), then refuse with one line."""
        deadline = time.monotonic() + self._lock_wait
        waiting = False
        while True:
            try:
                await step()
                return
            except sqlite3.OperationalError as exc:
                if not is_lock_error(exc):
                    raise
                if time.monotonic() >= deadline:
                    raise StoreError(
                        f"{self.path} is locked by another process (held for over "
                        f"{self._lock_wait:g} s); stop that process or raise "
                        "[store] lock_wait_seconds."
                    ) from None
                if not waiting:
                    waiting = True
                    log.warning("%s is locked by another process; waiting up to %g s for it",
                                self.path, self._lock_wait)
                await asyncio.sleep(0.2)

    def _explain(self, exc: sqlite3.Error) -> str:
        text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        low = text.lower()
        damaged = isinstance(exc, sqlite3.DatabaseError) and not isinstance(
            exc, sqlite3.OperationalError)
        if damaged or "not a database" in low or "malformed" in low:
            return (f"{self.path} is not a usable SQLite database ({text}); move it aside "
                    "or set [store] path to another file.")
        if "readonly" in low or "read-only" in low:
            return (f"{self.path} is read-only ({text}); riskon writes settings and posting "
                    "records there: fix its permissions or set [store] path.")
        if is_lock_error(exc):
            return (f"{self.path} is locked by another process ({text}); stop that process "
                    "or raise [store] lock_wait_seconds.")
        return f"cannot open the database {self.path} ({text}); check [store] path."

    async def close(self) -> None:
        if self._db is not None:
            await self._db.close()
            self._db = None

    async def version(self) -> int:
        row = await self.fetchone("PRAGMA user_version")
        return int(row[0]) if row else 0

    async def tables(self) -> list[str]:
        rows = await self.fetchall(
            "SELECT name FROM sqlite_master WHERE type = 'table' "
            "AND name NOT LIKE 'sqlite_%' ORDER BY rowid"
        )
        return [r[0] for r in rows]

    async def columns(self, table: str) -> list[str]:
        if not re.fullmatch(r"\w+", table):
            raise ValueError(f"not a table name: {table!r}")
        return [r[1] for r in await self.fetchall(f'PRAGMA table_info("{table}")')]

    async def _migrate(self) -> None:
        current = await self.version()
        if current > len(self._migrations):
            raise StoreError(
                f"{self.path} is at schema version {current}, newer than this riskon "
                f"({len(self._migrations)}); upgrade riskon instead of downgrading the database."
            )
        for number in range(current + 1, len(self._migrations) + 1):
            async with self.transaction() as db:
                # BEGIN IMMEDIATE holds the write lock: another process starting at the same
                # moment may have applied this migration while we waited for it.
                async with db.execute("PRAGMA user_version") as cursor:
                    row = await cursor.fetchone()
                if row is not None and int(row[0]) >= number:
                    continue
                text = migration_text(self._migrations[number - 1], self.backend)
                for statement in _statements(text):
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
                # Plain tuples: no row_factory is set (aiosqlite types rows as sqlite3.Row).
                return cast(list[tuple[Any, ...]], list(await cursor.fetchall()))

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
