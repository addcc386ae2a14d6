"""The adversarial run of issue #8, repeatable: bad inputs and faults thrown at riskon.

Run: .venv/bin/python benchmarks/adversarial.py [--only cli|discord|csv|yahoo|fred|posts|process]
     [-v]   (a few minutes; -v prints every case, not only the failures)

Offline. Prices are the synthetic market of tests/market_fixtures.py plus short, flat and broken
histories, read by the CSV provider; Yahoo is tests/fake_yahoo.py behind yfinance's real parser
(raw answers through `FakeYahoo.answer_with`); FRED is an aiohttp server on 127.0.0.1; Discord
is tests/discord_standin.py driving the real bot (the default compute pool for bad inputs, so
answers and errors cross the process boundary as in production).

Categories, and what "clean" means:

* bad inputs, terminal (`bot.cli.main(argv)` in this process, stdout/stderr captured): exit 2
  (the asker's mistake) or 1 (no data) with exactly one line on stderr and no traceback; a case
  marked answerable (unicode digits, a bare symbol as a signal) may also exit 0.
* bad inputs, Discord (slash commands, autocomplete, and every button and select option under
  the public answers about awkward histories, pressed by the asker, someone else and a server
  manager): never the apology for a bug, private when it is the asker's mistake or someone
  else's press, no visibility mismatch; autocomplete within Discord's 25 choices of 100 chars.
* providers (Yahoo through the terminal and under the bot: 5xx, 429, garbage/empty/truncated/
  non-UTF-8 bodies, a hang past the timeout, NaN/zero/negative closes, duplicate dates, one bar;
  FRED under the brief: the same and more; broken price files): the answer goes out (without
  the broken part, saying so) or one provider line (exit 1 / a private reply), never blaming
  the asker (exit 2) for an upstream fault, never "nan" or "inf" in what is shown.
* discord (the daily brief's post under 429s, 5xx before and after Discord made the message,
  outages, gateway drops; an answer under the same): posted or answered exactly once, or a
  failure recorded for an outage; never twice, never lost to a fault Discord recovered from.
* store, kill -9 (broken store files, locks, mid-write errors; SIGTERM, Ctrl-C, kill -9 mid
  fan-out, restarts): the existing subprocess and restart tests, run by pytest and counted per
  scenario (a test that loops over broken files counts each); nothing is rebuilt here.

Every failure is listed with its input. Exit status: 0 when everything was clean, 1 otherwise.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import itertools
import json
import logging
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from yfinance import data as yf_data  # noqa: E402

from bot.cli import main as cli_main  # noqa: E402
from bot.logs import setup_logging  # noqa: E402
from bot.scheduling import brieflog  # noqa: E402
from tests.bot_harness import (  # noqa: E402
    ADMIN_PERMS,
    GENERAL,
    GUILD,
    MEMBER_PERMS,
    NO_FILES,
    TOKEN,
    add_guilds,
    riskon,
    write_config,
)
from tests.discord_standin import DiscordStandin, text_channel  # noqa: E402
from tests.fake_yahoo import FakeYahoo, HangingServer, reset_yfinance  # noqa: E402
from tests.market_fixtures import daily_crypto, market_folder, write_yahoo_csv  # noqa: E402
from tests.standin_press import buttons, press_button, selects  # noqa: E402

SORRY = "something went wrong"
TEN_KB = "A" * 10_240
GARBLED = "\x00\x1b[31m\u202e\ufeff"  # NUL, an ANSI escape, right-to-left override, BOM


# ---- results -----------------------------------------------------------------------------------


@dataclass
class Result:
    category: str  # "bad inputs", "providers", "store", "kill -9"
    surface: str  # "terminal", "discord", ...
    case: str  # the input, as a reader would retype it
    clean: bool
    detail: str = ""


@dataclass
class Tally:
    results: list[Result] = field(default_factory=list)

    def add(self, category: str, surface: str, case: str, clean: bool, detail: str = "") -> None:
        self.results.append(Result(category, surface, case, clean, detail))
        if VERBOSE or not clean:
            mark = "ok  " if clean else "FAIL"
            print(f"  {mark} [{category} / {surface}] {short(case)}: {short(detail, 160)}",
                  flush=True)


VERBOSE = False


def short(text: str, limit: int = 90) -> str:
    text = text.replace("\n", "\\n")
    return text if len(text) <= limit else text[: limit - 3] + "..."


# ---- the terminal, in this process -------------------------------------------------------------


class _CurrentStderr(io.TextIOBase):
    """riskon's log handler is made once; this keeps it writing to whatever stderr is now."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


def _route_logs_to_current_stderr() -> None:

    setup_logging("WARNING")
    for handler in logging.getLogger().handlers:
        if isinstance(handler, logging.StreamHandler):
            handler.setStream(_CurrentStderr())


def run_cli(argv: list[str]) -> tuple[int | str, str, str]:
    """(exit code or 'exception', stdout, stderr) of `python -m bot ARGV` run in this process."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code: int | str = cli_main(argv)
        except SystemExit as exc:  # argparse's usage errors
            code = exc.code if isinstance(exc.code, int) else 1
        except BaseException:  # the point is to see what escapes
            traceback.print_exc()
            code = "exception"
    return code, out.getvalue(), err.getvalue()


def run_cli_in(case_dir: Path, argv: list[str]) -> tuple[int | str, str, str, float]:
    """`run_cli` from `case_dir` with its config.toml: (exit code, stdout, stderr, seconds)."""
    with environment(RISKON_CONFIG=str(case_dir / "config.toml")), contextlib.chdir(case_dir):
        started = time.monotonic()
        code, out, err = run_cli(argv)
        return code, out, err, time.monotonic() - started


def judge_cli(code: int | str, out: str, err: str, ok: set[int]) -> tuple[bool, str]:
    lines = err.splitlines()
    if "Traceback" in err or code == "exception":
        return False, f"traceback: {err.strip().splitlines()[-1] if err.strip() else '?'}"
    if code not in ok:
        return False, f"exit {code} (wanted {sorted(ok)}): {short(err or out, 140)}"
    if code != 0 and len(lines) != 1:
        return False, f"exit {code} with {len(lines)} stderr lines: {short(err, 140)}"
    if code != 0 and out.strip():
        return False, f"exit {code} but printed on stdout: {short(out)}"
    return True, f"exit {code}: {short(err.strip() or out.strip().splitlines()[0], 140)}"


@contextlib.contextmanager
def environment(**values: str | None) -> Iterator[None]:
    old = {k: os.environ.get(k) for k in values}
    for k, v in values.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


# ---- the market on disk ------------------------------------------------------------------------


def build_market(folder: Path) -> None:
    """tests/market_fixtures' market plus the awkward histories real data has."""
    market_folder(folder)
    end = "2015-12-31"
    write_yahoo_csv(folder, "NEWCOIN-USD", daily_crypto(start="2015-09-23", end=end))  # 100 days
    write_yahoo_csv(folder, "TINY-USD", daily_crypto(start="2015-12-29", end=end))  # 3 days
    write_yahoo_csv(folder, "ONE-USD", daily_crypto(start=end, end=end))  # 1 day
    flat = daily_crypto(start="2014-01-01", end=end)
    flat[["Open", "High", "Low", "Close"]] = 50.0
    write_yahoo_csv(folder, "FLAT-USD", flat)  # never moves: zero variance
    (folder / "EMPTY.csv").write_text("Date,Open,High,Low,Close,Adj Close,Volume\n")
    (folder / "HEADLESS.csv").write_text("")
    (folder / "GARBLE.csv").write_bytes(b"\xff\xfe\x00garbage\x00\n\x89PNG\r\n")
    (folder / "HTML.csv").write_text("<html><body>502 Bad Gateway</body></html>\n")
    base = daily_crypto(start="2012-01-01", end=end)
    nan = base.copy()
    nan.loc[nan.index[-40:], "Close"] = np.nan
    write_yahoo_csv(folder, "NANS-USD", nan)
    allnan = base.copy()
    allnan["Close"] = np.nan
    write_yahoo_csv(folder, "ALLNAN-USD", allnan)
    zero = base.copy()
    zero.loc[zero.index[::50], "Close"] = 0.0
    write_yahoo_csv(folder, "ZERO-USD", zero)
    neg = base.copy()
    neg.loc[neg.index[-10:], "Close"] = -5.0
    write_yahoo_csv(folder, "NEG-USD", neg)
    dup = pd.concat([base, base.iloc[-30:]]).sort_index()
    write_yahoo_csv(folder, "DUP-USD", dup)
    rev = base.iloc[::-1]
    write_yahoo_csv(folder, "REV-USD", rev)
    # text in a price column, a date that is not one, a missing Close column
    text = base.copy().astype(object)
    text.iloc[-3, text.columns.get_loc("Close")] = "n/a"
    write_yahoo_csv(folder, "TEXT-USD", text)
    path = write_yahoo_csv(folder, "BADDATE-USD", base)
    lines = path.read_text().splitlines()
    lines[5] = "2013-02-30" + lines[5][10:]
    path.write_text("\n".join(lines) + "\n")
    noclose = base.drop(columns=["Close"])
    noclose.to_csv(folder / "NOCLOSE-USD.csv", index_label="Date")


