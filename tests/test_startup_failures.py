"""A store that cannot work stops `python -m bot` and `python -m bot ask` with one line.

Real processes, real files: garbage bytes, a directory, a newer schema, a path under a regular
file and a read-only file each give exit 1 and one line naming the file, and the process really
exits (a connection thread left behind used to keep it alive forever). Another process holding
SQLite's write lock at start-up is waited for (bounded by `[store] lock_wait_seconds`, one log
line) or refused with one line, a fresh file included.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import sqlite3
import sys
import tempfile
from pathlib import Path

import pytest

from bot.store import MIGRATIONS
from tests.bot_harness import GUILD, add_guilds, write_config
from tests.discord_standin import DiscordStandin
from tests.market_fixtures import market_folder
from tests.netguard.netguard import child_pythonpath
from tests.test_bot_process import start_bot

ROOT = Path(__file__).resolve().parents[1]
EXIT_WITHIN = 150  # seconds: generous for a loaded machine; a hung process never exits


@pytest.fixture(scope="module")
def prices(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("prices")
    market_folder(folder)
    return folder


def garbage(path: Path) -> Path:
    path.write_bytes(b"this is not SQLite at all, just bytes \x00\xff" * 200)
    return path


def directory(path: Path) -> Path:
    path.mkdir()
    return path


def newer_schema(path: Path) -> Path:
    with sqlite3.connect(path) as db:
        db.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 7}")
    return path


def under_a_file(path: Path) -> Path:
    blocker = path.parent / "plain-file"
    blocker.write_text("a regular file where a folder should be")
    return blocker / "r.sqlite3"


#: How each broken store is made, and the words its one line must contain.
BROKEN = {
    "garbage": (garbage, "not a usable SQLite database"),
    "directory": (directory, "is a directory"),
    "newer schema": (newer_schema, "newer than this riskon"),
    "under a file": (under_a_file, "not a folder"),
}


def one_line(err: bytes) -> str:
    lines = [line for line in err.decode().splitlines() if line.strip()]
    assert len(lines) == 1, "\n".join(lines)
    assert "Traceback" not in lines[0]
    return lines[0]


async def run_ask(config: Path, cwd: Path, *, user: int | None = None,
                  extra_env: dict[str, str] | None = None) -> tuple[int, bytes, bytes]:
    env = {**os.environ, "RISKON_CONFIG": str(config), "PYTHONPATH": child_pythonpath(ROOT),
           **(extra_env or {})}
    as_user = [] if user is None else [
        "setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups"
    ]
    proc = await asyncio.create_subprocess_exec(
        *as_user, sys.executable, "-m", "bot", "ask", "quote", "^RUT",
        "--chart", str(cwd / "q.png"),
        cwd=cwd, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), EXIT_WITHIN)
    assert proc.returncode is not None
    return proc.returncode, out, err


async def test_cli_refuses_each_broken_store_with_one_line(tmp_path, prices) -> None:
    async def case(name: str) -> None:
        make, words = BROKEN[name]
        folder = tmp_path / name.replace(" ", "-")
        folder.mkdir()
        store = make(folder / "r.sqlite3")
        config = folder / "c.toml"
        config.write_text(f'[store]\npath = "{store}"\n[data]\nprovider = "csv"\n'
                          f'csv_dir = "{prices}"\n[fred]\nenabled = false\n')
        code, _, err = await run_ask(config, folder)
        line = one_line(err)
        assert code == 1, (name, line)
        assert str(store) in line and words in line, (name, line)
        assert "Discord" not in line

    await asyncio.gather(*(case(name) for name in BROKEN))


async def test_bot_refuses_each_broken_store_with_one_line(tmp_path, prices) -> None:
    async with DiscordStandin(token="e2e-token-SECRET-123") as standin:
        add_guilds(standin)

        async def case(name: str) -> None:
            make, words = BROKEN[name]
            folder = tmp_path / name.replace(" ", "-")
            folder.mkdir()
            store = make(folder / "r.sqlite3")
            config = write_config(folder / "c.toml", standin, store=store, prices=prices,
                                  extra='[logging]\nlevel = "WARNING"\n')
            proc = await start_bot(config, folder)
            _, err = await asyncio.wait_for(proc.communicate(), EXIT_WITHIN)
            line = one_line(err)
            assert proc.returncode == 1, (name, line)
            assert str(store) in line and words in line, (name, line)
            assert "cannot reach Discord" not in line

        await asyncio.gather(*(case(name) for name in BROKEN))


def read_only_setup(top: Path, prices: Path) -> tuple[Path, Path, Path]:
    """A riskon file only root may write, a config naming it, and a folder anyone may use."""
    top.chmod(0o755)
    locked = top / "db"
    locked.mkdir(mode=0o755)
    store = locked / "r.sqlite3"
    sqlite3.connect(store).close()
    store.chmod(0o644)
    work = top / "work"
    work.mkdir()
    work.chmod(0o777)
    config = top / "c.toml"
    config.write_text(f'[store]\npath = "{store}"\n[data]\nprovider = "csv"\n'
                      f'csv_dir = "{prices}"\n[fred]\nenabled = false\n')
    config.chmod(0o644)
    return store, config, work


@pytest.mark.skipif(os.geteuid() != 0 or shutil.which("setpriv") is None,
                    reason="needs root and setpriv to run the process as another user")
async def test_read_only_store_is_refused_at_start(prices) -> None:
    # root may write any file, so the process runs as nobody against a file only root may write.
    with tempfile.TemporaryDirectory(prefix="riskon-ro-") as name:
        store, config, work = read_only_setup(Path(name), prices)
        code, _, err = await run_ask(config, work, user=65534,
                                     extra_env={"MPLCONFIGDIR": str(work), "HOME": str(work)})
    line = one_line(err)
    assert code == 1, line
    assert str(store) in line and "read-only" in line


HOLDER = """
import select, sqlite3, sys
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
select.select([sys.stdin], [], [], float(sys.argv[2]))  # until told (a line) or the time is up
db.execute("COMMIT")
"""


class WriteLock:
    """Another process holding SQLite's write lock on a file until `release()` or `seconds`."""

    def __init__(self, path: Path, seconds: float) -> None:
        self.path, self.seconds = path, seconds
        self.proc: asyncio.subprocess.Process | None = None

    async def __aenter__(self) -> WriteLock:
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable, "-c", HOLDER, str(self.path), str(self.seconds),
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        )
        assert self.proc.stdout is not None
        assert await asyncio.wait_for(self.proc.stdout.readline(), 30) == b"locked\n"
        return self

    async def release(self) -> None:
        assert self.proc is not None and self.proc.stdin is not None
        self.proc.stdin.write(b"go\n")
        await self.proc.stdin.drain()
        assert await asyncio.wait_for(self.proc.wait(), 30) == 0

    async def __aexit__(self, *exc: object) -> None:
        assert self.proc is not None
        if self.proc.returncode is None:
            self.proc.kill()
        await self.proc.wait()


