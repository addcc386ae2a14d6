"""Alerts end to end: the real bot, the Discord stand-in, CSV prices and a clock we drive.

The market is `tests.market_fixtures`' cycling ^RUT, whose fresh all-time highs are known by
construction (session k * 250 + 87 of cycle k): the file first ends the session before the
9th one, 2014-12-17, and a test "publishes" that session by adding its row to the CSV file, as
a data vendor would. 2014-12-17 is a Wednesday in EST, so its bar is final at 21:15 UTC.
Alerts' own background loop is off (`[alerts] enabled = false`) except in the one test that
runs it; the others call `poster.check(now)`, the code the loop runs, on chosen instants.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import os
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.adapter.poster import ClaimKeeper
from bot.scheduling import alertstore, postlog
from tests.bot_harness import (
    ADMIN_PERMS,
    GENERAL,
    GUILD,
    MEMBER_PERMS,
    NO_FILES,
    OTHER_GENERAL,
    OTHER_GUILD,
    ManualClock,
    riskon,
    write_config,
)
from tests.discord_standin import DiscordStandin
from tests.market_fixtures import cycling_index, daily_crypto, write_yahoo_csv
from tests.standin_press import buttons, press_button

PNG = b"\x89PNG\r\n\x1a\n"
EVENT_ROW = 2337  # cycle 9's fresh ATH: 2014-12-17
D = date(2014, 12, 17)
PREVIOUS = date(2014, 12, 16)
FINAL = datetime(2014, 12, 17, 21, 15, tzinfo=UTC)  # 16:15 New York (EST)
CREATED = datetime(2014, 12, 17, 12, 0, tzinfo=UTC)
ROLE = 4_200_000_000_000_000_777
RUT = cycling_index()

_users = itertools.count(9_500)


def publish(prices: Path, rows: int, *, junk: bool = False) -> None:
    """^RUT.csv with its first `rows` sessions (and a broken line when `junk`), its mtime
    moved forward a second so even a coarse filesystem clock sees the change."""
    path = prices / "^RUT.csv"
    before = path.stat().st_mtime_ns if path.exists() else 0
    write_yahoo_csv(prices, "^RUT", RUT.iloc[:rows])
    if junk:
        with path.open("a") as f:
            f.write("2014-12-18,not-a-number,1,1,1,1,1\n")
    bumped = max(path.stat().st_mtime_ns, before + 1_000_000_000)
    os.utime(path, ns=(bumped, bumped))


@pytest.fixture
def prices(tmp_path) -> Path:
    folder = tmp_path / "prices"
    publish(folder, EVENT_ROW)
    write_yahoo_csv(folder, "BTC-USD", daily_crypto())
    return folder


def alerts_config(tmp_path: Path, standin: DiscordStandin, prices: Path, **alerts: Any) -> Path:
    settings = {"enabled": "false", "max_per_server": "3", **alerts}
    extra = "[compute]\nprocesses = 0\n[alerts]\n" + "".join(
        f"{k} = {v}\n" for k, v in settings.items())
    return write_config(tmp_path / "riskon.toml", standin, store=tmp_path / "riskon.sqlite3",
                        prices=prices, extra=extra)


@pytest.fixture
def config_path(tmp_path, standin, prices) -> Path:
    return alerts_config(tmp_path, standin, prices)


async def slash(standin: DiscordStandin, name: str, options: dict[str, Any] | None = None,
                **kw: Any):
    kw.setdefault("user_id", next(_users))
    kw.setdefault("guild_id", GUILD)
    kw.setdefault("channel_id", GENERAL)
    kw.setdefault("permissions", ADMIN_PERMS)
    return await standin.send_slash(name, options, **kw)


async def private_text(interaction) -> str:
    """What the asker sees when the command answers (or refuses) privately."""
    callback = await interaction.wait_callback(10)
    if callback.type == 4:
        assert callback.ephemeral, callback.data
        return callback.data.get("content") or ""
    assert callback.type == 5 and interaction.deferred_ephemeral
    followup = await interaction.wait_followup(30)
    assert followup.ephemeral
    return followup.content or ""


def posts(standin: DiscordStandin, channel_id: int) -> list:
    return [r for r in standin.requests_to("POST", "/channels/{channel_id}/messages")
            if r.path == f"/channels/{channel_id}/messages"]


async def until(predicate: Callable[[], bool], what: str, timeout: float = 20.0) -> None:  # noqa: ASYNC109
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


async def add_direct(bot, guild_id: int, channel_id: int, *, role_id: int | None = None,
                     signal: str = "^RUT ath") -> alertstore.Alert:
    """An alert made as /alert add makes it (for servers commands are not synced to)."""
    return await alertstore.add(
        bot.store, guild_id=guild_id, channel_id=channel_id, role_id=role_id, signal=signal,
        target="BTC-USD", created_by=1, now=CREATED, since_session=PREVIOUS, limit=3)


def poster(bot):
    return bot.get_cog("Alerts").poster


async def until_async(
    get: Callable[[], Any], ok: Callable[[Any], bool], timeout: float = 20.0  # noqa: ASYNC109
) -> Any:
    """Poll `await get()` until `ok(value)`; the value."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not ok(value := await get()):
        if loop.time() > deadline:
            raise TimeoutError(f"timed out; last value {value!r}")
        await asyncio.sleep(0.02)
    return value


