"""/config through the Discord stand-in: setting up a server without guessing.

Every reply says what is still missing for a brief or when the next one goes out (with the time
zone); abbreviations are not time zones; a symbol with no data is refused with the provider's
reason; autocomplete tells nothing to a member without Manage Server; and every command
acknowledges before it waits on the store.
"""

from __future__ import annotations

import asyncio
import itertools
import sqlite3
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.bot_harness import (
    ADMIN_PERMS,
    CLOCK_START,
    GENERAL,
    GUILD,
    MEMBER_PERMS,
    private_reply,
    write_config,
)
from tests.discord_standin import DiscordStandin

_users = itertools.count(9_000)


@pytest.fixture
def config_path(tmp_path, standin, prices):
    """Answers in threads: these tests are about /config, not the worker pool's start-up."""
    return write_config(
        tmp_path / "riskon.toml", standin, store=tmp_path / "riskon.sqlite3", prices=prices,
        extra="[compute]\nprocesses = 0\n",
    )


async def admin(standin: DiscordStandin, name: str, options: dict[str, Any] | None = None,
                **kw: Any):
    kw.setdefault("user_id", next(_users))
    kw.setdefault("permissions", ADMIN_PERMS)
    return await standin.send_slash(name, options, guild_id=GUILD, channel_id=GENERAL, **kw)


async def test_each_step_says_what_is_missing_then_when_the_next_brief_is(standin, bot) -> None:
    reply = await private_reply(await admin(standin, "config channel", {"channel": GENERAL}))
    assert reply["content"].startswith(f"Briefs will go to <#{GENERAL}>.")
    assert "Still missing for a daily brief: turn it on with `/config brief on`." in (
        reply["content"]
    )
    reply = await private_reply(await admin(standin, "config brief", {"state": "on"}))
    # The test clock is Monday 2024-06-10 00:00 UTC; the default is 08:00 UTC on weekdays.
    due = datetime(2024, 6, 10, 8, 0, tzinfo=UTC)
    assert CLOCK_START < due
    assert reply["content"] == (
        f"Daily brief is on. The next brief will be posted <t:{int(due.timestamp())}:F> "
        "(2024-06-10 08:00 UTC; 08:00 UTC, weekdays only)."
    )

    reply = await private_reply(await admin(standin, "config time", {"time": "7:45"}))
    assert reply["content"].startswith("Briefs will be posted at 07:45 UTC, weekdays only.")
    ix = await admin(standin, "config timezone", {"zone": "america/new york"})
    reply = await private_reply(ix)
    due = datetime(2024, 6, 10, 11, 45, tzinfo=UTC)  # 07:45 EDT
    assert reply["content"] == (
        f"Time zone set to America/New_York. The next brief will be posted "
        f"<t:{int(due.timestamp())}:F> (2024-06-10 11:45 UTC; 07:45 America/New_York, "
        "weekdays only)."
    )
    reply = await private_reply(await admin(standin, "config weekdays", {"state": "off"}))
    assert reply["content"].startswith("Briefs will be posted every day.")
    assert "every day)." in reply["content"]
    settings = await bot.settings.get(GUILD)
    assert settings.weekdays_only is False and settings.timezone == "America/New_York"
    fields = {f["name"]: f["value"] for f in reply["embeds"][0]["fields"]}
    assert fields["Weekdays only"] == "no"


async def test_an_abbreviation_is_answered_with_the_places_it_may_mean(standin, bot) -> None:
    reply = await private_reply(await admin(standin, "config timezone", {"zone": "EST"}))
    text = reply["content"]
    assert "'EST' is an abbreviation, not a time zone" in text
    assert "EST may mean America/New_York, " in text and "\n" not in text
    assert (await bot.settings.get(GUILD)).timezone == "UTC"  # nothing was written
    zones = await standin.send_autocomplete(
        "config timezone", {"zone": "est"}, focused="zone", guild_id=GUILD,
        channel_id=GENERAL, permissions=ADMIN_PERMS,
    )
    assert zones and all("/" in c["value"] for c in zones)  # no "EST", "EST5EDT" offered


async def test_watchlist_add_refuses_a_symbol_without_data_and_remove_offers_the_list(
    standin, bot
) -> None:
    reply = await private_reply(await admin(standin, "config watchlist add", {"symbol": "gold"}))
    # the provider's own reason (the test's provider is a folder of CSV files)
    assert reply["content"].startswith(
        "GC=F was not added: There is no price file for GC=F in CSV files"
    )
    assert "GC=F" not in (await bot.settings.get(GUILD)).watchlist

    listed = (await bot.settings.get(GUILD)).watchlist
    offered = await standin.send_autocomplete(
        "config watchlist remove", {"symbol": ""}, focused="symbol", guild_id=GUILD,
        channel_id=GENERAL, permissions=ADMIN_PERMS,
    )
    assert [c["value"] for c in offered] == list(listed)
    narrowed = await standin.send_autocomplete(
        "config watchlist remove", {"symbol": "usd"}, focused="symbol", guild_id=GUILD,
        channel_id=GENERAL, permissions=ADMIN_PERMS,
    )
    assert [c["value"] for c in narrowed] == ["BTC-USD", "ETH-USD"]
    reply = await private_reply(await admin(standin, "config watchlist remove", {"symbol": "vix"}))
    assert reply["content"].startswith("Removed ^VIX from the watchlist.")
    reply = await private_reply(await admin(standin, "config watchlist remove", {"symbol": "^VIX"}))
    assert reply["content"].startswith("^VIX is not on the watchlist (^RUT, ")
    reply = await private_reply(await admin(standin, "config watchlist add", {"symbol": "^VIX"}))
    assert reply["content"].startswith("Added ")
    assert (await bot.settings.get(GUILD)).watchlist[-1] == "^VIX"


