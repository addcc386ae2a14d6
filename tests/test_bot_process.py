"""`python -m bot` as a real process against the local Discord stand-in."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from datetime import date
from pathlib import Path

import pytest

from bot.scheduling import postlog
from bot.store import Store
from tests.bot_harness import GENERAL, GUILD, TOKEN, add_guilds, riskon, write_config
from tests.discord_standin import DiscordStandin
from tests.market_fixtures import market_folder
from tests.netguard.netguard import child_pythonpath

ROOT = Path(__file__).resolve().parents[1]


async def start_bot(config: Path, cwd: Path, *, session: bool = False,
                    ) -> asyncio.subprocess.Process:
    """`python -m bot`; with `session`, in a process group of its own, like a terminal's job."""
    env = {**os.environ, "RISKON_CONFIG": str(config), "PYTHONPATH": child_pythonpath(ROOT)}
    env.pop("DISCORD_TOKEN", None)
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", cwd=cwd, env=env, start_new_session=session,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )


def descendants(pid: int) -> list[int]:
    """Live processes below `pid`, from /proc: the pool's fork server, its workers, the
    resource tracker."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if fields[0] != "Z":
                parents.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def alive(pids: list[int]) -> list[int]:
    """Those of `pids` still running (not gone, not a zombie)."""
    out = []
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            out.append(pid)
    return out


async def gone_within(pids: list[int], seconds: float) -> list[int]:
    """Wait up to `seconds` for `pids` to exit; those still alive then."""
    for _ in range(round(seconds * 10)):
        if not alive(pids):
            break
        await asyncio.sleep(0.1)
    return alive(pids)


async def running_bot(standin: DiscordStandin, tmp_path: Path, prices: Path, *,
                      session: bool = False) -> tuple[asyncio.subprocess.Process, list[int]]:
    """The real bot connected to the stand-in, and every process below it."""
    add_guilds(standin)
    config = write_config(tmp_path / "c.toml", standin, store=tmp_path / "r.sqlite3",
                          prices=prices, extra="[compute]\nprocesses = 2\n")
    proc = await start_bot(config, tmp_path, session=session)
    await standin.wait_identified(timeout=120)
    await standin.wait_for(lambda: bool(standin.guild_commands.get(GUILD)), 60,
                           "commands synced to the dev guild")
    workers = descendants(proc.pid)
    # The pool is primed before the cogs load: 2 workers, their fork server, the tracker.
    assert len(workers) >= 3, workers
    return proc, workers


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


async def test_real_process_answers_a_command_and_stops_on_sigterm(tmp_path, prices) -> None:
    """What Heroku, systemd, Docker and Kubernetes send: exit 0 within 10 s, no orphans."""
    async with DiscordStandin(token=TOKEN) as standin:
        proc, workers = await running_bot(standin, tmp_path, prices)
        try:
            ix = await standin.send_slash("ath", {"symbol": "rut"}, guild_id=GUILD,
                                          channel_id=GENERAL)
            followup = await ix.wait_followup(60)
            assert followup.files[0].data.startswith(b"\x89PNG")
            assert not followup.ephemeral
        finally:
            started = time.monotonic()
            proc.send_signal(signal.SIGTERM)
            out, err = await asyncio.wait_for(proc.communicate(), 60)
            took = time.monotonic() - started
        assert standin.unknown_routes == []
    text = err.decode()
    assert proc.returncode == 0, text[-2000:]
    assert took < 10, took
    assert "SIGTERM received: shutting down" in text
    assert await gone_within(workers, 2) == []
    assert TOKEN not in text + out.decode()
    assert "Traceback" not in text


async def test_ctrl_c_stops_cleanly_without_worker_tracebacks(tmp_path, prices) -> None:
    """Ctrl-C reaches the whole process group, workers included: they ignore it, the bot
    shuts down gracefully, nobody prints KeyboardInterrupt."""
    async with DiscordStandin(token=TOKEN) as standin:
        proc, workers = await running_bot(standin, tmp_path, prices, session=True)
        os.killpg(proc.pid, signal.SIGINT)
        out, err = await asyncio.wait_for(proc.communicate(), 60)
    text = err.decode() + out.decode()
    assert proc.returncode == 0, text[-2000:]
    assert "KeyboardInterrupt" not in text and "Traceback" not in text, text[-3000:]
    assert await gone_within(workers, 2) == []


async def test_workers_exit_by_themselves_when_the_bot_is_killed(tmp_path, prices) -> None:
    async with DiscordStandin(token=TOKEN) as standin:
        proc, workers = await running_bot(standin, tmp_path, prices)
        proc.kill()  # SIGKILL: no handler, no atexit, nothing of the bot runs
        await proc.wait()
        assert await gone_within(workers, 5) == []


async def test_shutdown_records_a_post_it_cut_off(standin, config_path, tmp_path) -> None:
    """A post still claimed by this process at shutdown is recorded as failed (outcome
    unknown), never left 'claimed' and never re-posted; another process's claim is untouched."""
    day = date(2024, 6, 10)
    mine, theirs = f"{GUILD}:{day}", f"{GUILD + 1}:{day}"
    async with riskon(standin, config_path) as bot:
        assert bot.store is not None
        now = bot.clock()
        assert await postlog.claim(bot.store, "brief", mine, guild_id=GUILD, day=day, now=now,
                                   owner=bot.post_owner)
        assert await postlog.claim(bot.store, "brief", theirs, guild_id=GUILD + 1, day=day,
                                   now=now, owner="elsewhere:1:live")
        await bot.shutdown()
    async with Store(tmp_path / "riskon.sqlite3") as store:
        cut = await postlog.get(store, "brief", mine)
        other = await postlog.get(store, "brief", theirs)
    assert cut is not None and cut.status == "failed" and cut.detail == postlog.ABANDONED
    assert other is not None and other.status == "claimed"
