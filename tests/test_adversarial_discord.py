"""Discord failing under a post or an answer, found by benchmarks/adversarial.py: a 5xx, even
one that came after Discord made the message, leaves exactly one brief (recorded as sent) and
one answer."""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, datetime

import pytest

from bot.adapter.poster import post_nonce
from bot.scheduling import brieflog
from tests.bot_harness import GENERAL, GUILD

LONDON_0800 = datetime(2024, 6, 11, 7, 0, tzinfo=UTC)  # a Tuesday, 08:00 in London
_users = itertools.count(88_000)


@pytest.mark.parametrize(
    ("status", "times", "made"),
    [(503, 1, False), (503, 1, True), (503, 2, True)],
    ids=["503", "503 after the message was made", "twice after"],
)
async def test_a_server_error_under_the_brief_leaves_exactly_one_post(
    standin, bot, status, times, made
) -> None:
    """discord.py gives up on a 503 at once (the brief was lost for the day), and its own
    nonce is new at each send: riskon's retries carry one nonce per post, which Discord (and
    the stand-in) answer with the message already made."""
    await bot.settings.update(GUILD, channel_id=GENERAL, post_time="08:00",
                              timezone="Europe/London", brief_enabled=True,
                              watchlist=("^RUT", "BTC-USD"))
    standin.server_error("POST", "/channels/{channel_id}/messages", status=status, times=times,
                         done=made)
    poster = bot.get_cog("Brief").poster
    assert (GUILD, "sent") in await poster.tick(LONDON_0800)
    assert len(standin.channel_messages[GENERAL]) == 1
    record = await brieflog.get(bot.store, GUILD, LONDON_0800.date())
    assert record is not None and record.status == "sent"
    # every attempt carried the same nonce, which is what lets Discord keep it one message
    nonces = {r.payload.get("nonce") for r in standin.requests_to(
        "POST", "/channels/{channel_id}/messages")}
    assert nonces == {post_nonce("brief", brieflog.key(GUILD, LONDON_0800.date()))}


def test_nonces_fit_discord_and_differ_per_post() -> None:
    a, b = post_nonce("brief", "1:2024-06-11"), post_nonce("alert", "1:2024-06-11")
    assert len(a) <= 25 and a != b and a == post_nonce("brief", "1:2024-06-11")


@pytest.mark.parametrize(
    ("command", "options", "status"),
    [
        ("quote", {"symbol": "btc"}, 500),  # an answer with buttons (bot.adapter.views)
        ("corr", {"a": "^RUT", "b": "btc"}, 503),  # a plain answer (bot.adapter.options)
        ("ask", {"question": "is btc at an ath?"}, 502),  # /ask's own reply
    ],
)
async def test_an_answer_discord_made_but_failed_to_confirm_shows_once(
    standin, bot, command, options, status
) -> None:
    """A followup that failed with a 5xx after Discord made it was sent again by discord.py:
    the question answered twice in public. The answer now takes the deferral's place (an
    edit, which made twice is still one message)."""
    standin.server_error("POST", "/webhooks/{app_id}/{token}", status=status, done=True)
    standin.server_error("PATCH", "/webhooks/{app_id}/{token}/messages/@original",
                         status=status, done=True)
    ix = await standin.send_slash(command, options, guild_id=GUILD, channel_id=GENERAL,
                                  user_id=next(_users))
    await ix.wait_callback(10)
    answer = await ix.wait_followup(20)
    assert answer.accepted and not answer.ephemeral and answer.embeds
    await asyncio.sleep(1.5)  # time for a second copy, were one coming
    shown = [m for m in standin.messages.values()
             if m.interaction_id == ix.id and not m.deleted and not m.thinking]
    assert len(shown) == 1, [m.id for m in shown]
