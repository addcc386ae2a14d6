"""/ask through the Discord stand-in: the resolved command's embed and PNG, the read-as line,
reading buttons when unsure, and private one-liners for questions riskon cannot answer."""

from __future__ import annotations

from tests.bot_harness import GENERAL
from tests.standin_press import buttons, press_button
from tests.test_bot_e2e import _users, assert_chart_embed, public_answer, slash

VOLATILE = ("timestamp", "image")


def same_embed(a: dict, b: dict) -> bool:
    return {k: v for k, v in a.items() if k not in VOLATILE} == {
        k: v for k, v in b.items() if k not in VOLATILE
    }


async def test_ask_answers_with_the_resolved_commands_embed_and_png(standin, bot) -> None:
    assert "ask" in {c["name"] for c in standin.guild_commands[next(iter(standin.guilds))]}
    ix = await slash(standin, "ask", {"question": "what did btc do after small caps hit a record?"})
    asked = await public_answer(ix)
    embed = assert_chart_embed(asked)
    assert asked.content == "Read as: `/after trigger:^RUT ath target:BTC-USD`"
    assert asked.message.data["components"] == []
    direct = await public_answer(
        await slash(standin, "after", {"trigger": "^RUT", "target": "BTC-USD"})
    )
    assert same_embed(embed, direct.embeds[0])
    assert asked.files[0].data == direct.files[0].data  # the same chart, byte for byte


async def test_unsure_question_offers_readings_and_a_press_answers_one(standin, bot) -> None:
    user = next(_users)
    ix = await slash(standin, "ask", {"question": "btc"}, user_id=user, channel_id=GENERAL)
    first = await public_answer(ix)
    assert first.content.startswith("Read as: `/quote symbol:BTC-USD`")
    assert first.embeds[0]["title"].startswith("Bitcoin (BTC-USD)")
    offered = buttons(first.message)
    assert "/ath symbol:BTC-USD" in offered and 1 <= len(offered) <= 3
    press = await press_button(
        standin, first.message, offered["/ath symbol:BTC-USD"], user_id=user
    )
    answered = await public_answer(press)
    assert answered.content == "Read as: `/ath symbol:BTC-USD`"
    embed = assert_chart_embed(answered)
    assert embed["title"].startswith("Is Bitcoin at an all-time high?")


async def test_questions_riskon_cannot_answer_get_one_private_line(standin, bot) -> None:
    for question, said in (
        ("should I buy bitcoin now?", "never says what to buy or sell"),
        ("what were the etf flows yesterday", "not ETF or fund flows"),
        ("what is the meaning of life", "Try: 'is the russell at an all time high?'"),
    ):
        ix = await slash(standin, "ask", {"question": question})
        callback = await ix.wait_callback(5)
        assert callback.type == 4 and callback.ephemeral
        text = callback.data["content"]
        assert said in text and "\n" not in text


async def test_an_unknown_asset_is_a_private_line_never_another_assets_answer(
    standin, bot
) -> None:
    for question, said in (
        ("is zzzz at an ath?", "I don't know an asset called 'zzzz'"),
        ("does eth move with the rusl", "Did you mean Russell 2000 (^RUT)?"),
    ):
        ix = await slash(standin, "ask", {"question": question})
        callback = await ix.wait_callback(5)
        assert callback.type == 4 and callback.ephemeral  # at once, nothing public
        text = callback.data["content"]
        assert said in text and "\n" not in text and "Read as" not in text