# ---- bad inputs --------------------------------------------------------------------------------

USER = {2}
USER_OR_NODATA = {1, 2}
ANY = {0, 1, 2}  # the input is odd but has a sensible answer (e.g. unicode digits are digits)

BAD_TICKERS = [
    "", " ", "zzzz", "ZZZZZZZZZZZZ", "rusell", "bitcion", "^^RUT", "^", "-", "BTC--USD",
    "btc usd", "BTC-USD; DROP TABLE alerts", "../../etc/passwd", "%00", "$(reboot)",
    "１２３", "٣٣", "ＢＴＣ", "😀", GARBLED, TEN_KB, "^RUT\n^VIX", "a" * 41,
]
SIGNALS_BAD = [
    "", "   ", "^VIX", "^VIX close", "^VIX close >", "^VIX close > abc", "^VIX close >> 30",
    "^VIX wobble > 30", "^VIX close > 30 or ^RUT ath", "and", "^VIX close > 30 and",
    "^RUT rsi 14 < 130", "^RUT rsi 0 < 30", "^RUT rsi 99999999999999999999 < 30",
    "^RUT sma 0 > sma 200", "^RUT sma -5 > sma 200", "^RUT sma 50 > sma 99999999999",
    "^RUT high 0", "^RUT high 999999999999", "^RUT low -3", "^RUT change 0 <= -5%",
    "^RUT change 99999999999 <= -5%", "^RUT drawdown >= 150%", "^RUT drawdown >= -5%",
    "^RUT ath gap 0", "^RUT ath gap -1", "^RUT ath gap 99999999999", "^RUT ath gap",
    "^RUT close > 1e400", "^RUT close > nan", "^RUT close > inf", "^RUT close > -inf",
    "^RUT ath and ^VIX close < 20 and btc rsi 14 < 30 and ^GSPC ath and ^RUT high 20",
    "^RUT ath and " * 20 + "^VIX close < 20", "^RUT close > " + "9" * 250,
    "zzzz ath", "rusell ath", "ＢＴＣ ath", "^RUT close > ３０", "^RUT close > ٣٠",
    TEN_KB, GARBLED, "^RUT ath\n^VIX close > 30", "^RUT ath;", "^RUT ath ath",
    "^RUT breakout 0", "^RUT breakout abc",
]
HORIZONS_BAD = ["0", "-5", "99999999999999999999", "abc", "", ",", "30,,90", "30.5", "1e3",
                "３０", "٣٠", "3650,3651", "30;90", " 30 , 90 ", TEN_KB]
#: odd but with a sensible answer: a bare symbol is its fresh records; unicode digits are digits
SIGNALS_ANSWERABLE = {"^VIX", "^RUT close > ３０", "^RUT close > ٣٠", "ＢＴＣ ath"}
ANSWERABLE_HORIZONS = {"３０", "٣٠", "30,,90", " 30 , 90 "}


#: real prices, awkward shapes: a new listing, 3 days, 1 day, never moving, gaps, repeats
AWKWARD = ["NEWCOIN-USD", "TINY-USD", "ONE-USD", "FLAT-USD", "NANS-USD", "DUP-USD"]


def awkward_signals() -> list[str]:
    """Every condition on histories too short or too flat for it."""
    out = []
    for sym in ("TINY-USD", "ONE-USD", "FLAT-USD"):
        out += [f"{sym} ath", f"{sym} breakout", f"{sym} rsi 14 < 30", f"{sym} sma 50 > sma 200",
                f"{sym} drawdown >= 20%", f"{sym} change 30 <= -5%", f"{sym} close > sma 200",
                f"{sym} low 20"]
    out += ["NEWCOIN-USD ath and ^RUT ath", "ONE-USD close > 0 and ^VIX close > 0"]
    return out


def cli_cases(data: Path) -> list[tuple[list[str], set[int]]]:
    d = ["--data", str(data)]
    cases: list[tuple[list[str], set[int]]] = []
    for t in BAD_TICKERS:
        cases.append((["ask", "ath", t, *d], USER))
        cases.append((["ask", "quote", t, *d], USER))
    for s in SIGNALS_BAD:
        cases.append((["ask", "signal", s, *d], ANY if s in SIGNALS_ANSWERABLE else USER))
    for s in SIGNALS_BAD[::3]:
        cases.append((["ask", "after", s, "btc", *d], ANY if s in SIGNALS_ANSWERABLE else USER))
    for h in HORIZONS_BAD:
        ok = ANY if h in ANSWERABLE_HORIZONS else USER
        cases.append((["ask", "after", "^RUT", "btc", "--horizons", h, *d], ok))
    for gap in ["0", "-1", "2521", "99999999999999999999", "x", "", "６３"]:
        ok = ANY if gap == "６３" else USER
        cases.append((["ask", "after", "^RUT", "btc", "--min-gap", gap, *d], ok))
    for lb in ["0", "19", "-252", "99999999999", "abc"]:
        cases.append((["ask", "after", "^RUT", "btc", "--event", "breakout", "--lookback", lb,
                       *d], USER))
    cases.append((["ask", "after", "^RUT", "btc", "--event", "wobble", *d], USER))
    cases.append((["ask", "after", "^RUT", "zzzz", *d], USER))
    cases.append((["ask", "after", "^RUT", "", *d], USER))
    cases.append((["ask", "after", "^RUT", TEN_KB, *d], USER))
    cases.append((["ask", "after", "^RUT", "^RUT", *d], ANY))  # itself after its own records
    # correlation: identical assets, odd windows, short histories
    for a, b in [("^RUT", "^RUT"), ("russell", "^RUT"), ("btc", "BTC-USD"), ("btc", "bitcoin")]:
        cases.append((["ask", "corr", a, b, *d], USER))
    for w in ["0", "1", "4", "-90", "1001", "99999999999999999999", "abc", "９０"]:
        cases.append((["ask", "corr", "^RUT", "btc", "--window", w, *d],
                      ANY if w == "９０" else USER))
    for signal in awkward_signals():
        cases.append((["ask", "signal", signal, *d], ANY))
        cases.append((["ask", "after", signal, "btc", *d], ANY))
    for other in ["NEWCOIN-USD", "TINY-USD", "ONE-USD", "FLAT-USD"]:
        cases.append((["ask", "corr", "^RUT", other, *d], ANY))
        cases.append((["ask", "corr", other, "btc", "--window", "5", *d], ANY))
        cases.append((["ask", "after", "^RUT", other, *d], ANY))
        cases.append((["ask", "after", other, "btc", *d], ANY))
        cases.append((["ask", "ath", other, *d], ANY))
        cases.append((["ask", "quote", other, *d], ANY))
        cases.append((["ask", "signal", f"{other} rsi 14 < 30", *d], ANY))
    for wl in ["", ",", ",,,", "zzzz", "^RUT,zzzz", "^RUT,,BTC-USD", TEN_KB, "NEWCOIN-USD,ONE-USD",
               ",".join(["^RUT"] * 60)]:
        cases.append((["ask", "brief", "--watchlist", wl, *d], ANY))
    for q in ["", "   ", "?", "what happened after", TEN_KB, GARBLED]:
        cases.append((["ask", "text", q, *d], USER))
    # /ask's reader answers its best reading of a loose question, marked unsure on stderr
    for q in ["is zzzz at an ath?", "is btc at an ath? " * 30, "corr btc btc",
              "after ^VIX close > abc"]:
        cases.append((["ask", "text", q, *d], ANY))
    # setup mistakes
    cases.append((["ask", "ath", "^RUT", "--data", str(data / "nope")], USER))
    cases.append((["ask", "ath", "^RUT", "--data", str(data / "^RUT.csv")], USER))
    cases.append((["ask", "ath", "^RUT", *d, "--chart", str(data)], USER))
    cases.append((["ask", "ath", "^RUT", *d, "--chart", "/proc/riskon.png"], USER))
    cases.append((["ask", "ath", "^RUT", *d, "--chart", str(data / "no" / "such" / "x.png")],
                  USER))
    cases.append((["ask"], USER))
    cases.append((["ask", "wobble"], USER))
    cases.append((["help", "zzzz"], ANY))
    cases.append((["help", TEN_KB], ANY))
    return cases


