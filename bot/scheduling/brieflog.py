"""The daily brief's view of the posting log: exactly one brief per guild per local date.

Briefs are rows of kind 'brief' keyed "<guild_id>:<local date>" in `bot.scheduling.postlog`,
which holds the protocol (claim, post, commit or mark) and why an unknown outcome is failed
rather than re-posted. These helpers only spell the brief's key.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Literal

from bot.scheduling import postlog
from bot.scheduling.postlog import DEFAULT_LEASE, OUTCOME_UNKNOWN, PROCESS_OWNER, PostRecord
from bot.store import Store

__all__ = ["DEFAULT_LEASE", "OUTCOME_UNKNOWN", "claim", "commit", "get", "latest", "mark",
           "sent_today", "settled_keys"]

KIND: Literal["brief"] = "brief"


def key(guild_id: int, local_date: date) -> str:
    return f"{guild_id}:{local_date.isoformat()}"


async def claim(
    store: Store, guild_id: int, local_date: date, now: datetime, *,
    owner: str = PROCESS_OWNER, lease: timedelta = DEFAULT_LEASE,
) -> bool:
    """Take the right to post this guild's brief for this local date; True only for the winner."""
    return await postlog.claim(store, KIND, key(guild_id, local_date), guild_id=guild_id,
                               day=local_date, now=now, owner=owner, lease=lease)


async def commit(
    store: Store, guild_id: int, local_date: date, message_id: int, now: datetime
) -> None:
    await postlog.commit(store, KIND, key(guild_id, local_date), message_id, now,
                         guild_id=guild_id, day=local_date)


async def mark(
    store: Store, guild_id: int, local_date: date,
    status: Literal["skipped", "failed"], detail: str, now: datetime,
) -> bool:
    return await postlog.mark(store, KIND, key(guild_id, local_date), status, detail, now,
                              guild_id=guild_id, day=local_date)


async def get(store: Store, guild_id: int, local_date: date) -> PostRecord | None:
    return await postlog.get(store, KIND, key(guild_id, local_date))


async def latest(store: Store, guild_id: int) -> PostRecord | None:
    """The guild's most recent brief record: what /config show reports."""
    return await postlog.latest(store, KIND, guild_id)


async def sent_today(store: Store, guild_id: int, local_date: date) -> bool:
    """Whether the brief for the guild's local date (normally its "today") was posted."""
    record = await get(store, guild_id, local_date)
    return record is not None and record.status == "sent"


async def settled_keys(store: Store, local_dates: Iterable[date]) -> set[tuple[int, date]]:
    """(guild_id, local_date) of every brief row on these dates, whatever its status."""
    return await postlog.settled_days(store, KIND, local_dates)
