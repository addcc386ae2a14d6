"""Buttons under answers: /after's horizon, Swap and All episodes; /ath's "What happened
after?"; /quote's chart range.

Every button is a `discord.ui.DynamicItem` whose `custom_id` carries the whole question
("riskon:after:h:365:63:ath:0:BTC-USD:^RUT"), so a press is answered from the id alone: after a
restart the buttons still work, and nothing is kept per message. A press recomputes through the
same service method as the command (answers are cached for a few minutes, so paging is cheap)
and keeps every choice of the original question except the one pressed.

Who may press: anyone who sees the message. The person who asked gets the message updated in
place; anyone else gets the changed answer privately, so one member's press never rewrites
the answer another asked for. "All episodes" is always private.

Timeouts: `[discord] buttons_minutes` after a message is posted its buttons are disabled (a
task in this process edits the message). After a restart no task remains, so a press on a
message older than that is answered by disabling the buttons there and then, with one private
line; either way a stale button never errors.

Other answers' buttons join /after's view through `register_after_extra` (e.g. "Alert me
when this happens"): a factory that builds one item from the question.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
import weakref
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import discord
from discord import ui
from discord.ui.select import BaseSelect

from bot.adapter.embeds import insight_embed
from bot.adapter.options import show_answer
from bot.adapter.tree import explain
from bot.analytics.signals import Clause, Signal
from bot.answers.model import Insight, Table
from bot.defaults import DEFAULT_TARGET
from bot.errors import UserError
from bot.insights import HORIZON_RANGE, MIN_GAP_RANGE, after_signal, check_range
from bot.market.symbols import resolve
from bot.report import render_table

log = logging.getLogger(__name__)

#: The horizon select's choices (calendar days).
HORIZONS = (30, 90, 180, 365, 730)
#: The standard horizons shown beside the chosen one (bot.insights.DEFAULT_HORIZONS).
STANDARD_HORIZONS = (30, 90, 180, 365)
PAGE_ROWS = 10
DEFAULT_TIMEOUT_MINUTES = 10.0
CUSTOM_ID_LIMIT = 100  # Discord's limit
CACHE_SECONDS = 300.0
CACHE_SIZE = 64
#: The target "What happened after?" follows when the server chose none.
QUOTE_RANGES = (("1m", "1M"), ("1y", "1Y"), ("5y", "5Y"), ("max", "Max"))


def horizons_up_to(longest: int) -> tuple[int, ...]:
    """The chosen horizon headlines; the shorter standard ones come along for context."""
    return tuple(sorted({h for h in STANDARD_HORIZONS if h < longest} | {longest}))


def horizon_label(days: int) -> str:
    return {365: "1 year", 730: "2 years", 1095: "3 years"}.get(days, f"{days} days")


# ---- the question a message answers --------------------------------------------------------


@dataclass(frozen=True)
class AfterQuery:
    """One /after question: everything a press needs to answer it again, changed or not.

    `trigger` is a bare symbol or a signal text ('^VIX close > 30'); `min_gap` and `event` are
    None when the command left them to the signal (a signal says its own condition and gap).
    """

    trigger: str
    target: str
    horizon: int = 365
    min_gap: int | None = None
    event: str | None = None

    def __post_init__(self) -> None:
        # The buttons write these numbers into their custom_ids, and discord.py refuses an id
        # its template cannot read back (-1, 13 digits) with a ValueError: an apology for the
        # asker's typo. Say what to fix instead, in the service's words.
        check_range("A horizon", self.horizon, HORIZON_RANGE, "days")
        if self.min_gap is not None:
            check_range("min_gap", self.min_gap, MIN_GAP_RANGE, "sessions")

    @property
    def horizons(self) -> tuple[int, ...]:
        return horizons_up_to(self.horizon)

    @property
    def lost(self) -> bool:
        """A remembered question (too long for a custom_id) this process no longer has."""
        return self.target == ""

    def _signal(self) -> Signal:
        return after_signal(self.trigger, min_gap=self.min_gap, event=self.event)

    @property
    def swappable(self) -> bool:
        """Swap needs a one-clause ath or breakout signal (a bare symbol is its fresh ATHs)."""
        if self.lost:
            return False
        try:
            signal = self._signal()
            target = resolve(self.target).symbol
        except UserError:
            return False
        (first, *more) = signal.clauses
        return not more and first.condition.kind in ("ath", "high") and first.symbol != target

    def swapped(self) -> AfterQuery:
        """The target's own events of the same kind, the trigger's symbol as the target."""
        signal = self._signal()
        clause = signal.clauses[0]
        target = resolve(self.target).symbol
        try:
            resolve(self.trigger)  # a bare symbol: min_gap and event say the condition
            return replace(self, trigger=target, target=clause.symbol)
        except UserError:
            pass
        text = Signal((Clause(target, clause.condition),), signal.gap).canonical
        return replace(self, trigger=text, target=clause.symbol, min_gap=None)

    def command(self) -> str:
        """The slash command that asks this again (said when buttons have expired)."""
        text = f"/after trigger:{self.trigger} target:{self.target} horizon:{self.horizon}"
        if self.min_gap is not None:
            text += f" min_gap:{self.min_gap}"
        return text + (f" event:{self.event}" if self.event is not None else "")


#: Questions too long for a custom_id (a long signal text), remembered in this process only.
_REMEMBERED: OrderedDict[str, tuple[str, str]] = OrderedDict()


def after_id(action: str, query: AfterQuery, page: int = 0) -> str:
    """The custom_id of an /after button or select: the question rides in it, so a press works
    after a restart. Public because buttons of other cogs join /after's view
    (`register_after_extra`, e.g. cogs/alerts.py's "Alert me") and must carry the question the
    same way."""
    gap = "-" if query.min_gap is None else query.min_gap
    head = f"riskon:after:{action}:{query.horizon}:{gap}:{query.event or '-'}:{page}:"
    if query.lost:
        return f"{head}:{query.trigger}"
    custom_id = f"{head}{query.target}:{query.trigger}"
    if len(custom_id) <= CUSTOM_ID_LIMIT and ":" not in query.target:
        return custom_id
    key = f"{abs(hash((query.trigger, query.target))):x}"[:12]
    _REMEMBERED[key] = (query.trigger, query.target)
    while len(_REMEMBERED) > 1000:
        _REMEMBERED.popitem(last=False)
    return f"{head}:@{key}"


_AFTER_FIELDS = (
    r":(?P<horizon>\d{1,4}):(?P<gap>\d{1,4}|-):(?P<event>ath|breakout|-):(?P<page>\d{1,4})"
    r":(?P<target>[^:]*):(?P<trigger>.+)"
)


def after_template(actions: str) -> str:
    """The `DynamicItem` template matching `after_id`'s ids for these actions (a regex
    alternation). Public for the same reason as `after_id`: extras from other cogs."""
    return rf"riskon:after:(?P<action>{actions}){_AFTER_FIELDS}"


def query_from(match: re.Match[str]) -> AfterQuery:
    """The question back from a custom_id matched by `after_template`. Public for the same
    reason as `after_id`: an extra button rebuilds its question after a restart with it."""
    trigger, target = match["trigger"], match["target"]
    if target == "":
        # None after a restart: the query stays `lost` (target ""), and a press says so
        trigger, target = _REMEMBERED.get(trigger.removeprefix("@"), (trigger, ""))
    return AfterQuery(
        trigger=trigger,
        target=target,
        horizon=int(match["horizon"]),
        min_gap=None if match["gap"] == "-" else int(match["gap"]),
        event=None if match["event"] == "-" else match["event"],
    )


# ---- answers, cached briefly ---------------------------------------------------------------

async def cached(
    client: Any, key: tuple[Any, ...], make: Callable[[], Awaitable[Insight]]
) -> Insight:
    """The service's answer for `key`, reused for CACHE_SECONDS (paging must not recompute).

    One cache per bot: two bots in one process (tests) may read different prices."""
    cache = expiries(client).answers
    now = time.monotonic()
    hit = cache.get(key)
    if hit is not None and now - hit[0] < CACHE_SECONDS:
        cache.move_to_end(key)
        return hit[1]
    insight = await make()
    cache[key] = (now, insight)
    while len(cache) > CACHE_SIZE:
        cache.popitem(last=False)
    return insight


def after_insight(client: Any, query: AfterQuery) -> Awaitable[Insight]:
    return cached(
        client,
        ("after", query.trigger, query.target, query.horizons, query.min_gap, query.event),
        lambda: client.insights.after(
            query.trigger,
            query.target,
            horizons=query.horizons,
            min_gap=query.min_gap,
            event=query.event,
        ),
    )


def quote_insight(client: Any, symbol: str, chart_range: str) -> Awaitable[Insight]:
    return cached(
        client,
        ("quote", symbol, chart_range),
        lambda: client.insights.quote(symbol, chart_range=chart_range),
    )


# ---- the items -----------------------------------------------------------------------------

#: Factories of extra /after items (another feature's buttons), in the order they appear.
ItemFactory = Callable[[AfterQuery], ui.Item[Any]]
AFTER_EXTRAS: list[ItemFactory] = []


def register_after_extra(factory: ItemFactory) -> None:
    """Add an item to every /after view from now on (idempotent for the same factory)."""
    if factory not in AFTER_EXTRAS:
        AFTER_EXTRAS.append(factory)


class HorizonSelect(ui.DynamicItem[ui.Select[Any]], template=after_template("h")):
    def __init__(self, query: AfterQuery) -> None:
        self.query = query
        options = [
            discord.SelectOption(
                label=f"{horizon_label(h)} after", value=str(h), default=h == query.horizon
            )
            for h in HORIZONS
        ]
        super().__init__(
            ui.Select(
                custom_id=after_id("h", query),
                placeholder="Longest window to measure",
                options=options,
                row=0,
            )
        )

    @classmethod
    async def from_custom_id(cls, interaction, item, match, /):
        return cls(query_from(match))

    async def callback(self, interaction: discord.Interaction) -> None:
        values = self.item.values
        horizon = int(values[0]) if values else self.query.horizon
        await press_after(interaction, self.query, replace(self.query, horizon=horizon))


class SwapButton(ui.DynamicItem[ui.Button[Any]], template=after_template("swap")):
    def __init__(self, query: AfterQuery) -> None:
        self.query = query
        super().__init__(
            ui.Button(
                label="Swap",
                style=discord.ButtonStyle.secondary,
                custom_id=after_id("swap", query),
                row=1,
            )
        )

    @classmethod
    async def from_custom_id(cls, interaction, item, match, /):
        return cls(query_from(match))

    async def callback(self, interaction: discord.Interaction) -> None:
        await press_after(interaction, self.query, self.query.swapped())


class AllEpisodesButton(ui.DynamicItem[ui.Button[Any]], template=after_template("all")):
    def __init__(self, query: AfterQuery) -> None:
        self.query = query
        super().__init__(
            ui.Button(
                label="All episodes",
                style=discord.ButtonStyle.secondary,
                custom_id=after_id("all", query),
                row=1,
            )
        )

    @classmethod
    async def from_custom_id(cls, interaction, item, match, /):
        return cls(query_from(match))

    async def callback(self, interaction: discord.Interaction) -> None:
        await guarded(interaction, lambda: self._send(interaction))

    async def _send(self, interaction: discord.Interaction) -> None:
        if await expire_if_old(interaction, after_view(self.query, disabled=True), self.query):
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        insight = await after_insight(interaction.client, self.query)
        message = await interaction.followup.send(
            episode_page(insight, 0),
            view=pages_view(self.query, 0, page_count(insight)),
            ephemeral=True,
            wait=True,
        )
        expiries(interaction.client).watch(
            message, lambda: pages_view(self.query, 0, page_count(insight), disabled=True)
        )


class PageButton(ui.DynamicItem[ui.Button[Any]], template=after_template("prev|next")):
    def __init__(
        self, query: AfterQuery, action: str, page: int, disabled: bool = False
    ) -> None:
        self.query, self.action, self.page = query, action, page
        super().__init__(
            ui.Button(
                label="Previous" if action == "prev" else "Next",
                style=discord.ButtonStyle.secondary,
                custom_id=after_id(action, query, page),
                disabled=disabled,
            )
        )

    @classmethod
    async def from_custom_id(cls, interaction, item, match, /):
        return cls(query_from(match), match["action"], int(match["page"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        await guarded(interaction, lambda: self._turn(interaction))

    async def _turn(self, interaction: discord.Interaction) -> None:
        query, page = self.query, self.page
        if await expire_if_old(interaction, pages_view(query, page, 0, disabled=True), query):
            return
        await interaction.response.defer()
        insight = await after_insight(interaction.client, query)
        count = page_count(insight)
        page = max(0, min(page, count - 1))
        await interaction.edit_original_response(
            content=episode_page(insight, page), view=pages_view(query, page, count)
        )
        if interaction.message is not None:
            expiries(interaction.client).update(
                interaction.message.id, lambda: pages_view(query, page, count, disabled=True)
            )


class AthAfterButton(
    ui.DynamicItem[ui.Button[Any]], template=r"riskon:ath:after:(?P<symbol>[^:]{1,80})"
):
    """/ath's "What happened after?": /after with the server's default target."""

    def __init__(self, symbol: str, disabled: bool = False) -> None:
        self.symbol = symbol
        super().__init__(
            ui.Button(
                label="What happened after?",
                style=discord.ButtonStyle.primary,
                custom_id=f"riskon:ath:after:{symbol}",
                disabled=disabled,
            )
        )

    @classmethod
    async def from_custom_id(cls, interaction, item, match, /):
        return cls(match["symbol"])

    async def callback(self, interaction: discord.Interaction) -> None:
        await guarded(interaction, lambda: self._run(interaction))

    async def _run(self, interaction: discord.Interaction) -> None:
        if await expire_if_old(interaction, ath_view(self.symbol, disabled=True), None):
            return
        target = await default_target(interaction)
        if target == self.symbol:
            target = "^GSPC" if self.symbol != "^GSPC" else DEFAULT_TARGET
        query = AfterQuery(trigger=self.symbol, target=target)
        private = not is_asker(interaction)
        await interaction.response.defer(ephemeral=private, thinking=True)
        insight = await after_insight(interaction.client, query)
        await send_answer(
            interaction,
            insight,
            after_view(query),
            disabled=lambda: after_view(query, disabled=True),
        )


class QuoteRangeButton(
    ui.DynamicItem[ui.Button[Any]],
    template=r"riskon:quote:(?P<range>1m|1y|5y|max):(?P<symbol>[^:]{1,80})",
):
    """/quote's chart range: the same numbers, the chart over 1M, 1Y, 5Y or all history."""

    def __init__(self, symbol: str, key: str, current: str, disabled: bool = False) -> None:
        self.symbol, self.key = symbol, key
        label = dict(QUOTE_RANGES)[key]
        super().__init__(
            ui.Button(
                label=label,
                style=discord.ButtonStyle.primary if key == current else
                discord.ButtonStyle.secondary,
                custom_id=f"riskon:quote:{key}:{symbol}",
                disabled=disabled,
            )
        )

    @classmethod
    async def from_custom_id(cls, interaction, item, match, /):
        return cls(match["symbol"], match["range"], current="")

    async def callback(self, interaction: discord.Interaction) -> None:
        await guarded(interaction, lambda: self._redraw(interaction))

    async def _redraw(self, interaction: discord.Interaction) -> None:
        symbol, key = self.symbol, self.key
        if await expire_if_old(interaction, quote_view(symbol, key, disabled=True), None):
            return
        await press_answer(
            interaction,
            lambda: quote_insight(interaction.client, symbol, key),
            lambda disabled=False: quote_view(symbol, key, disabled=disabled),
        )


