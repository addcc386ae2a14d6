"""One place that decides how every command failure is answered.

Errors the asker caused (bad symbol, bad option, missing permission, cooldown) get a one-line
private reply; a source outage says which source failed; anything else is our bug: logged with
its traceback and an error id, answered with a short apology. Commands never catch and echo
`str(e)` themselves. A Discord "thinking…" message keeps the visibility of its deferral, so a
private error after a public deferral must delete that message first.
"""

from __future__ import annotations

import logging
import uuid

import discord
from discord import app_commands

from bot.errors import DataUnavailable, NoData, UserError

log = logging.getLogger(__name__)


# Discord's UI names for permissions whose API names differ (people look for these words).
PERMISSION_NAMES = {"manage_guild": "Manage Server", "view_channel": "View Channel"}


def permission_words(names: list[str]) -> str:
    """['manage_guild'] -> 'Manage Server': the words Discord's own settings screens use."""
    return ", ".join(PERMISSION_NAMES.get(p, p.replace("_", " ").title()) for p in names)


def explain(error: Exception) -> str | None:
    """The sentence for an error the user can act on, or None when it is our fault.

    Takes any exception: button presses (bot.adapter.views) fail outside a command."""
    # Command errors wrap the cause in .original; transformer errors chain it as __cause__.
    original = getattr(error, "original", None) or error.__cause__ or error
    if isinstance(error, app_commands.CommandOnCooldown):
        return f"Easy there: you can ask again in {error.retry_after:.0f} s."
    if isinstance(error, app_commands.MissingPermissions):
        needed = permission_words(error.missing_permissions)
        return f"You need the {needed} permission to use this command."
    if isinstance(error, app_commands.BotMissingPermissions):
        needed = permission_words(error.missing_permissions)
        return f"riskon lacks the {needed} permission here; ask an admin to grant it."
    if isinstance(error, app_commands.NoPrivateMessage):
        return "This command works only inside a server."
    if isinstance(original, (UserError, NoData, DataUnavailable)):
        return str(original)
    if isinstance(error, app_commands.TransformerError):
        return f"I couldn't read {error.value!r} as a {error.type.name.lower()}."
    if isinstance(error, app_commands.CheckFailure):
        return str(error) or "You can't use this command here."
    return None


async def reply_privately(interaction: discord.Interaction, text: str) -> None:
    """Answer so only the asker sees it, whatever state the interaction is in."""
    try:
        if not interaction.response.is_done():
            await interaction.response.send_message(text, ephemeral=True)
            return
        try:
            await interaction.delete_original_response()
        except discord.HTTPException:
            pass  # nothing to delete (already answered privately, or gone)
        await interaction.followup.send(text, ephemeral=True)
    except discord.HTTPException:
        log.warning("Could not deliver an error reply for interaction %s", interaction.id)


class RiskonTree(app_commands.CommandTree):
    async def on_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        message = explain(error)
        if message is None:
            error_id = uuid.uuid4().hex[:8]
            command = interaction.command.qualified_name if interaction.command else "?"
            log.error(
                "Command /%s failed [error id %s]",
                command,
                error_id,
                exc_info=getattr(error, "original", error),
            )
            message = (
                f"Sorry, something went wrong on riskon's side (error id {error_id}). "
                "It has been logged; please try again later."
            )
        await reply_privately(interaction, message)
