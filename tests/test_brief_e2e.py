"""The daily brief, end to end: the real bot posts to the Discord stand-in on a clock we drive.

The cog's own loop is cancelled by the harness (except where a test runs it on the injected
clock); each test calls `poster.tick(now)` with chosen instants, so "08:00 in Europe/London" is
checked against exact UTC minutes rather than against whatever time the test happens to run.
Everything else is real: settings and `brief_log` in
SQLite, prices from CSV files, charts rendered by the bot's compute path (threads here, see
conftest), HTTP to the stand-in (and, for FRED, to a local aiohttp server).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiohttp import web

from bot.adapter.app import RiskonBot
from bot.market.fred import FredProvider
from bot.scheduling import brieflog
from tests.bot_harness import (
    ADMIN_PERMS,
    GENERAL,
    GUILD,
    OTHER_GENERAL,
    OTHER_GUILD,
    ManualClock,
    private_reply,
    riskon,
    write_config,
)
from tests.discord_standin import (
    ATTACH_FILES,
    DiscordStandin,
    MessageRecord,
    RecordedRequest,
    text_channel,
)

PNG = b"\x89PNG\r\n\x1a\n"
POST_MESSAGE = ("POST", "/channels/{channel_id}/messages")
WATCHLIST = ("^RUT", "BTC-USD")  # both in the fixture market: small, fast, with a chart
OTHER_WATCHLIST = ("^GSPC",)

# A Tuesday in British Summer Time: 08:00 Europe/London is 07:00 UTC, so a bot that ignored
# the guild's zone would post an hour late and fail the "at the instant" test.
DAY = date(2024, 6, 11)
LONDON_0800 = datetime(2024, 6, 11, 7, 0, tzinfo=UTC)


def utc(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


# ---- helpers ----------------------------------------------------------------------------------

_users = itertools.count(9_000)
_ids = itertools.count(4_300_000_000_000_000_000, 10)


async def slash(
    standin: DiscordStandin, name: str, options: dict[str, Any] | None = None, **kw: Any
):
    """An admin's slash command in the dev guild (the only one commands are synced to)."""
    kw.setdefault("user_id", next(_users))
    kw.setdefault("guild_id", GUILD)
    kw.setdefault("channel_id", GENERAL)
    kw.setdefault("permissions", ADMIN_PERMS)
    return await standin.send_slash(name, options, **kw)


async def join(standin: DiscordStandin, bot: RiskonBot, count: int) -> list[tuple[int, int]]:
    """`count` new servers (one text channel each) that the bot joins while running.

    Waits until the bot has cached each channel, as it would have long before 08:00 in
    production, so a test measures the poster and not GUILD_CREATE's arrival.
    """
    pairs = []
    for _ in range(count):
        guild_id = next(_ids)
        channel_id = guild_id + 1
        standin.add_guild(
            guild_id, name=f"g{guild_id % 1000}", channels=[text_channel(channel_id, "brief")]
        )
        pairs.append((guild_id, channel_id))
    await until(lambda: all(bot.get_channel(c) is not None for _, c in pairs), "GUILD_CREATE")
    return pairs


async def until(predicate: Callable[[], bool], what: str, timeout: float = 5.0) -> None:  # noqa: ASYNC109
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)


async def schedule(
    bot: RiskonBot,
    guild_id: int,
    channel_id: int,
    *,
    watchlist: tuple[str, ...] = WATCHLIST,
    post_time: str = "08:00",
    timezone: str = "Europe/London",
) -> None:
    await bot.settings.update(
        guild_id,
        channel_id=channel_id,
        post_time=post_time,
        timezone=timezone,
        brief_enabled=True,
        watchlist=watchlist,
    )


