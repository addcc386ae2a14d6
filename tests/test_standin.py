"""Proof that the Discord stand-in is faithful enough to run a real discord.py bot.

A tiny ``discord.Client`` with an ``app_commands.CommandTree`` logs in, syncs, connects and
answers interactions exactly as it would against Discord; the tests read back the requests.
If these pass, a test of riskon's own cogs through the stand-in is testing riskon, not a mock.
"""

from __future__ import annotations

import asyncio
import gc
import struct
import threading
import warnings
import zlib
from collections.abc import AsyncIterator
from io import BytesIO

import aiohttp
import discord
import pytest
from discord import app_commands

from tests.discord_standin import (
    ATTACH_FILES,
    EPHEMERAL,
    MANAGE_GUILD,
    SEND_MESSAGES,
    DiscordStandin,
    compute_permissions,
    text_channel,
)
from tests.standin_helpers import running_client

GUILD_ID = 900_000_000_000_000_001
OPEN_CHANNEL = 900_000_000_000_000_010
NO_FILES_CHANNEL = 900_000_000_000_000_011  # bot's role denied ATTACH_FILES by an overwrite
NO_SEND_CHANNEL = 900_000_000_000_000_012  # bot member denied SEND_MESSAGES
GONE_CHANNEL = 900_000_000_000_000_013  # forced 404 Unknown Channel


def _png(width: int = 2, height: int = 2) -> bytes:
    """A valid PNG without Pillow/matplotlib, so the bytes are known exactly."""

    def chunk(tag: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(tag + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", crc)

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw))
            + chunk(b"IEND", b""))


PNG = _png()
INDEXES = ["S&P 500", "Nasdaq 100", "Russell 2000", "Dow Jones", "Nikkei 225"]


class TinyBot(discord.Client):
    """The smallest bot that exercises every path riskon's cogs use."""

    def __init__(self) -> None:
        super().__init__(intents=discord.Intents.default(), guild_ready_timeout=0.05)
        self.tree = app_commands.CommandTree(self)
        self.errors: list[BaseException] = []
        self._add_commands()

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """discord.py sleeps 5 s before every re-IDENTIFY (Discord's identify rate limit);
        the stand-in has no such limit, so a reconnect test need not wait."""

    async def setup_hook(self) -> None:
        guild = discord.Object(GUILD_ID)
        self.tree.copy_global_to(guild=guild)
        await self.tree.sync(guild=guild)

    def _add_commands(self) -> None:
        tree = self.tree

        @tree.command(description="Deferred reply with an embed and a PNG chart")
        async def chart(interaction: discord.Interaction, symbol: str) -> None:
            await interaction.response.defer(thinking=True)
            embed = discord.Embed(title=f"{symbol} chart", description="up and to the right")
            embed.set_image(url="attachment://chart.png")
            await interaction.followup.send(
                embed=embed, file=discord.File(BytesIO(PNG), filename="chart.png")
            )

        @tree.command(description="Private deferral, then the original response is edited")
        async def mine(interaction: discord.Interaction) -> None:
            await interaction.response.defer(ephemeral=True, thinking=True)
            await interaction.edit_original_response(
                content="your portfolio", attachments=[discord.File(BytesIO(PNG), "chart.png")]
            )

        @tree.command(description="Private reply")
        async def whoami(interaction: discord.Interaction) -> None:
            await interaction.response.send_message(
                f"you are {interaction.user.id}", ephemeral=True
            )

        @tree.command(description="Autocompleted index name")
        async def quote(interaction: discord.Interaction, index: str) -> None:
            await interaction.response.send_message(index)

        @quote.autocomplete("index")
        async def quote_index(
            interaction: discord.Interaction, current: str
        ) -> list[app_commands.Choice[str]]:
            return [
                app_commands.Choice(name=name, value=name.lower())
                for name in INDEXES
                if current.lower() in name.lower()
            ]

        @tree.command(description="The classic bug: a private error after a public defer")
        async def oops(interaction: discord.Interaction) -> None:
            await interaction.response.defer()
            await interaction.followup.send("that symbol does not exist", ephemeral=True)

        config = app_commands.Group(name="config", description="Server settings",
                                    default_permissions=discord.Permissions(manage_guild=True))

        @config.command(name="channel", description="Where the daily brief goes")
        async def config_channel(
            interaction: discord.Interaction, channel: discord.TextChannel
        ) -> None:
            assert interaction.guild is not None
            if not interaction.permissions.manage_guild:
                await interaction.response.send_message("admins only", ephemeral=True)
                return
            perms = channel.permissions_for(interaction.guild.me)
            if not perms.attach_files:
                await interaction.response.send_message(
                    f"I can't attach charts in {channel.mention}", ephemeral=True
                )
                return
            try:
                await channel.send("the daily brief will appear here",
                                   file=discord.File(BytesIO(PNG), filename="chart.png"))
            except discord.Forbidden:
                await interaction.response.send_message(
                    f"I may not post in {channel.mention}", ephemeral=True)
            except discord.NotFound:
                await interaction.response.send_message("that channel is gone", ephemeral=True)
            else:
                await interaction.response.send_message(f"brief channel: {channel.mention}")

        tree.add_command(config)

        @tree.error
        async def on_tree_error(
            interaction: discord.Interaction, error: app_commands.AppCommandError
        ) -> None:
            self.errors.append(error)