def run_cli_inputs(tally: Tally, data: Path, work: Path) -> None:
    print("bad inputs through the terminal ...", flush=True)
    with environment(RISKON_CONFIG=None):
        for argv, ok in cli_cases(data):
            code, out, err = run_cli(argv)
            clean, detail = judge_cli(code, out, err, ok)
            tally.add("bad inputs", "terminal", shell_words(argv, data), clean, detail)


def shell_words(argv: list[str], data: Path) -> str:
    words = []
    for w in argv:
        w = w.replace(str(data), "DATA")
        if len(w) > 40:
            w = f"<{len(w)} chars: {w[:12]}...>"
        words.append(repr(w) if (not w or " " in w or not w.isprintable()) else w)
    return "riskon " + " ".join(words)


# ---- Discord -----------------------------------------------------------------------------------

_users = itertools.count(9_000_000)


@dataclass
class SlashCase:
    name: str
    options: dict[str, Any]
    answerable: bool = False  # a public answer is right too
    admin: bool = False


def discord_cases() -> list[SlashCase]:

    cases: list[SlashCase] = []
    for t in BAD_TICKERS:
        cases.append(SlashCase("ath", {"symbol": t}))
        cases.append(SlashCase("quote", {"symbol": t}))
    for s in SIGNALS_BAD:
        cases.append(SlashCase("signal", {"signal": s}, s in SIGNALS_ANSWERABLE))
    for s in SIGNALS_BAD[::4]:
        cases.append(SlashCase("after", {"trigger": s, "target": "btc"}, s in SIGNALS_ANSWERABLE))
    for s in SIGNALS_BAD[1::6]:
        cases.append(SlashCase("alert add", {"signal": s}, admin=True))
    for h in [0, -30, 7, 10**12]:  # not among the choices; 7 days is a horizon all the same
        cases.append(SlashCase("after", {"trigger": "^RUT", "target": "btc", "horizon": h},
                               answerable=h == 7))
    for gap in [0, -1, 10**12]:
        cases.append(SlashCase("after", {"trigger": "^RUT", "target": "btc", "min_gap": gap}))
    for a, b in [("^RUT", "^RUT"), ("russell", "^RUT"), ("btc", "bitcoin")]:
        cases.append(SlashCase("corr", {"a": a, "b": b}))
    for w in [0, 4, 1001, -5, 10**12]:
        cases.append(SlashCase("corr", {"a": "^RUT", "b": "btc", "window": w}))
    for other in AWKWARD:
        cases.append(SlashCase("corr", {"a": "^RUT", "b": other}, answerable=True))
        cases.append(SlashCase("after", {"trigger": "^RUT", "target": other}, answerable=True))
        cases.append(SlashCase("ath", {"symbol": other}, answerable=True))
        cases.append(SlashCase("quote", {"symbol": other}, answerable=True))
    for signal in awkward_signals():
        cases.append(SlashCase("signal", {"signal": signal}, answerable=True))
        cases.append(SlashCase("after", {"trigger": signal, "target": "btc"}, answerable=True))
    for t in ["25:00", "8", "", "noon", "08:60", "٠٨:٣٠", "-1:00", "24:00", "08:30:99", TEN_KB,
              "8:30pm", "０８:３０"]:
        answerable = t in {"٠٨:٣٠", "０８:３０", "8:30pm"}
        cases.append(SlashCase("config time", {"time": t}, answerable, admin=True))
    for z in ["EST", "Mars/Olympus", "", "../../etc/passwd", "UTC+25", "europe/nowhere", TEN_KB,
              GARBLED, "/", "America/New_York\x00"]:
        cases.append(SlashCase("config timezone", {"zone": z}, admin=True))
    cases.append(SlashCase("config channel", {"channel": NO_FILES}, admin=True))
    for s in ["zzzz", "", TEN_KB, "ONE-USD", "EMPTY", "GARBLE", "ALLNAN-USD"]:
        cases.append(SlashCase("config watchlist add", {"symbol": s}, admin=True))
        cases.append(SlashCase("config target", {"symbol": s}, admin=True))
    for s in ["zzzz", "", "^NOPE"]:
        cases.append(SlashCase("config watchlist remove", {"symbol": s}, admin=True))
    cases.append(SlashCase("config brief", {"state": "on"}, admin=True))  # no channel yet
    for symbol in ["^GSPC", "^VIX", "NEWCOIN-USD", "TINY-USD", "FLAT-USD", "NANS-USD",
                   "DUP-USD", "REV-USD", "ZERO-USD", "NEG-USD", "^RUT", "BTC-USD", "^GSPC"]:
        # past the 12-symbol limit, repeats, histories a brief must cope with
        cases.append(SlashCase("config watchlist add", {"symbol": symbol}, admin=True))
    for options in [{"signal": "^VIX close > 0"}, {"signal": "^RUT ath", "target": "zzzz"},
                    {"signal": "^RUT ath", "channel": NO_FILES}, {"signal": "ONE-USD ath"},
                    {"signal": "FLAT-USD ath"}, {"signal": "TINY-USD rsi 14 < 30"},
                    {"signal": "^RUT ath", "target": "EMPTY"},
                    {"signal": "^RUT ath and ^VIX close < 20 and btc rsi 14 < 30 and ^GSPC ath"}]:
        cases.append(SlashCase("alert add", options, admin=True))
    cases.append(SlashCase("alert list", {}, admin=True))
    for i in (1, 2, 3):  # the alerts just made, on a flat, a 3-day and a 4-clause signal
        cases.append(SlashCase("alert test", {"id": i}, admin=True))
    for i in [-1, 0, 999_999, 2**62]:
        cases.append(SlashCase("alert remove", {"id": i}, admin=True))
        cases.append(SlashCase("alert test", {"id": i}, admin=True))
        cases.append(SlashCase("alert resume", {"id": i}, admin=True))
    for q in ["?", GARBLED, "x" * 300, "should I buy btc?"]:
        cases.append(SlashCase("ask", {"question": q}))
    for q in ["is zzzz at an ath?", "after ^VIX close > abc", "corr btc btc"]:
        cases.append(SlashCase("ask", {"question": q}, answerable=True))
    cases.append(SlashCase("config time", {"time": "09:00"}))  # not a manager
    cases.append(SlashCase("brief", {}, answerable=True))  # after the watchlist cases above
    cases.append(SlashCase("config show", {}, admin=True))
    return cases