# ---- add, list, test, remove; no back-firing; a new final bar fires once, an intraday never --


async def test_add_list_test_remove_and_firing_once_on_a_final_bar(
    standin, config_path, prices
) -> None:
    clock = ManualClock(CREATED)
    async with riskon(standin, config_path, clock=clock) as bot:
        add = await slash(standin, "alert add", {"signal": "russell  ATH", "target": "btc"})
        await add.wait_callback(10)
        followup = await add.wait_followup(60)
        assert followup.ephemeral
        text = followup.content
        assert "Alert #1 added: `^RUT ath`" in text
        assert "fired 8 times since 2006-01-02, about 0.9 a year, last on 2014-01-01" in text
        assert "does not hold on the latest final session, 2014-12-16" in text
        assert ">>> **Alert #1:** `^RUT ath` fired on 2014-01-01: " in text  # its last event
        (png,) = followup.files
        assert png.data.startswith(PNG)
        assert followup.embeds and followup.embeds[0]["image"]["url"].startswith("attachment://")
        (alert,) = await alertstore.of_guild(bot.store, GUILD)
        assert (alert.signal, alert.target, alert.channel_id, alert.since_session) == (
            "^RUT ath", "BTC-USD", GENERAL, PREVIOUS)

        # No back-firing: eight past records are history, not news.
        assert await poster(bot).check(CREATED) == []
        # The vendor publishes 2014-12-17, a fresh record, while New York still trades.
        publish(prices, EVENT_ROW + 1)
        assert await poster(bot).check(FINAL - timedelta(minutes=1)) == []
        assert posts(standin, GENERAL) == []
        # Final at 16:15 New York: posted once, to the chosen channel, on time.
        assert await poster(bot).check(FINAL + timedelta(minutes=1)) == [(1, D, "sent")]
        assert await poster(bot).check(FINAL + timedelta(minutes=16)) == []
        (request,) = posts(standin, GENERAL)
        content = request.payload["content"]
        assert content.startswith("**Alert #1:** `^RUT ath` fired on 2014-12-17")
        assert "posted late" not in content
        assert request.payload["allowed_mentions"] == {"parse": []}
        assert request.files[0].data.startswith(PNG)
        record = await postlog.get(bot.store, "alert", "1:2014-12-17")
        assert record is not None and record.status == "sent"

        listed = await slash(standin, "alert list")
        callback = await listed.wait_callback(10)
        assert callback.ephemeral
        description = callback.data["embeds"][0]["description"]
        assert "**#1** `^RUT ath` → BTC-USD in <#" in description
        assert "last fired 2014-12-17" in description and "paused" not in description

        test = await slash(standin, "alert test", {"id": 1})
        await test.wait_callback(10)
        shown = await test.wait_followup(60)
        assert shown.ephemeral and shown.content.startswith("Test of alert #1")
        # The bot's clock still reads 12:00 on 2014-12-17: that day's bar is not final.
        assert "as its post read on 2014-01-01:\n>>> **Alert #1:**" in shown.content
        assert shown.files[0].data.startswith(PNG)
        assert len(posts(standin, GENERAL)) == 1  # a test posts nothing in the channel

        choices = await standin.send_autocomplete(
            "alert remove", {"id": ""}, focused="id", guild_id=GUILD, channel_id=GENERAL,
            permissions=ADMIN_PERMS)
        assert [c["value"] for c in choices] == [1]
        assert choices[0]["name"].startswith("#1 ^RUT ath → BTC-USD")
        removed = await private_text(await slash(standin, "alert remove", {"id": 1}))
        assert removed.startswith("Removed alert #1")
        assert "No alerts yet" in await private_text(await slash(standin, "alert list"))


