"""One posting log for everything riskon posts unasked (daily briefs, alerts): exactly once.

A `posting_log` row, keyed by (kind, key), is the lock and the record in one. Briefs use
kind 'brief' with key "<guild_id>:<local date>", alerts kind 'alert' with key
"<alert id>:<event session>". The protocol is the same for both:

1. `claim()` inserts a 'claimed' row stamped with the claiming process (`owner`). Only the
   caller whose INSERT created the row may post; every other caller (a second tick, a second
   process, the same bot after a restart) gets False, because the primary key admits one row.
2. The caller posts to Discord, retrying transient errors itself while it holds the claim; its
   process keeps a heartbeat on its open claims (`beat()`).
3. `commit()` records 'sent' with the message id, or `mark()` records 'skipped'/'failed'.

The hard case is a crash between 2 and 3: Discord may or may not have accepted the message, and
nothing local can tell. **A double post is worse than a missed one**, so an open claim of a dead
process is never retried: `resolve_dead()` marks it 'failed' with detail 'outcome unknown after
restart' and logs it, and `/config show` (briefs) or `/alert list` (alerts) show it. A claim's
process is dead when its heartbeat is older than the lease, or at once when it ran on this host
and its pid is gone or is ours under another incarnation (a restart on the same machine: the
usual case, and the only one on a single-process SQLite store). A live process resolves dead
claims at start-up and then every pass of its maintenance loop, so every claim of a dead
process is resolved within one pass (same host) or lease + one pass (another host). If the lost
process's message did go out and its `commit()` still arrives, the row is corrected to 'sent':
the log states what happened, not what we guessed.

'sent', 'skipped' and 'failed' are final. Every write is one transaction; times are stored as
fixed-width UTC ISO-8601 so SQL can compare them as text.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Literal

from bot.scheduling.offloop import build_off_loop
from bot.store import Store

log = logging.getLogger(__name__)

#: How long a claim of another host's process may go without a heartbeat before that process
#: is presumed dead. Heartbeats come every `HEARTBEAT` from a loop of their own, so a slow
#: fan-out never looks dead; two minutes leaves room for a stalled host without leaving a
#: crashed claim unexplained for long.
DEFAULT_LEASE = timedelta(minutes=2)
HEARTBEAT = timedelta(seconds=20)
OUTCOME_UNKNOWN = "outcome unknown after restart"

Kind = Literal["brief", "alert"]
Status = Literal["claimed", "sent", "skipped", "failed"]


def new_owner() -> str:
    """A process incarnation's id: host, pid and a random token (pids are reused)."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


#: The default owner for callers that post without a bot (tests, scripts).
PROCESS_OWNER = new_owner()


@dataclass(frozen=True, slots=True)
class PostRecord:
    kind: str
    key: str
    guild_id: int
    day: date
    status: Status
    claimed_at: datetime
    done_at: datetime | None
    message_id: int | None
    detail: str | None
    owner: str | None
    heartbeat_at: datetime


