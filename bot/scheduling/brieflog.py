"""Exactly one daily brief per guild per local date, across crashes and restarts.

The `brief_log` row for (guild_id, local_date) is the lock and the record in one. The protocol:

1. `claim()` inserts a 'claimed' row. Only the caller whose INSERT created the row may post;
   every other caller (a second tick, a second process, the same process after a restart) gets
   False, because the primary key admits one row per guild and date.
2. The caller posts to Discord, retrying transient errors itself while it holds the claim.
3. `commit()` records 'sent' with the message id, or `mark()` records 'skipped'/'failed'.

The hard case is a crash between 2 and 3: Discord may or may not have accepted the message, and
nothing local can tell. Re-posting could put two briefs in the channel; not re-posting can lose
one. **A double post is worse than a missed one** (it looks broken, and admins cannot tell which
to trust), so a 'claimed' row older than the lease is never retried automatically: it is marked
'failed' with detail 'outcome unknown after restart' and logged, by `recover_stale_claims()` at
start-up and by `claim()` if it meets one. A human can look at the channel and re-post on demand.
If the lost process's message did go out and its `commit()` still arrives, the row is corrected
to 'sent': the log states what happened, not what we guessed.

'sent', 'skipped' and 'failed' are final for the date. Every write is one transaction; times are
stored as fixed-width UTC ISO-8601 so SQL can compare them as text.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Literal

from bot.store import Store

log = logging.getLogger(__name__)

#: How long a claim may stay open before its process is presumed dead. Posting one brief takes
#: seconds even with retries; ten minutes leaves room for a slow Discord without leaving a crashed
#: claim unexplained for long.
DEFAULT_LEASE = timedelta(minutes=10)
OUTCOME_UNKNOWN = "outcome unknown after restart"

Status = Literal["claimed", "sent", "skipped", "failed"]


@dataclass(frozen=True, slots=True)
class BriefRecord:
    guild_id: int
    local_date: date
    status: Status
    claimed_at: datetime
    done_at: datetime | None
    message_id: int | None
    detail: str | None


def _ts(moment: datetime) -> str:
    """Fixed-width UTC text: lexicographic order equals time order."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("timestamps must be timezone-aware")
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


async def claim(
    store: Store, guild_id: int, local_date: date, now: datetime, *,
    lease: timedelta = DEFAULT_LEASE,
) -> bool:
    """Take the right to post this guild's brief for this local date; True only for the winner.

    False when a row already exists, whatever its state: 'sent'/'skipped'/'failed' are final, a
    fresh 'claimed' belongs to someone posting right now, and a stale 'claimed' (older than
    `lease`) has an unknown outcome, so it is turned into 'failed' here rather than re-posted
    (see the module docstring for why).
    """
    key = (guild_id, local_date.isoformat())
    stamp = _ts(now)
    async with store.transaction() as db:
        cursor = await db.execute(
            "INSERT INTO brief_log (guild_id, local_date, status, claimed_at) "
            "VALUES (?, ?, 'claimed', ?) ON CONFLICT (guild_id, local_date) DO NOTHING",
            (*key, stamp),
        )
        if cursor.rowcount == 1:
            return True
        cursor = await db.execute(
            "UPDATE brief_log SET status = 'failed', done_at = ?, detail = ? "
            "WHERE guild_id = ? AND local_date = ? AND status = 'claimed' AND claimed_at < ?",
            (stamp, OUTCOME_UNKNOWN, *key, _ts(now - lease)),
        )
        stale = cursor.rowcount == 1
    if stale:
        log.warning("Brief for guild %s on %s: stale claim found, %s; not re-posting",
                    guild_id, local_date, OUTCOME_UNKNOWN)
    return False


async def commit(
    store: Store, guild_id: int, local_date: date, message_id: int, now: datetime
) -> None:
    """Record that Discord accepted the brief as `message_id`.

    Also accepted over a 'failed' row: that is a claim recovery gave up on whose message did
    go out after all, and the record should say so. Over another 'sent' row it is logged as a
    double post (it should be impossible) and the first message id is kept.
    """
    key = (guild_id, local_date.isoformat())
    stamp = _ts(now)
    async with store.transaction() as db:
        cursor = await db.execute(
            "UPDATE brief_log SET status = 'sent', done_at = ?, message_id = ?, detail = NULL "
            "WHERE guild_id = ? AND local_date = ? AND status IN ('claimed', 'failed')",
            (stamp, message_id, *key),
        )
        if cursor.rowcount == 1:
            return
        cursor = await db.execute(
            "INSERT INTO brief_log (guild_id, local_date, status, claimed_at, done_at, message_id,"
            " detail) VALUES (?, ?, 'sent', ?, ?, ?, 'committed without a claim') "
            "ON CONFLICT (guild_id, local_date) DO NOTHING",
            (*key, stamp, stamp, message_id),
        )
        inserted = cursor.rowcount == 1
        async with db.execute(
            "SELECT status, message_id FROM brief_log WHERE guild_id = ? AND local_date = ?", key
        ) as rows:
            row = await rows.fetchone()
    if inserted:
        log.warning("Brief for guild %s on %s committed without a claim", guild_id, local_date)
    elif row is not None and row[1] != message_id:
        log.error("Brief for guild %s on %s: message %s committed over a %s row (message %s); "
                  "possible double post", guild_id, local_date, message_id, row[0], row[1])