def today(outcomes: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """Outcomes without 'skipped' ones, sorted.

    A guild's first tick also looks at *yesterday's* run (so a 23:30 brief can still go out at
    00:10) and, finding it a day old, records it as skipped; tests that are about today's run
    leave those out.
    """
    return sorted(o for o in outcomes if o[1] != "skipped")


def posts(standin: DiscordStandin, channel_id: int | None = None) -> list[RecordedRequest]:
    """Every message POST the bot made (to one channel if given), failed ones included."""
    sent = standin.requests_to(*POST_MESSAGE)
    if channel_id is None:
        return sent
    return [r for r in sent if r.path == f"/channels/{channel_id}/messages"]


def fields(message: MessageRecord) -> list[tuple[str, str]]:
    (embed,) = message.embeds
    return [(f["name"], f["value"]) for f in embed["fields"]]


def assert_brief_with_chart(request: RecordedRequest, message: MessageRecord) -> dict[str, Any]:
    """A brief as a member sees it: titled embed, PNG attached, and the embed showing it."""
    (embed,) = request.payload["embeds"]
    assert embed["title"].startswith("Market brief · ")
    (png,) = request.files
    assert png.data.startswith(PNG) and len(png.data) > 10_000
    assert embed["image"]["url"] == f"attachment://{png.filename}"
    assert message.unresolved_attachment_refs == []
    names = [name for name, _ in fields(message)]
    assert "Caveats" in names
    return embed


# ---- 1, 2: the right instant, the right channel, exactly once across a restart ----------------


async def test_brief_posts_at_the_local_instant_to_the_configured_channel(standin, bot) -> None:
    for name, options in [
        ("config channel", {"channel": GENERAL}),
        ("config time", {"time": "08:00"}),
        ("config timezone", {"zone": "Europe/London"}),
        ("config brief", {"state": "on"}),
    ]:
        await private_reply(await slash(standin, name, options))
    poster = bot.get_cog("Brief").poster

    assert today(await poster.tick(LONDON_0800 - timedelta(minutes=1))) == []
    assert posts(standin) == []
    assert await brieflog.get(bot.store, GUILD, DAY) is None

    assert await poster.tick(LONDON_0800 + timedelta(seconds=20)) == [(GUILD, "sent")]
    (request,) = posts(standin)
    assert request.path == f"/channels/{GENERAL}/messages" and request.status == 200
    (message,) = standin.channel_messages[GENERAL]
    assert_brief_with_chart(request, message)
    assert OTHER_GENERAL not in standin.channel_messages

    record = await brieflog.get(bot.store, GUILD, DAY)
    assert record is not None and record.status == "sent" and record.message_id == message.id


async def test_no_second_post_after_a_restart_the_same_day(standin, config_path) -> None:
    async with riskon(standin, config_path) as first:
        await schedule(first, GUILD, GENERAL)
        assert today(await first.get_cog("Brief").poster.tick(LONDON_0800)) == [(GUILD, "sent")]
    assert len(posts(standin)) == 1

    async with riskon(standin, config_path) as second:
        poster = second.get_cog("Brief").poster
        for later in (LONDON_0800 + timedelta(minutes=1), utc(DAY, 9, 30), utc(DAY, 22, 59)):
            assert await poster.tick(later) == []
        assert len(posts(standin)) == 1
        # Not a bot that simply cannot post: the next local day goes out as usual.
        assert await poster.tick(LONDON_0800 + timedelta(days=1)) == [(GUILD, "sent")]
    assert len(posts(standin, GENERAL)) == 2


# ---- 3: the grace window ----------------------------------------------------------------------


async def test_missed_brief_is_caught_up_inside_grace_and_skipped_outside(standin, bot) -> None:
    await schedule(bot, GUILD, GENERAL)
    poster = bot.get_cog("Brief").poster

    # Down over 08:00, back at 10:00 London: 2 h late is inside the default 3 h grace.
    assert today(await poster.tick(LONDON_0800 + timedelta(hours=2))) == [(GUILD, "sent")]
    assert len(posts(standin, GENERAL)) == 1

    # Next day, back only at 12:00 London: 4 h late, so no stale brief, but a visible record.
    next_day = DAY + timedelta(days=1)
    late = LONDON_0800 + timedelta(days=1, hours=4)
    assert await poster.tick(late) == [(GUILD, "skipped")]
    assert await poster.tick(late + timedelta(minutes=10)) == []  # skipped is final
    assert len(posts(standin, GENERAL)) == 1
    record = await brieflog.get(bot.store, GUILD, next_day)
    assert record is not None and record.status == "skipped" and "grace" in record.detail


# ---- 4: a channel we may not post in pauses that server only -----------------------------------


@pytest.mark.parametrize(
    ("status", "reason"), [(403, "permission"), (404, "deleted")], ids=["forbidden", "deleted"]
)
async def test_unusable_channel_pauses_only_that_server(standin, bot, status, reason) -> None:
    await schedule(bot, GUILD, GENERAL)
    await schedule(bot, OTHER_GUILD, OTHER_GENERAL)
    standin.fail_channel(GENERAL, status)
    poster = bot.get_cog("Brief").poster

    outcomes = await poster.tick(LONDON_0800)
    assert today(outcomes) == sorted([(GUILD, "disabled"), (OTHER_GUILD, "sent")])
    (request,) = posts(standin, OTHER_GENERAL)
    assert_brief_with_chart(request, standin.channel_messages[OTHER_GENERAL][0])
    assert GENERAL not in standin.channel_messages

    paused = await bot.settings.get(GUILD)
    assert paused.brief_enabled is False
    assert paused.disabled_reason and reason in paused.disabled_reason
    assert (await bot.settings.get(OTHER_GUILD)).brief_enabled is True
    record = await brieflog.get(bot.store, GUILD, DAY)
    assert record is not None and record.status == "failed" and reason in record.detail

    reply = await private_reply(await slash(standin, "config show"))
    shown = {f["name"]: f["value"] for f in reply["embeds"][0]["fields"]}
    assert shown["Brief"] == "off" and reason in shown["Brief paused"]

    # Paused means paused: the next day nobody knocks on that channel again.
    attempts = len(posts(standin, GENERAL))
    assert await poster.tick(LONDON_0800 + timedelta(days=1)) == [(OTHER_GUILD, "sent")]
    assert len(posts(standin, GENERAL)) == attempts


# ---- 5: one render per watchlist, however many servers ----------------------------------------


async def test_one_render_serves_every_server_with_that_watchlist(standin, bot) -> None:
    servers = await join(standin, bot, 5)
    for i, (guild_id, channel_id) in enumerate(servers):
        await schedule(bot, guild_id, channel_id, watchlist=WATCHLIST if i < 3 else OTHER_WATCHLIST)
    poster = bot.get_cog("Brief").poster
    before = poster.renders

    outcomes = await poster.tick(LONDON_0800)

    assert today(outcomes) == sorted((g, "sent") for g, _ in servers)
    assert poster.renders - before == 2  # two distinct watchlists
    titles = set()
    for _, channel_id in servers:
        (message,) = standin.channel_messages[channel_id]
        (png,) = message.files
        assert png.data.startswith(PNG)
        titles.add(message.embeds[0]["title"])
    # The two watchlists really got different briefs (^GSPC's data ends earlier than ^RUT's).
    assert len(titles) == 2


# ---- 6: FRED down leaves the brief without that section; FRED up fills it ---------------------


def fred_csv(series_id: str) -> str:
    """Six weekly observations; the last one differs, so level and 4-week change are known."""
    dates = [date(2024, 5, 1) + timedelta(weeks=w) for w in range(6)]
    values = {
        "WALCL": (7_300_000, 7_280_000),  # millions of dollars
        "WTREGEN": (700_000, 750_000),  # millions of dollars
        "RRPONTSYD": (400, 430),  # billions of dollars
        "BAMLH0A0HYM2": (3.5, 3.25),  # percent
    }[series_id]
    rows = [f"{d.isoformat()},{values[0] if i < 5 else values[1]}" for i, d in enumerate(dates)]
    return f"observation_date,{series_id}\n" + "\n".join(rows) + "\n"


# By hand: (7,280,000 - 750,000 - 430 * 1000) / 1e6 = $6.10T on 2024-06-05; four weeks earlier
# (2024-05-08) (7,300,000 - 700,000 - 400,000) / 1e6 = $6.20T, so -$0.10T.
NET_LIQUIDITY = "$6.10T (-$0.10T over 4 weeks, to 2024-06-05)"
HY_SPREAD = "3.25% (-0.25 percentage points over 4 weeks)"


class FakeFred:
    """FRED's fredgraph.csv on 127.0.0.1: answers 503 while `down`, else the CSVs above."""

    def __init__(self) -> None:
        self.down = True
        self.asked: list[str] = []
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def _handle(self, request: web.Request) -> web.Response:
        series_id = request.query.get("id", "")
        self.asked.append(series_id)
        if self.down:
            return web.Response(status=503, text="Service Unavailable")
        return web.Response(text=fred_csv(series_id), content_type="text/csv")

    async def __aenter__(self) -> FakeFred:
        app = web.Application()
        app.router.add_get("/graph/fredgraph.csv", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}/graph/fredgraph.csv"
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._runner is not None
        await self._runner.cleanup()


async def test_fred_outage_leaves_the_section_out_and_recovery_puts_it_back(
    standin, tmp_path, prices
) -> None:
    async with FakeFred() as fred:
        config = write_config(
            tmp_path / "fred.toml", standin, store=tmp_path / "fred.sqlite3", prices=prices
        )
        config.write_text(
            config.read_text().replace(
                "enabled = false", f'enabled = true\nbase_url = "{fred.url}"\ntimeout = 2.0'
            )
        )
        async with riskon(standin, config) as bot:
            assert bot.config.fred.enabled and bot.config.fred.base_url == fred.url
            assert isinstance(bot.services.macro.provider, FredProvider)  # from config
            await schedule(bot, GUILD, GENERAL)
            poster = bot.get_cog("Brief").poster

            assert today(await poster.tick(LONDON_0800)) == [(GUILD, "sent")]
            assert set(fred.asked) == {"WALCL", "WTREGEN", "RRPONTSYD", "BAMLH0A0HYM2"}
            (message,) = standin.channel_messages[GENERAL]
            assert_brief_with_chart(posts(standin, GENERAL)[0], message)
            shown = fields(message)
            notes = [value for name, value in shown if name == "Note"]
            assert any(n.startswith("Fed net liquidity left out") and "503" in n for n in notes)
            assert any(n.startswith("High-yield spread left out") for n in notes)
            assert not {"Fed net liquidity", "High-yield spread"} & {name for name, _ in shown}

            fred.down = False
            assert await poster.tick(LONDON_0800 + timedelta(days=1)) == [(GUILD, "sent")]
            message = standin.channel_messages[GENERAL][1]
            shown = dict(fields(message))
            assert shown["Fed net liquidity"] == NET_LIQUIDITY
            assert shown["High-yield spread"] == HY_SPREAD
            assert not any(
                v.startswith(("Fed net", "High-yield")) for n, v in fields(message) if n == "Note"
            )


# ---- 7: a brief that cannot be built is recorded, and the loop goes on ------------------------


async def test_unbuildable_brief_is_recorded_and_the_next_tick_still_posts(standin, bot) -> None:
    empty, unknown, healthy, later = await join(standin, bot, 4)
    await schedule(bot, *empty, watchlist=())
    await schedule(bot, *unknown, watchlist=("ZZZZ", "QQQQQ"))
    await schedule(bot, *healthy)
    await schedule(bot, *later, post_time="08:05")
    poster = bot.get_cog("Brief").poster

    outcomes = await poster.tick(LONDON_0800)
    assert today(outcomes) == sorted(
        [(empty[0], "failed"), (unknown[0], "failed"), (healthy[0], "sent")]
    )
    for guild_id, why in [(empty[0], "watchlist is empty"), (unknown[0], "ZZZZ")]:
        record = await brieflog.get(bot.store, guild_id, DAY)
        assert record is not None and record.status == "failed" and why in record.detail
    assert len(standin.channel_messages[healthy[1]]) == 1

    # Five minutes later: the failed ones are not retried (the outcome is final for the day,
    # and the cause needs an admin), and the next server due is served normally.
    assert today(await poster.tick(LONDON_0800 + timedelta(minutes=5))) == [(later[0], "sent")]
    assert len(standin.channel_messages[later[1]]) == 1
    assert not posts(standin, empty[1]) and not posts(standin, unknown[1])


# ---- runs that were never owed, and runs promised after a change ----------------------------


async def test_turning_briefs_on_does_not_log_yesterday_as_missed(standin, config_path) -> None:
    """Enabled an hour before today's run: yesterday's run (23 h ago) was never owed."""
    clock = ManualClock(LONDON_0800 - timedelta(hours=1))
    async with riskon(standin, config_path, clock=clock) as bot:
        await schedule(bot, GUILD, GENERAL)
        assert await bot.get_cog("Brief").poster.tick() == []
        assert await bot.store.fetchall("SELECT * FROM posting_log") == []

    # The same schedule, chosen three days ago: yesterday's run was owed and is logged missed.
    clock = ManualClock(LONDON_0800 - timedelta(days=3))
    async with riskon(standin, config_path, clock=clock) as bot:
        await schedule(bot, GUILD, GENERAL)
        clock.set(LONDON_0800 - timedelta(hours=1))
        assert await bot.get_cog("Brief").poster.tick() == [(GUILD, "skipped")]
        rows = await bot.store.fetchall("SELECT day, status FROM posting_log")
        assert rows == [((DAY - timedelta(days=1)).isoformat(), "skipped")]


@pytest.mark.parametrize("hours_late", [1, 4], ids=["inside-grace", "past-grace"])
async def test_brief_promised_after_turning_on_late_is_posted_at_that_time(
    standin, config_path, hours_late
) -> None:
    """Issue 8, defect 4, as an admin does it, on the cog's own running loop.

    Briefs turned on after today's 08:00 has passed; then the time set to a minute later:
    /config show promises that minute, and the brief must go out then (it used to be settled
    in memory as "before the settings change" and silently dropped until a restart).
    """
    clock = ManualClock(LONDON_0800 + timedelta(hours=hours_late))
    async with riskon(standin, config_path, clock=clock, scheduler_seconds=0.02) as bot:
        poster = bot.get_cog("Brief").poster

        async def ticked() -> None:
            seen = poster.ticks
            await until(lambda: poster.ticks >= seen + 2, "two scheduler ticks")

        await ticked()
        for name, options in [
            ("config channel", {"channel": GENERAL}),
            ("config time", {"time": "08:00"}),
            ("config timezone", {"zone": "Europe/London"}),
            ("config brief", {"state": "on"}),
        ]:
            clock.advance(timedelta(seconds=5))
            await private_reply(await slash(standin, name, options))
        await ticked()
        # 08:00 had passed when briefs were turned on: nothing owed, nothing posted or logged.
        assert posts(standin) == []
        assert await brieflog.get(bot.store, GUILD, DAY) is None

        clock.advance(timedelta(seconds=5))
        promised = (clock() + timedelta(minutes=1)).replace(second=0)
        local = promised.astimezone(ZoneInfo("Europe/London")).strftime("%H:%M")
        reply = await private_reply(await slash(standin, "config time", {"time": local}))
        shown = {f["name"]: f["value"] for f in reply["embeds"][0]["fields"]}
        assert shown["Next brief"] == f"<t:{int(promised.timestamp())}:F>"
        await ticked()
        assert posts(standin) == []  # not before its minute

        clock.set(promised)
        await until(lambda: len(posts(standin, GENERAL)) == 1, "the promised brief")
        await ticked()
        (request,) = posts(standin, GENERAL)
        assert_brief_with_chart(request, standin.channel_messages[GENERAL][0])
        record = await brieflog.get(bot.store, GUILD, DAY)
        assert record is not None and record.status == "sent"
        assert record.claimed_at == promised


# ---- issue 8, defect 7: claims of a process that died mid-fan-out ------------------------------


async def test_claims_of_a_dead_process_are_resolved_at_restart_never_reposted(
    standin, config_path, caplog
) -> None:
    """The bot dies while Discord is slow to accept a fan-out: on restart every claim it left
    is marked failed (outcome unknown), logged and shown in /config show, and nothing is
    posted twice or left 'claimed'."""
    clock = ManualClock(LONDON_0800)
    async with riskon(standin, config_path, clock=clock) as first:
        servers = await join(standin, first, 5)
        await schedule(first, GUILD, GENERAL)
        for guild_id, channel_id in servers:
            await schedule(first, guild_id, channel_id)
        # Discord answers every post with a long 429: the fan-out hangs with all claims open.
        standin.rate_limit("POST", "/channels/{channel_id}/messages", times=100, retry_after=30)
        tick = asyncio.create_task(first.get_cog("Brief").poster.tick())
        guilds = [GUILD, *(g for g, _ in servers)]

        async def open_claims() -> int:
            rows = await first.store.fetchall(
                "SELECT count(*) FROM posting_log WHERE status = 'claimed'")
            return rows[0][0]

        for _ in range(500):
            if await open_claims() == len(guilds):
                break
            await asyncio.sleep(0.01)
        assert await open_claims() == len(guilds)
        tick.cancel()  # the process is gone: no mark, no commit, no cleanup of the log
        with contextlib.suppress(asyncio.CancelledError):
            await tick
    standin._rate_limits.clear()
    attempts = len(posts(standin))

    clock.advance(timedelta(seconds=30))  # well inside any lease: resolved for being dead
    with caplog.at_level(logging.WARNING, logger="bot.scheduling.postlog"):
        async with riskon(standin, config_path, clock=clock) as second:
            for guild_id in guilds:
                record = await brieflog.get(second.store, guild_id, DAY)
                assert record is not None
                assert (record.status, record.detail) == ("failed", brieflog.OUTCOME_UNKNOWN)
            poster = second.get_cog("Brief").poster
            for later in (timedelta(minutes=1), timedelta(hours=1)):
                clock.set(LONDON_0800 + later)
                assert await poster.tick() == []
            assert len(posts(standin)) == attempts  # never re-posted

            reply = await private_reply(await slash(standin, "config show"))
            shown = {f["name"]: f["value"] for f in reply["embeds"][0]["fields"]}
            assert brieflog.OUTCOME_UNKNOWN in shown["Last brief"]
            assert DAY.isoformat() in shown["Last brief"]
    logged = [r.getMessage() for r in caplog.records if "died mid-post" in r.getMessage()]
    assert len(logged) == len(guilds)


# ---- issue 9: a pause names the channel and the permission; one notice; re-checked on ---------


async def set_channel(standin: DiscordStandin, guild_id: int, spec: Any) -> None:
    """Create or change a channel as a server admin would: the model, then the gateway event."""
    event = "CHANNEL_UPDATE" if spec.id in standin.guilds[guild_id].channels else "CHANNEL_CREATE"
    channel = standin.guilds[guild_id].add_channel(spec)
    await standin.dispatch_event(event, channel.to_payload())


async def test_lost_permission_pauses_with_names_notifies_once_and_rechecks(
    standin, bot
) -> None:
    # The dev guild (where /config is synced) gets a system channel and a #markets channel.
    guild_id, system_id, brief_id = GUILD, GENERAL, 4_300_000_000_000_000_502
    standin.guilds[GUILD].system_channel_id = GENERAL
    await standin.dispatch_event("GUILD_UPDATE", standin.guild_payload(standin.guilds[GUILD]))
    await set_channel(standin, guild_id, text_channel(brief_id, "markets"))
    await until(lambda: bot.get_channel(brief_id) is not None
                and bot.get_guild(GUILD).system_channel is not None, "the channels")
    await schedule(bot, guild_id, brief_id)
    # Someone removes riskon's Attach Files in #markets after it was set up.
    await set_channel(standin, guild_id, text_channel(brief_id, "markets",
                                                      deny_bot_role=ATTACH_FILES))
    await until(
        lambda: not bot.get_channel(brief_id).permissions_for(
            bot.get_guild(guild_id).me).attach_files, "CHANNEL_UPDATE")
    poster = bot.get_cog("Brief").poster

    assert today(await poster.tick(LONDON_0800)) == [(guild_id, "disabled")]
    paused = await bot.settings.get(guild_id)
    assert paused.brief_enabled is False
    assert "riskon lacks Attach Files in #markets" in paused.disabled_reason
    (notice,) = standin.channel_messages[system_id]
    assert "paused the daily brief" in notice.content
    assert "Attach Files in #markets" in notice.content and "/config brief on" in notice.content
    # Paused: the next day neither the brief channel nor the system channel hears from riskon.
    await poster.tick(LONDON_0800 + timedelta(days=1))
    assert len(standin.channel_messages[system_id]) == 1
    assert len(posts(standin, brief_id)) == 1

    # /config brief on re-checks, and refuses while the permission is still missing.
    reply = await private_reply(await slash(standin, "config brief", {"state": "on"},
                                            guild_id=guild_id, channel_id=system_id))
    assert "Attach Files" in reply["content"] and "#markets" in reply["content"]
    assert (await bot.settings.get(guild_id)).brief_enabled is False

    await set_channel(standin, guild_id, text_channel(brief_id, "markets"))
    await until(
        lambda: bot.get_channel(brief_id).permissions_for(bot.get_guild(guild_id).me).attach_files,
        "CHANNEL_UPDATE")
    reply = await private_reply(await slash(standin, "config brief", {"state": "on"},
                                            guild_id=guild_id, channel_id=system_id))
    assert "Daily brief is on" in reply["content"]
    assert (await poster.tick(LONDON_0800 + timedelta(days=2))) == [(guild_id, "sent")]