# ---- the role: the only thing a post may mention ---------------------------------------------


async def test_the_post_mentions_only_the_chosen_role(standin, config_path, prices) -> None:
    standin.guilds[GUILD].add_role(ROLE, "markets", 0)  # in GUILD_CREATE when the bot joins
    clock = ManualClock(CREATED)
    async with riskon(standin, config_path, clock=clock) as bot:
        add = await slash(standin, "alert add",
                          {"signal": "^RUT ath", "target": "BTC-USD", "role": ROLE})
        await add.wait_callback(10)
        assert "mentioning <@&" in (await add.wait_followup(60)).content
        await add_direct(bot, OTHER_GUILD, OTHER_GENERAL)  # no role
        publish(prices, EVENT_ROW + 1)
        outcomes = await poster(bot).check(FINAL + timedelta(minutes=5))
        assert sorted(o[2] for o in outcomes) == ["sent", "sent"]
        assert poster(bot).renders == 1  # one render for the shared (signal, target)
        (with_role,) = posts(standin, GENERAL)
        assert with_role.payload["content"].startswith(f"<@&{ROLE}> **Alert #1:**")
        mentions = with_role.payload["allowed_mentions"]
        assert mentions["parse"] == [] and [int(r) for r in mentions["roles"]] == [ROLE]
        assert set(mentions) <= {"parse", "roles", "replied_user"}
        (without,) = posts(standin, OTHER_GENERAL)
        assert without.payload["allowed_mentions"] == {"parse": []}
        assert "<@" not in without.payload["content"]


# ---- refusals: permissions, noise, the per-server limit, a bad signal ------------------------


async def test_add_refuses_with_one_private_line(standin, config_path) -> None:
    async with riskon(standin, config_path, clock=ManualClock(CREATED)) as bot:
        member = await slash(standin, "alert add", {"signal": "^RUT ath"},
                             permissions=MEMBER_PERMS)
        assert "Manage Server" in await private_text(member)

        no_files = await slash(standin, "alert add", {"signal": "^RUT ath", "channel": NO_FILES})
        text = await private_text(no_files)
        assert "can't post alerts in #no-files" in text and "Attach Files" in text

        bad = await private_text(await slash(standin, "alert add", {"signal": "^RUT athh"}))
        assert "athh" in bad and "\n" not in bad

        noisy = await private_text(await slash(standin, "alert add",
                                               {"signal": "BTC-USD close > 1"}))
        assert noisy.startswith("Not added: `BTC-USD close > 1` it held on 100% of sessions")
        assert await alertstore.of_guild(bot.store, GUILD) == []

        for _ in range(3):
            await add_direct(bot, GUILD, GENERAL)
        full = await private_text(await slash(standin, "alert add", {"signal": "^RUT ath"}))
        assert "already has 3 alerts" in full and "max_per_server = 3" in full
        assert len(await alertstore.of_guild(bot.store, GUILD)) == 3


# ---- exactly once across a crash mid-fan-out ---------------------------------------------------