async def run_discord_inputs(tally: Tally, data: Path, work: Path) -> None:

    print("bad inputs through Discord (the stand-in) ...", flush=True)
    async with DiscordStandin(token=TOKEN) as standin:
        add_guilds(standin)
        config = write_config(work / "discord.toml", standin, store=work / "discord.sqlite3",
                              prices=data)
        async with riskon(standin, config):
            answered: list[tuple[str, int, Any]] = []  # public answers, to press their buttons
            for case in discord_cases():
                perms = ADMIN_PERMS if case.admin else MEMBER_PERMS
                label = f"/{case.name} " + " ".join(
                    f"{k}:{shell_words([str(v)], data)[7:]}" for k, v in case.options.items())
                before = len(standin.visibility_mismatches)
                try:
                    ix = await standin.send_slash(case.name, case.options, user_id=next(_users),
                                                  guild_id=GUILD, channel_id=GENERAL,
                                                  permissions=perms)
                    clean, detail = await judge_slash(ix, case)
                except Exception as exc:
                    clean, detail = False, f"{type(exc).__name__}: {exc}"
                if len(standin.visibility_mismatches) > before:
                    clean, detail = False, "visibility mismatch: " + detail
                tally.add("bad inputs", "discord", label, clean, detail)
                if clean and ix.followups and ix.followups[0].message is not None and \
                        not ix.followups[0].ephemeral:
                    answered.append((label, ix.user_id, ix.followups[0].message))
            await press_everything(tally, standin, answered)
            for name, option, admin in AUTOCOMPLETE:
                for typed in ["", " ", TEN_KB, GARBLED, "１２３", "😀", "^RUT close >",
                              "^RUT ath and ^VIX close < 20 and btc rsi 14 <", "a" * 99,
                              "^RUT ath and ^VIX close < 20 and btc rsi 14 < 30 and ^GSPC sma 50"
                              " > sma 200 and ^VIX c"]:  # completions near 100 characters
                    label = f"autocomplete /{name} {option}:{shell_words([typed], data)[7:]}"
                    try:
                        choices = await standin.send_autocomplete(
                            name, {option: typed}, focused=option, guild_id=GUILD,
                            channel_id=GENERAL, user_id=next(_users),
                            permissions=ADMIN_PERMS if admin else MEMBER_PERMS)
                        clean, detail = judge_choices(choices)
                    except Exception as exc:
                        clean, detail = False, f"{type(exc).__name__}: {short(str(exc), 100)}"
                        if SORRY in str(exc) or "type 4" in str(exc):
                            detail += f" <- {BOT_ERRORS.records[-1].getMessage()}" \
                                if BOT_ERRORS.records else ""
                    tally.add("bad inputs", "discord", label, clean, detail)
        if standin.unknown_routes:
            tally.add("bad inputs", "discord", "(routes)", False,
                      f"unknown routes: {[r.path for r in standin.unknown_routes][:5]}")


