"""A local stand-in for Discord's REST API and gateway, for tests that run the real bot.

Why: the bot's behaviour that users see (deferring in time, a private error staying private, the
chart arriving as a PNG attachment, a clear message when it may not post in a channel) lives in
the exact HTTP requests discord.py makes. Mocking discord.py hides those; this server receives
them. It speaks just enough of Discord's wire protocol for discord.py 2.x (facts in
``shared/notes/discord-wire.md``) and mirrors the Discord rules that bots get wrong:

* an interaction must be answered within ``interaction_timeout`` (3 s on Discord) and only once;
* after a deferral (callback type 5) the first followup, or an edit of ``@original``, replaces the
  "thinking..." message and keeps the *deferral's* visibility, whatever its own flags say;
* channel posts need VIEW_CHANNEL + SEND_MESSAGES (+ ATTACH_FILES for files), computed from the
  configured roles and permission overwrites exactly as Discord does;
* message and embed size limits (400 ``Invalid Form Body``), at most 25 autocomplete choices;
* an unknown route is a 404 and is recorded in :attr:`DiscordStandin.unknown_routes`;
* sharding: ``GET /gateway/bot`` recommends ``shard_count`` shards, each gateway connection's
  IDENTIFY names ``[shard_id, shard_count]``, and a guild's events (READY's guild list,
  GUILD_CREATE, interactions) go only to the connections of its shard,
  ``(guild_id >> 22) % shard_count``; DMs go to shard 0, as on Discord. Two processes
  misconfigured onto the same shard both receive its events (Discord does not stop that).

Everything is on 127.0.0.1 with a random free port; nothing touches the internet.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import mimetypes
import secrets
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from aiohttp import WSMsgType, web

__all__ = [
    "ADMINISTRATOR",
    "ALL_PERMISSIONS",
    "ATTACH_FILES",
    "DEFAULT_BOT_PERMISSIONS",
    "DEFAULT_EVERYONE_PERMISSIONS",
    "DEFAULT_USER_PERMISSIONS",
    "EMBED_LINKS",
    "EPHEMERAL",
    "MANAGE_GUILD",
    "READ_MESSAGE_HISTORY",
    "SEND_MESSAGES",
    "USE_APPLICATION_COMMANDS",
    "VIEW_CHANNEL",
    "Callback",
    "ChannelModel",
    "ChannelSpec",
    "DiscordStandin",
    "FilePart",
    "Followup",
    "GuildModel",
    "Interaction",
    "InteractionRecord",
    "MessageRecord",
    "RecordedRequest",
    "compute_permissions",
    "text_channel",
]

API_PREFIX = "/api/v10"
DISCORD_EPOCH_MS = 1_420_070_400_000

# Permission bits (https://discord.com/developers/docs/topics/permissions). Kept here, not taken
# from discord.py, so that a bug in the client's permission maths cannot hide in the stand-in.
CREATE_INSTANT_INVITE = 1 << 0
ADMINISTRATOR = 1 << 3
MANAGE_CHANNELS = 1 << 4
MANAGE_GUILD = 1 << 5
ADD_REACTIONS = 1 << 6
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
SEND_TTS_MESSAGES = 1 << 12
MANAGE_MESSAGES = 1 << 13
EMBED_LINKS = 1 << 14
ATTACH_FILES = 1 << 15
READ_MESSAGE_HISTORY = 1 << 16
MENTION_EVERYONE = 1 << 17
USE_EXTERNAL_EMOJIS = 1 << 18
USE_APPLICATION_COMMANDS = 1 << 31
SEND_MESSAGES_IN_THREADS = 1 << 38
ALL_PERMISSIONS = (1 << 51) - 1

EPHEMERAL = 1 << 6  # message flag 64
LOADING = 1 << 7  # message flag 128: the "Bot is thinking..." placeholder

DEFAULT_EVERYONE_PERMISSIONS = (
    VIEW_CHANNEL | SEND_MESSAGES | READ_MESSAGE_HISTORY | ADD_REACTIONS | USE_APPLICATION_COMMANDS
)
DEFAULT_BOT_PERMISSIONS = (
    VIEW_CHANNEL
    | SEND_MESSAGES
    | SEND_MESSAGES_IN_THREADS
    | EMBED_LINKS
    | ATTACH_FILES
    | READ_MESSAGE_HISTORY
    | USE_EXTERNAL_EMOJIS
    | USE_APPLICATION_COMMANDS
)
DEFAULT_USER_PERMISSIONS = DEFAULT_EVERYONE_PERMISSIONS | EMBED_LINKS | ATTACH_FILES

# Callback types allowed per interaction type (2 command, 3 component, 4 autocomplete, 5 modal).
_ALLOWED_CALLBACKS: dict[int, set[int]] = {
    2: {4, 5, 9, 12},
    3: {4, 5, 6, 7, 9, 12},
    4: {8},
    5: {4, 5, 6, 7},
}

# Application command option types that are containers, and Python-type inference for the rest.
SUB_COMMAND, SUB_COMMAND_GROUP = 1, 2
STRING, INTEGER, BOOLEAN, USER, CHANNEL, ROLE, MENTIONABLE, NUMBER, ATTACHMENT = (
    3, 4, 5, 6, 7, 8, 9, 10, 11,
)


def _now_iso() -> str:
    return datetime.now(UTC).isoformat()


class _Snowflakes:
    """Monotonic, time-based ids, so discord.py's ``created_at`` on them is sensible."""

    def __init__(self) -> None:
        self._counter = 0

    def __call__(self) -> int:
        self._counter += 1
        ms = int(time.time() * 1000) - DISCORD_EPOCH_MS
        return (ms << 22) | (self._counter & 0x3FFFFF)


# --------------------------------------------------------------------------------------------
# Records
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FilePart:
    """One uploaded file of a multipart request, as the bytes arrived."""

    field: str  # the form field name, e.g. "files[0]"
    filename: str
    content_type: str
    data: bytes


@dataclass
class RecordedRequest:
    """One HTTP request the bot made, parsed.

    ``json`` is the JSON body, or for multipart requests the parsed ``payload_json`` part;
    ``files`` the other parts. ``path`` is relative to ``/api/v10``; ``route`` is its template
    (e.g. ``/channels/{channel_id}/messages``), handy for filtering.
    """

    method: str
    path: str
    route: str
    query: dict[str, str]
    headers: dict[str, str]
    json: Any
    files: list[FilePart]
    at: float
    status: int = 0
    response: Any = None

    @property
    def payload(self) -> dict[str, Any]:
        """The JSON object body, or ``{}`` (callbacks nest the message under ``data``)."""
        return self.json if isinstance(self.json, dict) else {}

    @property
    def multipart(self) -> bool:
        return bool(self.files) or "multipart/" in self.headers.get("Content-Type", "")


_REC = web.RequestKey("standin_rec", RecordedRequest)


@dataclass
class MessageRecord:
    """A message the bot created, as Discord would store it (``data`` is the message object)."""

    id: int
    channel_id: int
    guild_id: int | None
    data: dict[str, Any]
    files: list[FilePart]
    ephemeral: bool
    interaction_id: int | None = None
    deleted: bool = False
    thinking: bool = False
    unresolved_attachment_refs: list[str] = field(default_factory=list)
    history: list[RecordedRequest] = field(default_factory=list)

    @property
    def content(self) -> str:
        return self.data.get("content", "")

    @property
    def embeds(self) -> list[dict[str, Any]]:
        return self.data.get("embeds", [])

    @property
    def attachments(self) -> list[dict[str, Any]]:
        return self.data.get("attachments", [])

    def file(self, filename: str) -> FilePart:
        """The uploaded file with this name (raises ``KeyError`` with what was there)."""
        for part in self.files:
            if part.filename == filename:
                return part
        raise KeyError(f"no file {filename!r}; files: {[p.filename for p in self.files]}")


@dataclass
class Callback:
    """The interaction callback (the initial response) the bot sent."""

    type: int
    data: dict[str, Any]
    request: RecordedRequest
    status: int
    latency: float  # seconds from INTERACTION_CREATE to the callback's arrival
    ephemeral: bool
    message: MessageRecord | None = None

    @property
    def accepted(self) -> bool:
        return 200 <= self.status < 300

    @property
    def files(self) -> list[FilePart]:
        return self.request.files

    @property
    def choices(self) -> list[dict[str, Any]]:
        return self.data.get("choices", [])


@dataclass
class Followup:
    """A followup POST or an edit of a response message, with Discord's effective visibility.

    ``ephemeral`` is what users actually get: when the first followup (or ``@original`` edit)
    replaces a deferral's thinking message it takes the deferral's visibility, so
    ``requested_ephemeral and not ephemeral`` is a private message shown to everyone.
    """

    kind: Literal["followup", "edit_original", "edit_message"]
    request: RecordedRequest
    status: int
    ephemeral: bool
    requested_ephemeral: bool
    replaced_thinking: bool
    message: MessageRecord | None
    latency: float

    @property
    def accepted(self) -> bool:
        return 200 <= self.status < 300

    @property
    def payload(self) -> dict[str, Any]:
        return self.request.payload

    @property
    def files(self) -> list[FilePart]:
        return self.request.files

    @property
    def embeds(self) -> list[dict[str, Any]]:
        return self.payload.get("embeds") or []

    @property
    def content(self) -> str | None:
        return self.payload.get("content")

    @property
    def visibility_mismatch(self) -> bool:
        return self.requested_ephemeral != self.ephemeral


