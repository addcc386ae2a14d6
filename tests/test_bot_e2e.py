"""The real bot, end to end, against the local Discord stand-in: what a server member sees."""

from __future__ import annotations

import asyncio
import itertools
from datetime import timedelta

import pandas as pd
import pytest

from tests.bot_harness import (
    ADMIN_PERMS,
    GENERAL,
    GUILD,
    MEMBER_PERMS,
    NO_FILES,
    TOKEN,
    LoopLag,
    ManualClock,
    private_reply,
    riskon,
    write_config,
)
from tests.discord_standin import DiscordStandin
from tests.fake_yahoo import FakeYahoo, reset_yfinance

PNG = b"\x89PNG\r\n\x1a\n"


_users = itertools.count(5_000)


async def slash(standin: DiscordStandin, name: str, options=None, **kw):
    """A slash command in the test guild, by a fresh user unless one is given.

    (Cooldowns live on the command objects, which outlive one bot instance in a test process.)
    """
    kw.setdefault("user_id", next(_users))
    kw.setdefault("guild_id", GUILD)
    kw.setdefault("channel_id", GENERAL)
    return await standin.send_slash(name, options, **kw)


async def public_answer(ix, wait: float = 20.0):
    callback = await ix.wait_callback(wait)
    assert callback.type == 5, "commands that compute must defer first"
    followup = await ix.wait_followup(wait)
    assert followup.status == 200 and not followup.ephemeral
    return followup


def assert_chart_embed(followup) -> dict:
    (embed,) = followup.embeds
    (png,) = followup.files
    assert png.data.startswith(PNG) and len(png.data) > 10_000
    assert embed["image"]["url"] == f"attachment://{png.filename}"
    assert "Source:" in embed["footer"]["text"] and "data to" in embed["footer"]["text"]
    names = [f["name"] for f in embed["fields"]]
    assert "Caveats" in names
    return embed


async def test_startup_syncs_to_dev_guild_with_minimal_intents(standin, bot) -> None:
    names = {c["name"] for c in standin.guild_commands[GUILD]}
    assert {"ath", "after", "corr", "quote", "help", "config", "brief"} <= names
    assert standin.global_commands == []  # global sync is an explicit act
    intents = standin.identifies[-1]["intents"]
    assert intents & (1 << 15) == 0 and intents & (1 << 1) == 0  # no message content, no members
    assert bot.failed_extensions == {}


@pytest.mark.parametrize(
    ("name", "options", "title"),
    [
        ("ath", {"symbol": "russell"}, "Is Russell 2000 at an all-time high?"),
        ("after", {"trigger": "^RUT", "target": "btc"}, "Bitcoin after fresh all-time highs"),
        (
            "after",
            {
                "trigger": "^RUT",
                "target": "btc",
                "horizon": 730,
                "min_gap": 20,
                "event": "breakout",
            },
            "Bitcoin after 52-week breakouts",
        ),
        ("corr", {"a": "^RUT", "b": "BTC-USD", "window": 60}, "Russell 2000 vs Bitcoin"),
        ("quote", {"symbol": "^GSPC"}, "S&P 500 (^GSPC)"),
        ("brief", {}, "Market brief"),
    ],
)
async def test_each_command_defers_then_posts_embed_with_png(
    standin, bot, name, options, title
) -> None:
    ix = await slash(standin, name, options, channel_id=GENERAL)
    followup = await public_answer(ix)
    embed = assert_chart_embed(followup)
    assert embed["title"].startswith(title)
    assert followup.request.json.get("allowed_mentions") == {"parse": []}


async def test_after_embed_shows_stats_and_episodes(standin, bot) -> None:
    ix = await slash(standin, "after", {"trigger": "rut", "target": "btc"}, channel_id=GENERAL)
    embed = assert_chart_embed(await public_answer(ix))
    assert embed["description"].startswith("Bitcoin after fresh all-time highs of Russell 2000: ")
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert any(k.startswith("1 year after: ") for k in fields)
    assert "```" in fields["Every episode"]
    assert "not cause" in fields["Caveats"] and "Not investment advice" in fields["Caveats"]


async def test_help_is_private_and_immediate(standin, bot) -> None:
    ix = await slash(standin, "help", channel_id=GENERAL)
    callback = await ix.wait_callback(5)
    assert callback.type == 4 and callback.ephemeral
    assert "not investment advice" in str(callback.data).lower()