class BotErrors(logging.Handler):
    """The bot's logged errors, so a "something went wrong" is listed with what went wrong."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def cause(self, text: str) -> str:
        m = re.search(r"error id (\w+)", text)
        for record in self.records:
            if m and m.group(1) in record.getMessage() and record.exc_info:
                exc = record.exc_info[1]
                frames = traceback.extract_tb(record.exc_info[2])
                where = f" at {Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames \
                    else ""
                return f"{type(exc).__name__}: {short(str(exc), 100)}{where}"
        return ""


BOT_ERRORS = BotErrors()


ADMIN, MANAGERS = 4_200_000_000_000_000_777, 4_200_000_000_000_000_778  # a server manager


async def press_everything(tally: Tally, standin: Any, answered: list[tuple[str, int, Any]]
                           ) -> None:
    """Every button and select option under the public answers to awkward questions (a new
    listing, a flat or broken history), by the asker and by someone else."""
    for label, asker, message in answered:
        presses: list[tuple[str, str, list[str] | None]] = [
            (name, cid, None) for name, cid in buttons(message).items()]
        for cid, select in selects(message).items():
            presses += [(f"select {o['value']}", cid, [o["value"]])
                        for o in select.get("options") or []]
        for name, cid, values in presses:
            people = [("asker", asker), ("someone else", next(_users))]
            if name.startswith("Alert me"):
                people.append(("a server manager", ADMIN))
            for who, user in people:
                if who == "someone else" and values is not None and values != ["30"]:
                    continue  # one select choice by a stranger is enough
                case = f"press {name!r} ({who}) under {label}"
                try:
                    if user == ADMIN and ADMIN not in standin.guilds[message.guild_id].members:
                        guild = standin.guilds[message.guild_id]
                        guild.add_role(MANAGERS, "managers", ADMIN_PERMS)
                        guild.add_member(ADMIN, [MANAGERS])
                    ix = await press_button(standin, message, cid, user_id=user, values=values)
                    # /ask's other readings answer as a new public reply, whoever presses
                    private = who != "asker" and not cid.startswith("riskon:ask:")
                    clean, detail = await judge_press(ix, private=private)
                except Exception as exc:
                    clean, detail = False, f"{type(exc).__name__}: {short(str(exc), 120)}"
                tally.add("bad inputs", "discord", case, clean, detail)


async def judge_press(ix: Any, *, private: bool) -> tuple[bool, str]:
    callback = await ix.wait_callback(15)
    texts = [json.dumps(callback.data)]
    if callback.type in (5, 6):
        followup = await ix.wait_followup(90)
        texts.append(json.dumps(followup.payload))
        if private and not followup.ephemeral:
            return False, "someone else's press answered publicly"
        shown = followup.content or (followup.embeds[0].get("title", "") if followup.embeds
                                     else "")
    else:
        if private and not callback.ephemeral:
            return False, "someone else's press answered publicly"
        shown = callback.data.get("content") or ""
    text = " ".join(texts)
    if SORRY in text:
        m = re.search(r"Sorry, something went wrong[^\"]*", text)
        said = m.group(0) if m else SORRY
        return False, f"{said} <- {BOT_ERRORS.cause(said)}"
    return True, f"callback {callback.type}: {short(shown or '(embed)', 100)}"


#: (command, option being typed, typed by a server manager)
AUTOCOMPLETE = [("ath", "symbol", False), ("after", "trigger", False),
                ("after", "target", False), ("signal", "signal", False),
                ("config timezone", "zone", True), ("config watchlist remove", "symbol", True),
                ("help", "topic", False)]


def judge_choices(choices: list[dict[str, Any]]) -> tuple[bool, str]:
    """Discord refuses the whole list if there are over 25 choices or one is over 100
    characters (name or value): the person typing then sees nothing at all."""
    if len(choices) > 25:
        return False, f"{len(choices)} choices (Discord takes 25)"
    for c in choices:
        if not 1 <= len(str(c.get("name", ""))) <= 100 or len(str(c.get("value", ""))) > 100:
            return False, f"a choice Discord refuses: {short(repr(c), 120)}"
    return True, f"{len(choices)} choices"


async def judge_slash(ix: Any, case: SlashCase) -> tuple[bool, str]:
    callback = await ix.wait_callback(15)
    if callback.type == 4:
        text, private, embeds = callback.data.get("content") or "", callback.ephemeral, \
            callback.data.get("embeds") or []
    elif callback.type == 5:
        followup = await ix.wait_followup(90)
        text, private, embeds = followup.content or "", followup.ephemeral, followup.embeds
        if not followup.accepted:
            return False, f"followup refused by Discord ({followup.status})"
    else:
        return False, f"callback type {callback.type}"
    shown = text or (embeds[0].get("title", "") if embeds else "")
    if SORRY in text:
        return False, f"{text} <- {BOT_ERRORS.cause(text)}"
    if not text and not embeds:
        return False, "an empty reply"
    if not private and not case.answerable:
        return False, f"public reply to a mistake: {short(shown, 120)}"
    return True, ("private: " if private else "public: ") + short(shown, 120)


# ---- provider faults ---------------------------------------------------------------------------


JSON = "application/json;charset=utf-8"
#: raw chart answers (status, content type, body): tests/fake_yahoo.FakeYahoo.answer_with
YAHOO_BODY_FAULTS: dict[str, tuple[int, str, bytes]] = {
    "HTTP 500": (500, "text/html", b"<html>Internal Server Error</html>"),
    "HTTP 503 JSON": (503, JSON, b'{"chart":{"result":null,"error":{"code":"x"}}}'),
    "garbage JSON": (200, JSON, b"{chart: [oops"),
    "empty JSON object": (200, JSON, b"{}"),
    "empty body": (200, JSON, b""),
    "JSON null": (200, JSON, b"null"),
    "result list empty": (200, JSON, b'{"chart":{"result":[],"error":null}}'),
    "truncated body": (200, JSON, b'{"chart":{"result":[{"meta":{"currency":"USD","sy'),
    "non-UTF-8 bytes": (200, JSON, b'{"chart":{"result":[{"meta":\xff\xfe\x80}]}}'),
    "HTML instead of JSON": (200, "text/html", b"<html>consent</html>"),
    "wrong shape": (200, JSON, b'{"chart":{"result":[{"meta":{},"timestamp":"x",'
                                       b'"indicators":{"quote":[{"close":"y"}]}}]}}'),
}


def yahoo_frame_faults() -> dict[str, pd.DataFrame]:
    base = daily_crypto(start="2012-01-01", end="2015-12-31")
    nan = base.copy()
    nan.loc[nan.index[-5:], "Close"] = np.nan
    allnan = base.copy()
    allnan[["Open", "High", "Low", "Close"]] = np.nan
    zero = base.copy()
    zero.loc[zero.index[::40], "Close"] = 0.0
    neg = base.copy()
    neg.loc[neg.index[-3:], "Close"] = -12.5
    dup = pd.concat([base, base.iloc[-20:]]).sort_index()
    one = base.iloc[-1:]
    return {"NaN closes": nan, "all closes NaN": allnan, "zero closes": zero,
            "negative closes": neg, "duplicate dates": dup, "a single bar": one}


#: price files a folder may hold after a bad download or a hand edit (see build_market)
BROKEN_FILES = ["EMPTY", "HEADLESS", "GARBLE", "HTML", "NANS-USD", "ALLNAN-USD", "ZERO-USD",
                "NEG-USD", "DUP-USD", "REV-USD", "TEXT-USD", "BADDATE-USD", "NOCLOSE-USD"]


def run_csv_faults(tally: Tally, data: Path, work: Path) -> None:
    print("broken price files through the terminal ...", flush=True)
    d = ["--data", str(data)]
    with environment(RISKON_CONFIG=None):
        for name in BROKEN_FILES:
            for argv in (["ask", "quote", name, *d], ["ask", "after", "^RUT", name, *d],
                         ["ask", "corr", name, "^RUT", "--window", "20", *d],
                         ["ask", "brief", "--watchlist", f"^RUT,{name}", *d]):
                code, out, err = run_cli(argv)
                clean, detail = judge_provider_cli(code, out, err, argv)
                if clean and code == 0 and name not in out:
                    clean, detail = False, f"{name} left out without a word: " + detail
                tally.add("providers", "csv files", shell_words(argv, data), clean, detail)


def run_yahoo_faults(tally: Tally, data: Path, work: Path) -> None:


    print("Yahoo faults through the terminal ...", flush=True)
    good = {s: pd.read_csv(data / f"{s}.csv", index_col="Date", parse_dates=True)
            for s in ("^RUT", "^GSPC", "^VIX")}
    scenarios: list[tuple[str, Callable[[Any], None], str]] = []
    for name, body in YAHOO_BODY_FAULTS.items():
        scenarios.append((name, lambda f, b=body: f.answer_with("BTC-USD", b[0], b[2], b[1]),
                          "BTC-USD"))
    scenarios.append(("HTTP 429 every time", lambda f: f.fail_with_429("BTC-USD", 100), "BTC-USD"))
    scenarios.append(("Yahoo 'no data'", lambda f: f.set_no_data("BTC-USD"), "BTC-USD"))
    scenarios.append(("empty quote", lambda f: f.set_empty_quote("BTC-USD"), "BTC-USD"))
    scenarios.append(("connection refused", lambda f: f.set_outage(True), "BTC-USD"))
    for name, frame in yahoo_frame_faults().items():
        scenarios.append((name, lambda f, fr=frame: f.frames.__setitem__("BTC-USD", fr),
                          "BTC-USD"))
    hang = HangingServer()
    scenarios.append(("a hang past the timeout", lambda f: f.set_hang(hang, hold=3.0), "BTC-USD"))
    questions = [
        ["ask", "quote", "btc"],
        ["ask", "after", "^RUT", "btc", "--horizons", "30,365"],
        ["ask", "corr", "^RUT", "btc"],
        ["ask", "brief", "--watchlist", "^RUT,BTC-USD,^VIX"],
    ]
    original = yf_data.new_session
    try:
        for i, (name, arm, _) in enumerate(scenarios):
            for argv in questions:
                case_dir = work / f"yahoo-{i}-{argv[1]}"
                case_dir.mkdir()
                (case_dir / "config.toml").write_text(
                    f'[data]\nyahoo_retries = 1\nyahoo_timeout = 1.0\ndir = "{case_dir}"\n'
                    f'[store]\npath = "{case_dir / "s.sqlite3"}"\n[fred]\nenabled = false\n')
                reset_yfinance(case_dir / "yf")
                fake = FakeYahoo(dict(good))
                fake.frames["BTC-USD"] = daily_crypto(start="2012-01-01", end="2015-12-31")
                arm(fake)
                yf_data.new_session = fake.session  # the network edge, as tests/test_cli_outage
                code, out, err, took = run_cli_in(case_dir, argv)
                clean, detail = judge_provider_cli(code, out, err, argv)
                if clean and code == 2 and name != "Yahoo 'no data'":
                    clean, detail = False, "an upstream fault blamed on the asker: " + detail
                if took > 60:
                    clean, detail = False, f"took {took:.0f} s: " + detail
                tally.add("providers", "yahoo", f"{name}: riskon {' '.join(argv)}", clean, detail)
    finally:
        yf_data.new_session = original
        hang.close()


async def run_yahoo_discord(tally: Tally, data: Path, work: Path) -> None:
    """The same Yahoo faults under the bot, one symbol per fault so no cache hides one; the
    network-wide ones (refused, hanging) last."""
    print("Yahoo faults through Discord (the stand-in) ...", flush=True)
    good = daily_crypto(start="2012-01-01", end="2015-12-31")
    rut = pd.read_csv(data / "^RUT.csv", index_col="Date", parse_dates=True)
    fake = FakeYahoo({"^RUT": rut})
    arms: list[tuple[str, Callable[[str], None]]] = []
    for name, (status, ctype, body) in YAHOO_BODY_FAULTS.items():
        arms.append((name, lambda sym, a=(status, body, ctype): fake.answer_with(sym, *a)))
    arms.append(("HTTP 429 every time", lambda sym: fake.fail_with_429(sym, 1000)))
    arms.append(("Yahoo 'no data'", lambda sym: fake.set_no_data(sym)))
    arms.append(("empty quote", lambda sym: fake.set_empty_quote(sym)))
    for name, frame in yahoo_frame_faults().items():
        arms.append((name, lambda sym, fr=frame: fake.frames.__setitem__(sym, fr)))
    hang = HangingServer()
    arms.append(("connection refused", lambda sym: fake.set_outage(True)))
    arms.append(("a hang past the timeout", lambda sym: (fake.set_outage(False),
                                                       fake.set_hang(hang, hold=3.0))))
    reset_yfinance(work / "discord-yf")
    async with DiscordStandin(token=TOKEN) as standin:
        add_guilds(standin)
        config = write_config(work / "yahoo.toml", standin, store=work / "yahoo.sqlite3",
                              prices=data)
        text = config.read_text().replace('provider = "csv"', 'provider = "yahoo"')
        config.write_text(text.replace(
            "[data]", f"[data]\nyahoo_timeout = 1.0\nyahoo_retries = 1\ndir = '{work}'"))
        # The fake Yahoo goes in where the bot is built (its one network seam), as in the tests.
        async with riskon(standin, config, yahoo_session=fake.session()):
            for i, (name, arm) in enumerate(arms):
                symbol = f"X{i:02d}-USD"
                fake.frames[symbol] = good
                arm(symbol)
                for command, options in (("quote", {"symbol": symbol}),
                                         ("after", {"trigger": "^RUT", "target": symbol}),
                                         ("corr", {"a": "^RUT", "b": symbol})):
                    label = f"{name}: /{command} " + " ".join(f"{k}:{v}" for k, v in
                                                             options.items())
                    try:
                        ix = await standin.send_slash(command, options, user_id=next(_users),
                                                      guild_id=GUILD, channel_id=GENERAL,
                                                      permissions=MEMBER_PERMS)
                        clean, detail = await judge_slash(ix, SlashCase(command, options, True))
                    except Exception as exc:
                        clean, detail = False, f"{type(exc).__name__}: {exc}"
                    if clean and re.search(r"\bnan\b|\binf\b", json.dumps(
                            [f.payload for f in ix.followups]), re.I):
                        clean, detail = False, "nan/inf in the answer: " + detail
                    tally.add("providers", "yahoo/discord", label, clean, detail)
    hang.close()


def judge_provider_cli(code: int | str, out: str, err: str, argv: list[str]) -> tuple[bool, str]:
    if "Traceback" in err or code == "exception":
        last = err.strip().splitlines()[-1] if err.strip() else "?"
        return False, f"traceback: {last}"
    if code == 0:
        if err.strip():
            return False, f"answered but stderr says: {short(err, 140)}"
        if re.search(r"\bnan\b|\binf\b", out):
            return False, f"answer prints nan/inf: {short(out, 140)}"
        return True, f"answered: {short(out.strip().splitlines()[0], 120)}"
    if code in (1, 2) and len(err.splitlines()) == 1:
        return True, f"exit {code}: {short(err.strip(), 140)}"
    return False, f"exit {code}: {short(err, 160)}"


FRED_FAULTS = {
    "HTTP 500": lambda: (500, "text/plain", b"Internal Server Error"),
    "HTTP 429": lambda: (429, "text/plain", b"Too Many Requests"),
    "garbage": lambda: (200, "text/csv", b"\x00\x01garbage,,,\n\"unclosed\n"),
    "empty body": lambda: (200, "text/csv", b""),
    "header only": lambda: (200, "text/csv", b"observation_date,{id}\n"),
    "truncated": lambda: (200, "text/csv", b"observation_date,{id}\n2024-01-03,77"),
    "non-UTF-8": lambda: (200, "text/csv", b"observation_date,{id}\n2024-01-03,1.1\xa0\xff\n"),
    "HTML": lambda: (200, "text/html", b"<html>maintenance</html>"),
    "JSON": lambda: (200, "application/json", b'{"error": "no"}'),
    "NaN values": lambda: (200, "text/csv", b"observation_date,{id}\n2024-01-03,NaN\n"
                                            b"2024-01-10,nan\n"),
    "negative values": lambda: (200, "text/csv", b"observation_date,{id}\n2024-01-03,-5\n"
                                                 b"2024-01-10,-7\n"),
    "zero values": lambda: (200, "text/csv", b"observation_date,{id}\n2024-01-03,0\n"
                                             b"2024-01-10,0\n"),
    "duplicate dates": lambda: (200, "text/csv", b"observation_date,{id}\n2024-01-03,5\n"
                                                 b"2024-01-03,6\n2024-01-10,7\n"),
    "dates out of order": lambda: (200, "text/csv", b"observation_date,{id}\n2024-01-10,5\n"
                                                    b"2024-01-03,6\n"),
    "bad dates": lambda: (200, "text/csv", b"observation_date,{id}\n2024-13-45,5\n"),
    "wrong column": lambda: (200, "text/csv", b"observation_date,OTHER\n2024-01-03,5\n"),
    "huge numbers": lambda: (200, "text/csv", b"observation_date,{id}\n2024-01-03,1e308\n"
                                              b"2024-01-10,1e308\n"),
    "hang": None,
}


def fred_good(series_id: str) -> bytes:
    dates = pd.bdate_range("2023-01-02", "2024-06-28", freq="W-WED")
    base = {"WALCL": 7_500_000.0, "WTREGEN": 700_000.0, "RRPONTSYD": 500.0,
            "BAMLH0A0HYM2": 3.5}.get(series_id, 1.0)
    rows = [f"{d:%Y-%m-%d},{base * (1 + i / 1000):.2f}" for i, d in enumerate(dates)]
    return ("observation_date," + series_id + "\n" + "\n".join(rows) + "\n").encode()


class FredServer:
    """FRED's fredgraph.csv on 127.0.0.1, on a thread of its own; `fault` names what it does."""

    def __init__(self) -> None:
        self.fault: str | None = None
        self.asked: list[str] = []
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._release: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        self._ready.wait(10)

    def _run(self) -> None:
        from aiohttp import web

        async def handler(request: web.Request) -> web.StreamResponse:
            series = request.query.get("id", "")
            self.asked.append(series)
            if self.fault is None:
                return web.Response(body=fred_good(series), content_type="text/csv")
            if self.fault == "hang":
                await asyncio.sleep(6)  # three times the client's timeout
                return web.Response(text="late")
            status, ctype, body = FRED_FAULTS[self.fault]()
            return web.Response(status=status, body=body.replace(b"{id}", series.encode()),
                                content_type=ctype)

        async def start() -> None:
            app = web.Application()
            app.router.add_get("/graph/fredgraph.csv", handler)
            self._runner = web.AppRunner(app)
            await self._runner.setup()
            site = web.TCPSite(self._runner, "127.0.0.1", 0)
            await site.start()
            port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
            self.url = f"http://127.0.0.1:{port}/graph/fredgraph.csv"
            self._ready.set()

        self._loop.run_until_complete(start())
        self._loop.run_forever()

    def close(self) -> None:
        async def stop() -> None:
            await self._runner.cleanup()

        asyncio.run_coroutine_threadsafe(stop(), self._loop).result(30)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)