DYNAMIC_ITEMS: tuple[type[ui.DynamicItem[Any]], ...] = (
    HorizonSelect,
    SwapButton,
    AllEpisodesButton,
    PageButton,
    AthAfterButton,
    QuoteRangeButton,
)


# ---- views ---------------------------------------------------------------------------------


def _view(items: Sequence[ui.Item[Any]], disabled: bool) -> ui.View:
    """A view with no timeout of its own: dynamic items are dispatched by custom_id, so
    discord.py keeps nothing per message; `Expiries` disables the buttons instead."""
    view = ui.View(timeout=None)
    for item in items:
        if disabled:
            target = getattr(item, "item", item)  # a DynamicItem shows the Button/Select it wraps
            if isinstance(target, (ui.Button, BaseSelect)):
                target.disabled = True
        view.add_item(item)
    return view


def after_view(
    query: AfterQuery, *, disabled: bool = False, extras: Sequence[ItemFactory] | None = None
) -> ui.View:
    items: list[ui.Item[Any]] = [HorizonSelect(query)]
    if query.swappable:
        items.append(SwapButton(query))
    items.append(AllEpisodesButton(query))
    for factory in AFTER_EXTRAS if extras is None else extras:
        items.append(factory(query))
    return _view(items, disabled)


def pages_view(query: AfterQuery, page: int, count: int, *, disabled: bool = False) -> ui.View:
    """Previous / Next under page `page` of `count` (each button names the page it opens)."""
    items = [
        PageButton(query, "prev", max(page - 1, 0), disabled=page <= 0),
        PageButton(query, "next", page + 1, disabled=page + 1 >= count),
    ]
    return _view(items, disabled)


