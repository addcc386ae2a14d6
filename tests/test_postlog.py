"""The posting log's claim/commit on a real SQLite file and on PostgreSQL: once per (kind, key),
across restarts; claims of dead processes resolved, never re-posted."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.scheduling import brieflog, postlog
from bot.scheduling.brieflog import OUTCOME_UNKNOWN, claim, commit, mark
from bot.store import MIGRATIONS, Store

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


ME = postlog.new_owner()
#: A process on another host: only its heartbeat tells whether it is alive.
ELSEWHERE = "another-host:4242:beef"


def dead_here() -> str:
    """An owner on this host whose pid does not exist (a process that was killed)."""
    host = ME.split(":")[0]
    return f"{host}:{2**22 + 12345}:dead"


async def test_claims_of_a_dead_process_on_this_host_are_resolved_at_once(db_path, caplog) -> None:
    async with Store(db_path) as store:
        assert await claim(store, 1, DAY, NOW, owner=dead_here())
        assert await claim(store, 2, DAY, NOW, owner=ME)  # ours: we are alive, never resolved
        assert await claim(store, 3, DAY, NOW, owner=ELSEWHERE)  # within its lease
        assert await claim(store, 4, DAY, NOW, owner=dead_here())
        await commit(store, 4, DAY, 99, NOW)  # done before it died: final, untouched
    async with Store(db_path) as store:  # the restarted process, seconds later
        resolved = await postlog.resolve_dead(store, NOW + timedelta(seconds=5), owner=ME)
        assert [r.key for r in resolved] == [brieflog.key(1, DAY)]
        assert "died mid-post" in caplog.text
        states = [(await brieflog.get(store, g, DAY)).status for g in (1, 2, 3, 4)]
        assert states == ["failed", "claimed", "claimed", "sent"]
        assert (await brieflog.get(store, 1, DAY)).detail == OUTCOME_UNKNOWN
        assert await claim(store, 1, DAY, NOW + timedelta(minutes=1), owner=ME) is False
        assert await postlog.resolve_dead(store, NOW + timedelta(seconds=6), owner=ME) == []


async def test_an_earlier_incarnation_of_this_process_is_dead(db_path) -> None:
    """Same host, same pid, another token: a bot restarted inside one process (or a container
    whose process is always pid 1)."""
    earlier = postlog.new_owner()
    async with Store(db_path) as store:
        assert await claim(store, 1, DAY, NOW, owner=earlier)
        (record,) = await postlog.resolve_dead(store, NOW, owner=ME)
        assert record.owner == earlier and record.guild_id == 1 and record.day == DAY


async def test_another_hosts_claim_lives_while_its_heartbeat_does(db_path) -> None:
    lease = postlog.DEFAULT_LEASE
    async with Store(db_path) as store:
        assert await claim(store, 1, DAY, NOW, owner=ELSEWHERE)
        # Its process keeps beating through a long fan-out: never resolved.
        for beats in range(1, 10):
            await postlog.beat(store, NOW + beats * postlog.HEARTBEAT, owner=ELSEWHERE)
            check = NOW + beats * postlog.HEARTBEAT + timedelta(seconds=1)
            assert await postlog.resolve_dead(store, check, owner=ME) == []
        last_beat = NOW + 9 * postlog.HEARTBEAT
        # It dies: resolved once the lease has passed since its last heartbeat, not before.
        assert await postlog.resolve_dead(store, last_beat + lease, owner=ME) == []
        resolved = await postlog.resolve_dead(
            store, last_beat + lease + timedelta(seconds=1), owner=ME
        )
        assert [r.guild_id for r in resolved] == [1]
        # Meeting a dead claim in claim() resolves it too, and still does not re-post.
        assert await claim(store, 2, DAY, NOW, owner=ELSEWHERE)
        assert await claim(store, 2, DAY, NOW + 2 * lease, owner=ME) is False
        assert (await brieflog.get(store, 2, DAY)).status == "failed"


async def test_late_commit_of_a_resolved_claim_says_sent(db_path) -> None:
    """The lost process's message did go out: the log must tell the truth."""
    async with Store(db_path) as store:
        assert await claim(store, 1, DAY, NOW, owner=dead_here())
        await postlog.resolve_dead(store, NOW + timedelta(seconds=1), owner=ME)
        await commit(store, 1, DAY, 77, NOW + timedelta(hours=1))
        record = await brieflog.get(store, 1, DAY)
        assert (record.status, record.message_id, record.detail) == ("sent", 77, None)


async def test_kinds_are_separate_keyspaces(db_path) -> None:
    async with Store(db_path) as store:
        assert await postlog.claim(store, "brief", "7:x", guild_id=7, day=DAY, now=NOW)
        assert await postlog.claim(store, "alert", "7:x", guild_id=7, day=DAY, now=NOW)
        assert not await postlog.claim(store, "alert", "7:x", guild_id=7, day=DAY, now=NOW)
        assert await postlog.settled_days(store, "alert", [DAY]) == {(7, DAY)}
        latest = await postlog.latest(store, "alert", 7)
        assert latest is not None and latest.kind == "alert"


async def test_brief_log_rows_move_into_the_posting_log(db_path) -> None:
    """Migration 5 carries every brief_log row over, statuses and message ids intact."""
    async with Store(db_path, migrations=MIGRATIONS[:4]) as old:
        async with old.transaction() as db:
            await db.execute(
                "INSERT INTO brief_log (guild_id, local_date, status, claimed_at, done_at, "
                "message_id) VALUES (?, ?, 'sent', ?, ?, ?)",
                (4_200_000_000_000_000_001, DAY.isoformat(), NOW.isoformat(), NOW.isoformat(),
                 987_654_321_098_765_432),
            )
            await db.execute(
                "INSERT INTO brief_log (guild_id, local_date, status, claimed_at) "
                "VALUES (2, ?, 'claimed', ?)", (DAY.isoformat(), NOW.isoformat()))
    async with Store(db_path) as store:
        sent = await brieflog.get(store, 4_200_000_000_000_000_001, DAY)
        assert sent is not None and sent.status == "sent"
        assert sent.message_id == 987_654_321_098_765_432
        assert await brieflog.claim(store, 4_200_000_000_000_000_001, DAY, NOW) is False
        # An open claim from before owners existed belongs to a dead process.
        (record,) = await postlog.resolve_dead(store, NOW, owner=ME)
        assert record.guild_id == 2 and record.owner is None


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