async def test_exactly_once_across_a_restart_mid_fan_out(
    standin, config_path, prices, caplog
) -> None:
    clock = ManualClock(FINAL + timedelta(minutes=1))
    async with riskon(standin, config_path, clock=clock) as first:
        first_alert = await add_direct(first, GUILD, GENERAL)
        second_alert = await add_direct(first, OTHER_GUILD, OTHER_GENERAL)
        publish(prices, EVENT_ROW + 1)
        # Discord answers every post with a long 429: the fan-out hangs with its claims open.
        standin.rate_limit("POST", "/channels/{channel_id}/messages", times=100, retry_after=30)
        check = asyncio.create_task(poster(first).check())

        async def open_claims() -> int:
            return (await first.store.fetchone(
                "SELECT count(*) FROM posting_log WHERE status = 'claimed'"))[0]

        for _ in range(3000):
            if await open_claims() == 2:
                break
            await asyncio.sleep(0.01)
        assert await open_claims() == 2
        check.cancel()  # the process is gone: no commit, no mark
        with contextlib.suppress(asyncio.CancelledError):
            await check
    standin._rate_limits.clear()
    attempts = len(standin.requests_to("POST", "/channels/{channel_id}/messages"))

    clock.advance(timedelta(seconds=30))
    with caplog.at_level(logging.WARNING, logger="bot.scheduling.postlog"):
        async with riskon(standin, config_path, clock=clock) as second:
            for alert in (first_alert, second_alert):
                record = await postlog.get(second.store, "alert", f"{alert.id}:{D}")
                assert (record.status, record.detail) == ("failed", postlog.OUTCOME_UNKNOWN)
            for later in (timedelta(minutes=5), timedelta(hours=2)):
                clock.set(FINAL + later)
                assert await poster(second).check() == []
            assert len(standin.requests_to("POST", "/channels/{channel_id}/messages")) == attempts
            listed = await slash(standin, "alert list")
            description = (await listed.wait_callback(10)).data["embeds"][0]["description"]
            assert f"2014-12-17 not posted ({postlog.OUTCOME_UNKNOWN})" in description
    assert sum("died mid-post" in r.getMessage() for r in caplog.records) == 2


async def test_alert_claims_keep_their_heartbeat_without_the_brief_cog(
    standin, config_path, prices, monkeypatch
) -> None:
    """An alert post in flight for longer than the lease, with the Brief cog gone: its claim's
    heartbeat keeps up, so another process never takes it for a dead one's."""
    monkeypatch.setattr(ClaimKeeper, "interval", 0.05)
    clock = ManualClock(FINAL + timedelta(minutes=1))
    async with riskon(standin, config_path, clock=clock) as bot:
        await bot.unload_extension("cogs.brief")
        alert = await add_direct(bot, GUILD, GENERAL)
        publish(prices, EVENT_ROW + 1)
        standin.hold_messages()  # Discord does not answer: the claim stays open
        check = asyncio.create_task(poster(bot).check())
        key = f"{alert.id}:{D}"

        async def record() -> postlog.PostRecord | None:
            return await postlog.get(bot.store, "alert", key)

        await until_async(record, lambda r: r is not None and r.status == "claimed")
        for minutes in (3, 6):  # each step past the 2-minute lease
            clock.set(FINAL + timedelta(minutes=1 + minutes))
            await until_async(record, lambda r: r.heartbeat_at == clock())
            assert await postlog.resolve_dead(bot.store, clock(), owner="elsewhere:1:x") == []
        standin.release_messages()
        assert await check == [(alert.id, D, "sent")]
        assert (await record()).status == "sent"