def ath_view(symbol: str, *, disabled: bool = False) -> ui.View:
    return _view([AthAfterButton(symbol)], disabled)


def quote_view(symbol: str, current: str = "1y", *, disabled: bool = False) -> ui.View:
    return _view([QuoteRangeButton(symbol, key, current) for key, _ in QUOTE_RANGES], disabled)


# ---- the episode pages ---------------------------------------------------------------------


def completed_first(table: Table) -> list[list[str]]:
    """Completed episodes (oldest first), then the ones still running."""
    pending = table.pending or [False] * len(table.rows)
    done = [r for r, p in zip(table.rows, pending, strict=True) if not p]
    running = [r for r, p in zip(table.rows, pending, strict=True) if p]
    return done + running


def page_count(insight: Insight) -> int:
    rows = len(insight.table.rows) if insight.table else 0
    return max(1, -(-rows // PAGE_ROWS))


def episode_page(insight: Insight, page: int) -> str:
    """One page of the full episode table (every column), as a private message's text."""
    table = insight.table
    if table is None or not table.rows:
        return f"**{insight.title}**\nNo episodes."
    rows = completed_first(table)
    start = page * PAGE_ROWS
    shown = rows[start : start + PAGE_ROWS]
    running = sum(1 for p in table.pending if p)
    lines = render_table(Table(table.columns, shown), indent="")
    body = "\n".join(line.rstrip() for line in lines)
    note = f", the last {running} still running" if running else ""
    head = (
        f"**{insight.title}**\nEpisodes {start + 1}-{start + len(shown)} of {len(rows)} "
        f"(completed first{note}) · page {page + 1} of {page_count(insight)}"
    )
    return f"{head}\n```\n{body}\n```"[:2000]


# ---- pressing ------------------------------------------------------------------------------


def is_asker(interaction: discord.Interaction) -> bool:
    """Whether the presser ran the command that made this message (or owns this private one)."""
    message = interaction.message
    meta = getattr(message, "interaction_metadata", None) if message is not None else None
    return meta is None or meta.user.id == interaction.user.id


def timeout_seconds(client: Any) -> float:
    config = getattr(client, "config", None)
    minutes = getattr(getattr(config, "discord", None), "buttons_minutes", DEFAULT_TIMEOUT_MINUTES)
    return float(minutes) * 60.0


async def expire_if_old(
    interaction: discord.Interaction, disabled: ui.View, query: AfterQuery | None
) -> bool:
    """A press on a message older than the timeout (only possible after a restart), or on a
    question this process no longer remembers: disable its buttons now and say so privately.
    True when it did."""
    message = interaction.message
    if message is None:
        return False
    age = (discord.utils.utcnow() - message.created_at).total_seconds()
    if query is not None and query.lost:
        query = None
    elif age <= timeout_seconds(interaction.client):
        return False
    await interaction.response.edit_message(view=disabled)
    again = f" Ask again with `{query.command()}`." if query is not None else ""
    await interaction.followup.send(f"These buttons have expired.{again}", ephemeral=True)
    return True


async def press_after(
    interaction: discord.Interaction, old: AfterQuery, new: AfterQuery
) -> None:
    async def run() -> None:
        if await expire_if_old(interaction, after_view(old, disabled=True), old):
            return
        await press_answer(
            interaction,
            lambda: after_insight(interaction.client, new),
            lambda disabled=False: after_view(new, disabled=disabled),
        )

    await guarded(interaction, run)


async def press_answer(
    interaction: discord.Interaction,
    make: Callable[[], Awaitable[Insight]],
    view: Callable[..., ui.View],
) -> None:
    """Answer a press: the asker's message changes in place; anyone else gets it privately."""
    if is_asker(interaction):
        await interaction.response.defer()  # "deferred update": the message itself changes
        insight = await make()
        embed, file = insight_embed(insight)
        await interaction.edit_original_response(
            embed=embed, attachments=[file] if file is not None else [], view=view()
        )
        if interaction.message is not None:
            expiries(interaction.client).update(
                interaction.message.id, lambda: view(disabled=True)
            )
        return
    await interaction.response.defer(ephemeral=True, thinking=True)
    insight = await make()
    await send_answer(
        interaction, insight, view(), disabled=lambda: view(disabled=True)
    )


async def send_answer(
    interaction: discord.Interaction,
    insight: Insight,
    view: ui.View,
    *,
    disabled: Callable[[], ui.View],
) -> None:
    """Answer a deferral with the answer and its buttons; disable them at the timeout. The
    answer takes the deferral's place, so it is as private or public as the deferral was."""
    embed, file = insight_embed(insight)
    message = await show_answer(
        interaction, embed=embed, view=view, attachments=[file] if file is not None else []
    )
    expiries(interaction.client).watch(message, disabled)


async def guarded(interaction: discord.Interaction, run: Callable[[], Awaitable[None]]) -> None:
    """discord.py only logs a failing dynamic item; the presser must hear one clear line."""
    try:
        await run()
    except Exception as error:
        message = explain(error)
        if message is None:
            log.error("A button press failed (%s)", getattr(interaction, "data", {}),
                      exc_info=error)
            message = "Sorry, something went wrong on riskon's side; please try again later."
        try:
            if interaction.response.is_done():
                await interaction.followup.send(message, ephemeral=True)
            else:
                await interaction.response.send_message(message, ephemeral=True)
        except discord.HTTPException:
            log.warning("Could not deliver an error reply for a button press")


async def default_target(interaction: discord.Interaction) -> str:
    settings_repo = getattr(interaction.client, "settings", None)
    if interaction.guild_id is None or settings_repo is None:
        return DEFAULT_TARGET
    settings = await settings_repo.get(interaction.guild_id)
    return settings.default_target or DEFAULT_TARGET


# ---- posting from a command ----------------------------------------------------------------


async def answer_with_view(
    interaction: discord.Interaction,
    make: Callable[[], Awaitable[Insight]],
    view: ui.View,
    disabled: Callable[[], ui.View],
) -> None:
    """Like `bot.adapter.options.answer`, with buttons under the answer."""
    if not interaction.response.is_done():
        await interaction.response.defer(thinking=True)
    insight = await make()
    await send_answer(interaction, insight, view, disabled=disabled)


async def answer_after(interaction: discord.Interaction, query: AfterQuery) -> None:
    """/after's reply: the answer with the horizon select, Swap and All episodes."""
    await answer_with_view(
        interaction,
        lambda: after_insight(interaction.client, query),
        after_view(query),
        lambda: after_view(query, disabled=True),
    )


# ---- timeouts ------------------------------------------------------------------------------


class Expiries:
    """Disables each message's buttons `buttons_minutes` after it was posted (this process);
    also holds the bot's recently computed answers (`cached`)."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self.answers: OrderedDict[tuple[Any, ...], tuple[float, Insight]] = OrderedDict()
        self._latest: dict[int, Callable[[], ui.View]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self.closed = False

    def watch(
        self,
        message: discord.InteractionMessage | discord.WebhookMessage,
        disabled: Callable[[], ui.View],
    ) -> None:
        if self.closed:  # the bot is shutting down: a press after restart expires the buttons
            return
        self._latest[message.id] = disabled
        task = asyncio.get_running_loop().create_task(self._expire(message))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def update(self, message_id: int, disabled: Callable[[], ui.View]) -> None:
        """The message was changed in place: disable what it shows now."""
        if message_id in self._latest:
            self._latest[message_id] = disabled

    async def _expire(self, message: discord.InteractionMessage | discord.WebhookMessage) -> None:
        await asyncio.sleep(self.timeout)
        make = self._latest.pop(message.id, None)
        if make is None:
            return
        try:
            await message.edit(view=make())
        except (discord.HTTPException, RuntimeError) as exc:
            # deleted, the token is gone, or the bot is closing: a later press expires them
            log.info("Could not disable the buttons of message %s: %s", message.id, exc)

    def cancel(self) -> None:
        self.closed = True
        for task in list(self._tasks):
            task.cancel()
        self._latest.clear()
        self.answers.clear()


_EXPIRIES: weakref.WeakKeyDictionary[Any, Expiries] = weakref.WeakKeyDictionary()


def expiries(client: Any) -> Expiries:
    found = _EXPIRIES.get(client)
    if found is None:
        found = _EXPIRIES[client] = Expiries(timeout_seconds(client))
    return found


def install(bot: Any) -> None:
    """Make the buttons pressable on this bot (idempotent; every cog with buttons calls it)."""
    bot.add_dynamic_items(*DYNAMIC_ITEMS)


def uninstall(bot: Any) -> None:
    """Stop the timeout tasks (a cog unloading, the bot closing)."""
    expiries(bot).cancel()  # kept, closed: a reply still being sent schedules nothing
