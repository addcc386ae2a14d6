"""Classes of bad input found by benchmarks/adversarial.py, a few representatives each: every one
is answered with one plain private line, never the apology for a bug."""

from __future__ import annotations

import itertools

import pytest

from bot.adapter.views import AfterQuery
from bot.errors import BadInput
from tests.bot_harness import GENERAL, GUILD, MEMBER_PERMS
from tests.standin_press import buttons, press_button

_users = itertools.count(77_000)


@pytest.mark.parametrize(
    ("options", "said"),
    [
        ({"horizon": -30}, "A horizon must be a whole number of days from 1 to 3650, not -30."),
        ({"horizon": 10**12}, "A horizon must be a whole number of days from 1 to 3650"),
        ({"min_gap": -1}, "min_gap must be a whole number of sessions from 1 to 2520, not -1."),
        ({"min_gap": 10**12}, "min_gap must be a whole number of sessions from 1 to 2520"),
    ],
)
def test_an_after_question_out_of_range_is_refused_before_its_buttons_are_made(options, said):
    with pytest.raises(BadInput, match=said.replace("(", r"\(").replace(")", r"\)")):
        AfterQuery("^RUT", "BTC-USD", **options)


async def test_after_options_the_buttons_cannot_hold_get_a_private_line(standin, bot) -> None:
    """Discord's client keeps /after's options in range, but any client can send the raw
    interaction: a number the buttons' custom_id cannot hold used to be a ValueError."""
    for options in ({"horizon": -30}, {"horizon": 10**12}, {"min_gap": -1},
                    {"min_gap": 10**12}):
        ix = await standin.send_slash(
            "after", {"trigger": "^RUT", "target": "btc", **options}, guild_id=GUILD,
            channel_id=GENERAL, user_id=next(_users), permissions=MEMBER_PERMS,
        )
        callback = await ix.wait_callback(10)
        assert callback.type == 4 and callback.ephemeral, options  # refused before deferring
        text = callback.data["content"]
        assert "must be a whole number" in text and "went wrong" not in text, (options, text)


async def test_a_reading_button_whose_answer_fails_says_why_privately(standin, bot) -> None:
    """/ask's other readings failed outside a command: building the command error for
    explain() raised in on_error, and the press stayed "thinking…" for good."""
    asker = next(_users)
    ix = await standin.send_slash("ask", {"question": "corr btc btc"}, guild_id=GUILD,
                                  channel_id=GENERAL, user_id=asker, permissions=MEMBER_PERMS)
    await ix.wait_callback(10)
    message = (await ix.wait_followup(30)).message
    # The test market has no ^IXIC prices: that reading can only fail, with a reason.
    (custom_id,) = [cid for label, cid in buttons(message).items() if "^IXIC" in label]
    press = await press_button(standin, message, custom_id, user_id=asker)
    reply = await press.wait_followup(10)
    assert reply.ephemeral and reply.content is not None
    assert reply.content.startswith("There is no price file for ^IXIC in CSV files")
