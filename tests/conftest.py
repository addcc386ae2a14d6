"""Fixtures shared by the end-to-end tests: the Discord stand-in, a price folder, the real bot."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.adapter.app import RiskonBot
from tests.bot_harness import TOKEN, add_guilds, riskon, write_config
from tests.discord_standin import DiscordStandin
from tests.market_fixtures import market_folder
from tests.netguard import netguard
from tests.pgtest import store_target  # noqa: F401  (store cases on SQLite and PostgreSQL)


@pytest.fixture(scope="session", autouse=True)
def _no_internet(tmp_path_factory) -> Iterator[Path]:
    """Every test, and every process a test starts, is kept off the internet (tests/netguard)."""
    log = tmp_path_factory.mktemp("netguard") / "attempts.log"
    log.touch()
    saved = {k: os.environ.get(k) for k in ("PYTHONPATH", netguard.ENV_LOG)}
    os.environ[netguard.ENV_LOG] = str(log)
    os.environ["PYTHONPATH"] = netguard.child_pythonpath(
        *[p for p in (saved["PYTHONPATH"] or "").split(os.pathsep) if p])
    netguard.install()
    netguard.guard_curl_cffi()
    yield log
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture(autouse=True)
def _stayed_offline(_no_internet: Path) -> Iterator[None]:
    """Fails the test that tried to reach a host other than this machine, here or in a child."""
    before_here, before_children = len(netguard.attempts), _no_internet.stat().st_size
    yield
    tried = netguard.attempts[before_here:]
    with _no_internet.open(encoding="utf-8") as children:
        children.seek(before_children)
        tried += [line.split(" ", 1)[1].strip() for line in children if line.strip()]
    assert not tried, f"the test tried to reach the internet: {sorted(set(tried))}"


@pytest.fixture
async def standin() -> AsyncIterator[DiscordStandin]:
    """The stand-in with the test guilds; afterwards, no request may have hit an unknown route
    and no reply may have been shown with another visibility than the bot asked for."""
    async with DiscordStandin(token=TOKEN) as s:
        add_guilds(s)
        yield s
    assert s.unknown_routes == [], [f"{r.method} {r.path}" for r in s.unknown_routes]
    assert s.visibility_mismatches == []


@pytest.fixture(scope="module")
def prices(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("prices")
    market_folder(folder)
    return folder


@pytest.fixture
def config_path(request, tmp_path, standin, prices) -> Path:
    """Answers in threads unless a test is marked `pool`: starting the worker processes costs
    seconds per bot, and the tests that are about them (the loop stays free while workers
    compute; the real `python -m bot` process) ask for them."""
    pooled = request.node.get_closest_marker("pool") is not None
    return write_config(
        tmp_path / "riskon.toml", standin, store=tmp_path / "riskon.sqlite3", prices=prices,
        extra="" if pooled else "[compute]\nprocesses = 0\n",
    )


@pytest.fixture
async def bot(standin, config_path) -> AsyncIterator[RiskonBot]:
    async with riskon(standin, config_path) as running:
        yield running