@dataclass
class InteractionRecord:
    """An INTERACTION_CREATE the stand-in dispatched, and everything the bot did about it."""

    id: int
    token: str
    type: int
    name: str
    guild_id: int | None
    channel_id: int
    user_id: int
    payload: dict[str, Any]
    created_at: float
    _standin: DiscordStandin = field(repr=False)
    callback: Callback | None = None
    rejected_callbacks: list[Callback] = field(default_factory=list)
    followups: list[Followup] = field(default_factory=list)
    original: MessageRecord | None = None
    deferred_ephemeral: bool | None = None

    async def wait_callback(self, timeout: float = 5.0) -> Callback:  # noqa: ASYNC109
        """The first callback request (even one the stand-in refused as late)."""
        await self._standin._wait_until(
            lambda: self.callback is not None or bool(self.rejected_callbacks),
            timeout,
            f"callback for /{self.name}",
        )
        return self.callback or self.rejected_callbacks[0]

    async def wait_followup(self, timeout: float = 5.0, index: int = 0) -> Followup:  # noqa: ASYNC109
        """The ``index``-th followup POST or response-message edit."""
        await self._standin._wait_until(
            lambda: len(self.followups) > index, timeout, f"followup #{index} for /{self.name}"
        )
        return self.followups[index]

    async def wait_reply(self, timeout: float = 5.0) -> MessageRecord:  # noqa: ASYNC109
        """The first message the user actually sees: a type-4 reply or what replaced a deferral."""

        def visible() -> bool:
            return self.original is not None and not self.original.thinking

        await self._standin._wait_until(visible, timeout, f"visible reply for /{self.name}")
        assert self.original is not None
        return self.original

    @property
    def responded(self) -> bool:
        return self.callback is not None


Interaction = InteractionRecord  # the name the brief uses; not discord.Interaction


# --------------------------------------------------------------------------------------------
# Guild model
# --------------------------------------------------------------------------------------------


@dataclass
class ChannelSpec:
    """How a test describes a channel; overwrites naming the bot are resolved per guild."""

    id: int
    name: str
    type: int = 0
    topic: str | None = None
    parent_id: int | None = None
    position: int = 0
    overwrites: list[dict[str, Any]] = field(default_factory=list)
    allow_bot: int = 0
    deny_bot: int = 0
    allow_bot_role: int = 0
    deny_bot_role: int = 0
    allow_everyone: int = 0
    deny_everyone: int = 0


def text_channel(
    channel_id: int,
    name: str | None = None,
    *,
    deny_bot: int = 0,
    allow_bot: int = 0,
    deny_bot_role: int = 0,
    allow_bot_role: int = 0,
    deny_everyone: int = 0,
    allow_everyone: int = 0,
    overwrites: Iterable[Mapping[str, Any]] = (),
    topic: str | None = None,
    parent_id: int | None = None,
) -> ChannelSpec:
    """A text channel spec. ``deny_bot=ATTACH_FILES`` makes a member overwrite for the bot;
    ``deny_bot_role=`` does the same on the bot's managed role (as server admins usually do).
    ``overwrites`` are raw Discord overwrites ``{"id", "type": 0 role | 1 member, "allow",
    "deny"}``."""
    return ChannelSpec(
        id=channel_id,
        name=name or f"channel-{channel_id}",
        topic=topic,
        parent_id=parent_id,
        overwrites=[dict(o) for o in overwrites],
        allow_bot=allow_bot,
        deny_bot=deny_bot,
        allow_bot_role=allow_bot_role,
        deny_bot_role=deny_bot_role,
        allow_everyone=allow_everyone,
        deny_everyone=deny_everyone,
    )


@dataclass
class ChannelModel:
    id: int
    guild_id: int
    name: str
    type: int
    topic: str | None
    parent_id: int | None
    position: int
    overwrites: list[dict[str, Any]]

    def to_payload(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "guild_id": str(self.guild_id),
            "type": self.type,
            "name": self.name,
            "position": self.position,
            "permission_overwrites": [
                {
                    "id": str(o["id"]),
                    "type": int(o["type"]),
                    "allow": str(int(o.get("allow", 0))),
                    "deny": str(int(o.get("deny", 0))),
                }
                for o in self.overwrites
            ],
            "parent_id": str(self.parent_id) if self.parent_id else None,
            "topic": self.topic,
            "nsfw": False,
            "rate_limit_per_user": 0,
            "last_message_id": None,
            "flags": 0,
        }


@dataclass
class GuildModel:
    """A guild as the stand-in knows it: roles, channels, members (including the bot)."""

    id: int
    name: str
    owner_id: int
    bot_id: int
    bot_role_id: int
    roles: dict[int, dict[str, Any]]
    channels: dict[int, ChannelModel]
    members: dict[int, list[int]]  # user id -> role ids (the bot included)
    member_count: int
    joined_at: str = field(default_factory=_now_iso)
    system_channel_id: int | None = None  # where Discord posts join messages; set by a test

    @property
    def everyone_role_id(self) -> int:
        return self.id

    def add_channel(self, spec: ChannelSpec | int) -> ChannelModel:
        """Add (or replace) a channel, resolving the bot/@everyone overwrites of ``spec``."""
        if isinstance(spec, int):
            spec = text_channel(spec)
        overwrites = [dict(o) for o in spec.overwrites]

        def add(target: int, kind: int, allow: int, deny: int) -> None:
            if allow or deny:
                overwrites.append({"id": target, "type": kind, "allow": allow, "deny": deny})

        add(self.everyone_role_id, 0, spec.allow_everyone, spec.deny_everyone)
        add(self.bot_role_id, 0, spec.allow_bot_role, spec.deny_bot_role)
        add(self.bot_id, 1, spec.allow_bot, spec.deny_bot)
        channel = ChannelModel(
            id=spec.id,
            guild_id=self.id,
            name=spec.name,
            type=spec.type,
            topic=spec.topic,
            parent_id=spec.parent_id,
            position=spec.position or len(self.channels),
            overwrites=overwrites,
        )
        self.channels[spec.id] = channel
        return channel

    def add_role(self, role_id: int, name: str, permissions: int) -> None:
        self.roles[role_id] = _role_payload(role_id, name, permissions, position=len(self.roles))

    def add_member(self, user_id: int, roles: Iterable[int] = ()) -> None:
        self.members[user_id] = list(roles)

    def permissions_for(self, user_id: int, channel_id: int | None = None) -> int:
        """Discord's permission computation for a member, optionally in a channel."""
        channel = self.channels.get(channel_id) if channel_id is not None else None
        return compute_permissions(self, user_id, self.members.get(user_id, []), channel)

    def bot_permissions(self, channel_id: int | None = None) -> int:
        return self.permissions_for(self.bot_id, channel_id)


def _role_payload(
    role_id: int, name: str, permissions: int, *, position: int, bot_id: int | None = None
) -> dict[str, Any]:
    role: dict[str, Any] = {
        "id": str(role_id),
        "name": name,
        "permissions": str(permissions),
        "position": position,
        "color": 0,
        "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
        "hoist": False,
        "icon": None,
        "unicode_emoji": None,
        "managed": bot_id is not None,
        "mentionable": False,
        "flags": 0,
    }
    if bot_id is not None:
        role["tags"] = {"bot_id": str(bot_id)}
    return role


def compute_permissions(
    guild: GuildModel, user_id: int, role_ids: Iterable[int], channel: ChannelModel | None
) -> int:
    """Discord's algorithm: base (@everyone | roles), ADMINISTRATOR/owner = all, then channel
    overwrites in order @everyone, roles (deny then allow, combined), member; no VIEW_CHANNEL
    means nothing, no SEND_MESSAGES drops the permissions that depend on it."""
    if user_id == guild.owner_id:
        return ALL_PERMISSIONS
    role_ids = [r for r in role_ids if r != guild.id]
    perms = int(guild.roles[guild.id]["permissions"])
    for rid in role_ids:
        if rid in guild.roles:
            perms |= int(guild.roles[rid]["permissions"])
    if perms & ADMINISTRATOR:
        return ALL_PERMISSIONS
    if channel is None:
        return perms

    def ow(target: int, kind: int) -> tuple[int, int]:
        for o in channel.overwrites:
            if int(o["id"]) == target and int(o["type"]) == kind:
                return int(o.get("allow", 0)), int(o.get("deny", 0))
        return 0, 0

    allow, deny = ow(guild.id, 0)
    perms = (perms & ~deny) | allow
    role_allow = role_deny = 0
    for rid in role_ids:
        a, d = ow(rid, 0)
        role_allow |= a
        role_deny |= d
    perms = (perms & ~role_deny) | role_allow
    allow, deny = ow(user_id, 1)
    perms = (perms & ~deny) | allow
    if not perms & VIEW_CHANNEL:
        return 0
    if not perms & SEND_MESSAGES:
        perms &= ~(SEND_TTS_MESSAGES | MENTION_EVERYONE | EMBED_LINKS | ATTACH_FILES)
    return perms


def _identify_shard(identify: Mapping[str, Any]) -> tuple[int, int]:
    """IDENTIFY's ``shard`` as (shard_id, shard_count); no field means the one shard (0, 1)."""
    shard = identify.get("shard") or [0, 1]
    return int(shard[0]), int(shard[1])