def _ts(moment: datetime) -> str:
    """Fixed-width UTC text: lexicographic order equals time order."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("timestamps must be timezone-aware")
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def owner_dead(owner: str | None, me: str) -> bool:
    """Whether a claim's owner is known dead without waiting for its lease.

    True for rows without an owner (written before owners existed), for an earlier incarnation
    of this very process, and for a process of this host whose pid no longer exists.
    """
    if owner is None:
        return True
    if owner == me:
        return False
    host, _, rest = owner.partition(":")
    pid_text, _, _token = rest.partition(":")
    my_host = me.partition(":")[0]
    if host != my_host or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return True  # our pid, another token: a previous bot in this process (or container)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # alive, someone else's
    return False


async def claim(
    store: Store, kind: Kind, key: str, *, guild_id: int, day: date, now: datetime,
    owner: str = PROCESS_OWNER, lease: timedelta = DEFAULT_LEASE,
) -> bool:
    """Take the right to post (kind, key); True only for the winner.

    False when a row already exists, whatever its state. An open claim met here whose process
    is dead is resolved as failed (outcome unknown) rather than re-posted.
    """
    stamp = _ts(now)
    async with store.transaction() as db:
        cursor = await db.execute(
            "INSERT INTO posting_log (kind, key, guild_id, day, status, owner, claimed_at, "
            "heartbeat_at) VALUES (?, ?, ?, ?, 'claimed', ?, ?, ?) "
            "ON CONFLICT (kind, key) DO NOTHING",
            (kind, key, guild_id, day.isoformat(), owner, stamp, stamp),
        )
        if cursor.rowcount == 1:
            return True
    await resolve_dead(store, now, owner=owner, lease=lease, only=(kind, key))
    return False


async def commit(
    store: Store, kind: Kind, key: str, message_id: int, now: datetime, *,
    guild_id: int, day: date,
) -> None:
    """Record that Discord accepted the post as `message_id`.

    Also accepted over a 'failed' row: a claim recovery gave up on whose message did go out
    after all. Over another 'sent' row it is logged as a double post and the first id is kept.
    """
    stamp = _ts(now)
    async with store.transaction() as db:
        cursor = await db.execute(
            "UPDATE posting_log SET status = 'sent', done_at = ?, message_id = ?, detail = NULL "
            "WHERE kind = ? AND key = ? AND status IN ('claimed', 'failed')",
            (stamp, message_id, kind, key),
        )
        if cursor.rowcount == 1:
            return
        cursor = await db.execute(
            "INSERT INTO posting_log (kind, key, guild_id, day, status, claimed_at, done_at, "
            "message_id, detail) VALUES (?, ?, ?, ?, 'sent', ?, ?, ?, 'committed without a "
            "claim') ON CONFLICT (kind, key) DO NOTHING",
            (kind, key, guild_id, day.isoformat(), stamp, stamp, message_id),
        )
        inserted = cursor.rowcount == 1
        async with db.execute(
            "SELECT status, message_id FROM posting_log WHERE kind = ? AND key = ?", (kind, key)
        ) as rows:
            row = await rows.fetchone()
    if inserted:
        log.warning("%s %s committed without a claim", kind, key)
    elif row is not None and row[1] != message_id:
        log.error("%s %s: message %s committed over a %s row (message %s); possible double "
                  "post", kind, key, message_id, row[0], row[1])


async def mark(
    store: Store, kind: Kind, key: str, status: Literal["skipped", "failed"], detail: str,
    now: datetime, *, guild_id: int, day: date,
) -> bool:
    """Record a post that was not made: 'skipped' (missed) or 'failed'.

    Works with or without a prior claim. Never overwrites a final row: False if the key already
    had an outcome, True if this one stuck.
    """
    if status not in ("skipped", "failed"):
        raise ValueError(f"mark() records 'skipped' or 'failed', not {status!r}")
    stamp = _ts(now)
    async with store.transaction() as db:
        cursor = await db.execute(
            "INSERT INTO posting_log (kind, key, guild_id, day, status, claimed_at, done_at, "
            "detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (kind, key) DO UPDATE SET "
            "status = excluded.status, done_at = excluded.done_at, detail = excluded.detail "
            "WHERE posting_log.status = 'claimed'",
            (kind, key, guild_id, day.isoformat(), status, stamp, stamp, detail),
        )
        return cursor.rowcount == 1


async def beat(store: Store, now: datetime, *, owner: str) -> None:
    """Refresh the heartbeat of this process's open claims (cheap: a partial index)."""
    async with store.transaction() as db:
        await db.execute(
            "UPDATE posting_log SET heartbeat_at = ? WHERE status = 'claimed' AND owner = ?",
            (_ts(now), owner),
        )


async def resolve_dead(
    store: Store, now: datetime, *, owner: str, lease: timedelta = DEFAULT_LEASE,
    only: tuple[str, str] | None = None,
) -> list[PostRecord]:
    """Mark every open claim of a dead process as failed (outcome unknown); return them.

    Dead: `owner_dead()` says so, or its heartbeat is older than `lease`. Never our own claims:
    we are alive, and our own in-flight posts will commit or mark. Each one is logged.
    """
    sql = f"SELECT {COLUMNS} FROM posting_log WHERE status = 'claimed' AND " + (
        "kind = ? AND key = ?" if only else "(owner IS NULL OR owner <> ?)"
    )
    rows = await store.fetchall(sql, only if only else (owner,))
    cutoff = now - lease
    dead = [
        r for r in map(record_from_row, rows)
        if r.owner != owner and (owner_dead(r.owner, owner) or r.heartbeat_at < cutoff)
    ]
    resolved = []
    for record in dead:
        async with store.transaction() as db:
            cursor = await db.execute(
                "UPDATE posting_log SET status = 'failed', done_at = ?, detail = ? "
                "WHERE kind = ? AND key = ? AND status = 'claimed'",
                (_ts(now), OUTCOME_UNKNOWN, record.kind, record.key),
            )
        if cursor.rowcount == 1:
            resolved.append(record)
            log.warning("%s %s (guild %s): claimed by %s, a process that died mid-post; %s, "
                        "not re-posting", record.kind.capitalize(), record.key, record.guild_id,
                        record.owner or "an older riskon", OUTCOME_UNKNOWN)
    return resolved


async def get(store: Store, kind: Kind, key: str) -> PostRecord | None:
    row = await store.fetchone(
        f"SELECT {COLUMNS} FROM posting_log WHERE kind = ? AND key = ?", (kind, key)
    )
    return None if row is None else record_from_row(row)


async def latest(store: Store, kind: Kind, guild_id: int) -> PostRecord | None:
    """The guild's most recent record of this kind (by day, then claim time)."""
    row = await store.fetchone(
        f"SELECT {COLUMNS} FROM posting_log WHERE kind = ? AND guild_id = ? "
        "ORDER BY day DESC, claimed_at DESC LIMIT 1", (kind, guild_id)
    )
    return None if row is None else record_from_row(row)


