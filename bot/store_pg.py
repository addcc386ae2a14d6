"""The PostgreSQL backend of `bot.store.Store` (asyncpg), for several processes sharing one store.

Same calls as the SQLite backend, so callers do not know which one they hold:

- SQL keeps `?` placeholders; they are rewritten to `$1, $2, ...` (outside string literals and
  comments) once per distinct statement, and asyncpg caches the prepared statement per connection.
- `transaction()` takes a pooled connection and runs one PostgreSQL transaction on it; the object
  it yields has `execute()` (awaitable, or `async with` like aiosqlite) returning a cursor-like
  with `fetchall()`, `fetchone()` and `rowcount`, and `executemany()`.
- Unlike SQLite there is no single-connection lock: transactions of one process run concurrently,
  as those of other processes do. Exactly-once claims rely on unique constraints
  (`INSERT ... ON CONFLICT DO NOTHING`), which PostgreSQL enforces across all of them.
- Migrations run under a session advisory lock keyed by the schema, so of several processes
  starting at once exactly one applies each migration; `riskon_schema` records what was applied.
- `fetch_guard(key)` is a session advisory lock too: four processes asking for a cold symbol take
  turns, and the three that waited find the first one's bars in the shared `bars` table.

The target schema is the connection's `search_path` (asyncpg passes unknown URL parameters as
server settings: `postgresql://host/db?search_path=riskon` uses schema `riskon`); it must exist.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import AsyncIterator, Coroutine, Generator, Iterable, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from bot.store import (
    DEFAULT_LOCK_WAIT,
    MIGRATIONS,
    Migration,
    Store,
    StoreError,
    _statements,
    migration_text,
)

log = logging.getLogger(__name__)

#: Connections per process. Fetch guards may hold at most GUARDS of them while they wait for the
#: upstream provider, so transactions always find one free (no pool deadlock).
POOL_SIZE = 10
GUARDS = POOL_SIZE - 3

_ROW_WORDS = ("SELECT", "WITH", "VALUES", "SHOW", "TABLE")


@functools.lru_cache(maxsize=512)
def translate(sql: str) -> str:
    """`?` placeholders to `$n`, leaving quoted text, identifiers and comments alone."""
    out: list[str] = []
    n = 0
    i, end = 0, len(sql)
    while i < end:
        ch = sql[i]
        if ch in ("'", '"'):
            close = sql.find(ch, i + 1)
            while close != -1 and close + 1 < end and sql[close + 1] == ch:  # '' escapes
                close = sql.find(ch, close + 2)
            close = end - 1 if close == -1 else close
            out.append(sql[i : close + 1])
            i = close + 1
        elif sql.startswith("--", i):
            newline = sql.find("\n", i)
            newline = end if newline == -1 else newline
            out.append(sql[i:newline])
            i = newline
        elif ch == "?":
            n += 1
            out.append(f"${n}")
            i += 1
        else:
            out.append(ch)
            i += 1
    return "".join(out)


@functools.lru_cache(maxsize=512)
def _returns_rows(sql: str) -> bool:
    words = sql.lstrip().split(None, 1)
    head = words[0].upper() if words else ""
    return head in _ROW_WORDS or " RETURNING " in f" {sql.upper()} "


def _rowcount(status: str) -> int:
    """asyncpg's command tag ("INSERT 0 1", "UPDATE 3", "DELETE 0") to a row count."""
    last = status.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else -1