def run_fred_faults(tally: Tally, data: Path, work: Path) -> None:
    """The brief with prices from a healthy fake Yahoo and FRED misbehaving on 127.0.0.1
    (`--data` would read FRED from files, so the prices come over the fake network too)."""


    print("FRED faults through the terminal's brief ...", flush=True)
    frames = {s: pd.read_csv(data / f"{s}.csv", index_col="Date", parse_dates=True)
              for s in ("^RUT", "BTC-USD", "^VIX")}
    server = FredServer()
    original = yf_data.new_session
    try:
        for i, name in enumerate(["(none: the control)", *FRED_FAULTS]):
            server.fault = None if name.startswith("(") else name
            case_dir = work / f"fred-{i}"
            case_dir.mkdir()
            (case_dir / "config.toml").write_text(
                f'[data]\nyahoo_retries = 1\ndir = "{case_dir}"\n'
                f'[store]\npath = "{case_dir / "s.sqlite3"}"\n'
                f'[fred]\nenabled = true\nbase_url = "{server.url}"\ntimeout = 2.0\n')
            reset_yfinance(case_dir / "yf")
            yf_data.new_session = FakeYahoo(frames).session
            code, out, err, took = run_cli_in(
                case_dir, ["ask", "brief", "--watchlist", "^RUT,BTC-USD,^VIX"])
            clean, detail = judge_fred(name, code, out, err)
            if took > 30:
                clean, detail = False, f"took {took:.0f} s: " + detail
            tally.add("providers", "fred", f"{name}: riskon ask brief", clean, detail)
    finally:
        yf_data.new_session = original
        server.close()