def _guild(standin: DiscordStandin) -> None:
    standin.add_guild(
        GUILD_ID,
        name="Riskon Test",
        channels=[
            text_channel(OPEN_CHANNEL, "general"),
            text_channel(NO_FILES_CHANNEL, "no-files", deny_bot_role=ATTACH_FILES),
            text_channel(NO_SEND_CHANNEL, "read-only", deny_bot=SEND_MESSAGES),
            text_channel(GONE_CHANNEL, "deleted-soon"),
        ],
    )


@pytest.fixture
async def standin() -> AsyncIterator[DiscordStandin]:
    async with DiscordStandin(token="standin-token") as s:
        _guild(s)
        yield s
    assert s.unknown_routes == [], [f"{r.method} {r.path}" for r in s.unknown_routes]


@pytest.fixture
async def bot(standin: DiscordStandin) -> AsyncIterator[TinyBot]:
    client = TinyBot()
    async with running_client(client, standin, token="standin-token"):
        yield client
    assert client.errors == []


# ---- start-up ------------------------------------------------------------------------------


async def test_startup_order_sync_and_identify(standin: DiscordStandin, bot: TinyBot) -> None:
    routes = [(r.method, r.route) for r in standin.requests]
    assert routes[:3] == [
        ("GET", "/users/@me"),
        ("GET", "/oauth2/applications/@me"),
        ("PUT", "/applications/{app_id}/guilds/{guild_id}/commands"),
    ]
    synced = {c["name"]: c for c in standin.guild_commands[GUILD_ID]}
    assert set(synced) == {"chart", "mine", "whoami", "quote", "oops", "config"}
    assert synced["config"]["options"][0]["name"] == "channel"
    assert synced["config"]["default_member_permissions"] == str(MANAGE_GUILD)
    identify = await standin.wait_identified()
    assert identify["intents"] == discord.Intents.default().value
    assert standin.gateway_connections[0] == {"v": "10", "encoding": "json",
                                              "compress": "zlib-stream"}
    guild = bot.get_guild(GUILD_ID)
    assert guild is not None and guild.me is not None
    assert bot.get_channel(OPEN_CHANNEL) is not None


async def test_wrong_token_fails_login(standin: DiscordStandin) -> None:
    client = TinyBot()
    with pytest.raises(discord.LoginFailure):
        async with running_client(client, standin, token="not-the-token"):
            pass


# ---- interactions ----------------------------------------------------------------------------