def existing_store(path: Path) -> Path:
    """A riskon database at the latest version, as after an earlier run."""
    async def make() -> None:
        from bot.store import Store

        async with Store(path):
            pass

    asyncio.run(make())
    return path


async def test_bot_waits_out_a_write_lock_longer_than_the_busy_timeout(tmp_path, prices) -> None:
    store = await asyncio.to_thread(existing_store, tmp_path / "r.sqlite3")
    async with DiscordStandin(token="e2e-token-SECRET-123") as standin:
        add_guilds(standin)
        config = write_config(tmp_path / "c.toml", standin, store=store, prices=prices)
        async with WriteLock(store, 120) as lock:
            proc = await start_bot(config, tmp_path)
            assert proc.stderr is not None
            seen: list[str] = []
            try:
                while "waiting up to 30 s" not in (seen or [""])[-1]:
                    line = await asyncio.wait_for(proc.stderr.readline(), EXIT_WITHIN)
                    assert line, "\n".join(seen)
                    seen.append(line.decode())
                await asyncio.sleep(6)  # past the running store's 5 s busy timeout
                await lock.release()
                await standin.wait_identified(timeout=EXIT_WITHIN)
                await standin.wait_for(lambda: bool(standin.guild_commands.get(GUILD)), 60,
                                       "commands synced to the dev guild")
                names = {c["name"] for c in standin.guild_commands[GUILD]}
            finally:
                proc.send_signal(signal.SIGINT)
                _, err = await asyncio.wait_for(proc.communicate(), EXIT_WITHIN)
    assert "brief" in names and "config" in names  # no subsystem left off
    text = "".join(seen) + err.decode()
    assert text.count("is locked by another process; waiting up to 30 s") == 1, text[-3000:]
    assert "Traceback" not in text


async def test_bot_refuses_a_lock_held_past_the_wait_with_one_line(tmp_path, prices) -> None:
    store = await asyncio.to_thread(existing_store, tmp_path / "r.sqlite3")
    async with DiscordStandin(token="e2e-token-SECRET-123") as standin:
        add_guilds(standin)
        config = write_config(tmp_path / "c.toml", standin, store=store, prices=prices)
        text = config.read_text().replace("[store]\n", "[store]\nlock_wait_seconds = 1\n")
        config.write_text(text)
        async with WriteLock(store, 120):
            proc = await start_bot(config, tmp_path)
            _, err = await asyncio.wait_for(proc.communicate(), EXIT_WITHIN)
    lines = [line for line in err.decode().splitlines() if line.strip()]
    assert proc.returncode == 1, lines
    assert "Traceback" not in err.decode()
    assert lines[-1].startswith("riskon: ") and str(store) in lines[-1]
    assert "locked by another process (held for over 1 s)" in lines[-1]


async def test_first_start_on_a_locked_fresh_file(tmp_path, prices) -> None:
    fresh = tmp_path / "fresh.sqlite3"
    config = tmp_path / "c.toml"
    config.write_text(f'[store]\npath = "{fresh}"\nlock_wait_seconds = 20\n[data]\n'
                      f'provider = "csv"\ncsv_dir = "{prices}"\n[fred]\nenabled = false\n')
    async with WriteLock(fresh, 120) as lock:  # the other process created the file, holds it
        asking = asyncio.create_task(run_ask(config, tmp_path))
        await asyncio.sleep(3)
        await lock.release()
        code, out, err = await asking
    assert code == 0, err.decode()
    assert "^RUT" in out.decode() and "Traceback" not in err.decode()
    with sqlite3.connect(fresh) as db:
        assert db.execute("PRAGMA user_version").fetchone() == (len(MIGRATIONS),)

    refused = tmp_path / "refused.sqlite3"
    config.write_text(config.read_text().replace(str(fresh), str(refused))
                      .replace("lock_wait_seconds = 20", "lock_wait_seconds = 0.5"))
    async with WriteLock(refused, 120):
        code, _, err = await run_ask(config, tmp_path)
    lines = err.decode().splitlines()  # the wait's log line, then the refusal
    assert code == 1 and "Traceback" not in err.decode() and len(lines) <= 2, lines
    assert str(refused) in lines[-1] and "locked by another process (held for over" in lines[-1]
