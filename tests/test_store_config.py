"""The `[store] url` and `[discord] shard_*` keys: what selects PostgreSQL, how shards split."""

from __future__ import annotations

import pytest

from bot.adapter.app import RiskonBot, shard_of
from bot.config import ConfigError, from_mapping, parse_shard_ids
from bot.store import SqliteStore, store_for


def test_store_url_selects_postgresql_and_unset_keeps_sqlite(tmp_path) -> None:
    config = from_mapping({"store": {"path": str(tmp_path / "x.sqlite3")}})
    assert isinstance(store_for(config.store), SqliteStore)
    url = "postgresql://riskon@127.0.0.1:5432/riskon"
    config = from_mapping({"store": {"url": url}})
    store = store_for(config.store)
    assert store.backend == "postgresql" and store.describe() == url


def test_store_url_must_be_postgresql() -> None:
    with pytest.raises(ConfigError, match=r"\[store\] url must be a PostgreSQL URL"):
        from_mapping({"store": {"url": "mysql://x"}})


def test_password_never_shown() -> None:
    store = store_for(from_mapping({"store": {"url": "postgresql://u:hunter2@db:5432/r"}}).store)
    assert "hunter2" not in store.describe()


@pytest.mark.parametrize(("text", "ids"), [
    ("0-7", list(range(8))), ("3", [3]), ("0-1,4-5", [0, 1, 4, 5]), (" 2 - 3 ", [2, 3]),
])
def test_shard_ranges(text: str, ids: list[int]) -> None:
    assert parse_shard_ids(text) == ids


@pytest.mark.parametrize(("discord", "message"), [
    ({"shard_ids": "7-0", "shard_count": 8}, "shard range"),
    ({"shard_ids": "a", "shard_count": 8}, "shard range"),
    ({"shard_ids": "0-1,1", "shard_count": 8}, "shard range"),
    ({"shard_ids": "0-3"}, "needs \\[discord\\] shard_count"),
    ({"shard_ids": "0-8", "shard_count": 8}, "below shard_count"),
    ({"shard_count": -1}, "whole number of shards"),
])
def test_bad_shard_settings_are_one_line_naming_the_key(discord, message) -> None:
    with pytest.raises(ConfigError, match=message):
        from_mapping({"discord": discord})


def test_a_process_owns_the_guilds_of_its_shards() -> None:
    guilds = [(n << 22) | 12345 for n in range(16)]  # guild n lands on shard n % count
    first = RiskonBot(from_mapping({"discord": {"shard_count": 4, "shard_ids": "0-1"}}))
    second = RiskonBot(from_mapping({"discord": {"shard_count": 4, "shard_ids": "2-3"}}))
    everything = RiskonBot(from_mapping({}))
    for guild in guilds:
        assert first.owns_guild(guild) != second.owns_guild(guild)
        assert first.owns_guild(guild) == (shard_of(guild, 4) in (0, 1))
        assert everything.owns_guild(guild)
    assert sum(first.owns_guild(g) for g in guilds) == 8