async def settled_days(
    store: Store, kind: Kind, days: Iterable[date]
) -> set[tuple[int, date]]:
    """(guild_id, day) of every row of this kind on these days, whatever its status."""
    return {(g, day) for day in sorted(set(days)) for g in await guilds_on(store, kind, day)}


async def guilds_on(store: Store, kind: Kind, day: date) -> set[int]:
    """The guilds with a row of this kind on `day`, whatever its status (the (kind, day) index).

    At 100,000 guilds that is 100,000 rows: they are turned into a set of ints, and freed,
    beside the event loop, not on it (`bot.scheduling.offloop`).
    """
    box = [await store.fetchall_bulk(
        "SELECT guild_id FROM posting_log WHERE kind = ? AND day = ?", (kind, day.isoformat())
    )]
    return await build_off_loop(_guild_ids, box)


def _guild_ids(rows: list[tuple]) -> set[int]:
    return {int(row[0]) for row in rows}


class SettledKeys:
    """(guild_id, day) pairs kept as one set of guild ids per day.

    What the scheduler excludes: far fewer objects than a set of (int, date) tuples (ints are
    not tracked by the garbage collector, tuples are), and a day is dropped in O(1).
    `schedule.due(exclude=...)` only asks `(guild_id, day) in settled`.
    """

    def __init__(self) -> None:
        self._by_day: dict[date, set[int]] = {}

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, tuple) or len(key) != 2:
            return False
        guilds = self._by_day.get(key[1])
        return guilds is not None and key[0] in guilds

    def __len__(self) -> int:
        return sum(len(guilds) for guilds in self._by_day.values())

    def __iter__(self) -> Iterator[tuple[int, date]]:
        for day, guilds in self._by_day.items():
            for guild_id in guilds:
                yield guild_id, day

    @property
    def days(self) -> set[date]:
        return set(self._by_day)

    @property
    def by_day(self) -> dict[date, set[int]]:
        """The guild ids per day, read-only by convention (what `schedule.due` looks in)."""
        return self._by_day

    def add(self, key: tuple[int, date]) -> None:
        self._by_day.setdefault(key[1], set()).add(key[0])

    def put_day(self, day: date, guilds: set[int]) -> None:
        """Add a day read from the log (merged with anything added meanwhile)."""
        guilds |= self._by_day.get(day, set())
        self._by_day[day] = guilds

    def keep_only(self, days: set[date]) -> None:
        for day in [d for d in self._by_day if d not in days]:
            del self._by_day[day]


#: The posting_log columns `record_from_row` reads, in its order. Public because every kind's
#: own queries of the log (`alertstore.not_posted`, say) must read rows the same way.
COLUMNS = ("kind, key, guild_id, day, status, claimed_at, done_at, message_id, detail, owner, "
           "heartbeat_at")


def record_from_row(row: tuple) -> PostRecord:
    """A `PostRecord` from a row of `COLUMNS`. Shared with the kinds' own stores, so a row
    means the same thing (times parsed, a missing heartbeat read as the claim time) wherever
    it is read."""
    kind, key, guild_id, day, status, claimed_at, done_at, message_id, detail, owner, beat = row
    return PostRecord(
        kind=kind,
        key=key,
        guild_id=int(guild_id),
        day=date.fromisoformat(day),
        status=status,
        claimed_at=datetime.fromisoformat(claimed_at),
        done_at=datetime.fromisoformat(done_at) if done_at else None,
        message_id=message_id,
        detail=detail,
        owner=owner,
        heartbeat_at=datetime.fromisoformat(beat or claimed_at),
    )


ABANDONED = "outcome unknown: abandoned at shutdown"


async def held(store: Store, owner: str) -> int:
    """How many claims `owner` holds open: its posts in flight."""
    row = await store.fetchone(
        "SELECT count(*) FROM posting_log WHERE status = 'claimed' AND owner = ?", (owner,)
    )
    return int(row[0]) if row else 0


async def abandon_own(store: Store, now: datetime, *, owner: str) -> list[tuple[str, str]]:
    """At shutdown, mark this process's still-open claims failed (outcome unknown) and log
    each: the post was cut off mid-send, so Discord may or may not have it, and a double post
    is worse than a missed one. The next start then has nothing of ours left to guess about."""
    rows = await store.fetchall(
        "SELECT kind, key, guild_id FROM posting_log WHERE status = 'claimed' AND owner = ?",
        (owner,),
    )
    if not rows:
        return []
    async with store.transaction() as db:
        await db.execute(
            "UPDATE posting_log SET status = 'failed', done_at = ?, detail = ? "
            "WHERE status = 'claimed' AND owner = ?",
            (_ts(now), ABANDONED, owner),
        )
    for kind, key, guild_id in rows:
        log.warning("%s %s (guild %s): abandoned at shutdown mid-post; %s, not re-posting",
                    str(kind).capitalize(), key, guild_id, ABANDONED)
    return [(kind, key) for kind, key, _ in rows]
