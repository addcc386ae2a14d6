"""The glossary: every term the issue names is explained, found by alias, and the same text
reaches the terminal and Discord."""

from __future__ import annotations

import pytest

from bot import glossary
from bot.cli import main
from tests.bot_harness import GENERAL, GUILD

NAMED = ("base rate", "random days as good", "hit rate", "fresh", "gap", "max drawdown", "pp",
         "Fed net liquidity")


@pytest.mark.parametrize("word", NAMED)
def test_each_named_term_has_an_entry(word) -> None:
    term = glossary.lookup(word)
    assert term is not None and len(term.text) > 60


def test_aliases_and_spelling_variants_find_the_term() -> None:
    assert glossary.lookup("MIN_GAP").name == "gap"
    assert glossary.lookup("percentage points").name == "pp"
    assert glossary.lookup("drawdown").name == "max drawdown"
    assert glossary.lookup("nonsense") is None


def test_the_verdict_thresholds_in_the_text_are_the_ones_the_rule_uses() -> None:
    from bot.analytics.caveats import ORDINARY_P

    text = glossary.lookup("random days as good").text
    assert f"At or below {ORDINARY_P[0] * 100:.0f}%" in text
    assert f"At or above {ORDINARY_P[1] * 100:.0f}%" in text


def test_suggest_puts_prefix_matches_first_and_caps_at_25() -> None:
    assert glossary.suggest("ba")[0] == "base rate"
    assert len(glossary.suggest("")) == min(25, len(glossary.TERMS))
    assert "max drawdown" in glossary.suggest("draw")


def test_terminal_prints_the_same_text(capsys) -> None:
    assert main(["help", "base", "rate"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("base rate\n")
    assert " ".join(out.split()[2:]) == " ".join(glossary.lookup("base rate").text.split())
    assert main(["help", "nonsense"]) == 2
    assert "No glossary entry for 'nonsense'" in capsys.readouterr().err


async def test_discord_help_topic_is_private_with_the_same_text(standin, bot) -> None:
    ix = await standin.send_slash("help", {"topic": "fresh"}, guild_id=GUILD, channel_id=GENERAL,
                                  user_id=7_100)
    callback = await ix.wait_callback(5)
    assert callback.type == 4 and callback.ephemeral
    (embed,) = callback.data["embeds"]
    assert embed["title"] == "fresh" and embed["description"] == glossary.lookup("fresh").text


async def test_discord_unknown_topic_is_one_private_line(standin, bot) -> None:
    ix = await standin.send_slash(
        "help", {"topic": "zzz"}, guild_id=GUILD, channel_id=GENERAL, user_id=7_101
    )
    callback = await ix.wait_callback(5)
    assert callback.ephemeral and callback.data["content"].startswith("No glossary entry")


async def test_discord_topic_autocomplete(standin, bot) -> None:
    choices = await standin.send_autocomplete("help", {"topic": "liq"}, focused="topic",
                                              guild_id=GUILD, channel_id=GENERAL, user_id=7_102)
    assert [c["value"] for c in choices] == ["Fed net liquidity"]
