"""What every riskon command shares: symbol options, the per-user cooldown, the answer flow."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import TYPE_CHECKING, Any, TypeVar

import discord
from discord import app_commands

from bot.adapter.embeds import insight_embed
from bot.insights import Insight
from bot.market.symbols import SYMBOL_PATTERN, Asset, resolve, search

if TYPE_CHECKING:
    from bot.adapter.app import RiskonBot

log = logging.getLogger(__name__)


class SymbolTransformer(app_commands.Transformer):
    """A symbol option: autocompleted from the registry, validated again on use.

    Autocomplete is only a suggestion list; people can type anything, so `transform` resolves
    the final text and raises `UnknownSymbol` (with suggestions) before anything is fetched.
    """

    async def transform(self, interaction: discord.Interaction, value: str) -> Asset:
        return resolve(value)

    # discord.py's base takes and returns any option type; this option is a string.
    async def autocomplete(  # type: ignore[override]
        self, interaction: discord.Interaction, value: str
    ) -> list[app_commands.Choice[str]]:
        choices = [app_commands.Choice(name=a.label, value=a.symbol) for a in search(value, 25)]
        typed = value.strip().upper()
        if typed and SYMBOL_PATTERN.fullmatch(typed) and typed not in {c.value for c in choices}:
            # Registry matches first; any other Yahoo symbol is still offered as typed.
            choices = [*choices[:24], app_commands.Choice(name=f"{typed} (as typed)", value=typed)]
        return choices[:25]


Symbol = app_commands.Transform[Asset, SymbolTransformer]


def guild_of(interaction: discord.Interaction) -> discord.Guild:
    """The server of a server-only command, answered "works only inside a server" without one.

    Discord does not offer `guild_only` commands in DMs, so this does not fail in practice; it
    is the check that lets the command use the server without an `Optional` at every step."""
    if interaction.guild is None:
        raise app_commands.NoPrivateMessage()
    return interaction.guild


def guild_id_of(interaction: discord.Interaction) -> int:
    """The server's id of a server-only command (see `guild_of`), for the store's queries."""
    if interaction.guild_id is None:
        raise app_commands.NoPrivateMessage()
    return interaction.guild_id


def per_user_cooldown(
    interaction: discord.Interaction[RiskonBot],
) -> app_commands.Cooldown | None:
    """Rate from config, keyed by user: one person cannot flood a channel or the data source."""
    config = interaction.client.config.discord
    return app_commands.Cooldown(config.cooldown_uses, config.cooldown_seconds)


cooldown = app_commands.checks.dynamic_cooldown(per_user_cooldown, key=lambda i: i.user.id)


async def answer(interaction: discord.Interaction, make: Callable[[], Awaitable[Insight]]) -> None:
    """Defer (fetching and rendering can take a moment), compute, follow up with embed + chart.

    Options were validated before this runs, so a user's mistake is answered privately without
    a public "thinking…" message; failures after deferral go to the tree's error handler.
    A command that reads the store first defers itself before that read (the store may be
    waiting on a lock longer than Discord's 3 s); then this does not defer again.
    """
    if not interaction.response.is_done():
        await interaction.response.defer(thinking=True)
    insight = await make()
    embed, file = insight_embed(insight)
    await show_answer(interaction, embed=embed, attachments=[file] if file is not None else [])


#: Attempts at a message while Discord answers 5xx (discord.py itself retries 500/502/504 a
#: few times within one attempt, but gives up on a 503 at once), and the waits between them.
SERVER_ERROR_WAITS = (1.0, 3.0)

T = TypeVar("T")


async def through_server_errors(
    attempt: Callable[[], Awaitable[T]], files: Iterable[object] = ()
) -> T:
    """`attempt()` (a send or an edit), tried again on a Discord server error. Only for calls
    that stay one message when repeated: a post with a nonce, an edit. `files` are rewound
    before each try: a failed attempt has read them to their end."""
    for wait in (*SERVER_ERROR_WAITS, None):
        for file in files:
            if isinstance(file, discord.File):
                file.reset()
        try:
            return await attempt()
        except discord.DiscordServerError as exc:
            if wait is None:
                raise
            log.info("Discord answered %s; trying again in %.0f s", exc.status, wait)
            await asyncio.sleep(wait)
    raise AssertionError("unreachable")  # pragma: no cover


async def show_answer(
    interaction: discord.Interaction, **fields: Any
) -> discord.InteractionMessage:
    """Put the answer in place of the deferral's "thinking…" message (which keeps its
    visibility): `fields` as for `edit_original_response`.

    An edit rather than a followup: when Discord answers 5xx after it made a followup,
    discord.py sends it again and the answer shows twice (a webhook takes no nonce); an edit
    made twice is still one answer, so it is tried again on a server error."""
    return await through_server_errors(
        lambda: interaction.edit_original_response(**fields), fields.get("attachments") or ()
    )
