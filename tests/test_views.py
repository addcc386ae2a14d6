"""The buttons' state lives in custom_ids: round trips, Discord's 100-character limit, the pages."""

from __future__ import annotations

import re

from bot.adapter import views
from bot.adapter.views import AfterQuery, after_id, episode_page, page_count, query_from
from bot.answers.model import Insight, Table


def _decode(cls: type, custom_id: str) -> re.Match[str]:
    match = cls.__discord_ui_compiled_template__.fullmatch(custom_id)
    assert match is not None, custom_id
    return match


def test_a_question_round_trips_through_every_after_custom_id() -> None:
    query = AfterQuery("^RUT", "BTC-USD", horizon=730, min_gap=21, event="breakout")
    for cls, action in (
        (views.HorizonSelect, "h"),
        (views.SwapButton, "swap"),
        (views.AllEpisodesButton, "all"),
        (views.PageButton, "next"),
    ):
        custom_id = after_id(action, query, 3)
        assert len(custom_id) <= 100
        match = _decode(cls, custom_id)
        assert query_from(match) == query and int(match["page"]) == 3
    assert query.swapped() == AfterQuery("BTC-USD", "^RUT", 730, 21, "breakout")
    assert query.swappable and not AfterQuery("^RUT", "^RUT").swappable


def test_a_question_too_long_for_a_custom_id_is_remembered_until_a_restart() -> None:
    signal = "^RUT ath gap 63 and ^VIX above 30 and BTC-USD change 20 below -10 " * 2
    query = AfterQuery(signal.strip(), "BTC-USD")
    custom_id = after_id("swap", query)
    assert len(custom_id) <= 100
    match = _decode(views.SwapButton, custom_id)
    assert query_from(match) == query
    assert not query.swappable  # a signal of several clauses has no single asset to swap
    views._REMEMBERED.clear()  # what a restart forgets
    lost = query_from(match)
    assert lost.lost
    assert views.SwapButton.__discord_ui_compiled_template__.fullmatch(after_id("swap", lost))


def test_episode_pages_put_completed_episodes_first() -> None:
    rows = [[f"2020-01-{d:02d}", "1.00", "+1%"] for d in range(1, 24)]
    pending = [d % 5 == 0 for d in range(1, 24)]  # days 5, 10, 15, 20 still running
    insight = Insight(
        kind="after", title="T", verdict="v",
        table=Table(["Event", "close", "90d"], rows, pending),
    )
    assert page_count(insight) == 3
    first = episode_page(insight, 0)
    assert "Episodes 1-10 of 23 (completed first, the last 4 still running)" in first
    listed = [line.split()[0] for page in range(3)
              for line in episode_page(insight, page).split("```")[1].splitlines()[3:]]
    done = [r[0] for r, p in zip(rows, pending, strict=True) if not p]
    running = [r[0] for r, p in zip(rows, pending, strict=True) if p]
    assert listed == done + running
    assert "Episodes 21-23 of 23" in episode_page(insight, 2)


def test_horizons_keep_the_shorter_standard_ones() -> None:
    assert views.horizons_up_to(90) == (30, 90)
    assert views.horizons_up_to(730) == (30, 90, 180, 365, 730)


def test_swap_turns_a_one_clause_signal_onto_the_target() -> None:
    query = AfterQuery("^RUT high 252 gap 21", "BTC-USD", horizon=90)
    assert query.swappable
    swapped = query.swapped()
    assert swapped == AfterQuery("BTC-USD high 252 gap 21", "^RUT", horizon=90)
    assert swapped.swapped() == AfterQuery("^RUT high 252 gap 21", "BTC-USD", horizon=90)
    # None (left to the signal) survives the custom_id
    match = _decode(views.SwapButton, after_id("swap", swapped))
    assert query_from(match) == swapped
    assert not AfterQuery("^VIX close > 30", "BTC-USD").swappable  # not a record or breakout
    assert not AfterQuery("^RUT ath and ^VIX close > 30", "BTC-USD").swappable