def judge_fred(name: str, code: int | str, out: str, err: str) -> tuple[bool, str]:
    """The brief always goes out; each FRED part is shown or said to be left out, and why."""
    if "Traceback" in err or code == "exception":
        return False, f"traceback: {err.strip().splitlines()[-1] if err.strip() else '?'}"
    if code != 0:
        return False, f"the brief did not go out: exit {code}: {short(err, 140)}"
    if re.search(r"\bnan\b|\binf\b", out, re.IGNORECASE):
        bad = next(line for line in out.splitlines() if re.search(r"\bnan\b|\binf\b", line, re.I))
        return False, f"nan/inf in the brief: {bad.strip()}"
    said = []
    for part in ("Fed net liquidity", "High-yield spread"):
        lines = [line.strip() for line in out.splitlines() if part in line]
        if not lines:
            return False, f"{part} left out without a word"
        said.append(short(lines[0], 70))
    if name.startswith("(") and any("left out" in s for s in said):
        return False, f"the control lacks FRED figures: {said}"
    return True, "brief out; " + " | ".join(said)


# ---- Discord faults: the daily brief's post under a misbehaving Discord -----------------------

POST = ("POST", "/channels/{channel_id}/messages")


def discord_faults() -> list[tuple[str, Callable[[Any], Any]]]:
    """(name, arm(standin)): what Discord does to one post. `done`: Discord made the message
    and only the answer was lost (the case that doubles a post if it is simply sent again)."""
    def limited(times: int, is_global: bool = False) -> Callable[[Any], Any]:
        return lambda st: st.rate_limit(*POST, times=times, retry_after=0.05,
                                        is_global=is_global)

    def server(status: int, times: int = 1, done: bool = False) -> Callable[[Any], Any]:
        return lambda st: st.server_error(*POST, status=status, times=times, done=done)

    faults = [("429 once", limited(1)), ("429 three times", limited(3)),
              ("429 global", limited(1, True))]
    for status in (500, 502, 503, 504):
        faults.append((f"{status} once", server(status)))
        faults.append((f"{status} once, message made", server(status, done=True)))
    faults += [("500 ten times (30 s of outage)", server(500, 10)),
               ("503 ten times (Discord down)", server(503, 10)),
               ("500 twice, message made both times", server(500, 2, done=True))]
    return faults


async def run_discord_faults(tally: Tally, data: Path, work: Path) -> None:


    print("Discord faults on the daily brief's post ...", flush=True)
    at = datetime(2024, 6, 11, 7, 0, tzinfo=UTC)  # 08:00 in London, a Tuesday
    ids = itertools.count(4_400_000_000_000_000_000, 10)
    async with DiscordStandin(token=TOKEN) as standin:
        add_guilds(standin)
        config = write_config(work / "faults.toml", standin, store=work / "faults.sqlite3",
                              prices=data, extra="[compute]\nprocesses = 0\n")
        async with riskon(standin, config) as bot:
            poster = bot.get_cog("Brief").poster
            scenarios = discord_faults()
            scenarios += [("gateway dropped (resumable)", None),
                          ("gateway dropped (not resumable)", None)]
            for name, arm in scenarios:
                guild_id = next(ids)
                channel_id = guild_id + 1
                standin.add_guild(guild_id, name="g", channels=[text_channel(channel_id, "b")])
                for _ in range(500):
                    if bot.get_channel(channel_id) is not None:
                        break
                    await asyncio.sleep(0.01)
                await bot.settings.update(guild_id, channel_id=channel_id, post_time="08:00",
                                          timezone="Europe/London", brief_enabled=True,
                                          watchlist=("^RUT", "BTC-USD"))
                if arm is not None:
                    arm(standin)
                else:
                    await standin.drop_gateway(4000 if "not" not in name else 4009,
                                               resumable="not" not in name)
                    await asyncio.sleep(0.5)
                try:
                    for later in (0, 1, 20):  # the tick, and the ticks after it
                        await poster.tick(at + timedelta(minutes=later))
                    made = len(standin.channel_messages.get(channel_id, []))
                    record = await brieflog.get(bot.store, guild_id, at.date())
                    status = record.status if record else "nothing recorded"
                    if made > 1:
                        clean, detail = False, f"posted {made} times ({status})"
                    elif made == 1:
                        clean = status == "sent"
                        detail = f"posted once, recorded {status!r}"
                    else:
                        clean = status == "failed" and "down" in name  # recorded, not silent
                        detail = f"not posted, recorded {status!r}: " + (
                            record.detail if record else "") + (
                            "" if "down" in name else " (Discord recovered at once)")
                except Exception as exc:
                    clean, detail = False, f"{type(exc).__name__}: {exc}"
                standin._server_errors.clear()
                standin._rate_limits.clear()
                tally.add("discord", "brief post", name, clean, short(detail, 160))


FOLLOWUP = ("POST", "/webhooks/{app_id}/{token}")
CALLBACK = ("POST", "/interactions/{interaction_id}/{token}/callback")


async def answered(ix: Any, timeout: float = 60.0) -> None:  # noqa: ASYNC109
    """Until the interaction shows something (an accepted followup or edit, or a reply)."""
    await ix._standin._wait_until(
        lambda: any(f.accepted for f in ix.followups) or (
            ix.callback is not None and ix.callback.type == 4),
        timeout, f"an answer to /{ix.name}")


async def run_command_faults(tally: Tally, data: Path, work: Path) -> None:
    """A question's answer while Discord fails the deferral or the answer itself."""
    print("Discord faults under a question's answer ...", flush=True)
    faults: list[tuple[str, Callable[[Any], Any]]] = [
        ("answer: 429 once", lambda st: st.rate_limit(*FOLLOWUP, times=1, retry_after=0.05)),
    ]
    for status in (500, 502, 503, 504):
        faults.append((f"answer: {status} once", lambda st, c=status: st.server_error(
            *FOLLOWUP, status=c)))
        faults.append((f"answer: {status} once, message made",
                       lambda st, c=status: st.server_error(*FOLLOWUP, status=c, done=True)))
    for status in (500, 503):
        faults.append((f"deferral: {status} once", lambda st, c=status: st.server_error(
            *CALLBACK, status=c)))
    async with DiscordStandin(token=TOKEN) as standin:
        add_guilds(standin)
        config = write_config(work / "cmd-faults.toml", standin,
                              store=work / "cmd-faults.sqlite3", prices=data,
                              extra="[compute]\nprocesses = 0\n")
        async with riskon(standin, config):
            for name, arm in faults:
                for command, options in (("quote", {"symbol": "btc"}),
                                         ("corr", {"a": "^RUT", "b": "btc"}),
                                         ("after", {"trigger": "^RUT", "target": "btc"})):
                    arm(standin)
                    label = f"{name}: /{command}"
                    try:
                        ix = await standin.send_slash(command, options, user_id=next(_users),
                                                      guild_id=GUILD, channel_id=GENERAL,
                                                      permissions=MEMBER_PERMS)
                        await answered(ix)
                        await asyncio.sleep(1.5)  # anything else it was going to send
                        shown = [f for f in ix.followups if f.accepted and not f.ephemeral]
                        private = [f for f in ix.followups if f.accepted and f.ephemeral]
                        texts = json.dumps([f.payload for f in ix.followups])
                        if SORRY in texts:
                            clean, detail = False, "apology: " + BOT_ERRORS.cause(
                                re.search(r"Sorry[^\"]*", texts).group(0))  # type: ignore[union-attr]
                        elif len(shown) > 1:
                            clean, detail = False, f"answered {len(shown)} times in public"
                        elif len(shown) == 1:
                            clean, detail = True, "answered once"
                        elif private:
                            clean, detail = True, f"private line: {private[0].content}"
                        else:
                            clean, detail = False, "no answer at all (thinking… for good)"
                    except Exception as exc:
                        clean, detail = False, f"{type(exc).__name__}: {short(str(exc), 100)}"
                    standin._server_errors.clear()
                    standin._rate_limits.clear()
                    tally.add("discord", "answers", label, clean, short(detail, 160))


