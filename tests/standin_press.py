"""Pressing a button in the Discord stand-in: a component interaction (type 3).

A separate helper so /ask's tests do not collide with the stand-in's own growth: when the
stand-in has `send_component` (engineer "answers" is adding it) this uses it; until then it
dispatches the same payload itself. Like Discord, it refuses a custom_id the message does not
carry or a disabled button, so a test cannot press what a user could not.
"""

from __future__ import annotations

import secrets
import time
from typing import Any

from tests.discord_standin import (
    DEFAULT_BOT_PERMISSIONS,
    DiscordStandin,
    InteractionRecord,
    MessageRecord,
)


def buttons(message: MessageRecord) -> dict[str, str]:
    """label -> custom_id of every button on a message."""
    return {
        comp["label"]: comp["custom_id"]
        for row in message.data.get("components") or []
        for comp in row.get("components") or []
        if int(comp.get("type", 0)) == 2
    }


def selects(message: MessageRecord) -> dict[str, dict[str, Any]]:
    """custom_id -> component of every string select on a message."""
    return {
        comp["custom_id"]: comp
        for row in message.data.get("components") or []
        for comp in row.get("components") or []
        if int(comp.get("type", 0)) == 3
    }


async def press_button(
    standin: DiscordStandin,
    message: MessageRecord,
    custom_id: str,
    *,
    user_id: int,
    values: list[str] | None = None,
) -> InteractionRecord:
    """Press a button, or with `values` choose options of a string select (component type 3)."""
    own = getattr(standin, "send_component", None)
    if own is not None and values is None:
        return await own(message, custom_id, user_id=user_id)
    found = [
        comp
        for row in message.data.get("components") or []
        for comp in row.get("components") or []
        if comp.get("custom_id") == custom_id
    ]
    if not found:
        raise ValueError(f"message {message.id} has no component {custom_id!r}")
    if found[0].get("disabled"):
        raise ValueError(f"component {custom_id!r} is disabled; Discord would not send it")
    kind = int(found[0].get("type", 2))
    component: dict[str, Any] = {"custom_id": custom_id, "component_type": kind}
    if kind == 3:
        offered = {o["value"] for o in found[0].get("options") or []}
        if values is None or not set(values) <= offered:
            raise ValueError(f"select {custom_id!r} offers {sorted(offered)}, not {values}")
        component["values"] = list(values)
    guild = standin.guilds.get(message.guild_id) if message.guild_id is not None else None
    ix_id, token = standin.snowflake(), "tok-" + secrets.token_urlsafe(24)
    payload: dict[str, Any] = {
        "id": str(ix_id),
        "application_id": str(standin.application_id),
        "type": 3,
        "data": component,
        "token": token,
        "version": 1,
        "locale": "en-US",
        "entitlements": [],
        "attachment_size_limit": 10 * 1024 * 1024,
        "channel_id": str(message.channel_id),
        "message": message.data,
    }
    if guild is not None:
        guild.members.setdefault(user_id, [])
        permissions = guild.permissions_for(user_id, message.channel_id)
        channel = guild.channels.get(message.channel_id)
        chan = channel.to_payload() if channel else {"id": str(message.channel_id), "type": 0}
        chan.pop("permission_overwrites", None)
        chan["permissions"] = str(permissions)
        payload.update(
            guild_id=str(guild.id),
            guild={"id": str(guild.id), "locale": "en-US", "features": []},
            guild_locale="en-US",
            channel=chan,
            member=standin._member_payload(guild, user_id, permissions=permissions),
            app_permissions=str(guild.bot_permissions(message.channel_id)),
            authorizing_integration_owners={"0": str(guild.id)},
            context=0,
        )
    else:
        payload.update(
            user=standin._user_payload(user_id),
            context=1,
            app_permissions=str(DEFAULT_BOT_PERMISSIONS),
        )
    ix = InteractionRecord(
        id=ix_id, token=token, type=3, name=f"component {custom_id}",
        guild_id=message.guild_id, channel_id=message.channel_id, user_id=user_id,
        payload=payload, created_at=0.0, _standin=standin,
    )
    ix.original = message
    standin.interactions[ix_id] = ix
    standin._tokens[token] = ix
    ix.created_at = time.perf_counter()
    await standin.dispatch_event("INTERACTION_CREATE", payload)
    return ix
