"""Glue between discord.py and :mod:`tests.discord_standin`.

Tests point discord.py at the stand-in with the bot's own ``bot.adapter.app.point_discord_at`` (what
the config keys ``[discord] api_base`` / ``gateway_url`` drive), so the pointing under test is
the one production uses. The rest runs a real client against the stand-in and tears it down
the way a test needs: no leaked task, no unclosed session, no stale globals.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator

import discord
import discord.gateway
import discord.http

from bot.adapter.app import point_discord_at
from tests.discord_standin import DiscordStandin


@contextlib.contextmanager
def discord_pointed_at(standin: DiscordStandin) -> Iterator[None]:
    """``point_discord_at`` for the duration of a test, restoring Discord's real URLs after,
    so one test's port never leaks into another."""
    old_base = discord.http.Route.BASE
    old_gateway = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    point_discord_at(standin.api_base, standin.gateway_url)
    try:
        yield
    finally:
        discord.http.Route.BASE = old_base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = old_gateway


@contextlib.asynccontextmanager
async def running_client(
    client: discord.Client,
    standin: DiscordStandin,
    *,
    token: str = "standin-token",
    ready_timeout: float = 60.0,
) -> AsyncIterator[discord.Client]:
    """Start ``client`` against ``standin`` and yield once it is ready; close it after.

    ``client.start()`` runs in a task; we race it against ``wait_until_ready`` so a login or
    setup_hook failure surfaces at once instead of as a timeout. On exit the client is closed
    and its task awaited, so the keep-alive thread, the websocket and the HTTP session are gone
    before the stand-in stops.
    """
    with discord_pointed_at(standin):
        start = asyncio.create_task(client.start(token), name="standin-client")
        ready = asyncio.create_task(client.wait_until_ready())
        try:
            done, _ = await asyncio.wait(
                {start, ready}, timeout=ready_timeout, return_when=asyncio.FIRST_COMPLETED
            )
            if start in done:
                start.result()  # raises what went wrong
                raise RuntimeError("client.start() returned before the client was ready")
            if ready not in done:
                raise TimeoutError(f"client not ready after {ready_timeout}s")
            yield client
        finally:
            ready.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await ready
            await client.close()
            try:
                await asyncio.wait_for(start, 10.0)
            except asyncio.CancelledError:
                pass
