"""Store targets for tests: a SQLite file, and a fresh PostgreSQL schema when one is configured.

`RISKON_TEST_POSTGRES_URL` (set by `.ci/run`) names the machine's PostgreSQL database. Unset, the
PostgreSQL cases skip; set, an unreachable server fails them, so CI cannot go green by skipping.
Each PostgreSQL case gets its own schema (in the URL's `search_path`) and drops it afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest

PG_URL = os.environ.get("RISKON_TEST_POSTGRES_URL", "").strip()

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param(
        "postgresql", id="postgresql",
        marks=pytest.mark.skipif(not PG_URL, reason="RISKON_TEST_POSTGRES_URL is not set"),
    ),
]


def with_schema(url: str, schema: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}search_path={schema}"


@asynccontextmanager
async def pg_schema(prefix: str = "t") -> AsyncIterator[str]:
    """A new empty schema in the test database; yields a store URL that uses it."""
    import asyncpg

    schema = f"riskon_{prefix}_{uuid.uuid4().hex[:12]}"
    conn = await asyncpg.connect(PG_URL)
    try:
        await conn.execute(f'CREATE SCHEMA "{schema}"')
    finally:
        await conn.close()
    try:
        yield with_schema(PG_URL, schema)
    finally:
        conn = await asyncpg.connect(PG_URL)
        try:
            await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        finally:
            await conn.close()


@pytest.fixture(params=BACKENDS)
async def store_target(request, tmp_path) -> AsyncIterator[str]:
    """What `Store(...)` takes: a SQLite path, or a PostgreSQL URL with a schema of its own."""
    if request.param == "sqlite":
        yield str(tmp_path / "riskon.sqlite3")
        return
    async with pg_schema() as url:
        yield url