async def test_a_fan_out_keeps_concurrency_sends_in_flight_not_a_task_per_alert(
    standin, tmp_path, prices
) -> None:
    """Six alerts, `concurrency = 2`: two posts in flight, and the waiting four are queued
    entries, not tasks (a task per send cost ~12 tracked objects each; at 10,000 alerts the
    garbage collector walking them stalled the loop, benchmarks/bench_alerts.py)."""
    config = alerts_config(tmp_path, standin, prices, concurrency="2")
    async with riskon(standin, config, clock=ManualClock(FINAL + timedelta(minutes=1))) as bot:
        # Alternating channels: discord.py sends one request at a time to a new channel.
        alerts = [await add_direct(bot, guild, channel) for _ in range(3)
                  for guild, channel in ((GUILD, GENERAL), (OTHER_GUILD, OTHER_GENERAL))]
        publish(prices, EVENT_ROW + 1)
        standin.hold_messages()
        check = asyncio.create_task(poster(bot).check())
        sent = "/channels/{channel_id}/messages"
        await until(lambda: len(standin.requests_to("POST", sent)) == 2, "two posts in flight")
        await asyncio.sleep(0.2)  # room for a third, were there one
        assert len(standin.requests_to("POST", sent)) == 2
        ours = [t for t in asyncio.all_tasks()
                if t.get_coro().__qualname__.startswith("AlertPoster.")]
        assert len(ours) <= 2 + 1, sorted(t.get_coro().__qualname__ for t in ours)
        standin.release_messages()
        assert sorted(await check) == sorted((a.id, D, "sent") for a in alerts)
        assert len(posts(standin, GENERAL)) == len(posts(standin, OTHER_GENERAL)) == 3


# ---- the grace window ----------------------------------------------------------------------------


@pytest.mark.parametrize(("late", "outcome"), [(timedelta(hours=3), "sent"),
                                               (timedelta(hours=13), "missed")],
                         ids=["late-inside-grace", "missed"])
async def test_grace_window(standin, config_path, prices, late, outcome) -> None:
    clock = ManualClock(CREATED)
    async with riskon(standin, config_path, clock=clock) as bot:
        await add_direct(bot, GUILD, GENERAL)
        publish(prices, EVENT_ROW + 1)  # ...while the bot was down until FINAL + late
        assert await poster(bot).check(FINAL + late) == [(1, D, outcome)]
        assert await poster(bot).check(FINAL + late + timedelta(minutes=15)) == []
        sent = posts(standin, GENERAL)
        if outcome == "sent":
            (request,) = sent
            assert request.payload["content"].endswith("(posted late)")
            return
        assert sent == []
        record = await postlog.get(bot.store, "alert", f"1:{D}")
        assert record.status == "skipped" and "12 h grace window" in record.detail
        description = (await (await slash(standin, "alert list")).wait_callback(10)).data[
            "embeds"][0]["description"]
        assert "2014-12-17 not posted (missed: found 13.0 h after" in description


# ---- a channel riskon may no longer use pauses its alerts, shown where admins look ---------------


async def test_a_gone_channel_pauses_its_alerts_with_the_reason(
    standin, config_path, prices
) -> None:
    async with riskon(standin, config_path, clock=ManualClock(CREATED)) as bot:
        await add_direct(bot, GUILD, GENERAL)
        await add_direct(bot, OTHER_GUILD, OTHER_GENERAL)
        standin.fail_channel(GENERAL, 404)
        publish(prices, EVENT_ROW + 1)
        outcomes = await poster(bot).check(FINAL + timedelta(minutes=1))
        assert sorted(outcomes) == [(1, D, "disabled"), (2, D, "sent")]
        (paused,) = [a for a in await alertstore.of_guild(bot.store, GUILD)]
        assert paused.paused_reason and "deleted" in paused.paused_reason
        assert [a.id for a in await alertstore.active(bot.store)] == [2]

        description = (await (await slash(standin, "alert list")).wait_callback(10)).data[
            "embeds"][0]["description"]
        assert "**paused**" in description and "deleted" in description
        config_show = await slash(standin, "config show")
        await config_show.wait_callback(10)
        shown = (await config_show.wait_followup(20)).embeds[0]
        fields = {f["name"]: f["value"] for f in shown["fields"]}
        assert "#1 `^RUT ath`" in fields["Alerts paused"] and "deleted" in fields["Alerts paused"]
        attempts = len(posts(standin, GENERAL))
        assert await poster(bot).check(FINAL + timedelta(hours=1)) == []
        assert len(posts(standin, GENERAL)) == attempts  # paused means not knocked on again

        standin.channel_failures.pop(GENERAL)  # an admin fixes the channel
        resumed = await private_text(await slash(standin, "alert resume", {"id": 1}))
        assert resumed.startswith("Alert #1 resumed")
        assert [a.id for a in await alertstore.active(bot.store)] == [1, 2]
        again = await private_text(await slash(standin, "alert resume", {"id": 1}))
        assert again == "Alert #1 is not paused."