async def test_symbol_autocomplete(standin, bot) -> None:
    choices = await standin.send_autocomplete(
        "ath", {"symbol": "bit"}, focused="symbol", guild_id=GUILD
    )
    assert choices[0]["value"] == "BTC-USD" and len(choices) <= 25
    typed = await standin.send_autocomplete(
        "ath", {"symbol": "aapl"}, focused="symbol", guild_id=GUILD
    )
    assert typed[0]["value"] == "AAPL"
    zones = await standin.send_autocomplete(
        "config timezone",
        {"zone": "europe/lon"},
        guild_id=GUILD,
        focused="zone",
        permissions=ADMIN_PERMS,
    )
    assert "Europe/London" in [c["value"] for c in zones]


async def test_misspelled_symbol_is_a_private_one_liner_without_deferring(standin, bot) -> None:
    ix = await slash(standin, "ath", {"symbol": "rusell"}, channel_id=GENERAL)
    callback = await ix.wait_callback(5)
    assert callback.type == 4 and callback.ephemeral
    assert "Did you mean Russell 2000 (^RUT)?" in callback.data["content"]


async def test_unknown_ticker_after_deferral_is_answered_privately(standin, bot) -> None:
    ix = await slash(standin, "ath", {"symbol": "ZZZZ"}, channel_id=GENERAL)
    await ix.wait_callback(5)
    followup = await ix.wait_followup(10)
    assert followup.ephemeral and "ZZZZ" in followup.content
    assert ix.original.deleted  # the public "thinking…" message was removed first


async def test_cooldown_is_per_user_and_private(standin, bot) -> None:
    for _ in range(3):
        ix = await slash(standin, "quote", {"symbol": "btc"}, channel_id=GENERAL, user_id=7_007)
        await public_answer(ix)
    ix = await slash(standin, "quote", {"symbol": "btc"}, channel_id=GENERAL, user_id=7_007)
    callback = await ix.wait_callback(5)
    assert callback.type == 4 and callback.ephemeral and "ask again" in callback.data["content"]
    other = await slash(standin, "quote", {"symbol": "btc"}, channel_id=GENERAL, user_id=8_008)
    await public_answer(other)


async def test_config_is_refused_to_non_admins_by_the_code(standin, bot) -> None:
    ix = await slash(
        standin, "config time", {"time": "09:30"}, channel_id=GENERAL, permissions=MEMBER_PERMS
    )
    callback = await ix.wait_callback(5)
    assert callback.ephemeral and "Manage Server" in callback.data["content"]
    assert (await bot.settings.get(GUILD)).post_time == "08:00"


async def test_channel_without_attach_permission_is_named(standin, bot) -> None:
    ix = await slash(
        standin,
        "config channel",
        {"channel": NO_FILES},
        channel_id=GENERAL,
        permissions=ADMIN_PERMS,
    )
    callback = await ix.wait_callback(5)
    assert callback.ephemeral and "Attach Files" in callback.data["content"]
    assert (await bot.settings.get(GUILD)).channel_id is None


async def test_admin_settings_survive_a_restart(standin, config_path) -> None:
    async with riskon(standin, config_path) as first:
        for name, options in [
            ("config channel", {"channel": GENERAL}),
            ("config time", {"time": "7:45"}),
            ("config timezone", {"zone": "europe/london"}),
            ("config watchlist remove", {"symbol": "^IXIC"}),
            ("config brief", {"state": "on"}),
        ]:
            ix = await slash(standin, name, options, channel_id=GENERAL, permissions=ADMIN_PERMS)
            await private_reply(ix)
        assert first.is_ready()
    async with riskon(standin, config_path):
        ix = await slash(standin, "config show", channel_id=GENERAL, permissions=ADMIN_PERMS)
        fields = {f["name"]: f["value"] for f in (await private_reply(ix))["embeds"][0]["fields"]}
        assert fields["Time"] == "07:45 Europe/London"
        assert fields["Channel"] == f"<#{GENERAL}>" and fields["Brief"] == "on"
        assert "^GSPC" in fields["Watchlist"] and "^IXIC" not in fields["Watchlist"]


async def test_token_never_reaches_logs(standin, config_path, caplog) -> None:
    caplog.set_level("DEBUG")
    async with riskon(standin, config_path):
        ix = await slash(standin, "quote", {"symbol": "btc"}, channel_id=GENERAL)
        await public_answer(ix)
    assert TOKEN not in caplog.text


