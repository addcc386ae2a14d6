"""`python -m bot` as a real process posts an alert when its CSV price file gains a final row.

Real clock, so the data is dated from today: a BTC-USD series ending two UTC days ago (a final
bar), then the row for yesterday (final since midnight UTC) with a fresh record close, which
`BTC-USD ath` (gap 63) counts as an event: the previous record is 120 sessions back.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from tests.bot_harness import ADMIN_PERMS, GENERAL, GUILD, TOKEN, add_guilds, write_config
from tests.discord_standin import DiscordStandin
from tests.market_fixtures import _ohlcv, write_yahoo_csv
from tests.netguard.netguard import child_pythonpath

ROOT = Path(__file__).resolve().parents[1]


def btc_frame(last: pd.Timestamp) -> pd.DataFrame:
    """600 days ending `last`: a wave around 100 (records only on its first crest), then the
    last 120 days lower, so the signal holds on few sessions and is no noise."""
    days = pd.date_range(end=last, periods=600, freq="D")
    t = np.arange(600)
    closes = np.where(t <= 480, 100 + 10 * np.sin(t / 20), 90 + np.sin(t / 9))
    return _ohlcv(days, closes, volume=1e6)


async def test_a_real_process_posts_an_alert_when_a_csv_file_gains_a_row(tmp_path) -> None:
    yesterday = pd.Timestamp((datetime.now(UTC) - timedelta(days=1)).date())
    history = btc_frame(yesterday - pd.Timedelta(days=1))
    prices = tmp_path / "prices"
    path = write_yahoo_csv(prices, "BTC-USD", history)
    async with DiscordStandin(token=TOKEN) as standin:
        add_guilds(standin)
        config = write_config(
            tmp_path / "c.toml", standin, store=tmp_path / "r.sqlite3", prices=prices,
            extra="[compute]\nprocesses = 0\n[alerts]\ncheck_minutes = 0.02\ngrace_hours = 48\n")
        env = {**os.environ, "RISKON_CONFIG": str(config), "PYTHONPATH": child_pythonpath(ROOT)}
        env.pop("DISCORD_TOKEN", None)
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", cwd=tmp_path, env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        try:
            await standin.wait_identified(timeout=60)
            await standin.wait_for(lambda: bool(standin.guild_commands.get(GUILD)), 30,
                                   "commands synced to the dev guild")
            add = await standin.send_slash("alert add", {"signal": "bitcoin ath"},
                                           guild_id=GUILD, channel_id=GENERAL,
                                           permissions=ADMIN_PERMS)
            reply = await add.wait_followup(60)
            assert reply.ephemeral and "Alert #1 added: `BTC-USD ath`" in reply.content
            await asyncio.sleep(0.5)  # a few checks on the unchanged file: nothing fires
            assert standin.channel_messages.get(GENERAL, []) == []

            new_row = _ohlcv(pd.DatetimeIndex([yesterday]),
                             np.array([history["Close"].max() * 1.05]), volume=1e6)
            write_yahoo_csv(prices, "BTC-USD", pd.concat([history, new_row]))
            bumped = path.stat().st_mtime_ns + 1_000_000_000
            os.utime(path, ns=(bumped, bumped))

            await standin.wait_for(lambda: bool(standin.channel_messages.get(GENERAL)), 60,
                                   "the alert post")
            (message,) = standin.channel_messages[GENERAL]
            assert message.content.startswith(
                f"**Alert #1:** `BTC-USD ath` fired on {yesterday.date().isoformat()}")
            assert message.files[0].data.startswith(b"\x89PNG")
            await asyncio.sleep(0.5)  # later checks do not post it again
            assert len(standin.channel_messages[GENERAL]) == 1
        finally:
            proc.send_signal(signal.SIGINT)
            _out, err = await asyncio.wait_for(proc.communicate(), 60)
        assert standin.unknown_routes == []
    assert proc.returncode == 0, err.decode()[-2000:]