# ---- a data outage delays, logged once; recovery fires -----------------------------------------


async def test_an_outage_delays_and_recovery_fires(standin, config_path, prices, caplog) -> None:
    async with riskon(standin, config_path, clock=ManualClock(CREATED)) as bot:
        await add_direct(bot, GUILD, GENERAL)
        assert await poster(bot).check(CREATED) == []  # ^RUT cached, up to 2014-12-16
        publish(prices, EVENT_ROW + 1, junk=True)  # the new file is broken: an outage
        with caplog.at_level(logging.INFO, logger="bot.scheduling.alerts"):
            for minutes in (1, 16, 31):
                assert await poster(bot).check(FINAL + timedelta(minutes=minutes)) == []
            assert posts(standin, GENERAL) == []
            delayed = [r for r in caplog.records if "delayed" in r.getMessage()]
            assert len(delayed) == 1 and "^RUT" in delayed[0].getMessage()
            publish(prices, EVENT_ROW + 1)  # fixed
            assert await poster(bot).check(FINAL + timedelta(minutes=46)) == [(1, D, "sent")]
            assert any("back" in r.getMessage() for r in caplog.records)
        assert len(posts(standin, GENERAL)) == 1


# ---- the production loop, on the injected clock ----------------------------------------------


async def test_the_background_loop_fires_on_its_own(standin, tmp_path, prices) -> None:
    config = alerts_config(tmp_path, standin, prices, enabled="true", check_minutes="0.01")
    clock = ManualClock(CREATED)
    async with riskon(standin, config, clock=clock) as bot:
        await add_direct(bot, GUILD, GENERAL)
        publish(prices, EVENT_ROW + 1)
        checks = poster(bot).checks
        await until(lambda: poster(bot).checks > checks + 1, "two checks")
        assert posts(standin, GENERAL) == []  # not final yet
        clock.set(FINAL + timedelta(minutes=2))
        await until(lambda: len(posts(standin, GENERAL)) == 1, "the alert post")
        checks = poster(bot).checks
        await until(lambda: poster(bot).checks > checks + 2, "more checks")
        assert len(posts(standin, GENERAL)) == 1


# ---- "Alert me when this happens" under /after ------------------------------------------------


async def test_the_after_button_adds_for_a_manager_and_sends_a_member_to_one(
    standin, config_path
) -> None:
    mods, manager, member = 4_200_000_000_000_000_888, 9_900, 9_901
    standin.guilds[GUILD].add_role(mods, "mods", ADMIN_PERMS)
    standin.guilds[GUILD].add_member(manager, [mods])
    async with riskon(standin, config_path, clock=ManualClock(CREATED)) as bot:
        asked = await slash(standin, "after", {"trigger": "^RUT", "target": "BTC-USD"})
        await asked.wait_callback(20)
        message = (await asked.wait_followup(60)).message
        custom_id = buttons(message)["Alert me when this happens"]

        press = await press_button(standin, message, custom_id, user_id=member)
        callback = await press.wait_callback(10)
        assert callback.type == 4 and callback.ephemeral
        assert callback.data["content"].startswith("Only a server manager (Manage Server)")
        assert await alertstore.of_guild(bot.store, GUILD) == []

        press = await press_button(standin, message, custom_id, user_id=manager)
        callback = await press.wait_callback(10)
        assert callback.type == 5
        added = await press.wait_followup(60)
        assert added.ephemeral
        assert added.content.startswith(
            f"Alert #1 added: `^RUT ath`, posting the study of BTC-USD in <#{GENERAL}>")
        assert added.files[0].data.startswith(PNG)
        (alert,) = await alertstore.of_guild(bot.store, GUILD)
        assert (alert.signal, alert.target, alert.channel_id, alert.created_by) == (
            "^RUT ath", "BTC-USD", GENERAL, manager)
        assert posts(standin, GENERAL) == []  # adding posts nothing in the channel