async def mark(
    store: Store, guild_id: int, local_date: date,
    status: Literal["skipped", "failed"], detail: str, now: datetime,
) -> bool:
    """Record a brief that was not posted: 'skipped' (missed, nothing to say) or 'failed'.

    Works with or without a prior claim (a missed run is skipped without claiming). Never
    overwrites a final row: False if the date already had an outcome, True if this one stuck.
    """
    if status not in ("skipped", "failed"):
        raise ValueError(f"mark() records 'skipped' or 'failed', not {status!r}")
    stamp = _ts(now)
    async with store.transaction() as db:
        cursor = await db.execute(
            "INSERT INTO brief_log (guild_id, local_date, status, claimed_at, done_at, detail) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (guild_id, local_date) DO UPDATE SET "
            "status = excluded.status, done_at = excluded.done_at, detail = excluded.detail "
            "WHERE brief_log.status = 'claimed'",
            (guild_id, local_date.isoformat(), status, stamp, stamp, detail),
        )
        return cursor.rowcount == 1


async def recover_stale_claims(
    store: Store, now: datetime, lease: timedelta = DEFAULT_LEASE
) -> list[tuple[int, date]]:
    """Mark every claim older than `lease` as failed (outcome unknown); return their keys.

    Run at start-up: any such claim belongs to a process that died mid-post. They are reported,
    not retried, so the caller can log them or tell the guild's admins.
    """
    cutoff = _ts(now - lease)
    async with store.transaction() as db:
        async with db.execute(
            "SELECT guild_id, local_date FROM brief_log "
            "WHERE status = 'claimed' AND claimed_at < ?", (cutoff,)
        ) as cursor:
            keys = [(int(g), date.fromisoformat(d)) for g, d in await cursor.fetchall()]
        await db.execute(
            "UPDATE brief_log SET status = 'failed', done_at = ?, detail = ? "
            "WHERE status = 'claimed' AND claimed_at < ?",
            (_ts(now), OUTCOME_UNKNOWN, cutoff),
        )
    for guild_id, local_date in keys:
        log.warning("Brief for guild %s on %s: %s; not re-posting",
                    guild_id, local_date, OUTCOME_UNKNOWN)
    return keys


async def get(store: Store, guild_id: int, local_date: date) -> BriefRecord | None:
    row = await store.fetchone(
        "SELECT guild_id, local_date, status, claimed_at, done_at, message_id, detail "
        "FROM brief_log WHERE guild_id = ? AND local_date = ?",
        (guild_id, local_date.isoformat()),
    )
    return None if row is None else _record(row)


async def sent_today(store: Store, guild_id: int, local_date: date) -> bool:
    """Whether the brief for the guild's local date (normally its "today") was posted."""
    record = await get(store, guild_id, local_date)
    return record is not None and record.status == "sent"


async def settled_keys(store: Store, local_dates: Iterable[date]) -> set[tuple[int, date]]:
    """(guild_id, local_date) of every row on these dates, whatever its status.

    The scheduler passes this to `schedule.due(exclude=...)`, so one query (a tick only spans
    two or three local dates worldwide) replaces a claim attempt per guild. The primary key
    leads with guild_id, so this scans the table until an index on local_date exists; load it
    once at start-up and keep the set up to date from the loop's own writes rather than
    running it every tick.
    """
    days = sorted({d.isoformat() for d in local_dates})
    if not days:
        return set()
    marks = ", ".join("?" for _ in days)
    rows = await store.fetchall(
        f"SELECT guild_id, local_date FROM brief_log WHERE local_date IN ({marks})", days
    )
    # At 100,000 guilds this is ~250k keys: build them beside the event loop, not on it.
    return await asyncio.to_thread(lambda: {(int(g), date.fromisoformat(d)) for g, d in rows})


def _record(row: tuple) -> BriefRecord:
    guild_id, local_date, status, claimed_at, done_at, message_id, detail = row
    return BriefRecord(
        guild_id=int(guild_id),
        local_date=date.fromisoformat(local_date),
        status=status,
        claimed_at=datetime.fromisoformat(claimed_at),
        done_at=datetime.fromisoformat(done_at) if done_at else None,
        message_id=message_id,
        detail=detail,
    )
