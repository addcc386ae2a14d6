"""/after on a signal and /signal, through the real bot and the Discord stand-in.

The stand-in market's VIX runs between 15 and 20 (tests/market_fixtures.py): above 30 never,
above 19 in a burst every 94 sessions, so both "never fired" and "fired" answers are seen.
"""

from __future__ import annotations

from tests.bot_harness import GENERAL, GUILD
from tests.test_bot_e2e import assert_chart_embed, public_answer, slash


async def test_signal_commands_answer_with_embed_and_png(standin, bot) -> None:
    assert "cogs.signal" not in bot.failed_extensions
    ix = await slash(standin, "after", {"trigger": "^VIX close > 30", "target": "BTC-USD"})
    embed = assert_chart_embed(await public_answer(ix))
    words = "CBOE Volatility Index first closed above 30 in at least 63 sessions"
    assert embed["title"].startswith(f"Bitcoin after {words}")
    assert embed["description"].startswith("No completed 1 year window yet")
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert "The signal never fired in the data" in fields["Caveats"]

    ix = await slash(standin, "signal", {"signal": "vix close > 19"}, channel_id=GENERAL)
    embed = assert_chart_embed(await public_answer(ix))
    words = "CBOE Volatility Index first closed above 19 in at least 63 sessions"
    assert embed["title"] == f"When {words}"
    assert " times since 2006-01-02 (about " in embed["description"]

    ix = await slash(
        standin, "after", {"trigger": "^VIX close > 19 gap 5", "target": "btc", "min_gap": 21}
    )
    await ix.wait_callback(5)
    followup = await ix.wait_followup(10)
    assert followup.ephemeral and followup.content.startswith("Two gaps:")


async def test_bad_signal_is_one_private_line_before_anything_is_fetched(standin, bot) -> None:
    for name, options, said in (
        ("signal", {"signal": "^VIX close >"}, "'close >' needs a number, got nothing"),
        ("after", {"trigger": "^VIX clsoe > 30", "target": "btc"}, "'clsoe' after ^VIX"),
    ):
        ix = await slash(standin, name, options, channel_id=GENERAL)
        callback = await ix.wait_callback(5)
        assert callback.type == 4 and callback.ephemeral, callback.data  # no public "thinking"
        content = callback.data["content"]
        assert said in content and "\n" not in content and "Traceback" not in content


async def test_trigger_autocomplete_offers_symbols_then_clause_completions(standin, bot) -> None:
    first = await standin.send_autocomplete(
        "after", {"trigger": "bit", "target": ""}, focused="trigger", guild_id=GUILD
    )
    values = [c["value"] for c in first]
    assert values[0] == "BTC-USD" and "BTC-USD rsi 14 < 30" in values and len(values) <= 25
    typed = await standin.send_autocomplete(
        "signal", {"signal": "^RUT ath and vix cl"}, focused="signal", guild_id=GUILD
    )
    assert [c["value"] for c in typed] == [
        "^RUT ath and ^VIX close > 30",
        "^RUT ath and ^VIX close > sma 200",
    ]