@pytest.mark.pool
async def test_twenty_concurrent_commands_never_stall_the_loop(standin, bot) -> None:
    async with LoopLag() as lag:
        sent = []
        for i in range(20):
            options = {"trigger": "rut", "target": "btc"} if i % 2 else {"symbol": "^GSPC"}
            sent.append(await slash(standin, "after" if i % 2 else "ath", options))
            # The stand-in shares this loop; let the bot run between injections as it would
            # between gateway frames, so the stall measured is the bot's, not the stand-in's.
            await asyncio.sleep(0)
        followups = await asyncio.gather(*(public_answer(ix, 60) for ix in sent))
    assert len(followups) == 20 and all(f.files[0].data.startswith(PNG) for f in followups)
    # The 100 ms target is held by benchmarks/bench_bot.py on a quiet machine; here, with the
    # suite sharing two cores, the bound only has to catch work done on the loop itself (one
    # synchronous fetch or 20 renders queued on the loop stall it for seconds).
    assert lag.worst < 0.250, f"event loop stalled {lag.worst * 1000:.0f} ms"
    print(f"worst loop stall with 20 concurrent commands: {lag.worst * 1000:.1f} ms")


# ---- provider outage, through a fake Yahoo at the network boundary ---------------------------


@pytest.fixture
async def yahoo_bot(standin, tmp_path, prices):
    config = write_config(
        tmp_path / "y.toml", standin, store=tmp_path / "y.sqlite3", prices=prices, extra=""
    )
    text = config.read_text().replace('provider = "csv"', 'provider = "yahoo"')
    text = text.replace("[data]", f"[data]\nyahoo_retries = 1\ndir = '{tmp_path / 'data'}'")
    config.write_text(text)
    reset_yfinance(tmp_path / "yf")
    frames = {"^RUT": pd.read_csv(prices / "^RUT.csv", index_col="Date", parse_dates=True)}
    fake = FakeYahoo(frames)
    clock = ManualClock()
    async with riskon(standin, config, clock=clock, yahoo_session=fake.session()) as running:
        yield running, fake, clock


async def test_outage_serves_stale_cache_with_its_date(standin, yahoo_bot) -> None:
    _, fake, clock = yahoo_bot
    first = await public_answer(await slash(standin, "ath", {"symbol": "rut"}, channel_id=GENERAL))
    assert "STALE" not in first.embeds[0]["footer"]["text"]
    fake.set_outage(True)
    # A day on the bot's clock: the cached copy is past its age, the next ask tries Yahoo again.
    clock.advance(timedelta(days=1))
    stale = await public_answer(
        await slash(standin, "ath", {"symbol": "rut"}, channel_id=GENERAL, user_id=99)
    )
    embed = stale.embeds[0]
    assert "STALE" in embed["footer"]["text"]
    caveats = next(f["value"] for f in embed["fields"] if f["name"] == "Caveats")
    assert "Yahoo" in caveats
    assert len(fake.history_calls("^RUT")) >= 2  # it did ask again, and Yahoo failed


async def test_outage_without_cache_names_the_source(standin, yahoo_bot) -> None:
    _, fake, _ = yahoo_bot
    fake.set_outage(True)
    ix = await slash(standin, "ath", {"symbol": "rut"}, channel_id=GENERAL)
    await ix.wait_callback(5)
    followup = await ix.wait_followup(20)
    assert followup.ephemeral
    assert "Yahoo Finance is not answering for ^RUT" in followup.content


# ---- our own failures --------------------------------------------------------------------------


async def test_our_bug_is_logged_with_an_id_and_answered_with_an_apology(standin, bot,
                                                                         caplog) -> None:
    async def broken(*args, **kwargs):
        raise ZeroDivisionError("a bug in riskon")

    bot.services.insights.after = broken  # stands in for a defect deep in the service
    caplog.set_level("ERROR", logger="bot.adapter.tree")
    ix = await slash(standin, "after", {"trigger": "rut", "target": "btc"})
    await ix.wait_callback(5)
    followup = await ix.wait_followup(10)
    assert followup.ephemeral and "something went wrong on riskon's side" in followup.content
    assert "ZeroDivisionError" not in followup.content and "Traceback" not in followup.content
    error_id = followup.content.split("error id ")[1][:8]
    record = next(r for r in caplog.records if error_id in r.getMessage())
    assert record.exc_info and record.exc_info[0] is ZeroDivisionError


async def test_a_cog_that_fails_to_load_refuses_start(standin, config_path, monkeypatch) -> None:
    """A bot without one of its subsystems must not run on silently: one line, no start."""
    import bot.adapter.app

    app = bot.adapter.app
    monkeypatch.setattr(app, "EXTENSIONS", (*app.EXTENSIONS, "cogs.no_such_cog"))
    with pytest.raises(app.StartupError, match=r"cogs\.no_such_cog failed to load") as failure:
        async with riskon(standin, config_path):
            pass
    assert "\n" not in str(failure.value)
