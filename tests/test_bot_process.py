"""`python -m bot` as a real process against the local Discord stand-in."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest

from tests.bot_harness import GENERAL, GUILD, TOKEN, add_guilds, write_config
from tests.discord_standin import DiscordStandin
from tests.market_fixtures import market_folder

ROOT = Path(__file__).resolve().parents[1]


async def start_bot(config: Path, cwd: Path) -> asyncio.subprocess.Process:
    env = {**os.environ, "RISKON_CONFIG": str(config), "PYTHONPATH": str(ROOT)}
    env.pop("DISCORD_TOKEN", None)
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", cwd=cwd, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )


@pytest.fixture
def prices(tmp_path) -> Path:
    folder = tmp_path / "prices"
    market_folder(folder)
    return folder


async def test_rejected_token_is_one_line_and_exit_2(tmp_path, prices) -> None:
    async with DiscordStandin(token="the-real-token") as standin:
        config = write_config(tmp_path / "c.toml", standin, store=tmp_path / "r.sqlite3",
                              prices=prices)
        proc = await start_bot(config, tmp_path)
        out, err = await asyncio.wait_for(proc.communicate(), 60)
    text = err.decode()
    assert proc.returncode == 2
    assert "Discord rejected the bot token" in text and "Traceback" not in text
    assert TOKEN not in text + out.decode()


async def test_real_process_answers_a_command_and_stops_cleanly(tmp_path, prices) -> None:
    async with DiscordStandin(token=TOKEN) as standin:
        add_guilds(standin)
        config = write_config(tmp_path / "c.toml", standin, store=tmp_path / "r.sqlite3",
                              prices=prices)
        proc = await start_bot(config, tmp_path)
        try:
            await standin.wait_identified(timeout=60)
            await standin.wait_for(lambda: bool(standin.guild_commands.get(GUILD)), 30,
                                   "commands synced to the dev guild")
            ix = await standin.send_slash("ath", {"symbol": "rut"}, guild_id=GUILD,
                                          channel_id=GENERAL)
            followup = await ix.wait_followup(60)
            assert followup.files[0].data.startswith(b"\x89PNG")
            assert not followup.ephemeral
        finally:
            proc.send_signal(signal.SIGINT)
            out, err = await asyncio.wait_for(proc.communicate(), 60)
        assert standin.unknown_routes == []
    assert proc.returncode == 0, err.decode()[-2000:]
    assert TOKEN not in err.decode() + out.decode()