async def test_deferred_followup_carries_embed_and_png(
    standin: DiscordStandin, bot: TinyBot
) -> None:
    ix = await standin.send_slash("chart", {"symbol": "^RUT"}, channel_id=OPEN_CHANNEL)
    cb = await ix.wait_callback()
    assert (cb.type, cb.accepted, cb.ephemeral) == (5, True, False)
    assert cb.latency < 1.0
    fu = await ix.wait_followup()
    assert fu.kind == "followup" and fu.accepted
    assert fu.request.multipart and fu.request.query.get("wait") == "1"
    (part,) = fu.files
    assert (part.filename, part.data) == ("chart.png", PNG)
    assert part.data.startswith(b"\x89PNG\r\n\x1a\n")
    assert fu.embeds[0]["image"]["url"] == "attachment://chart.png"
    assert fu.payload["attachments"] == [{"id": 0, "filename": "chart.png"}]
    # Discord's view: the followup replaced the thinking message, publicly, with the image.
    assert fu.replaced_thinking and not fu.ephemeral and not fu.visibility_mismatch
    reply = await ix.wait_reply()
    assert reply.file("chart.png").data == PNG
    assert reply.unresolved_attachment_refs == []
    assert reply.embeds[0]["image"]["url"] == reply.attachments[0]["url"]


async def test_edit_original_after_private_defer(standin: DiscordStandin, bot: TinyBot) -> None:
    ix = await standin.send_slash("mine")
    cb = await ix.wait_callback()
    assert (cb.type, cb.ephemeral) == (5, True)
    edit = await ix.wait_followup()
    assert edit.kind == "edit_original" and edit.request.method == "PATCH"
    assert edit.replaced_thinking and edit.ephemeral and not edit.visibility_mismatch
    reply = await ix.wait_reply()
    assert (reply.content, reply.ephemeral, reply.file("chart.png").data) == (
        "your portfolio", True, PNG)


async def test_rate_limited_followup_is_retried(standin: DiscordStandin, bot: TinyBot) -> None:
    standin.rate_limit("POST", "/webhooks/{app_id}/{token}", times=1, retry_after=0.05)
    ix = await standin.send_slash("chart", {"symbol": "^GSPC"})
    fu = await ix.wait_followup()
    assert fu.files[0].data == PNG
    attempts = standin.requests_to("POST", "/webhooks/{app_id}/{token}")
    assert [r.status for r in attempts] == [429, 200]


async def test_ephemeral_reply(standin: DiscordStandin, bot: TinyBot) -> None:
    ix = await standin.send_slash("whoami", user_id=4242)
    cb = await ix.wait_callback()
    assert cb.type == 4 and cb.data["flags"] & EPHEMERAL and cb.ephemeral
    assert cb.data["content"] == "you are 4242"
    assert not cb.request.multipart


async def test_autocomplete_choices(standin: DiscordStandin, bot: TinyBot) -> None:
    choices = await standin.send_autocomplete("quote", {"index": "ss"}, focused="index")
    assert choices == [{"name": "Russell 2000", "value": "russell 2000"}]
    everything = await standin.send_autocomplete("quote", {"index": ""}, focused="index")
    assert [c["name"] for c in everything] == INDEXES


async def test_private_error_after_public_defer_is_shown_publicly(
    standin: DiscordStandin, bot: TinyBot
) -> None:
    """The stand-in models Discord: the followup inherits the deferral's visibility."""
    ix = await standin.send_slash("oops")
    fu = await ix.wait_followup()
    assert fu.requested_ephemeral and not fu.ephemeral
    assert standin.visibility_mismatches == [fu]


# ---- channel permissions and channel posts ---------------------------------------------------