# ---- process faults: the existing subprocess tests --------------------------------------------

PROCESS_TESTS = {
    "store": [
        "tests/test_startup_failures.py",  # broken files, read-only, another process's lock
        "tests/test_store.py::test_exception_mid_write_keeps_previous_state",
        "tests/test_store.py::test_failed_migration_leaves_previous_version",
        "tests/test_store.py::test_constraint_violation_rolls_back_the_whole_batch",
        "tests/test_store.py::test_newer_database_is_refused",
        "tests/test_store.py::test_missing_schema_or_server_is_one_clear_error",
    ],
    "kill -9": [
        "tests/test_bot_process.py::test_real_process_answers_a_command_and_stops_on_sigterm",
        "tests/test_bot_process.py::test_ctrl_c_stops_cleanly_without_worker_tracebacks",
        "tests/test_bot_process.py::test_workers_exit_by_themselves_when_the_bot_is_killed",
        "tests/test_bot_process.py::test_shutdown_records_a_post_it_cut_off",
        "tests/test_brief_e2e.py::test_claims_of_a_dead_process_are_resolved_at_restart_never_"
        "reposted",
        "tests/test_brief_e2e.py::test_no_second_post_after_a_restart_the_same_day",
        "tests/test_alerts_e2e.py::test_exactly_once_across_a_restart_mid_fan_out",
        "tests/test_shards_e2e.py::test_kill_9_mid_fan_out_then_restart_posts_nothing_twice",
        "tests/test_shards_e2e.py::test_overlapping_shard_ranges_never_double_post",
        "tests/test_alerts_process.py",
    ],
}


def scenarios_in(test: str) -> int:
    """A test that loops over cases inside itself counts as that many scenarios."""
    if "each_broken_store" in test:
        from tests.test_startup_failures import BROKEN

        return len(BROKEN)
    return 1


def run_process_faults(tally: Tally) -> None:
    print("store faults and kill -9 / SIGTERM scenarios (existing subprocess tests) ...",
          flush=True)
    for category, tests in PROCESS_TESTS.items():
        env = dict(os.environ)
        env.setdefault("RISKON_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
        proc = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-rA", "-p", "no:cacheprovider", *tests],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800,
        )
        seen = 0
        for line in proc.stdout.splitlines():
            m = re.match(r"^(PASSED|FAILED|ERROR|SKIPPED) (\S+)(?: - (.*))?$", line)
            if not m:
                continue
            status, test, why = m.groups()
            seen += 1
            for n in range(scenarios_in(test)):
                case = test if n == 0 else f"{test} (case {n + 1})"
                if status == "SKIPPED":
                    tally.add(category, "subprocess", case, False, f"skipped: {why}")
                else:
                    tally.add(category, "subprocess", case, status == "PASSED", why or status)
        if not seen:
            tally.add(category, "subprocess", " ".join(tests), False,
                      f"pytest ran nothing: {short(proc.stdout[-300:] + proc.stderr[-300:], 200)}")


# ---- report ------------------------------------------------------------------------------------


def report(tally: Tally) -> int:
    rows: dict[tuple[str, str], list[int]] = {}
    for r in tally.results:
        row = rows.setdefault((r.category, r.surface), [0, 0])
        row[0] += 1
        row[1] += r.clean
    print()
    print(f"{'category':<12} {'through':<14} {'tried':>6} {'clean':>6}  failures")
    print("-" * 53)
    totals: dict[str, list[int]] = {}
    for (category, surface), (tried, clean) in rows.items():
        print(f"{category:<12} {surface:<14} {tried:>6} {clean:>6}  {tried - clean or ''}")
        total = totals.setdefault(category, [0, 0])
        total[0] += tried
        total[1] += clean
    print("-" * 53)
    for category, (tried, clean) in totals.items():
        print(f"{category:<12} {'all':<14} {tried:>6} {clean:>6}  {tried - clean or ''}")
    failures = [r for r in tally.results if not r.clean]
    if failures:
        print(f"\n{len(failures)} failure(s):")
        for r in failures:
            print(f"- [{r.category} / {r.surface}] {r.case}\n    {r.detail}")
    return 1 if failures else 0


def main() -> int:
    global VERBOSE
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", action="append",
                        choices=("cli", "discord", "csv", "yahoo", "fred", "posts",
                                 "process"),
                        help="run only these parts (repeatable); default: all")
    parser.add_argument("-v", "--verbose", action="store_true", help="print every case")
    args = parser.parse_args()
    VERBOSE = args.verbose
    parts = set(args.only or ("cli", "discord", "csv", "yahoo", "fred", "posts", "process"))
    tally = Tally()
    started = time.monotonic()
    # the bot's logged errors, so a "something went wrong" is listed with its cause
    logging.getLogger("bot").addHandler(BOT_ERRORS)
    logging.getLogger("bot").setLevel(logging.ERROR)
    with tempfile.TemporaryDirectory(prefix="riskon-adversarial-") as tmp:
        work = Path(tmp)
        data = work / "prices"
        build_market(data)
        _route_logs_to_current_stderr()  # the terminal's log lines count as its stderr
        for name in ("discord", "discord.http"):  # its retries are not this table's business
            logging.getLogger(name).setLevel(logging.CRITICAL)
        with contextlib.chdir(work):
            if "cli" in parts:
                run_cli_inputs(tally, data, work)
            if "discord" in parts:
                # the bot's own log lines are not what a server member sees
                logging.getLogger().setLevel(logging.CRITICAL)
                asyncio.run(run_discord_inputs(tally, data, work))
                logging.getLogger().setLevel(logging.WARNING)
            if "csv" in parts:
                run_csv_faults(tally, data, work)
            if "yahoo" in parts:
                run_yahoo_faults(tally, data, work)
                logging.getLogger().setLevel(logging.CRITICAL)
                asyncio.run(run_yahoo_discord(tally, data, work))
                logging.getLogger().setLevel(logging.WARNING)
            if "fred" in parts:
                run_fred_faults(tally, data, work)
            if "posts" in parts:
                logging.getLogger().setLevel(logging.CRITICAL)
                asyncio.run(run_discord_faults(tally, data, work))
                asyncio.run(run_command_faults(tally, data, work))
                logging.getLogger().setLevel(logging.WARNING)
        if "process" in parts:
            run_process_faults(tally)
    status = report(tally)
    print(f"\n(run took {time.monotonic() - started:.0f} s)")
    return status


if __name__ == "__main__":
    sys.exit(main())
