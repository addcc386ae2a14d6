"""The alerts table on both backends, `[alerts]` config, and migrate-store carrying alerts."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.config import AlertsConfig, ConfigError, from_mapping
from bot.scheduling import alertstore, postlog
from bot.store import Store
from bot.store_copy import copy_store
from tests.pgtest import PG_URL, pg_schema

NOW = datetime(2024, 6, 12, 7, 0, tzinfo=UTC)
GUILD = 1_100_000_000_000_000_123  # 64-bit ids survive both backends
CHANNEL = GUILD + 1
ROLE = GUILD + 2


async def _add(store: Store, guild: int = GUILD, *, limit: int = 3, signal: str = "^RUT ath"):
    return await alertstore.add(
        store, guild_id=guild, channel_id=CHANNEL, role_id=ROLE, signal=signal,
        target="BTC-USD", created_by=7, now=NOW, since_session=date(2024, 6, 11), limit=limit,
    )


async def test_add_list_pause_fire_remove(store_target) -> None:
    async with Store(store_target) as store:
        first = await _add(store)
        second = await _add(store, signal="^VIX close > 30")
        other = await _add(store, GUILD + 10)
        assert first.id != second.id and first.role_id == ROLE
        assert [a.id for a in await alertstore.of_guild(store, GUILD)] == [first.id, second.id]
        assert await alertstore.get(store, GUILD, other.id) is None  # not this server's
        back = await alertstore.get(store, GUILD, first.id)
        assert back == first

        assert await alertstore.pause_channel(store, GUILD, CHANNEL, "channel deleted") == 2
        assert [a.id for a in await alertstore.active(store)] == [other.id]
        paused = await alertstore.get(store, GUILD, first.id)
        assert paused is not None and paused.paused_reason == "channel deleted"

        await alertstore.fired(store, first.id, date(2024, 6, 14))
        await alertstore.fired(store, first.id, date(2024, 6, 13))  # never backwards
        assert (await alertstore.get(store, GUILD, first.id)).last_fired == date(2024, 6, 14)

        await postlog.mark(store, "alert", alertstore.post_key(first.id, date(2024, 6, 20)),
                           "skipped", "missed: 13.0 h late", NOW, guild_id=GUILD,
                           day=date(2024, 6, 20))
        missed = await alertstore.not_posted(store, GUILD)
        assert list(missed) == [first.id] and missed[first.id][0].day == date(2024, 6, 20)

        assert await alertstore.remove(store, GUILD, first.id)
        assert not await alertstore.remove(store, GUILD, first.id)
        assert not await alertstore.remove(store, GUILD, other.id)  # another server's alert


async def test_per_server_limit(store_target) -> None:
    async with Store(store_target) as store:
        for _ in range(2):
            await _add(store, limit=2)
        with pytest.raises(alertstore.TooManyAlerts, match="max_per_server = 2"):
            await _add(store, limit=2)
        await _add(store, GUILD + 1, limit=2)  # the limit is per server
        assert len(await alertstore.of_guild(store, GUILD)) == 2


def test_alerts_config_defaults_and_validation() -> None:
    assert from_mapping({}).alerts == AlertsConfig(
        enabled=True, check_minutes=15.0, grace_hours=12.0, max_per_server=25, concurrency=8)
    assert from_mapping({"alerts": {"check_minutes": 0.01}}).alerts.check_minutes == 0.01
    for bad, key in [({"check_minutes": 0.001}, "check_minutes"),
                     ({"check_minutes": "often"}, "check_minutes"),
                     ({"grace_hours": 0}, "grace_hours"), ({"max_per_server": 0}, "max_per_server"),
                     ({"concurrency": 2.5}, "concurrency"), ({"enabled": "yes"}, "enabled"),
                     ({"colour": "red"}, "colour")]:
        with pytest.raises(ConfigError, match=rf"\[alerts\] {key}"):
            from_mapping({"alerts": bad})


@pytest.mark.skipif(not PG_URL, reason="RISKON_TEST_POSTGRES_URL is not set")
async def test_migrate_store_copies_alerts_and_ids_continue(tmp_path) -> None:
    async with Store(tmp_path / "riskon.sqlite3") as old:
        made = [await _add(old), await _add(old, signal="^VIX close > 30")]
        async with pg_schema() as url, Store(url) as new:
            counts = await copy_store(old, new)
            assert counts["alerts"] == 2
            assert await alertstore.of_guild(new, GUILD) == made
            later = await _add(new, limit=5)
            assert later.id == made[-1].id + 1