# --------------------------------------------------------------------------------------------
# Validation of what Discord would refuse
# --------------------------------------------------------------------------------------------


def _message_errors(payload: Mapping[str, Any]) -> dict[str, str]:
    """Discord's size limits for message bodies; non-empty means 400 Invalid Form Body."""
    errors: dict[str, str] = {}
    content = payload.get("content")
    if isinstance(content, str) and len(content) > 2000:
        errors["content"] = "Must be 2000 or fewer in length."
    embeds = payload.get("embeds") or []
    if len(embeds) > 10:
        errors["embeds"] = "Must be 10 or fewer in length."
    total = 0
    limits = {"title": 256, "description": 4096}
    for i, embed in enumerate(embeds):
        for key, limit in limits.items():
            value = embed.get(key) or ""
            total += len(value)
            if len(value) > limit:
                errors[f"embeds.{i}.{key}"] = f"Must be {limit} or fewer in length."
        fields = embed.get("fields") or []
        if len(fields) > 25:
            errors[f"embeds.{i}.fields"] = "Must be 25 or fewer in length."
        for j, f in enumerate(fields):
            name, value = str(f.get("name", "")), str(f.get("value", ""))
            total += len(name) + len(value)
            if not name or len(name) > 256:
                errors[f"embeds.{i}.fields.{j}.name"] = "Must be between 1 and 256 in length."
            if not value or len(value) > 1024:
                errors[f"embeds.{i}.fields.{j}.value"] = "Must be between 1 and 1024 in length."
        footer = (embed.get("footer") or {}).get("text") or ""
        author = (embed.get("author") or {}).get("name") or ""
        total += len(footer) + len(author)
        if len(footer) > 2048:
            errors[f"embeds.{i}.footer.text"] = "Must be 2048 or fewer in length."
        if len(author) > 256:
            errors[f"embeds.{i}.author.name"] = "Must be 256 or fewer in length."
    if total > 6000:
        errors["embeds"] = "Embed size exceeds maximum size of 6000"
    return errors


