"""Buttons under answers, pressed through the Discord stand-in (component interactions, type 3).

/after: the horizon select, Swap and All episodes; /ath: "What happened after?"; /quote: the
chart range. For the asker (the message changes in place), another member (a private answer),
after a restart of the bot (the state is in the custom_id), and after the timeout (disabled,
no error).
"""

from __future__ import annotations

import asyncio
import itertools
import time
from typing import Any

import pytest

from tests.bot_harness import GENERAL, GUILD, riskon, write_config
from tests.discord_standin import DiscordStandin, MessageRecord
from tests.standin_press import buttons, press_button, selects

_users = itertools.count(12_000)
THREADS = "[compute]\nprocesses = 0\n"  # these tests are about buttons, not the worker pool
VOLATILE = ("timestamp", "image")


@pytest.fixture
def config_path(tmp_path, standin, prices):
    return write_config(
        tmp_path / "riskon.toml", standin, store=tmp_path / "riskon.sqlite3", prices=prices,
        extra=THREADS,
    )


def same_embed(a: dict, b: dict) -> bool:
    return {k: v for k, v in a.items() if k not in VOLATILE} == {
        k: v for k, v in b.items() if k not in VOLATILE
    }


async def ask(standin: DiscordStandin, name: str, options: dict[str, Any], user: int):
    """A public answer's message (after the deferral)."""
    ix = await standin.send_slash(name, options, guild_id=GUILD, channel_id=GENERAL, user_id=user)
    callback = await ix.wait_callback(20)
    assert callback.type == 5 and not callback.ephemeral
    followup = await ix.wait_followup(20)
    assert not followup.ephemeral
    return followup.message


def current(standin: DiscordStandin, message: MessageRecord) -> MessageRecord:
    return standin.messages[message.id]


def horizon_select(message: MessageRecord) -> tuple[str, dict[str, Any]]:
    ((custom_id, select),) = selects(message).items()
    return custom_id, select


def figure_names(message: MessageRecord) -> list[str]:
    return [f["name"] for f in message.embeds[0]["fields"]]


def table_lines(content: str) -> list[str]:
    """The code block's lines: header, rule, rows."""
    return [line for line in content.split("```")[1].splitlines() if line.strip()]


async def until(predicate, what: str, timeout: float = 20.0) -> None:  # noqa: ASYNC109
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


async def test_after_buttons_change_the_askers_message_in_place(standin, bot) -> None:
    asker = next(_users)
    message = await ask(standin, "after", {"trigger": "^RUT", "target": "BTC-USD"}, asker)
    custom_id, select = horizon_select(message)
    assert [o["value"] for o in select["options"]] == ["30", "90", "180", "365", "730"]
    assert [o["value"] for o in select["options"] if o.get("default")] == ["365"]
    assert set(buttons(message)) == {"Swap", "All episodes", "Alert me when this happens"}

    press = await press_button(standin, message, custom_id, user_id=asker, values=["90"])
    assert (await press.wait_callback(10)).type == 6  # a deferred update: no new message
    await until(lambda: current(standin, message).data.get("edited_timestamp"), "the edit")
    changed = current(standin, message)
    names = figure_names(changed)
    assert any(n.startswith("90 days after") for n in names)
    assert not any(n.startswith("1 year after") for n in names)
    assert changed.embeds[0]["title"] == message.embeds[0]["title"]  # same question otherwise
    _, select = horizon_select(changed)
    assert [o["value"] for o in select["options"] if o.get("default")] == ["90"]
    direct = await ask(
        standin, "after", {"trigger": "^RUT", "target": "BTC-USD", "horizon": 90}, next(_users)
    )
    assert same_embed(changed.embeds[0], direct.embeds[0])
    assert changed.files[-1].data == direct.files[0].data  # the same chart, redrawn

    press = await press_button(standin, changed, buttons(changed)["Swap"], user_id=asker)
    await press.wait_callback(10)
    await until(lambda: len(current(standin, message).history) == 3, "the second edit")
    swapped = current(standin, message)
    assert swapped.embeds[0]["title"] == (
        "Russell 2000 after fresh all-time highs of Bitcoin"
    )
    assert any(n.startswith("90 days after") for n in figure_names(swapped))  # kept
    assert standin.visibility_mismatches == []


async def test_another_member_gets_the_change_privately(standin, bot) -> None:
    asker, other = next(_users), next(_users)
    message = await ask(standin, "after", {"trigger": "^RUT", "target": "BTC-USD"}, asker)
    press = await press_button(standin, message, buttons(message)["Swap"], user_id=other)
    callback = await press.wait_callback(10)
    assert callback.type == 5 and callback.ephemeral
    answer = await press.wait_followup(20)
    assert answer.ephemeral
    assert answer.embeds[0]["title"] == "Russell 2000 after fresh all-time highs of Bitcoin"
    assert current(standin, message).data.get("edited_timestamp") is None  # untouched
    # their private copy has its own buttons, and those change it in place for them
    mine = answer.message
    press = await press_button(standin, mine, buttons(mine)["Swap"], user_id=other)
    assert (await press.wait_callback(10)).type == 6
    await until(lambda: current(standin, mine).data.get("edited_timestamp"), "their edit")
    assert current(standin, mine).embeds[0]["title"] == message.embeds[0]["title"]


