"""The `alerts` table: each server's subscriptions to a signal, on SQLite and PostgreSQL alike.

A row says who is told (guild, channel, the one role it may mention), what is watched (the
canonical signal text and the target studied after it) and from when: `since_session` is the
trigger's latest session when the alert was made, and only later sessions fire, so an alert
never back-fires on history. Whether an event was posted is not here but in the posting log
(kind 'alert', key "<alert id>:<event session>"), which makes it exactly once; `last_fired`
is a copy of the latest sent session for `/alert list`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from bot.errors import UserError
from bot.scheduling.postlog import COLUMNS as POST_COLUMNS
from bot.scheduling.postlog import Kind, PostRecord, record_from_row
from bot.store import Store

KIND: Kind = "alert"

#: The alerts columns `alert_from_row` reads, in its order: public for the checker's own query.
COLUMNS = ("id, guild_id, channel_id, role_id, signal, target, created_by, created_at, "
           "since_session, last_fired, paused_reason")


class TooManyAlerts(UserError):
    """The server already holds `[alerts] max_per_server` alerts."""


@dataclass(frozen=True, slots=True)
class Alert:
    id: int
    guild_id: int
    channel_id: int
    role_id: int | None
    signal: str
    target: str
    created_by: int | None
    created_at: datetime
    since_session: date
    last_fired: date | None
    paused_reason: str | None

    @property
    def pair(self) -> tuple[str, str]:
        """(signal, target): alerts sharing it share one evaluation and one render."""
        return self.signal, self.target

    @property
    def paused(self) -> bool:
        return self.paused_reason is not None


def post_key(alert_id: int, session: date) -> str:
    """The posting-log key: one post per alert per event session, ever."""
    return f"{alert_id}:{session.isoformat()}"


def alert_from_row(row: tuple) -> Alert:
    """An `Alert` from a row of `COLUMNS`. Shared with the checker (`bot.scheduling.alerts`),
    which reads every active alert itself (and builds them beside the loop), so both read a
    row the same way."""
    (id_, guild_id, channel_id, role_id, signal, target, created_by, created_at, since,
     last_fired, paused) = row
    return Alert(
        id=int(id_), guild_id=int(guild_id), channel_id=int(channel_id),
        role_id=None if role_id is None else int(role_id), signal=signal, target=target,
        created_by=None if created_by is None else int(created_by),
        created_at=datetime.fromisoformat(created_at), since_session=date.fromisoformat(since),
        last_fired=date.fromisoformat(last_fired) if last_fired else None, paused_reason=paused,
    )


async def add(
    store: Store, *, guild_id: int, channel_id: int, role_id: int | None, signal: str,
    target: str, created_by: int | None, now: datetime, since_session: date, limit: int,
) -> Alert:
    """Insert an alert; `TooManyAlerts` when the server already holds `limit` of them.

    Counted and inserted in one transaction, so two managers adding at once on one SQLite
    store cannot both pass the limit.
    """
    stamp = now.astimezone(UTC).isoformat(timespec="microseconds")
    async with store.transaction() as db:
        async with db.execute(
            "SELECT count(*) FROM alerts WHERE guild_id = ?", (guild_id,)
        ) as cursor:
            (count,) = await cursor.fetchone()
        if count >= limit:
            raise TooManyAlerts(
                f"This server already has {count} alerts, the most allowed "
                f"([alerts] max_per_server = {limit}); remove one with /alert remove first."
            )
        async with db.execute(
            "INSERT INTO alerts (guild_id, channel_id, role_id, signal, target, created_by, "
            "created_at, since_session) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (guild_id, channel_id, role_id, signal, target, created_by, stamp,
             since_session.isoformat()),
        ) as cursor:
            (alert_id,) = await cursor.fetchone()
    return Alert(int(alert_id), guild_id, channel_id, role_id, signal, target, created_by,
                 datetime.fromisoformat(stamp), since_session, None, None)


async def of_guild(store: Store, guild_id: int) -> list[Alert]:
    rows = await store.fetchall(
        f"SELECT {COLUMNS} FROM alerts WHERE guild_id = ? ORDER BY id", (guild_id,)
    )
    return [alert_from_row(r) for r in rows]


async def get(store: Store, guild_id: int, alert_id: int) -> Alert | None:
    """The alert if it belongs to this server (another server's id reads as missing)."""
    row = await store.fetchone(
        f"SELECT {COLUMNS} FROM alerts WHERE guild_id = ? AND id = ?", (guild_id, alert_id)
    )
    return None if row is None else alert_from_row(row)


async def active(store: Store) -> list[Alert]:
    """Every alert that is not paused: what a check evaluates."""
    rows = await store.fetchall(
        f"SELECT {COLUMNS} FROM alerts WHERE paused_reason IS NULL ORDER BY id"
    )
    return [alert_from_row(r) for r in rows]


async def remove(store: Store, guild_id: int, alert_id: int) -> bool:
    async with store.transaction() as db:
        cursor = await db.execute(
            "DELETE FROM alerts WHERE guild_id = ? AND id = ?", (guild_id, alert_id)
        )
        return cursor.rowcount == 1


async def pause_channel(store: Store, guild_id: int, channel_id: int, reason: str) -> int:
    """Pause every active alert of this server posting to this channel; how many were."""
    async with store.transaction() as db:
        cursor = await db.execute(
            "UPDATE alerts SET paused_reason = ? WHERE guild_id = ? AND channel_id = ? "
            "AND paused_reason IS NULL", (reason, guild_id, channel_id),
        )
        return cursor.rowcount


async def resume(store: Store, guild_id: int, alert_id: int) -> bool:
    """Clear an alert's pause; True if it was paused."""
    async with store.transaction() as db:
        cursor = await db.execute(
            "UPDATE alerts SET paused_reason = NULL WHERE guild_id = ? AND id = ? "
            "AND paused_reason IS NOT NULL", (guild_id, alert_id),
        )
        return cursor.rowcount == 1


async def fired(store: Store, alert_id: int, session: date) -> None:
    """Remember the latest event session posted (never moves backwards)."""
    async with store.transaction() as db:
        await db.execute(
            "UPDATE alerts SET last_fired = ? WHERE id = ? AND (last_fired IS NULL OR "
            "last_fired < ?)", (session.isoformat(), alert_id, session.isoformat()),
        )


async def not_posted(store: Store, guild_id: int) -> dict[int, list[PostRecord]]:
    """This server's alert posts that did not go out (missed or failed), per alert id."""
    rows = await store.fetchall(
        f"SELECT {POST_COLUMNS} FROM posting_log WHERE guild_id = ? AND kind = ? "
        "AND status IN ('skipped', 'failed') ORDER BY day", (guild_id, KIND),
    )
    out: dict[int, list[PostRecord]] = {}
    for row in rows:
        record = record_from_row(row)
        out.setdefault(int(record.key.partition(":")[0]), []).append(record)
    return out