@pytest.mark.parametrize(
    ("channel_id", "expected"),
    [
        (OPEN_CHANNEL, "brief channel: <#{}>"),
        (NO_FILES_CHANNEL, "I can't attach charts in <#{}>"),
        # Discord (and discord.py) drop ATTACH_FILES where SEND_MESSAGES is denied
        (NO_SEND_CHANNEL, "I can't attach charts in <#{}>"),
    ],
)
async def test_subcommand_channel_option_sees_bot_permissions(
    standin: DiscordStandin, bot: TinyBot, channel_id: int, expected: str
) -> None:
    ix = await standin.send_slash(
        "config channel", {"channel": channel_id}, permissions=MANAGE_GUILD | SEND_MESSAGES
    )
    options = ix.payload["data"]["options"]
    assert options[0]["type"] == 1 and options[0]["options"][0]["type"] == 7
    assert str(channel_id) in ix.payload["data"]["resolved"]["channels"]
    cb = await ix.wait_callback()
    assert cb.data["content"] == expected.format(channel_id)
    guild = bot.get_guild(GUILD_ID)
    assert guild is not None
    channel = guild.get_channel(channel_id)
    assert isinstance(channel, discord.TextChannel)
    model = standin.guilds[GUILD_ID]
    assert channel.permissions_for(guild.me).value == model.bot_permissions(channel_id)
    if channel_id == OPEN_CHANNEL:
        msg = await standin.wait_channel_message(OPEN_CHANNEL)
        assert msg.file("chart.png").data == PNG
    else:
        assert standin.channel_messages.get(channel_id) is None


async def test_bot_check_rejects_non_admin(standin: DiscordStandin, bot: TinyBot) -> None:
    ix = await standin.send_slash("config channel", {"channel": OPEN_CHANNEL})
    cb = await ix.wait_callback()
    assert cb.data["content"] == "admins only" and cb.ephemeral


@pytest.mark.parametrize(
    ("channel_id", "status", "code", "expected"),
    [
        (OPEN_CHANNEL, 403, 50013, "I may not post in <#{}>"),
        (GONE_CHANNEL, 404, 10003, "that channel is gone"),
    ],
)
async def test_channel_post_errors_use_discords_json(
    standin: DiscordStandin, bot: TinyBot, channel_id: int, status: int, code: int, expected: str
) -> None:
    standin.fail_channel(channel_id, status)  # e.g. permissions changed after the cache
    ix = await standin.send_slash(
        "config channel", {"channel": channel_id}, permissions=MANAGE_GUILD
    )
    cb = await ix.wait_callback()
    assert cb.data["content"] == expected.format(channel_id)
    (post,) = standin.requests_to("POST", "/channels/{channel_id}/messages")
    assert post.status == status and post.response["code"] == code


# ---- gateway lifecycle ---------------------------------------------------------------------


async def test_bot_resumes_after_gateway_drop(standin: DiscordStandin, bot: TinyBot) -> None:
    identify = await standin.wait_identified()
    await standin.drop_gateway()
    resume = await standin.wait_resumed()
    assert resume["token"] == identify["token"] and resume["session_id"]
    await standin.wait_for(lambda: standin.connected, what="reconnected")
    ix = await standin.send_slash("whoami")
    assert (await ix.wait_callback()).type == 4
    await standin.send_reconnect()  # op 7, as Discord asks before moving a session
    await standin.wait_resumed(count=2)
    await standin.wait_for(lambda: standin.connected, what="reconnected after op 7")
    assert len(standin.identifies) == 1


async def test_bot_identifies_again_when_session_is_gone(
    standin: DiscordStandin, bot: TinyBot
) -> None:
    await standin.drop_gateway(resumable=False)
    await standin.wait_identified(count=2)
    await standin.wait_for(lambda: standin.connected, what="reconnected")
    ix = await standin.send_slash("chart", {"symbol": "BTC-USD"})
    assert (await ix.wait_followup()).files[0].data == PNG


async def test_shutdown_is_clean(standin: DiscordStandin) -> None:
    """No task, thread, session or socket outlives the client."""
    before = asyncio.all_tasks()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        client = TinyBot()
        async with running_client(client, standin, token="standin-token"):
            ix = await standin.send_slash("whoami")
            await ix.wait_callback()
        assert client.is_closed()
        await asyncio.sleep(0)
        leaked = asyncio.all_tasks() - before
        assert not leaked, leaked
        del client
        gc.collect()
    assert [str(w.message) for w in caught] == []

    def keepalive_threads() -> list[threading.Thread]:
        return [t for t in threading.enumerate() if type(t).__name__ == "KeepAliveHandler"]

    for thread in keepalive_threads():  # stopped, but may still be leaving its wait()
        await asyncio.to_thread(thread.join, 2.0)
    assert keepalive_threads() == []