def _choice_errors(choices: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    errors: dict[str, str] = {}
    if len(choices) > 25:
        errors["data.choices"] = "Must be 25 or fewer in length."
    for i, c in enumerate(choices):
        name = str(c.get("name", ""))
        if not 1 <= len(name) <= 100:
            errors[f"data.choices.{i}.name"] = "Must be between 1 and 100 in length."
        if isinstance(c.get("value"), str) and len(c["value"]) > 100:
            errors[f"data.choices.{i}.value"] = "Must be 100 or fewer in length."
    return errors


# --------------------------------------------------------------------------------------------
# The stand-in
# --------------------------------------------------------------------------------------------


class _Reject(Exception):
    """Raised inside a handler to answer with Discord's error JSON."""

    def __init__(self, status: int, code: int, message: str, errors: Any = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.errors = status, code, message, errors


@dataclass(eq=False)  # kept in a set, by identity
class _GatewayConn:
    ws: web.WebSocketResponse
    query: dict[str, str]
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    session_id: str | None = None
    #: (shard_id, shard_count) from IDENTIFY (or the resumed session); None before either.
    shard: tuple[int, int] | None = None

    def owns(self, guild_id: int | None) -> bool:
        """Whether Discord routes this guild's events (DMs: ``None``) to this connection."""
        if self.shard is None or self.ws.closed:
            return False
        shard_id, count = self.shard
        return shard_of(guild_id, count) == shard_id if guild_id is not None else shard_id == 0


def shard_of(guild_id: int, shard_count: int) -> int:
    """The shard Discord routes a guild's events to (Discord's documented formula)."""
    return (guild_id >> 22) % shard_count


class DiscordStandin:
    """Discord's REST API (``/api/v10``) and gateway (``/gateway``) on one loopback port.

    Use ``async with DiscordStandin() as standin:``; configure guilds with :meth:`add_guild`
    (before the bot connects, or later to simulate joining), point discord.py at
    :attr:`api_base` / :attr:`gateway_url`, then drive it with :meth:`send_slash` and
    :meth:`send_autocomplete` and read back the records.
    """

    def __init__(
        self,
        *,
        bot_id: int = 1_100_000_000_000_000_001,
        bot_name: str = "riskon",
        application_id: int | None = None,
        owner_id: int = 1_100_000_000_000_000_002,
        token: str | None = None,
        heartbeat_interval_ms: int = 41_250,
        interaction_timeout: float = 3.0,
        enforce_channel_permissions: bool = True,
        application_flags: int = 0,
        shard_count: int = 1,
        max_concurrency: int = 1,
        message_delay: float = 0.0,
    ) -> None:
        self.bot_id = bot_id
        self.bot_name = bot_name
        self.application_id = application_id or bot_id
        self.owner_id = owner_id
        self.token = token  # when set, REST auth and IDENTIFY must use it (else 401 / 4004)
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.interaction_timeout = interaction_timeout
        self.enforce_channel_permissions = enforce_channel_permissions
        self.application_flags = application_flags
        #: What GET /gateway/bot recommends, and its session_start_limit.max_concurrency.
        self.shard_count = shard_count
        self.max_concurrency = max_concurrency
        #: Seconds a channel post takes to be accepted: a slow Discord, so a test can kill a
        #: bot in the middle of its fan-out. The message is stored after the delay, whether
        #: or not the bot is still there to read the answer (as on Discord).
        self.message_delay = message_delay
        self._message_gate: asyncio.Event | None = None

        self.snowflake = _Snowflakes()
        self.guilds: dict[int, GuildModel] = {}
        self.requests: list[RecordedRequest] = []
        self.unknown_routes: list[RecordedRequest] = []
        self.global_commands: list[dict[str, Any]] = []
        self.guild_commands: dict[int, list[dict[str, Any]]] = {}
        self.interactions: dict[int, InteractionRecord] = {}
        self.messages: dict[int, MessageRecord] = {}
        self.channel_messages: dict[int, list[MessageRecord]] = {}
        self.channel_failures: dict[int, tuple[int, int, str]] = {}
        self.identifies: list[dict[str, Any]] = []
        self.resumes: list[dict[str, Any]] = []
        self.presence_updates: list[dict[str, Any]] = []
        self.heartbeats = 0
        self.gateway_connections: list[dict[str, str]] = []  # the query of each ws connection
        self.sent_events: list[tuple[str, dict[str, Any]]] = []

        self._rate_limits: list[dict[str, Any]] = []
        self._server_errors: list[dict[str, Any]] = []
        self._nonces: dict[tuple[int, str], MessageRecord] = {}  # enforce_nonce's memory
        self._tokens: dict[str, InteractionRecord] = {}
        self._command_ids: dict[tuple[int | None, str, int], int] = {}
        self._conns: set[_GatewayConn] = set()
        #: Live sessions by id, in the order they (re)connected: the connection serving each
        #: (a resumed session moves to its new connection) and the shard it identified for.
        self._live: dict[str, _GatewayConn] = {}
        self._sessions: dict[str, tuple[int, int]] = {}
        self._seq = 0
        self._waiters: list[asyncio.Future[None]] = []
        self._background: set[asyncio.Task[Any]] = set()
        self._runner: web.AppRunner | None = None
        self.port = 0

    # ---- lifecycle -------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application(middlewares=[self._middleware], client_max_size=64 * 1024 * 1024)
        self._add_routes(app)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        for conn in list(self._conns):
            with contextlib.suppress(Exception):
                await conn.ws.close(code=1001, message=b"stand-in stopping")
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        for fut in self._waiters:
            if not fut.done():
                fut.cancel()

    async def __aenter__(self) -> DiscordStandin:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_base(self) -> str:
        return f"{self.base_url}{API_PREFIX}"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    # ---- waiting ---------------------------------------------------------------------------

    def _notify(self) -> None:
        waiters, self._waiters = self._waiters, []
        for fut in waiters:
            if not fut.done():
                fut.set_result(None)

    async def _wait_until(self, predicate: Callable[[], bool], timeout: float, what: str) -> None:  # noqa: ASYNC109
        """Wait until ``predicate()`` holds; on timeout say what the bot did meanwhile."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not predicate():
            remaining = deadline - loop.time()
            if remaining <= 0:
                recent = [f"{r.method} {r.path} -> {r.status}" for r in self.requests[-8:]]
                raise TimeoutError(f"timed out after {timeout}s waiting for {what}; "
                                   f"recent requests: {recent}")
            fut: asyncio.Future[None] = loop.create_future()
            self._waiters.append(fut)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(fut, remaining)

    async def wait_for(
        self, predicate: Callable[[], bool], timeout: float = 5.0, what: str = "condition"  # noqa: ASYNC109
    ) -> None:
        """Wait until an arbitrary condition on the records holds (re-checked on every event)."""
        await self._wait_until(predicate, timeout, what)

    async def wait_identified(self, timeout: float = 10.0, count: int = 1) -> dict[str, Any]:  # noqa: ASYNC109
        """The ``count``-th IDENTIFY payload (``d`` of op 2), once READY has been sent for it."""
        await self._wait_until(
            lambda: len(self.identifies) >= count,
            timeout,
            f"IDENTIFY #{count}",
        )
        return self.identifies[count - 1]

    async def wait_resumed(self, timeout: float = 10.0, count: int = 1) -> dict[str, Any]:  # noqa: ASYNC109
        await self._wait_until(lambda: len(self.resumes) >= count, timeout, f"RESUME #{count}")
        return self.resumes[count - 1]

    async def wait_request(
        self, method: str, route: str, timeout: float = 5.0, count: int = 1  # noqa: ASYNC109
    ) -> RecordedRequest:
        """The ``count``-th request to a route template, e.g. ``("POST",
        "/channels/{channel_id}/messages")``."""
        await self._wait_until(
            lambda: len(self.requests_to(method, route)) >= count, timeout, f"{method} {route}"
        )
        return self.requests_to(method, route)[count - 1]

    async def wait_channel_message(
        self, channel_id: int, timeout: float = 5.0, count: int = 1  # noqa: ASYNC109
    ) -> MessageRecord:
        await self._wait_until(
            lambda: len(self.channel_messages.get(channel_id, [])) >= count,
            timeout,
            f"message #{count} in channel {channel_id}",
        )
        return self.channel_messages[channel_id][count - 1]

    def requests_to(self, method: str, route: str) -> list[RecordedRequest]:
        return [r for r in self.requests if r.method == method.upper() and r.route == route]

    @property
    def connected(self) -> bool:
        """Whether some gateway session is up (any shard)."""
        return any(not conn.ws.closed for conn in self._live.values())

    def connections_for(self, guild_id: int | None) -> list[_GatewayConn]:
        """The live connections Discord sends this guild's events to (``None``: DMs)."""
        return [conn for conn in self._live.values() if conn.owns(guild_id)]

    def shard_of(self, guild_id: int, shard_count: int | None = None) -> int:
        """The guild's shard under ``shard_count`` (default: the recommended count)."""
        return shard_of(guild_id, shard_count or self.shard_count)

    @property
    def identified_shards(self) -> list[tuple[int, int]]:
        """``(shard_id, shard_count)`` of every IDENTIFY, in order (repeats included)."""
        return [_identify_shard(d) for d in self.identifies]

    async def wait_shards(
        self, shards: Iterable[int], timeout: float = 10.0, shard_count: int | None = None  # noqa: ASYNC109
    ) -> None:
        """Until every shard in ``shards`` has a live session whose GUILD_CREATEs were sent."""
        wanted = set(shards)

        def up() -> bool:
            live = {c.shard[0] for c in self._live.values() if c.shard and not c.ws.closed
                    and (shard_count is None or c.shard[1] == shard_count)}
            return wanted <= live

        await self._wait_until(up, timeout, f"sessions for shards {sorted(wanted)}")

    @property
    def visibility_mismatches(self) -> list[Followup]:
        """Followups whose visible ephemerality differs from what the bot asked for."""
        return [
            f for ix in self.interactions.values() for f in ix.followups if f.visibility_mismatch
        ]

    # ---- configuration -----------------------------------------------------------------------

    @property
    def bot_user(self) -> dict[str, Any]:
        return {
            "id": str(self.bot_id),
            "username": self.bot_name,
            "discriminator": "0",
            "global_name": None,
            "avatar": None,
            "bot": True,
            "public_flags": 0,
            "flags": 0,
            "verified": True,
            "mfa_enabled": False,
            "locale": "en-US",
            "email": None,
        }

    def add_guild(
        self,
        guild_id: int,
        *,
        name: str = "Test Guild",
        channels: Iterable[ChannelSpec | int] = (),
        bot_permissions: int = DEFAULT_BOT_PERMISSIONS,
        everyone_permissions: int = DEFAULT_EVERYONE_PERMISSIONS,
        owner_id: int | None = None,
        member_count: int = 42,
        system_channel_id: int | None = None,
    ) -> GuildModel:
        """Configure a guild the bot is in. The bot's permissions come from @everyone plus its
        managed role (``bot_permissions``), narrowed per channel by overwrites. If the bot is
        already connected this sends GUILD_CREATE, as when a bot joins a server."""
        guild = GuildModel(
            id=guild_id,
            name=name,
            owner_id=owner_id if owner_id is not None else self.owner_id,
            bot_id=self.bot_id,
            bot_role_id=self.snowflake(),
            roles={},
            channels={},
            members={},
            member_count=member_count,
            system_channel_id=system_channel_id,
        )
        guild.roles[guild_id] = _role_payload(guild_id, "@everyone", everyone_permissions,
                                              position=0)
        guild.roles[guild.bot_role_id] = _role_payload(
            guild.bot_role_id, self.bot_name, bot_permissions, position=1, bot_id=self.bot_id
        )
        guild.members[self.bot_id] = [guild.bot_role_id]
        for spec in channels:
            guild.add_channel(spec)
        self.guilds[guild_id] = guild
        if self.connections_for(guild_id):
            self._spawn(self.dispatch_event("GUILD_CREATE", self.guild_payload(guild)))
        return guild

    def channel(self, channel_id: int) -> ChannelModel | None:
        for guild in self.guilds.values():
            if channel_id in guild.channels:
                return guild.channels[channel_id]
        return None

    def hold_messages(self) -> None:
        """Keep every channel post waiting (recorded in :attr:`requests`, not yet answered)
        until :meth:`release_messages`: several bots can then be caught mid fan-out at once."""
        if self._message_gate is None:
            self._message_gate = asyncio.Event()

    def release_messages(self) -> None:
        if self._message_gate is not None:
            self._message_gate.set()
            self._message_gate = None

    def fail_channel(self, channel_id: int, status: Literal[403, 404] = 403) -> None:
        """Make channel posts to ``channel_id`` fail like Discord does, whatever the model says."""
        if status == 403:
            self.channel_failures[channel_id] = (403, 50013, "Missing Permissions")
        else:
            self.channel_failures[channel_id] = (404, 10003, "Unknown Channel")

    def rate_limit(
        self,
        method: str,
        route: str,
        *,
        times: int = 1,
        retry_after: float = 0.05,
        is_global: bool = False,
    ) -> None:
        """Opt-in: answer the next ``times`` requests to ``route`` with a 429 (as Discord's rate
        limiter would, with the ``Via`` header discord.py uses to tell it from a Cloudflare ban)."""
        self._rate_limits.append({
            "method": method.upper(), "route": route, "times": times,
            "retry_after": retry_after, "global": is_global,
        })

    def server_error(
        self, method: str, route: str, *, status: int = 500, times: int = 1, done: bool = False
    ) -> None:
        """Opt-in: answer the next ``times`` requests to ``route`` with ``status`` (a 5xx).
        ``done=True`` carries the request out first and loses only the answer, as when Discord
        created the message but the response never arrived."""
        self._server_errors.append({"method": method.upper(), "route": route, "times": times,
                                    "status": status, "done": done})

    def _server_error(self, rec: RecordedRequest) -> dict[str, Any] | None:
        for fault in self._server_errors:
            if fault["times"] > 0 and fault["method"] == rec.method and \
                    fault["route"] == rec.route:
                fault["times"] -= 1
                return fault
        return None

    # ---- payload builders --------------------------------------------------------------------

    def _member_payload(
        self,
        guild: GuildModel,
        user_id: int,
        *,
        user: dict[str, Any] | None = None,
        permissions: int | None = None,
    ) -> dict[str, Any]:
        member: dict[str, Any] = {
            "user": user or self._user_payload(user_id),
            "roles": [str(r) for r in guild.members.get(user_id, [])],
            "joined_at": guild.joined_at,
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "pending": False,
            "nick": None,
            "avatar": None,
            "flags": 0,
            "communication_disabled_until": None,
        }
        if permissions is not None:
            member["permissions"] = str(permissions)
        return member

    def _user_payload(self, user_id: int) -> dict[str, Any]:
        if user_id == self.bot_id:
            return self.bot_user
        return {
            "id": str(user_id),
            "username": f"user{user_id % 10_000}",
            "discriminator": "0",
            "global_name": f"User {user_id % 10_000}",
            "avatar": None,
            "public_flags": 0,
        }

    def guild_payload(self, guild: GuildModel) -> dict[str, Any]:
        """The GUILD_CREATE payload: enough for discord.py to build channels, roles and ``me``."""
        return {
            "id": str(guild.id),
            "name": guild.name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "owner_id": str(guild.owner_id),
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "premium_progress_bar_enabled": False,
            "preferred_locale": "en-US",
            "features": [],
            "system_channel_id": (
                str(guild.system_channel_id) if guild.system_channel_id else None
            ),
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "vanity_url_code": None,
            "application_id": None,
            "max_members": 500_000,
            "roles": list(guild.roles.values()),
            "emojis": [],
            "stickers": [],
            "unavailable": False,
            "large": False,
            "lazy": True,
            "joined_at": guild.joined_at,
            "member_count": guild.member_count,
            "channels": [c.to_payload() for c in guild.channels.values()],
            "threads": [],
            "members": [self._member_payload(guild, uid) for uid in guild.members],
            "presences": [],
            "voice_states": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
        }

    def _ready_payload(self, session_id: str, identify: Mapping[str, Any],
                       guild_ids: Iterable[int]) -> dict[str, Any]:
        ready: dict[str, Any] = {
            "v": 10,
            "user": self.bot_user,
            "guilds": [{"id": str(gid), "unavailable": True} for gid in guild_ids],
            "session_id": session_id,
            "session_type": "normal",
            "resume_gateway_url": self.gateway_url,
            "application": {"id": str(self.application_id), "flags": self.application_flags},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": [],
            "user_settings": {},
        }
        if "shard" in identify:
            ready["shard"] = identify["shard"]
        return ready

    # ---- HTTP plumbing -----------------------------------------------------------------------

    def _add_routes(self, app: web.Application) -> None:
        r = app.router
        p = API_PREFIX
        r.add_get("/gateway", self._gateway)
        r.add_get(p + "/gateway", self._get_gateway)
        r.add_get(p + "/gateway/bot", self._get_gateway_bot)
        r.add_get(p + "/users/@me", self._get_me)
        r.add_get(p + "/oauth2/applications/@me", self._get_application)
        r.add_get(p + "/applications/@me", self._get_application)
        r.add_put(p + "/applications/{app_id}/commands", self._put_commands)
        r.add_get(p + "/applications/{app_id}/commands", self._get_commands)
        r.add_put(p + "/applications/{app_id}/guilds/{guild_id}/commands", self._put_commands)
        r.add_get(p + "/applications/{app_id}/guilds/{guild_id}/commands", self._get_commands)
        r.add_post(p + "/interactions/{interaction_id}/{token}/callback", self._callback)
        r.add_post(p + "/webhooks/{app_id}/{token}", self._followup)
        for msg in ("@original", "{message_id}"):
            route = p + "/webhooks/{app_id}/{token}/messages/" + msg
            r.add_patch(route, self._edit_webhook_message)
            r.add_get(route, self._get_webhook_message)
            r.add_delete(route, self._delete_webhook_message)
        r.add_post(p + "/channels/{channel_id}/messages", self._post_channel_message)
        r.add_get(p + "/channels/{channel_id}", self._get_channel)
        r.add_route("*", "/{tail:.*}", self._unknown)

    @staticmethod
    def _json(data: Any, status: int = 200, headers: Mapping[str, str] | None = None
              ) -> web.Response:
        # Exactly "application/json": discord.py compares the header verbatim, and aiohttp's
        # json_response would add "; charset=utf-8", making discord.py see a text body.
        return web.Response(
            body=json.dumps(data).encode(),
            status=status,
            headers={"Content-Type": "application/json", **(headers or {})},
        )

    @classmethod
    def _error(cls, status: int, code: int, message: str, errors: Any = None) -> web.Response:
        body: dict[str, Any] = {"code": code, "message": message}
        if errors:
            body["errors"] = errors
        return cls._json(body, status)

    async def _parse_body(self, request: web.Request) -> tuple[Any, list[FilePart]]:
        if request.method in ("GET", "HEAD") or not request.can_read_body:
            return None, []
        if request.content_type.startswith("multipart/"):
            payload: Any = None
            files: list[FilePart] = []
            reader = await request.multipart()
            while (part := await reader.next()) is not None:
                data = await part.read(decode=False)  # type: ignore[union-attr]
                name = part.name or ""  # type: ignore[union-attr]
                if name == "payload_json":
                    payload = json.loads(data)
                else:
                    files.append(FilePart(
                        field=name,
                        filename=part.filename or "",  # type: ignore[union-attr]
                        content_type=part.headers.get("Content-Type", ""),
                        data=bytes(data),
                    ))
            return payload, files
        raw = await request.read()
        if not raw:
            return None, []
        try:
            return json.loads(raw), []
        except ValueError:
            return raw.decode(errors="replace"), []

    @web.middleware
    async def _middleware(
        self, request: web.Request, handler: Callable[[web.Request], Any]
    ) -> web.StreamResponse:
        if request.path == "/gateway":
            return await handler(request)
        at = time.perf_counter()
        info = request.match_info
        route = getattr(info.route.resource, "canonical", request.path) if info.route else ""
        json_body, files = await self._parse_body(request)
        rec = RecordedRequest(
            method=request.method,
            path=request.path.removeprefix(API_PREFIX),
            route=route.removeprefix(API_PREFIX) if route != "/{tail}" else "",
            query=dict(request.query),
            headers=dict(request.headers),
            json=json_body,
            files=files,
            at=at,
        )
        request[_REC] = rec
        self.requests.append(rec)
        try:
            response = self._check_rate_limit(rec) or self._check_auth(request, rec)
            fault = self._server_error(rec) if response is None else None
            if fault is not None and not fault["done"]:
                response = self._error(fault["status"], 0, f"{fault['status']}: Server Error")
            if response is None:
                try:
                    response = await handler(request)
                except _Reject as rej:
                    response = self._error(rej.status, rej.code, rej.message, rej.errors)
                if fault is not None:  # done, but the answer is lost on the way back
                    response = self._error(fault["status"], 0, f"{fault['status']}: Server Error")
        finally:
            self._notify()
        rec.status = response.status
        if isinstance(response, web.Response) and response.body:
            with contextlib.suppress(Exception):
                rec.response = json.loads(response.body)  # type: ignore[arg-type]
        self._notify()
        return response

    def _check_rate_limit(self, rec: RecordedRequest) -> web.Response | None:
        for rl in self._rate_limits:
            if rl["times"] > 0 and rl["method"] == rec.method and rl["route"] == rec.route:
                rl["times"] -= 1
                retry = rl["retry_after"]
                return self._json(
                    {"message": "You are being rate limited.", "retry_after": retry,
                     "global": rl["global"], "code": 0},
                    429,
                    {"Via": "1.1 google", "Retry-After": str(max(1, round(retry))),
                     "X-RateLimit-Global": str(rl["global"]).lower(),
                     "X-RateLimit-Scope": "global" if rl["global"] else "user"},
                )
        return None

    def _check_auth(self, request: web.Request, rec: RecordedRequest) -> web.Response | None:
        if self.token is None or rec.route.startswith(("/webhooks/", "/interactions/")):
            return None
        if request.headers.get("Authorization") != f"Bot {self.token}":
            return self._error(401, 0, "401: Unauthorized")
        return None

    async def _unknown(self, request: web.Request) -> web.Response:
        self.unknown_routes.append(request[_REC])
        return self._error(404, 0, "404: Not Found")

    # ---- REST handlers -----------------------------------------------------------------------

    async def _get_gateway(self, request: web.Request) -> web.Response:
        return self._json({"url": self.gateway_url})

    async def _get_gateway_bot(self, request: web.Request) -> web.Response:
        return self._json({
            "url": self.gateway_url,
            "shards": self.shard_count,
            "session_start_limit": {"total": 1000, "remaining": 999, "reset_after": 0,
                                    "max_concurrency": self.max_concurrency},
        })

    async def _get_me(self, request: web.Request) -> web.Response:
        return self._json(self.bot_user)

    async def _get_application(self, request: web.Request) -> web.Response:
        return self._json({
            "id": str(self.application_id),
            "name": self.bot_name,
            "icon": None,
            "description": "",
            "summary": "",
            "type": None,
            "bot_public": False,
            "bot_require_code_grant": False,
            "verify_key": "0" * 64,
            "flags": self.application_flags,
            "owner": self._user_payload(self.owner_id),
            "team": None,
            "bot": self.bot_user,
            "rpc_origins": [],
            "tags": [],
            "redirect_uris": [],
            "interactions_endpoint_url": None,
            "install_params": None,
            "integration_types_config": {"0": {}},
        })

    def _check_app(self, request: web.Request) -> None:
        if int(request.match_info["app_id"]) != self.application_id:
            raise _Reject(403, 50001, "Missing Access")

    async def _put_commands(self, request: web.Request) -> web.Response:
        self._check_app(request)
        body = request[_REC].json
        if not isinstance(body, list):
            raise _Reject(400, 50035, "Invalid Form Body", {"_errors": "Must be an array"})
        gid_raw = request.match_info.get("guild_id")
        guild_id = int(gid_raw) if gid_raw else None
        if guild_id is not None and guild_id not in self.guilds:
            raise _Reject(403, 50001, "Missing Access")
        errors = {}
        if len(body) > 100:
            errors["_errors"] = "Must be 100 or fewer in length."
        for i, cmd in enumerate(body):
            name, desc = str(cmd.get("name", "")), str(cmd.get("description", ""))
            if not 1 <= len(name) <= 32 or (name != name.lower() and cmd.get("type", 1) == 1):
                errors[f"{i}.name"] = "Invalid command name"
            if cmd.get("type", 1) == 1 and not 1 <= len(desc) <= 100:
                errors[f"{i}.description"] = "Must be between 1 and 100 in length."
            if len(cmd.get("options") or []) > 25:
                errors[f"{i}.options"] = "Must be 25 or fewer in length."
        if errors:
            raise _Reject(400, 50035, "Invalid Form Body", errors)
        stored = []
        for cmd in body:
            key = (guild_id, cmd["name"], int(cmd.get("type", 1)))
            cmd_id = self._command_ids.setdefault(key, self.snowflake())
            out = {
                "type": 1,
                "options": [],
                "default_member_permissions": None,
                "dm_permission": True,
                "nsfw": False,
                "contexts": None,
                "integration_types": [0],
                **cmd,
                "id": str(cmd_id),
                "application_id": str(self.application_id),
                "version": str(self.snowflake()),
            }
            if out["default_member_permissions"] is not None:  # Discord answers a string
                out["default_member_permissions"] = str(out["default_member_permissions"])
            if guild_id is not None:
                out["guild_id"] = str(guild_id)
            stored.append(out)
        if guild_id is None:
            self.global_commands = stored
        else:
            self.guild_commands[guild_id] = stored
        return self._json(stored)

    async def _get_commands(self, request: web.Request) -> web.Response:
        self._check_app(request)
        gid_raw = request.match_info.get("guild_id")
        if gid_raw:
            return self._json(self.guild_commands.get(int(gid_raw), []))
        return self._json(self.global_commands)

    async def _get_channel(self, request: web.Request) -> web.Response:
        channel = self.channel(int(request.match_info["channel_id"]))
        if channel is None:
            raise _Reject(404, 10003, "Unknown Channel")
        if not self.guilds[channel.guild_id].bot_permissions(channel.id) & VIEW_CHANNEL:
            raise _Reject(403, 50001, "Missing Access")
        return self._json(channel.to_payload())

    # ---- messages ------------------------------------------------------------------------------

    def _build_message(
        self,
        rec: RecordedRequest,
        payload: Mapping[str, Any],
        *,
        channel_id: int,
        guild_id: int | None,
        ephemeral: bool,
        interaction: InteractionRecord | None,
        message_id: int | None = None,
        previous: MessageRecord | None = None,
        webhook: bool = False,
    ) -> MessageRecord:
        """A Discord message object from a create/edit body; ``attachment://`` refs in embeds
        are resolved against the uploaded files (and the unresolved ones remembered)."""
        files = list(previous.files) if previous else []
        attachments = list(previous.attachments) if previous else []
        if previous is not None and "attachments" in payload:
            keep = {str(a.get("id")) for a in payload.get("attachments") or []}
            kept = [a for a in attachments if str(a["id"]) in keep]
            files = [f for f in files if any(a["filename"] == f.filename for a in kept)]
            attachments = kept
        for part in rec.files:
            att_id = self.snowflake()
            ctype = mimetypes.guess_type(part.filename)[0] or part.content_type
            url = f"{self.base_url}/attachments/{channel_id}/{att_id}/{part.filename}"
            attachments.append({
                "id": str(att_id), "filename": part.filename, "size": len(part.data),
                "url": url, "proxy_url": url, "content_type": ctype,
                **({"ephemeral": True} if ephemeral else {}),
            })
            files.append(part)
        by_name = {a["filename"]: a["url"] for a in attachments}
        embeds = json.loads(json.dumps(payload.get("embeds", previous.embeds if previous else [])))
        unresolved: list[str] = []
        for embed in embeds:
            embed.setdefault("type", "rich")
            for key in ("image", "thumbnail"):
                url = (embed.get(key) or {}).get("url", "")
                if url.startswith("attachment://"):
                    name = url.removeprefix("attachment://")
                    if name in by_name:
                        embed[key]["url"] = embed[key]["proxy_url"] = by_name[name]
                    else:
                        unresolved.append(name)
        flags = int(payload.get("flags", 0) or 0) & ~(EPHEMERAL | LOADING)
        flags |= EPHEMERAL if ephemeral else 0
        mid = message_id or self.snowflake()
        data: dict[str, Any] = {
            "id": str(mid),
            "channel_id": str(channel_id),
            "type": 20 if interaction is not None and previous is None else 0,
            "content": payload.get("content", previous.content if previous else "") or "",
            "author": self.bot_user,
            "timestamp": previous.data["timestamp"] if previous else _now_iso(),
            "edited_timestamp": _now_iso() if previous else None,
            "tts": bool(payload.get("tts", False)),
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": attachments,
            "embeds": embeds,
            "pinned": False,
            "flags": flags,
            "components": payload.get("components", previous.data.get("components", [])
                                      if previous else []),
        }
        if guild_id is not None:
            data["guild_id"] = str(guild_id)
        if webhook:
            data["webhook_id"] = str(self.application_id)
            data["application_id"] = str(self.application_id)
        if previous is not None and "interaction_metadata" in previous.data:
            # Discord keeps who ran the command that made a message however it is edited.
            data["interaction_metadata"] = previous.data["interaction_metadata"]
        elif interaction is not None:
            data["interaction_metadata"] = {
                "id": str(interaction.id), "type": interaction.type,
                "user": self._user_payload(interaction.user_id),
                "authorizing_integration_owners": {},
                "name": interaction.name,
            }
        msg = MessageRecord(
            id=mid, channel_id=channel_id, guild_id=guild_id, data=data, files=files,
            ephemeral=ephemeral, interaction_id=interaction.id if interaction else None,
            unresolved_attachment_refs=unresolved,
            history=[*previous.history, rec] if previous else [rec],
        )
        self.messages[mid] = msg
        return msg

    async def _post_channel_message(self, request: web.Request) -> web.Response:
        rec: RecordedRequest = request[_REC]
        channel_id = int(request.match_info["channel_id"])
        if channel_id in self.channel_failures:
            status, code, message = self.channel_failures[channel_id]
            raise _Reject(status, code, message)
        channel = self.channel(channel_id)
        if channel is None:
            raise _Reject(404, 10003, "Unknown Channel")
        guild = self.guilds[channel.guild_id]
        if self.enforce_channel_permissions:
            perms = guild.bot_permissions(channel_id)
            if not perms & VIEW_CHANNEL:
                raise _Reject(403, 50001, "Missing Access")
            if not perms & SEND_MESSAGES or (rec.files and not perms & ATTACH_FILES):
                raise _Reject(403, 50013, "Missing Permissions")
        if self._message_gate is not None:
            await self._message_gate.wait()
        if self.message_delay:
            await asyncio.sleep(self.message_delay)
        payload = rec.payload
        if not (payload.get("content") or payload.get("embeds") or rec.files
                or payload.get("components") or payload.get("sticker_ids")):
            raise _Reject(400, 50006, "Cannot send an empty message")
        if errors := _message_errors(payload):
            raise _Reject(400, 50035, "Invalid Form Body", errors)
        nonce = payload.get("nonce") if payload.get("enforce_nonce") else None
        if nonce is not None and (channel_id, str(nonce)) in self._nonces:
            # Discord: a repeat of a recent nonce gets the message already made, no new one
            return self._json(self._nonces[channel_id, str(nonce)].data)
        msg = self._build_message(rec, payload, channel_id=channel_id, guild_id=guild.id,
                                  ephemeral=False, interaction=None)
        self.channel_messages.setdefault(channel_id, []).append(msg)
        if nonce is not None:
            self._nonces[channel_id, str(nonce)] = msg
        return self._json(msg.data)

    # ---- interactions: callback, followups, edits -------------------------------------------

    async def _callback(self, request: web.Request) -> web.StreamResponse:
        rec: RecordedRequest = request[_REC]
        ix = self.interactions.get(int(request.match_info["interaction_id"]))
        if ix is None or ix.token != request.match_info["token"]:
            raise _Reject(404, 10062, "Unknown interaction")
        body = rec.payload
        cb_type = int(body.get("type", 0))
        data = body.get("data") or {}
        latency = rec.at - ix.created_at
        ephemeral = bool(int(data.get("flags", 0) or 0) & EPHEMERAL)
        cb = Callback(type=cb_type, data=data, request=rec, status=0, latency=latency,
                      ephemeral=ephemeral)

        def reject(status: int, code: int, message: str, errors: Any = None) -> _Reject:
            cb.status = status
            ix.rejected_callbacks.append(cb)
            return _Reject(status, code, message, errors)

        if latency > self.interaction_timeout:
            raise reject(404, 10062, "Unknown interaction")
        if ix.callback is not None:
            raise reject(400, 40060, "Interaction has already been acknowledged.")
        if cb_type not in _ALLOWED_CALLBACKS.get(ix.type, set()):
            raise reject(400, 50035, "Invalid Form Body",
                         {"type": f"callback type {cb_type} not valid for interaction {ix.type}"})
        if cb_type in (4, 7) and (errors := _message_errors(data)):
            raise reject(400, 50035, "Invalid Form Body", errors)
        if cb_type == 8 and (errors := _choice_errors(data.get("choices") or [])):
            raise reject(400, 50035, "Invalid Form Body", errors)

        cb.status = 200
        if cb_type == 4:
            cb.message = self._build_message(
                rec, data, channel_id=ix.channel_id, guild_id=ix.guild_id, ephemeral=ephemeral,
                interaction=ix, webhook=True)
        elif cb_type == 5:
            cb.message = self._build_message(
                rec, {"flags": LOADING}, channel_id=ix.channel_id, guild_id=ix.guild_id,
                ephemeral=ephemeral, interaction=ix, webhook=True)
            cb.message.thinking = True
            cb.message.data["flags"] |= LOADING
            ix.deferred_ephemeral = ephemeral
        elif cb_type == 7 and ix.original is not None:
            # UPDATE_MESSAGE: the component's message is edited in place, visibility unchanged.
            target = ix.original
            cb.message = self._build_message(
                rec, data, channel_id=target.channel_id, guild_id=target.guild_id,
                ephemeral=target.ephemeral, interaction=ix, message_id=target.id,
                previous=target, webhook=True)
            cb.message.data["type"] = target.data["type"]
        ix.callback = cb
        if cb.message is not None or ix.type != 3:
            # A component interaction's @original stays the message the component is on
            # (after a type-6 deferred update, editing @original edits that message).
            ix.original = cb.message

        if rec.query.get("with_response", "").lower() not in ("1", "true"):
            return web.Response(status=204)
        interaction: dict[str, Any] = {"id": str(ix.id), "type": ix.type}
        resource: dict[str, Any] = {"type": cb_type}
        if cb.message is not None:
            interaction.update(
                response_message_id=str(cb.message.id),
                response_message_loading=cb_type == 5,
                response_message_ephemeral=ephemeral,
            )
            resource["message"] = cb.message.data
        return self._json({"interaction": interaction, "resource": resource})

    def _webhook_interaction(self, request: web.Request) -> InteractionRecord:
        ix = self._tokens.get(request.match_info["token"])
        if ix is None or int(request.match_info["app_id"]) != self.application_id:
            raise _Reject(404, 10015, "Unknown Webhook")
        return ix

    async def _followup(self, request: web.Request) -> web.Response:
        rec: RecordedRequest = request[_REC]
        ix = self._webhook_interaction(request)
        if ix.callback is None:
            # Discord only creates the interaction's webhook once it has been acknowledged.
            raise _Reject(404, 10015, "Unknown Webhook")
        payload = rec.payload
        requested = bool(int(payload.get("flags", 0) or 0) & EPHEMERAL)
        if not (payload.get("content") or payload.get("embeds") or rec.files
                or payload.get("components") or payload.get("poll")):
            raise _Reject(400, 50006, "Cannot send an empty message")
        if errors := _message_errors(payload):
            raise _Reject(400, 50035, "Invalid Form Body", errors)
        original = ix.original
        # Once the thinking message is deleted, a followup is a new message with its own flags
        # (the way to answer privately after a public deferral).
        replaces = original is not None and original.thinking and not original.deleted
        if replaces:
            assert original is not None
            effective = original.ephemeral  # the deferral's visibility wins
            msg = self._build_message(rec, payload, channel_id=ix.channel_id,
                                      guild_id=ix.guild_id, ephemeral=effective, interaction=ix,
                                      message_id=original.id, webhook=True)
            ix.original = msg
        else:
            effective = requested
            msg = self._build_message(rec, payload, channel_id=ix.channel_id,
                                      guild_id=ix.guild_id, ephemeral=effective, interaction=ix,
                                      webhook=True)
        ix.followups.append(Followup(
            kind="followup", request=rec, status=200, ephemeral=effective,
            requested_ephemeral=requested, replaced_thinking=replaces, message=msg,
            latency=rec.at - ix.created_at,
        ))
        if rec.query.get("wait", "").lower() in ("1", "true"):
            return self._json(msg.data)
        return web.Response(status=204)

    def _target_message(self, request: web.Request, ix: InteractionRecord) -> MessageRecord:
        raw = request.match_info.get("message_id")
        if raw is None:  # @original
            if ix.original is None or ix.original.deleted:
                raise _Reject(404, 10008, "Unknown Message")
            return ix.original
        msg = self.messages.get(int(raw))
        if msg is None or msg.deleted or msg.interaction_id != ix.id:
            raise _Reject(404, 10008, "Unknown Message")
        return msg

    async def _edit_webhook_message(self, request: web.Request) -> web.Response:
        rec: RecordedRequest = request[_REC]
        ix = self._webhook_interaction(request)
        target = self._target_message(request, ix)
        payload = rec.payload
        if errors := _message_errors(payload):
            raise _Reject(400, 50035, "Invalid Form Body", errors)
        requested = bool(int(payload.get("flags", 0) or 0) & EPHEMERAL)
        replaces = target.thinking
        # The answer that replaces a deferral's "thinking…" is the message's first content, as
        # a followup in its place would be: not an edit (no edited_timestamp, a fresh history).
        msg = self._build_message(rec, payload, channel_id=target.channel_id,
                                  guild_id=target.guild_id, ephemeral=target.ephemeral,
                                  interaction=ix, message_id=target.id,
                                  previous=None if replaces else target, webhook=True)
        msg.data["type"] = target.data["type"]
        if ix.original is not None and ix.original.id == target.id:
            ix.original = msg
        is_original = "message_id" not in request.match_info
        ix.followups.append(Followup(
            kind="edit_original" if is_original else "edit_message", request=rec, status=200,
            ephemeral=target.ephemeral,
            # an edit cannot change visibility; only an explicit flag counts as a request
            requested_ephemeral=requested if "flags" in payload else target.ephemeral,
            replaced_thinking=replaces, message=msg, latency=rec.at - ix.created_at,
        ))
        return self._json(msg.data)

    async def _get_webhook_message(self, request: web.Request) -> web.Response:
        ix = self._webhook_interaction(request)
        return self._json(self._target_message(request, ix).data)

    async def _delete_webhook_message(self, request: web.Request) -> web.Response:
        ix = self._webhook_interaction(request)
        self._target_message(request, ix).deleted = True
        return web.Response(status=204)

    # ---- gateway -----------------------------------------------------------------------------

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True, max_msg_size=0)
        await ws.prepare(request)
        conn = _GatewayConn(ws=ws, query=dict(request.query))
        self._conns.add(conn)
        self.gateway_connections.append(conn.query)
        self._notify()
        try:
            await self._send(conn, {"op": 10, "d": {"heartbeat_interval":
                                                    self.heartbeat_interval_ms}})
            async for msg in ws:
                if msg.type is WSMsgType.TEXT:
                    await self._on_op(conn, json.loads(msg.data))
                elif msg.type is WSMsgType.ERROR:
                    break
        finally:
            self._conns.discard(conn)
            if conn.session_id is not None and self._live.get(conn.session_id) is conn:
                del self._live[conn.session_id]
            self._notify()
        return ws

    async def _send(self, conn: _GatewayConn, payload: dict[str, Any]) -> None:
        payload.setdefault("s", None)
        payload.setdefault("t", None)
        async with conn.lock:
            await conn.ws.send_str(json.dumps(payload))

    async def _on_op(self, conn: _GatewayConn, payload: dict[str, Any]) -> None:
        op, d = payload.get("op"), payload.get("d")
        if op == 1:  # HEARTBEAT
            self.heartbeats += 1
            await self._send(conn, {"op": 11})
        elif op == 2:  # IDENTIFY
            if self.token is not None and d.get("token") != self.token:
                await conn.ws.close(code=4004, message=b"Authentication failed.")
                return
            shard_id, count = _identify_shard(d)
            if not 0 <= shard_id < count:
                await conn.ws.close(code=4010, message=b"Invalid shard.")
                return
            conn.session_id = secrets.token_hex(16)
            conn.shard = (shard_id, count)
            self._sessions[conn.session_id] = conn.shard
            self._live[conn.session_id] = conn
            mine = [g for g in self.guilds.values() if conn.owns(g.id)]
            await self._dispatch_to(
                conn, "READY", self._ready_payload(conn.session_id, d, (g.id for g in mine))
            )
            for guild in mine:
                await self._dispatch_to(conn, "GUILD_CREATE", self.guild_payload(guild))
            self.identifies.append(d)  # after GUILD_CREATE, so wait_identified means "all sent"
        elif op == 6:  # RESUME
            self.resumes.append(d)
            session = d.get("session_id")
            if session not in self._sessions:
                await self._send(conn, {"op": 9, "d": False})
                return
            conn.session_id, conn.shard = session, self._sessions[session]
            self._live.pop(session, None)
            self._live[session] = conn
            await self._dispatch_to(conn, "RESUMED", {})
        elif op == 3:  # PRESENCE_UPDATE
            self.presence_updates.append(d)
        elif op == 8:  # REQUEST_GUILD_MEMBERS
            gids = d.get("guild_id")
            for gid in gids if isinstance(gids, list) else [gids]:
                guild = self.guilds.get(int(gid))
                if guild is not None:
                    await self._dispatch_to(conn, "GUILD_MEMBERS_CHUNK", {
                        "guild_id": str(guild.id),
                        "members": [self._member_payload(guild, u) for u in guild.members],
                        "chunk_index": 0, "chunk_count": 1, "nonce": d.get("nonce"),
                    })
        self._notify()

    async def _dispatch_to(self, conn: _GatewayConn, event: str, data: dict[str, Any]) -> None:
        self._seq += 1
        self.sent_events.append((event, data))
        await self._send(conn, {"op": 0, "t": event, "s": self._seq, "d": data})

    async def dispatch_event(self, event: str, data: dict[str, Any]) -> None:
        """Send a dispatch event (op 0) to the connections Discord would route it to: those
        of the guild's shard (``guild_id``, or ``id`` for GUILD_CREATE), shard 0 for DMs."""
        raw = data.get("guild_id") or (data.get("id") if event.startswith("GUILD_") else None)
        guild_id = int(raw) if raw is not None else None
        conns = self.connections_for(guild_id)
        if not conns:
            where = "no session" if not self.connected else (
                f"no session for shard {self.shard_of(guild_id)} of guild {guild_id}"
                if guild_id is not None else "no session on shard 0 (DMs)")
            raise RuntimeError(f"cannot send {event}: the bot has {where} on the gateway")
        for conn in conns:
            await self._dispatch_to(conn, event, data)

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def drop_gateway(self, code: int = 4000, *, resumable: bool = True) -> None:
        """Close the bot's gateway connection as Discord does on a restart. With
        ``resumable=False`` the session is forgotten, so the bot's RESUME gets op 9 and it must
        IDENTIFY again."""
        if not resumable:
            self._sessions.clear()
        for conn in list(self._conns):
            await conn.ws.close(code=code, message=b"stand-in dropped the connection")
        self._live.clear()
        self._notify()

    async def send_reconnect(self) -> None:
        """Op 7 RECONNECT: ask every session to reconnect and resume."""
        for conn in list(self._live.values()):
            await self._send(conn, {"op": 7, "d": None})

    # ---- injecting interactions ----------------------------------------------------------

    def _find_command(self, name: str, guild_id: int | None, cmd_type: int = 1
                      ) -> tuple[dict[str, Any] | None, bool]:
        """The synced command definition and whether it is a guild command."""
        if guild_id is not None:
            for cmd in self.guild_commands.get(guild_id, []):
                if cmd["name"] == name and int(cmd.get("type", 1)) == cmd_type:
                    return cmd, True
        for cmd in self.global_commands:
            if cmd["name"] == name and int(cmd.get("type", 1)) == cmd_type:
                return cmd, False
        return None, guild_id is not None

    @staticmethod
    def _infer_type(value: Any) -> int:
        if isinstance(value, bool):
            return BOOLEAN
        if isinstance(value, int):
            return INTEGER
        if isinstance(value, float):
            return NUMBER
        return STRING

    def _build_options(
        self,
        path: list[str],
        options: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None,
        schema: Sequence[Mapping[str, Any]] | None,
        focused: str | None,
    ) -> list[dict[str, Any]]:
        """Discord's nested option list: subcommand path first, then typed leaf values (types
        from the synced schema when there is one, else inferred from the Python values)."""
        if path:
            sub = next((o for o in schema or [] if o.get("name") == path[0]), None)
            if schema is not None and sub is None:
                raise ValueError(f"no subcommand {path[0]!r} in the synced command")
            kind = int(sub["type"]) if sub else (SUB_COMMAND if len(path) == 1
                                                else SUB_COMMAND_GROUP)
            inner = self._build_options(path[1:], options, sub.get("options") if sub else None,
                                        focused)
            return [{"type": kind, "name": path[0], "options": inner}]
        if options is None:
            return []
        if not isinstance(options, Mapping):
            return [dict(o) for o in options]
        out = []
        for name, value in options.items():
            spec = next((o for o in schema or [] if o.get("name") == name), None)
            if schema is not None and spec is None:
                raise ValueError(f"no option {name!r} in the synced command")
            kind = int(spec["type"]) if spec else self._infer_type(value)
            if kind in (USER, CHANNEL, ROLE, MENTIONABLE, ATTACHMENT):
                value = str(value)
            opt: dict[str, Any] = {"type": kind, "name": name, "value": value}
            if name == focused:
                opt["focused"] = True
                opt["value"] = str(value)  # Discord sends what the user typed so far
            out.append(opt)
        return out

    def _resolved(self, options: list[dict[str, Any]], guild: GuildModel | None,
                  user_id: int) -> dict[str, Any]:
        """The ``resolved`` block for channel/user/role options, from the guild model."""
        resolved: dict[str, dict[str, Any]] = {}
        leaves: list[dict[str, Any]] = []
        stack = list(options)
        while stack:
            opt = stack.pop()
            if opt.get("type") in (SUB_COMMAND, SUB_COMMAND_GROUP):
                stack.extend(opt.get("options") or [])
            else:
                leaves.append(opt)
        for opt in leaves:
            if opt.get("focused"):
                continue
            kind, value = opt.get("type"), str(opt.get("value"))
            if kind == CHANNEL:
                channel = guild.channels.get(int(value)) if guild else None
                if channel is not None and guild is not None:
                    data = channel.to_payload()
                    data["permissions"] = str(guild.permissions_for(user_id, channel.id))
                    data.pop("permission_overwrites")
                else:
                    data = {"id": value, "name": f"unknown-{value}", "type": 0, "permissions": "0"}
                resolved.setdefault("channels", {})[value] = data
            elif kind in (USER, MENTIONABLE) and (guild is None or int(value) not in guild.roles):
                resolved.setdefault("users", {})[value] = self._user_payload(int(value))
                if guild is not None:
                    member = self._member_payload(guild, int(value))
                    member.pop("user")
                    member["permissions"] = str(guild.permissions_for(int(value)))
                    resolved.setdefault("members", {})[value] = member
            elif kind in (ROLE, MENTIONABLE) and guild is not None and int(value) in guild.roles:
                resolved.setdefault("roles", {})[value] = guild.roles[int(value)]
        return resolved

    async def send_slash(
        self,
        name: str,
        options: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None = None,
        *,
        guild_id: int | None = None,
        channel_id: int | None = None,
        user_id: int = 1_100_000_000_000_000_100,
        permissions: int | None = None,
        roles: Iterable[int] = (),
        locale: str = "en-US",
        dm: bool = False,
        _type: int = 2,
        _focused: str | None = None,
    ) -> InteractionRecord:
        """Dispatch INTERACTION_CREATE for ``/name`` and return its record.

        ``name`` may hold a subcommand path (``"config channel"``); ``options`` is either a
        ``{name: value}`` mapping (typed from the synced command, so channel options get a
        ``resolved`` block) or Discord's raw option list. ``guild_id`` defaults to the only
        configured guild; ``dm=True`` sends a DM interaction instead.
        ``permissions`` is the invoking member's permissions in the channel (defaults to what
        the guild model computes for ``roles``). ``created_at`` is taken just before sending.
        """
        if dm:
            guild_id = None
        elif guild_id is None:
            if len(self.guilds) != 1:
                raise ValueError("pass guild_id (or dm=True): there is not exactly one guild")
            guild_id = next(iter(self.guilds))
        guild = self.guilds.get(guild_id) if guild_id is not None else None
        if guild_id is not None and guild is None:
            raise ValueError(f"guild {guild_id} is not configured (use add_guild)")
        if channel_id is None:
            channel_id = next(iter(guild.channels)) if guild and guild.channels else \
                self.snowflake()
        top, *path = name.split()
        command, is_guild_cmd = self._find_command(top, guild_id)
        if command is None and (self.global_commands or self.guild_commands):
            raise ValueError(f"/{top} has not been synced (guild {guild_id}); Discord would "
                             "not send it")
        schema = command.get("options") if command is not None else None
        opts = self._build_options(path, options, schema, _focused)
        if guild is not None:
            guild.members.setdefault(user_id, list(roles))
            if permissions is None:
                permissions = guild.permissions_for(user_id, channel_id)
        ix_id, token = self.snowflake(), "tok-" + secrets.token_urlsafe(24)
        data: dict[str, Any] = {
            "id": command["id"] if command else str(self.snowflake()),
            "name": top,
            "type": 1,
            "options": opts,
        }
        if resolved := self._resolved(opts, guild, user_id):
            data["resolved"] = resolved
        if guild_id is not None and is_guild_cmd:
            data["guild_id"] = str(guild_id)
        payload: dict[str, Any] = {
            "id": str(ix_id),
            "application_id": str(self.application_id),
            "type": _type,
            "data": data,
            "token": token,
            "version": 1,
            "locale": locale,
            "entitlements": [],
            "attachment_size_limit": 10 * 1024 * 1024,
            "channel_id": str(channel_id),
        }
        if guild is not None:
            channel = guild.channels.get(channel_id)
            chan = channel.to_payload() if channel else {"id": str(channel_id), "type": 0,
                                                          "name": f"channel-{channel_id}"}
            chan.pop("permission_overwrites", None)
            chan["permissions"] = str(permissions)
            payload.update(
                guild_id=str(guild.id),
                guild={"id": str(guild.id), "locale": "en-US", "features": []},
                guild_locale="en-US",
                channel=chan,
                member=self._member_payload(guild, user_id, permissions=permissions or 0),
                app_permissions=str(guild.bot_permissions(channel_id)),
                authorizing_integration_owners={"0": str(guild.id)},
                context=0,
            )
        else:
            payload.update(
                user=self._user_payload(user_id),
                channel={"id": str(channel_id), "type": 1, "recipients": [
                    self._user_payload(user_id)]},
                app_permissions=str(DEFAULT_BOT_PERMISSIONS),
                authorizing_integration_owners={"0": str(user_id)},
                context=1,
            )
        ix = InteractionRecord(
            id=ix_id, token=token, type=_type, name=name, guild_id=guild_id,
            channel_id=channel_id, user_id=user_id, payload=payload, created_at=0.0,
            _standin=self,
        )
        self.interactions[ix_id] = ix
        self._tokens[token] = ix
        ix.created_at = time.perf_counter()
        await self.dispatch_event("INTERACTION_CREATE", payload)
        return ix

    async def send_autocomplete(
        self,
        name: str,
        options: Mapping[str, Any] | Sequence[Mapping[str, Any]],
        *,
        focused: str | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109
        **kwargs: Any,
    ) -> list[dict[str, Any]]:
        """Dispatch an autocomplete interaction (type 4) and return the choices of its type-8
        callback. With a ``{name: value}`` mapping, ``focused`` names the option being typed;
        with a raw list, mark it ``"focused": True`` yourself."""
        if isinstance(options, Mapping) and focused is None:
            raise ValueError("say which option is focused")
        ix = await self.send_slash(name, options, _type=4, _focused=focused, **kwargs)
        cb = await ix.wait_callback(timeout)
        if cb.type != 8 or not cb.accepted:
            raise AssertionError(f"autocomplete answered with type {cb.type}, status {cb.status}")
        return cb.choices
