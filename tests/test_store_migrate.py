"""`python -m bot migrate-store`: a SQLite store copied into PostgreSQL, refusing to overwrite."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from datetime import UTC, date, datetime

import pandas as pd
import pytest

from bot.config import BriefConfig
from bot.market import barcache
from bot.scheduling import brieflog
from bot.settings import GuildSettingsRepo
from bot.store import Store
from tests.pgtest import PG_URL, pg_schema

pytestmark = pytest.mark.skipif(not PG_URL, reason="RISKON_TEST_POSTGRES_URL is not set")
NOW = datetime(2024, 6, 12, 7, 0, tzinfo=UTC)
GUILD = 1_100_000_000_000_000_123


def migrate(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", "migrate-store", *args],
                          capture_output=True, text=True, timeout=120)


async def fill(path) -> None:
    async with Store(path) as store:
        repo = GuildSettingsRepo(store, BriefConfig())
        await repo.update(GUILD, channel_id=GUILD + 1, brief_enabled=True, watchlist=["^RUT"])
        assert await brieflog.claim(store, GUILD, date(2024, 6, 12), NOW)
        await brieflog.commit(store, GUILD, date(2024, 6, 12), 987654321098765432, NOW)
        frame = pd.DataFrame(
            {"Open": [1.0, 2.0], "High": [1.5, 2.5], "Low": [0.5, 1.5],
             "Close": [1.25, 2.125], "Volume": [10.0, float("nan")]},
            index=pd.DatetimeIndex(["2024-06-10", "2024-06-11"], name="Date"))
        await barcache.save_bars(store, "^RUT", frame, replace_from=None, source="Yahoo",
                                 started_at=NOW, finished_at=NOW)


async def test_copies_settings_log_and_bars_and_refuses_a_full_target(tmp_path) -> None:
    source = tmp_path / "riskon.sqlite3"
    await fill(source)
    async with pg_schema() as url:
        done = await asyncio.to_thread(migrate, "--from", f"sqlite:{source}", "--to", url)
        assert done.returncode == 0, done.stderr
        assert "bars: 2 row(s) copied" in done.stdout
        async with Store(source) as old, Store(url) as new:
            for table in ("guild_settings", "posting_log", "bars", "fetch_log"):
                query = f"SELECT * FROM {table} ORDER BY 1, 2"
                assert await new.fetchall(query) == await old.fetchall(query), table
            repo = GuildSettingsRepo(new, BriefConfig())
            settings = await repo.get(GUILD)
            assert settings.channel_id == GUILD + 1 and settings.watchlist == ("^RUT",)
            assert await brieflog.sent_today(new, GUILD, date(2024, 6, 12))
            assert not await brieflog.claim(new, GUILD, date(2024, 6, 12), NOW)
            # The copied fetch_log ids do not collide with the next one PostgreSQL assigns.
            await barcache.log_failed_fetch(new, "^RUT", "Yahoo", NOW, NOW, "boom")

        again = await asyncio.to_thread(migrate, "--from", f"sqlite:{source}", "--to", url)
        assert again.returncode == 2
        assert "already holds data" in again.stderr and "--force" in again.stderr
        assert len(again.stderr.strip().splitlines()) == 1

        forced = await asyncio.to_thread(
            migrate, "--from", f"sqlite:{source}", "--to", url, "--force")
        assert forced.returncode == 0, forced.stderr
        async with Store(url) as new:  # replaced, not merged: the failed fetch above is gone
            assert await new.fetchall("SELECT ok FROM fetch_log") == [(1,)]


def test_missing_source_is_one_line(tmp_path) -> None:
    missing = f"sqlite:{tmp_path / 'nope.sqlite3'}"
    done = migrate("--from", missing, "--to", PG_URL)
    assert done.returncode == 2
    assert done.stderr.strip() == f"riskon: --from {missing}: no such SQLite file."
