"""`Store.fetchall_bulk`: the large reads of the scheduler's first tick, on both backends.

The PostgreSQL backend decodes them on a connection of its own in a worker thread (asyncpg
decodes on the awaiting loop); the answer must be exactly what `fetchall` gives, parameters,
types and the schema of the store's URL included.
"""

from __future__ import annotations

from bot.store import Store


async def test_bulk_read_equals_fetchall_and_sees_the_stores_schema(store_target) -> None:
    store = await Store(store_target).open()
    try:
        async with store.transaction() as db:
            await db.executemany(
                "INSERT INTO guild_settings (guild_id, channel_id, post_time, brief_enabled, "
                "updated_at) VALUES (?, ?, ?, ?, '2024-06-11T08:00:00+00:00')",
                [(g, g * 10, f"{g % 24:02d}:00", g % 2) for g in range(1, 2001)],
            )
        sql = ("SELECT guild_id, channel_id, post_time FROM guild_settings "
               "WHERE brief_enabled = ? AND guild_id > ? ORDER BY guild_id")
        bulk = await store.fetchall_bulk(sql, (1, 500))
        assert bulk == await store.fetchall(sql, (1, 500))
        assert len(bulk) == 750 and bulk[0] == (501, 5010, "21:00")
        assert all(type(row) is tuple and type(row[0]) is int for row in bulk)
    finally:
        await store.close()