def redact(url: str) -> str:
    """The URL without its password, for logs and error messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


class PgCursor:
    """What `execute()` returns: the rows (for a query) and the affected row count."""

    __slots__ = ("_rows", "rowcount")

    def __init__(self, rows: list[tuple[Any, ...]], rowcount: int) -> None:
        self._rows = rows
        self.rowcount = rowcount

    async def fetchall(self) -> list[tuple[Any, ...]]:
        return self._rows

    async def fetchone(self) -> tuple[Any, ...] | None:
        return self._rows[0] if self._rows else None


class _Pending:
    """`await db.execute(...)` and `async with db.execute(...) as cursor:` both work."""

    __slots__ = ("_coro",)

    def __init__(self, coro: Coroutine[Any, Any, PgCursor]) -> None:
        self._coro = coro

    def __await__(self) -> Generator[Any, None, PgCursor]:
        return self._coro.__await__()

    async def __aenter__(self) -> PgCursor:
        return await self._coro

    async def __aexit__(self, *exc: object) -> None:
        return None


class PgConnection:
    """One pooled connection inside a transaction, with the aiosqlite-like calls riskon uses."""

    __slots__ = ("raw",)

    def __init__(self, raw: asyncpg.Connection) -> None:
        self.raw = raw

    def execute(self, sql: str, params: Iterable[Any] = ()) -> _Pending:
        return _Pending(self._execute(sql, tuple(params)))

    async def _execute(self, sql: str, params: tuple[Any, ...]) -> PgCursor:
        query = translate(sql)
        if _returns_rows(query):
            rows = [tuple(r) for r in await self.raw.fetch(query, *params)]
            return PgCursor(rows, len(rows))
        return PgCursor([], _rowcount(await self.raw.execute(query, *params)))

    async def executemany(self, sql: str, params: Iterable[Iterable[Any]]) -> None:
        batch = [tuple(p) for p in params]
        if batch:
            await self.raw.executemany(translate(sql), batch)


class PostgresStore(Store):
    """riskon's store in a PostgreSQL database shared by any number of processes."""

    backend = "postgresql"

    def __init__(
        self, url: str, migrations: Sequence[str | Migration] = MIGRATIONS, *,
        pool_size: int = POOL_SIZE, lock_wait: float = DEFAULT_LOCK_WAIT,
    ) -> None:
        self.url = url
        self._lock_wait = lock_wait
        self._migrations: tuple[str | Migration, ...] = tuple(migrations)
        self._pool_size = max(4, pool_size)
        self._pool: asyncpg.Pool | None = None
        self._guards = asyncio.Semaphore(self._pool_size - 3)

    def describe(self) -> str:
        return redact(self.url)

    @property
    def pool(self) -> asyncpg.Pool:
        if self._pool is None:
            raise RuntimeError("Store is not open")
        return self._pool

    async def open(self) -> Store:
        try:
            self._pool = await asyncpg.create_pool(
                self.url, min_size=1, max_size=self._pool_size, command_timeout=60
            )
        except (TimeoutError, OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise StoreError(
                f"cannot open the PostgreSQL store {redact(self.url)} ({reason}); check that "
                "the server runs and [store] url names a database and user it accepts."
            ) from None
        try:
            await self._migrate()
        except BaseException:
            await self.close()
            raise
        return self

    async def close(self) -> None:
        if self._pool is not None:
            pool, self._pool = self._pool, None
            await pool.close()

    async def version(self) -> int:
        async with self.pool.acquire() as conn:
            return await self._version(conn)

    @staticmethod
    async def _version(conn: asyncpg.Connection) -> int:
        exists = await conn.fetchval("SELECT to_regclass('riskon_schema') IS NOT NULL")
        if not exists:
            return 0
        return int(await conn.fetchval("SELECT coalesce(max(version), 0) FROM riskon_schema"))

    async def _migrate(self) -> None:
        async with self.pool.acquire() as conn:
            schema = await conn.fetchval("SELECT current_schema()")
            if schema is None:
                path = await conn.fetchval("SHOW search_path")
                raise StoreError(f"PostgreSQL store {redact(self.url)}: no schema of the "
                                 f"search_path ({path}) exists; create it first.")
            key = f"riskon.migrate:{schema}"
            # Session lock: held across the per-migration transactions below, so a second
            # process starting now waits here and then finds everything applied.
            await self._take_migration_lock(conn, key)
            try:
                await conn.execute(
                    "CREATE TABLE IF NOT EXISTS riskon_schema "
                    "(version BIGINT PRIMARY KEY, applied_at TEXT NOT NULL)"
                )
                current = await self._version(conn)
                if current > len(self._migrations):
                    raise StoreError(
                        f"{redact(self.url)} is at schema version {current}, newer than this "
                        f"riskon ({len(self._migrations)}); upgrade riskon instead of "
                        "downgrading the database."
                    )
                for number in range(current + 1, len(self._migrations) + 1):
                    text = migration_text(self._migrations[number - 1], self.backend)
                    async with conn.transaction():
                        for statement in _statements(text):
                            await conn.execute(statement)
                        await conn.execute(
                            "INSERT INTO riskon_schema (version, applied_at) VALUES ($1, $2)",
                            number, datetime.now(UTC).isoformat(),
                        )
                    log.info("Applied database migration %s to %s (schema %s)",
                             number, redact(self.url), schema)
            finally:
                await conn.execute("SELECT pg_advisory_unlock(hashtext($1))", key)

    async def _take_migration_lock(self, conn: asyncpg.Connection, key: str) -> None:
        """The migration lock, waited for up to `lock_wait` seconds (one log line when the wait
        starts), then refused with one line: a stuck migrator must not hang every start."""
        deadline = time.monotonic() + self._lock_wait
        waiting = False
        while not await conn.fetchval("SELECT pg_try_advisory_lock(hashtext($1))", key):
            if time.monotonic() >= deadline:
                raise StoreError(
                    f"{redact(self.url)}: another process has held the migration lock for over "
                    f"{self._lock_wait:g} s; stop it or raise [store] lock_wait_seconds."
                )
            if not waiting:
                waiting = True
                log.warning("%s: another process is migrating; waiting up to %g s for it",
                            redact(self.url), self._lock_wait)
            await asyncio.sleep(0.2)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[PgConnection]:
        async with self.pool.acquire() as conn, conn.transaction():
            yield PgConnection(conn)

    async def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[tuple[Any, ...]]:
        async with self.pool.acquire() as conn:
            rows = await conn.fetch(translate(sql), *tuple(params))
        return [tuple(r) for r in rows]

    async def fetchall_bulk(
        self, sql: str, params: Iterable[Any] = ()
    ) -> list[tuple[Any, ...]]:
        """A large result read and decoded on a connection of its own in a worker thread.

        asyncpg decodes rows on the event loop that awaits them: the first scheduler tick at
        100,000 servers (every enabled guild's settings, four days of posting log) held the
        loop for ~500 ms of CPU. In a thread the loop only waits; the connection costs a few
        milliseconds, paid once per large read.
        """
        query, args = translate(sql), tuple(params)
        self.pool  # noqa: B018  (raises if the store is not open, as the other reads do)
        return await asyncio.to_thread(_fetch_in_thread, self.url, query, args)

    async def fetchone(self, sql: str, params: Iterable[Any] = ()) -> tuple[Any, ...] | None:
        async with self.pool.acquire() as conn:
            row = await conn.fetchrow(translate(sql), *tuple(params))
        return None if row is None else tuple(row)

    async def tables(self) -> list[str]:
        # Creation order (oid) is migration order: parents before the tables that refer to them.
        rows = await self.fetchall(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = current_schema() AND c.relkind = 'r' ORDER BY c.oid"
        )
        return [r[0] for r in rows if r[0] != "riskon_schema"]

    async def columns(self, table: str) -> list[str]:
        rows = await self.fetchall(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position",
            (table,),
        )
        return [r[0] for r in rows]

    @asynccontextmanager
    async def fetch_guard(self, key: str) -> AsyncIterator[bool]:
        async with self._guards, self.pool.acquire() as conn:
            lock = "SELECT pg_advisory_lock(hashtext(current_schema() || ':fetch:' || $1))"
            await conn.execute(lock, key)
            try:
                yield True
            finally:
                # If this fails the pool's reset on release (pg_advisory_unlock_all) frees it.
                await conn.execute(
                    "SELECT pg_advisory_unlock(hashtext(current_schema() || ':fetch:' || $1))",
                    key,
                )


def _fetch_in_thread(url: str, query: str, args: tuple[Any, ...]) -> list[tuple[Any, ...]]:
    """`PostgresStore.fetchall_bulk`'s worker: its own event loop and connection."""

    async def run() -> list[tuple[Any, ...]]:
        conn = await asyncpg.connect(url, command_timeout=60)
        try:
            return [tuple(r) for r in await conn.fetch(query, *args)]
        finally:
            await conn.close()

    return asyncio.run(run())