# ---- the stand-in's own contract (no discord.py) -------------------------------------------


async def test_unknown_route_is_a_recorded_discord_404() -> None:
    async with DiscordStandin() as s, aiohttp.ClientSession() as http:
        async with http.get(f"{s.api_base}/guilds/1/audit-logs") as resp:
            assert resp.status == 404
            assert resp.headers["Content-Type"] == "application/json"
            assert await resp.json() == {"code": 0, "message": "404: Not Found"}
        assert [r.path for r in s.unknown_routes] == ["/guilds/1/audit-logs"]
        s.unknown_routes.clear()


async def test_late_and_double_callbacks_are_refused() -> None:
    """Discord's 3-second rule and single acknowledgement, checked without a bot."""
    async with DiscordStandin(interaction_timeout=0.05) as s, aiohttp.ClientSession() as http:
        s.add_guild(GUILD_ID, channels=[OPEN_CHANNEL])
        ws = await http.ws_connect(s.gateway_url)
        await ws.receive_json()  # HELLO
        await ws.send_json({"op": 2, "d": {"token": "x", "intents": 1, "properties": {}}})
        await s.wait_identified()
        url = f"{s.api_base}/interactions/{{}}/{{}}/callback?with_response=1"
        first = await s.send_slash("ping")
        async with http.post(url.format(first.id, first.token), json={"type": 5}) as resp:
            body = await resp.json()
            assert resp.status == 200 and body["interaction"]["response_message_loading"]
        async with http.post(url.format(first.id, first.token), json={"type": 5}) as resp:
            assert (resp.status, (await resp.json())["code"]) == (400, 40060)
        late = await s.send_slash("ping")
        await asyncio.sleep(0.1)
        async with http.post(url.format(late.id, late.token), json={"type": 5}) as resp:
            assert (resp.status, (await resp.json())["code"]) == (404, 10062)
        assert (await late.wait_callback()).status == 404 and late.callback is None
        await ws.close()


async def test_channel_post_is_checked_against_the_model() -> None:
    async with DiscordStandin() as s, aiohttp.ClientSession() as http:
        s.add_guild(GUILD_ID, channels=[OPEN_CHANNEL,
                                        text_channel(NO_FILES_CHANNEL, deny_bot=ATTACH_FILES)])
        form = aiohttp.FormData()
        form.add_field("payload_json", '{"content": "hi"}', content_type="application/json")
        form.add_field("files[0]", PNG, filename="chart.png")
        url = f"{s.api_base}/channels/{NO_FILES_CHANNEL}/messages"
        async with http.post(url, data=form) as resp:
            assert (resp.status, await resp.json()) == (
                403, {"code": 50013, "message": "Missing Permissions"})
        async with http.post(f"{s.api_base}/channels/{NO_FILES_CHANNEL}/messages",
                             json={"content": "text is fine"}) as resp:
            assert resp.status == 200
        async with http.post(f"{s.api_base}/channels/12345/messages", json={"content": "x"}) as r:
            assert (r.status, (await r.json())["code"]) == (404, 10003)
        (rejected, _, _) = s.requests_to("POST", "/channels/{channel_id}/messages")
        assert rejected.files[0].data == PNG and rejected.json == {"content": "hi"}


def test_permission_maths_follows_discord() -> None:
    s = DiscordStandin()
    guild = s.add_guild(GUILD_ID, channels=[
        text_channel(1, deny_bot_role=ATTACH_FILES),
        text_channel(2, deny_everyone=SEND_MESSAGES, allow_bot=SEND_MESSAGES),
        text_channel(3, deny_bot=SEND_MESSAGES),
    ])
    assert not guild.bot_permissions(1) & ATTACH_FILES
    assert guild.bot_permissions(2) & SEND_MESSAGES
    # without SEND_MESSAGES, Discord also drops ATTACH_FILES
    assert not guild.bot_permissions(3) & (SEND_MESSAGES | ATTACH_FILES)
    assert compute_permissions(guild, guild.owner_id, [], guild.channels[3]) == (1 << 51) - 1