async def test_all_episodes_pages_privately_completed_first(standin, bot) -> None:
    asker = next(_users)
    question = {"trigger": "BTC-USD", "target": "^RUT", "min_gap": 5}
    message = await ask(standin, "after", question, asker)
    other = next(_users)
    press = await press_button(standin, message, buttons(message)["All episodes"], user_id=other)
    callback = await press.wait_callback(10)
    assert callback.ephemeral
    page = (await press.wait_followup(20)).message
    assert page.ephemeral
    insight = await bot.insights.after("BTC-USD", "^RUT", min_gap=5)
    events = insight.data["events"]
    done = [e["date"] for e in events if not e["pending"]]
    running = [e["date"] for e in events if e["pending"]]
    order = done + running
    assert len(order) > 10, "the fixture must need two pages"
    text = page.content
    assert f"Episodes 1-10 of {len(order)} (completed first" in text
    header, _, *rows = table_lines(text)
    assert "close" in header and "entry" in header  # every column, unlike the embed
    assert [r.split()[0] for r in rows] == order[:10]
    nav = buttons(page)
    prev = next(c for row in page.data["components"] for c in row["components"]
                if c["custom_id"] == nav["Previous"])
    assert prev.get("disabled") is True
    press = await press_button(standin, page, nav["Next"], user_id=other)
    assert (await press.wait_callback(10)).type == 6
    await until(lambda: "Episodes 11-" in current(standin, page).content, "page 2")
    second = current(standin, page)
    assert second.ephemeral
    _, _, *rows = table_lines(second.content)
    assert [r.split()[0] for r in rows] == order[10:20]


async def test_buttons_still_work_after_a_restart(standin, config_path) -> None:
    asker = next(_users)
    async with riskon(standin, config_path):
        message = await ask(standin, "after", {"trigger": "^RUT", "target": "BTC-USD"}, asker)
        quote = await ask(standin, "quote", {"symbol": "btc"}, asker)
    async with riskon(standin, config_path):
        press = await press_button(standin, message, buttons(message)["Swap"], user_id=asker)
        assert (await press.wait_callback(10)).type == 6
        await until(lambda: current(standin, message).data.get("edited_timestamp"), "the edit")
        assert current(standin, message).embeds[0]["title"] == (
            "Russell 2000 after fresh all-time highs of Bitcoin"
        )
        press = await press_button(standin, quote, buttons(quote)["5Y"], user_id=asker)
        await press.wait_callback(10)
        await until(lambda: current(standin, quote).data.get("edited_timestamp"), "the redraw")
        redrawn = current(standin, quote)
        assert redrawn.embeds[0]["fields"] == quote.embeds[0]["fields"]  # same numbers
        assert redrawn.embeds[0]["image"]["url"].endswith("quote-BTC-USD-5y.png")
        assert redrawn.files[-1].data != quote.files[0].data


async def test_ath_what_happened_after_runs_after_with_the_default_target(standin, bot) -> None:
    asker = next(_users)
    message = await ask(standin, "ath", {"symbol": "^RUT"}, asker)
    press = await press_button(
        standin, message, buttons(message)["What happened after?"], user_id=asker
    )
    callback = await press.wait_callback(10)
    assert callback.type == 5 and not callback.ephemeral
    answer = await press.wait_followup(20)
    assert answer.embeds[0]["title"] == "Bitcoin after fresh all-time highs of Russell 2000"
    assert "Swap" in buttons(answer.message)  # a full /after answer, buttons included


async def test_buttons_time_out_disabled_without_error(standin, tmp_path, prices, caplog) -> None:
    path = write_config(
        tmp_path / "quick.toml", standin, store=tmp_path / "quick.sqlite3", prices=prices,
        extra=THREADS,
    )
    text = path.read_text().replace("cooldown_seconds = 60", "cooldown_seconds = 60\n"
                                    "buttons_minutes = 0.02")
    path.write_text(text)
    asker = next(_users)
    async with riskon(standin, path):
        message = await ask(standin, "after", {"trigger": "^RUT", "target": "BTC-USD"}, asker)
        assert not any(c.get("disabled") for row in message.data["components"]
                       for c in row["components"])

        def disabled() -> bool:
            comps = [c for row in current(standin, message).data["components"]
                     for c in row["components"]]
            return bool(comps) and all(c.get("disabled") for c in comps)

        await until(disabled, "the buttons to be disabled", timeout=10)
        with pytest.raises(ValueError, match="disabled"):
            await press_button(standin, current(standin, message),
                               buttons(message)["Swap"], user_id=asker)
        # A message posted just before a restart: no task is left to disable it, so the first
        # press after the timeout disables it there and then, with one private line.
        late = await ask(standin, "quote", {"symbol": "btc"}, asker)
    async with riskon(standin, path):
        await asyncio.sleep(1.3)
        press = await press_button(standin, late, buttons(late)["Max"], user_id=asker)
        callback = await press.wait_callback(10)
        assert callback.type == 7  # the message is updated: its buttons disabled
        assert all(c.get("disabled") for row in current(standin, late).data["components"]
                   for c in row["components"])
        line = await press.wait_followup(10)
        assert line.ephemeral and line.content.startswith("These buttons have expired.")
    assert not [r for r in caplog.records if r.levelname in ("ERROR", "CRITICAL")]
