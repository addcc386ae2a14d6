"""brief_log claim/commit on a real SQLite file and on PostgreSQL: once per guild and date,
across restarts."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.scheduling import brieflog
from bot.scheduling.brieflog import OUTCOME_UNKNOWN, claim, commit, mark, recover_stale_claims
from bot.store import Store

DAY = date(2024, 6, 12)
NOW = datetime(2024, 6, 12, 7, 0, tzinfo=UTC)


@pytest.fixture
def db_path(store_target):
    """A SQLite file, or a PostgreSQL schema: the log behaves the same on both."""
    return store_target


async def test_claim_once_then_never_again_even_after_restart(db_path) -> None:
    async with Store(db_path) as store:
        assert await claim(store, 1, DAY, NOW) is True
        assert await claim(store, 1, DAY, NOW + timedelta(seconds=30)) is False
    async with Store(db_path) as store:  # a new process: the row is on disk
        assert await claim(store, 1, DAY, NOW + timedelta(minutes=1)) is False
        record = await brieflog.get(store, 1, DAY)
        assert record is not None and record.status == "claimed" and record.claimed_at == NOW


async def test_commit_records_the_message_and_blocks_later_claims(db_path) -> None:
    async with Store(db_path) as store:
        assert await claim(store, 1, DAY, NOW)
        assert not await brieflog.sent_today(store, 1, DAY)
        await commit(store, 1, DAY, 123456789012345678, NOW + timedelta(seconds=2))
    async with Store(db_path) as store:
        record = await brieflog.get(store, 1, DAY)
        assert record is not None
        assert (record.status, record.message_id, record.done_at) == (
            "sent", 123456789012345678, NOW + timedelta(seconds=2))
        assert await brieflog.sent_today(store, 1, DAY)
        # Even a day later (far past any lease) a sent date is never claimed again.
        assert await claim(store, 1, DAY, NOW + timedelta(days=1)) is False
        assert (await brieflog.get(store, 1, DAY)).status == "sent"


async def test_stale_claim_becomes_failed_and_is_not_retried(db_path) -> None:
    async with Store(db_path) as store:
        assert await claim(store, 1, DAY, NOW)
    # The process died after claiming. Within the lease a restart does not touch it ...
    async with Store(db_path) as store:
        assert await claim(store, 1, DAY, NOW + timedelta(minutes=9)) is False
        assert (await brieflog.get(store, 1, DAY)).status == "claimed"
        # ... after it the claim is declared failed, and still nobody re-posts.
        assert await claim(store, 1, DAY, NOW + timedelta(minutes=11)) is False
        record = await brieflog.get(store, 1, DAY)
        assert (record.status, record.detail) == ("failed", OUTCOME_UNKNOWN)
        assert await claim(store, 1, DAY, NOW + timedelta(hours=1)) is False


async def test_recover_stale_claims_at_startup(db_path, caplog) -> None:
    async with Store(db_path) as store:
        assert await claim(store, 1, DAY, NOW)
        assert await claim(store, 2, DAY, NOW + timedelta(minutes=8))  # still within its lease
        assert await claim(store, 3, DAY, NOW)
        await commit(store, 3, DAY, 99, NOW)
    async with Store(db_path) as store:
        later = NOW + timedelta(minutes=12)
        assert await recover_stale_claims(store, later, timedelta(minutes=10)) == [(1, DAY)]
        assert "outcome unknown" in caplog.text
        assert [(await brieflog.get(store, g, DAY)).status for g in (1, 2, 3)] == [
            "failed", "claimed", "sent"]
        assert await recover_stale_claims(store, later, timedelta(minutes=10)) == []


async def test_late_commit_of_a_recovered_claim_says_sent(db_path) -> None:
    """The lost process's message did go out: the log must tell the truth."""
    async with Store(db_path) as store:
        assert await claim(store, 1, DAY, NOW)
        await recover_stale_claims(store, NOW + timedelta(hours=1), timedelta(minutes=10))
        await commit(store, 1, DAY, 77, NOW + timedelta(hours=1))
        record = await brieflog.get(store, 1, DAY)
        assert (record.status, record.message_id, record.detail) == ("sent", 77, None)


async def test_mark_skipped_and_failed_never_overwrite_an_outcome(db_path) -> None:
    async with Store(db_path) as store:
        # Missed while down: skipped without a claim, and that blocks a claim.
        assert await mark(store, 1, DAY, "skipped", "missed by 5h", NOW)
        assert await claim(store, 1, DAY, NOW) is False
        # A claim that fails to post becomes failed.
        assert await claim(store, 2, DAY, NOW)
        assert await mark(store, 2, DAY, "failed", "403 Missing Access", NOW)
        record = await brieflog.get(store, 2, DAY)
        assert (record.status, record.detail) == ("failed", "403 Missing Access")
        # A sent brief is not turned into a skip by a late "missed" report.
        assert await claim(store, 3, DAY, NOW)
        await commit(store, 3, DAY, 5, NOW)
        assert await mark(store, 3, DAY, "skipped", "missed", NOW) is False
        assert (await brieflog.get(store, 3, DAY)).status == "sent"
        with pytest.raises(ValueError):
            await mark(store, 4, DAY, "sent", "", NOW)  # type: ignore[arg-type]


async def test_dates_and_guilds_are_independent(db_path) -> None:
    async with Store(db_path) as store:
        assert await claim(store, 1, DAY, NOW)
        assert await claim(store, 1, DAY + timedelta(days=1), NOW)
        assert await claim(store, 2, DAY, NOW)
        assert await claim(store, 1, DAY, NOW) is False
        await commit(store, 2, DAY, 8, NOW)
        assert await brieflog.settled_keys(store, [DAY, DAY]) == {(1, DAY), (2, DAY)}
        assert await brieflog.settled_keys(store, []) == set()


async def test_concurrent_claims_have_one_winner(db_path) -> None:
    async with Store(db_path) as a, Store(db_path) as b:  # two connections, as two processes
        results = await asyncio.gather(
            *(claim(store, 1, DAY, NOW) for store in (a, b) for _ in range(10))
        )
    assert sorted(results) == [False] * 19 + [True]


async def test_naive_times_are_refused(db_path) -> None:
    async with Store(db_path) as store:
        with pytest.raises(ValueError, match="aware"):
            await claim(store, 1, DAY, datetime(2024, 6, 12, 7))
