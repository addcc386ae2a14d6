"""The local Discord stand-in in a process of its own, for benchmarks that time the bot's loop.

In the bot's process the stand-in is part of what the bot's cyclic garbage collector walks: it
records every request (headers, JSON body, PNG parts) and every message, about 30 tracked
objects per channel post. At 10,000 alert posts that was 310,000 of the 412,000 objects a full
collection walked at the end of the fan-out (tracked-object census, bench_alerts.py), and
collections grew with it, to 150-340 ms: the "largest event-loop stall" measured the
harness, not the bot. Here the stand-in answers from another process over the same 127.0.0.1
HTTP and websocket, and the parent asks it for what it recorded (JSON lines over stdin/stdout).

Run by `StandinProcess`; `python benchmarks/standin_process.py TOKEN` is the child's side.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve()
CHANNEL_POSTS = "/channels/{channel_id}/messages"


class StandinProcess:
    """The parent's handle: `api_base` and `gateway_url` (all `write_config` and `riskon`
    read of a stand-in), setting guilds up, and the channel posts it accepted."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.api_base = ""
        self.gateway_url = ""
        self._proc: asyncio.subprocess.Process | None = None

    @property
    def pid(self) -> int:
        assert self._proc is not None
        return self._proc.pid

    async def _ask(self, op: str, **args: Any) -> dict[str, Any]:
        assert self._proc is not None and self._proc.stdin is not None
        self._proc.stdin.write(json.dumps({"op": op, **args}).encode() + b"\n")
        await self._proc.stdin.drain()
        return await self._answer()

    async def _answer(self) -> dict[str, Any]:
        assert self._proc is not None and self._proc.stdout is not None
        line = await self._proc.stdout.readline()
        if not line:
            raise RuntimeError("the stand-in process exited (see its stderr above)")
        return json.loads(line)

    async def __aenter__(self) -> StandinProcess:
        self._proc = await asyncio.create_subprocess_exec(
            sys.executable, str(HERE), self.token,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            limit=64 * 1024 * 1024,  # one answer line lists every post
        )
        urls = await self._answer()
        self.api_base, self.gateway_url = urls["api_base"], urls["gateway_url"]
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._proc is None:
            return
        if self._proc.returncode is None:
            try:
                await asyncio.wait_for(self._ask("stop"), 10)
            except (TimeoutError, RuntimeError, ConnectionError):
                self._proc.kill()
        await self._proc.wait()

    async def add_guilds(self, guilds: list[tuple[int, str, list[tuple[int, str]]]]) -> None:
        """Guilds with text channels, (guild id, name, [(channel id, name)]), before the bot
        connects."""
        await self._ask("add_guilds", guilds=guilds)

    async def channel_posts(self) -> tuple[list[float], dict[int, int]]:
        """When each accepted (200) channel post arrived (`time.perf_counter()`: on Linux the
        system-wide CLOCK_MONOTONIC, so comparable with the parent's), and posts per channel."""
        answer = await self._ask("posts")
        return answer["at"], {int(c): n for c, n in answer["per_channel"].items()}


# ---- the child --------------------------------------------------------------------------------


async def _serve(token: str) -> None:
    sys.path.insert(0, str(ROOT))  # only the stand-in (aiohttp): none of the bot is imported
    from tests.discord_standin import DiscordStandin, text_channel

    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=64 * 1024 * 1024)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)

    def say(obj: dict[str, Any]) -> None:
        sys.stdout.write(json.dumps(obj) + "\n")
        sys.stdout.flush()

    async with DiscordStandin(token=token) as standin:
        say({"api_base": standin.api_base, "gateway_url": standin.gateway_url,
             "pid": os.getpid()})
        while line := await reader.readline():
            ask = json.loads(line)
            if ask["op"] == "add_guilds":
                for guild_id, name, channels in ask["guilds"]:
                    standin.add_guild(guild_id, name=name,
                                      channels=[text_channel(c, n) for c, n in channels])
                say({"ok": True})
            elif ask["op"] == "posts":
                posts = [r for r in standin.requests_to("POST", CHANNEL_POSTS) if r.status == 200]
                per_channel = {str(c): len(m) for c, m in standin.channel_messages.items()}
                say({"at": [r.at for r in posts], "per_channel": per_channel})
            elif ask["op"] == "stop":
                say({"ok": True})
                break
            else:
                say({"error": f"unknown op {ask['op']!r}"})


if __name__ == "__main__":
    asyncio.run(_serve(sys.argv[1]))