async def test_autocomplete_tells_a_member_without_manage_server_nothing(standin, bot) -> None:
    for name, options, focused in (
        ("config timezone", {"zone": "europe"}, "zone"),
        ("config watchlist add", {"symbol": "bit"}, "symbol"),
        ("config watchlist remove", {"symbol": ""}, "symbol"),
    ):
        as_admin = await standin.send_autocomplete(
            name, options, focused=focused, guild_id=GUILD, channel_id=GENERAL,
            permissions=ADMIN_PERMS,
        )
        as_member = await standin.send_autocomplete(
            name, options, focused=focused, guild_id=GUILD, channel_id=GENERAL,
            permissions=MEMBER_PERMS,
        )
        assert as_admin, name
        assert as_member == [], name


def _options(schema: list[dict[str, Any]], path: str = "config"):
    for option in schema:
        where = f"{path} {option['name']}"
        yield where, option
        yield from _options(option.get("options") or [], where)


async def test_every_config_option_has_a_real_description(standin, bot) -> None:
    (config,) = [c for c in standin.guild_commands[GUILD] if c["name"] == "config"]
    seen = dict(_options(config["options"]))
    assert {"config weekdays state", "config watchlist add symbol", "config brief state"} <= set(
        seen
    )
    for where, option in seen.items():
        assert len(option["description"]) >= 12 and option["description"] != "…", where


async def test_config_acknowledges_before_waiting_on_a_locked_store(
    standin, bot, config_path, tmp_path
) -> None:
    blocker = sqlite3.connect(tmp_path / "riskon.sqlite3", isolation_level=None)
    try:
        blocker.execute("BEGIN IMMEDIATE")  # another process holds the write lock
        ix = await admin(standin, "config time", {"time": "09:15"})
        callback = await ix.wait_callback(2.5)  # Discord's deadline is 3 s
        assert callback.type == 5 and callback.ephemeral
        await asyncio.sleep(0.3)
        assert ix.followups == []  # still waiting for the lock, not failed
        blocker.execute("COMMIT")
        reply = await private_reply(ix)
        assert reply["content"].startswith("Briefs will be posted at 09:15 UTC")
    finally:
        blocker.close()
    assert (await bot.settings.get(GUILD)).post_time == "09:15"


async def test_commands_that_read_settings_acknowledge_while_a_write_waits(
    standin, bot, tmp_path
) -> None:
    """A /config write waiting on the lock holds the store's connection; /brief and /ask read
    settings through it, so they too must acknowledge first (issue 8, defect 9)."""
    blocker = sqlite3.connect(tmp_path / "riskon.sqlite3", isolation_level=None)
    try:
        blocker.execute("BEGIN IMMEDIATE")
        waiting = await admin(standin, "config time", {"time": "10:30"})
        assert (await waiting.wait_callback(2.5)).type == 5
        await asyncio.sleep(0.3)  # its write now waits on the lock, holding the store
        brief = await standin.send_slash("brief", guild_id=GUILD, channel_id=GENERAL,
                                         user_id=next(_users))
        ask = await standin.send_slash(
            "ask", {"question": "is the russell at an all time high?"}, guild_id=GUILD,
            channel_id=GENERAL, user_id=next(_users),
        )
        for ix in (brief, ask):
            callback = await ix.wait_callback(2.5)
            assert callback.type == 5, ix.name
        blocker.execute("COMMIT")
    finally:
        blocker.close()
    assert (await private_reply(waiting))["content"].startswith("Briefs will be posted at 10:30")
    for ix in (brief, ask):
        followup = await ix.wait_followup(30)
        assert not followup.ephemeral and followup.embeds, ix.name


async def test_default_target_is_what_questions_naming_none_follow(standin, bot) -> None:
    from tests.test_bot_e2e import public_answer

    reply = await private_reply(await admin(standin, "config target", {"symbol": "^GSPC"}))
    assert reply["content"].startswith("Questions that name no target now follow")
    fields = {f["name"]: f["value"] for f in reply["embeds"][0]["fields"]}
    assert fields["Default target"] == "^GSPC"
    # /ask reads "what happened after X" with the server's target, and says so
    ix = await standin.send_slash(
        "ask", {"question": "what happened after the russell hit a record?"},
        guild_id=GUILD, channel_id=GENERAL, user_id=next(_users),
    )
    asked = await public_answer(ix)
    assert asked.content == "Read as: `/after trigger:^RUT ath target:^GSPC`"
    # a member without Manage Server cannot change it
    ix = await admin(standin, "config target", {"symbol": "^RUT"}, permissions=MEMBER_PERMS)
    callback = await ix.wait_callback(10)
    assert callback.ephemeral and "Manage Server" in callback.data["content"]
    shown = await private_reply(await admin(standin, "config show"))
    assert {f["name"]: f["value"] for f in shown["embeds"][0]["fields"]}["Default target"] == (
        "^GSPC"
    )
