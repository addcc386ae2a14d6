"""Glue between discord.py and :mod:`tests.discord_standin`.

Why separate: ``point_discord_at`` is the one piece the bot itself needs (from config keys
``[discord] api_base`` / ``gateway_url``), so it is a tiny pure function with no test imports
that ``bot/app.py`` can copy verbatim. The rest runs a real client against the stand-in and
tears it down the way a test needs: no leaked task, no unclosed session, no stale globals.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator

import discord
import discord.gateway
import discord.http
import yarl

from tests.discord_standin import DiscordStandin


def point_discord_at(api_base: str, gateway_url: str) -> None:
    """Send every discord.py REST call to ``api_base`` and the websocket to ``gateway_url``.

    discord.py builds each URL from the class attribute ``Route.BASE`` (webhook and interaction
    requests too) and connects a non-sharded client to ``DiscordWebSocket.DEFAULT_GATEWAY``.
    Nothing else is needed: after READY the client reconnects to READY's
    ``resume_gateway_url`` (the server decides it), and an ``AutoShardedClient`` takes its URL
    from ``GET /gateway/bot``. Both are process-wide, so set them before ``client.start()``.
    """
    discord.http.Route.BASE = api_base.rstrip("/")
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)


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
    ready_timeout: float = 10.0,
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
