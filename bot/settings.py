"""Per-guild settings: defaults declared once, stored in SQLite, cached per guild.

A row holds only what an admin changed (NULL = default), so changing a default in config changes
it for every server that never chose otherwise. Reads come from a small in-process cache that
every write invalidates, so `/config` changes take effect at once and survive restarts.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from bot.config import BriefConfig
from bot.scheduling.offloop import build_off_loop
from bot.store import Store

log = logging.getLogger(__name__)

MAX_WATCHLIST = 12


@dataclass(frozen=True, slots=True)
class GuildSettings:
    guild_id: int
    channel_id: int | None = None
    post_time: str = "08:00"  # HH:MM, local to `timezone`
    timezone: str = "UTC"
    weekdays_only: bool = True
    brief_enabled: bool = False
    watchlist: tuple[str, ...] = ()
    disabled_reason: str | None = None
    #: What "what happened after?" follows when the question names no asset; None = BTC-USD.
    default_target: str | None = None
    #: When an admin last changed anything (UTC ISO-8601); runs scheduled before it were never
    #: owed under these settings, so the scheduler does not log them as missed.
    updated_at: str | None = None

    @property
    def ready_to_post(self) -> bool:
        """Briefs go out only when switched on and a channel was chosen."""
        return self.brief_enabled and self.channel_id is not None


_COLUMNS = ("channel_id", "post_time", "timezone", "weekdays_only", "brief_enabled", "watchlist",
            "disabled_reason", "default_target")
_READ = (*_COLUMNS, "updated_at")


class GuildSettingsRepo:
    def __init__(
        self,
        store: Store,
        defaults: BriefConfig,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._store = store
        self._defaults = defaults
        # `updated_at` is compared with the scheduler's instants: both must read one clock.
        self._clock = clock
        self._cache: dict[int, GuildSettings] = {}
        # Every guild that posts briefs, loaded once and then kept in step with our own writes:
        # the scheduler asks for it every tick, and at 100,000 guilds re-reading and converting
        # the table each time cost ~0.7 s of event-loop time per tick.
        self._enabled: dict[int, GuildSettings] | None = None

    def default(self, guild_id: int) -> GuildSettings:
        d = self._defaults
        return GuildSettings(guild_id, post_time=d.default_time, timezone=d.default_timezone,
                             watchlist=tuple(d.watchlist))

    async def get(self, guild_id: int) -> GuildSettings:
        cached = self._cache.get(guild_id)
        if cached is not None:
            return cached
        row = await self._store.fetchone(
            f"SELECT {', '.join(_READ)} FROM guild_settings WHERE guild_id = ?", (guild_id,)
        )
        settings = self._from_row(guild_id, row)
        self._cache[guild_id] = settings
        return settings

    async def all_enabled(self) -> list[GuildSettings]:
        """Every guild whose brief is on and has a channel: what the scheduler looks at."""
        if self._enabled is None:
            box = [await self._store.fetchall_bulk(
                f"SELECT guild_id, {', '.join(_READ)} FROM guild_settings "
                "WHERE brief_enabled = 1 AND channel_id IS NOT NULL"
            )]
            # Building 100k dataclasses is CPU work: off the event loop, and without the
            # collector stalling it (bot.scheduling.offloop).
            converted = await build_off_loop(
                lambda rows: [self._from_row(row[0], row[1:]) for row in rows], box
            )
            self._enabled = {s.guild_id: s for s in converted}
        return list(self._enabled.values())

    def _track(self, settings: GuildSettings) -> None:
        self._cache.pop(settings.guild_id, None)
        if self._enabled is not None:
            if settings.ready_to_post:
                self._enabled[settings.guild_id] = settings
            else:
                self._enabled.pop(settings.guild_id, None)

    async def update(self, guild_id: int, **changes: Any) -> GuildSettings:
        """Change some settings of one guild; None resets a field to its default."""
        unknown = set(changes) - set(_COLUMNS)
        if unknown:
            raise TypeError(f"unknown guild settings: {sorted(unknown)}")
        values = {k: _to_db(k, v) for k, v in changes.items()}
        now = self._clock().astimezone(UTC).isoformat()
        cols = ", ".join(values)
        marks = ", ".join("?" for _ in values)
        updates = ", ".join(f"{k} = excluded.{k}" for k in values)
        async with self._store.transaction() as db:
            await db.execute(
                f"INSERT INTO guild_settings (guild_id, {cols}, updated_at) VALUES (?, {marks}, ?) "
                f"ON CONFLICT (guild_id) DO UPDATE SET {updates}, updated_at = excluded.updated_at",
                (guild_id, *values.values(), now),
            )
        self._cache.pop(guild_id, None)
        settings = await self.get(guild_id)
        self._track(settings)
        return settings

    async def reset(self, guild_id: int) -> GuildSettings:
        async with self._store.transaction() as db:
            await db.execute("DELETE FROM guild_settings WHERE guild_id = ?", (guild_id,))
        settings = self.default(guild_id)
        self._track(settings)
        return settings

    def _from_row(self, guild_id: int, row: tuple[Any, ...] | None) -> GuildSettings:
        settings = self.default(guild_id)
        if row is None:
            return settings
        stored = dict(zip(_READ, row, strict=True))
        changes = {k: _from_db(k, v) for k, v in stored.items() if v is not None}
        return replace(settings, **changes)


def _to_db(key: str, value: Any) -> Any:
    if value is None:
        return None
    if key == "watchlist":
        return json.dumps(list(value))
    if key in ("weekdays_only", "brief_enabled"):
        return int(bool(value))
    return value


def _from_db(key: str, value: Any) -> Any:
    if key == "watchlist":
        return tuple(json.loads(value))
    if key in ("weekdays_only", "brief_enabled"):
        return bool(value)
    return value
