"""`python -m bot` / `riskon`: run the bot, sync its commands, or ask a question in the terminal.

The terminal front end is the quickest way to try a question without a Discord token:
`python -m bot ask after ^RUT BTC-USD --data ../shared/market-data`. Exit codes are part of the
contract for scripts: 0 answered, 1 no data (the reason on stderr), 2 bad input or setup.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from bot import defaults
from bot.answers.model import Insight
from bot.config import Config, ConfigError, load
from bot.errors import DataUnavailable, NoData, RiskonError, UserError
from bot.logs import setup_logging

if TYPE_CHECKING:
    from bot.insights import Insights

log = logging.getLogger(__name__)

_HORIZONS = ",".join(map(str, defaults.HORIZONS))


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one clear line on stderr, not a usage dump."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="riskon", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", parser_class=_Parser)
    commands.add_parser("run", help="run the Discord bot (the default)")
    commands.add_parser("sync", help="publish slash commands globally (an explicit act)")
    terms = commands.add_parser("help", help="explain a term the answers use (as /help topic)")
    terms.add_argument("topic", nargs="*", help="e.g. base rate, fresh, pp (none: list them)")
    ask = commands.add_parser("ask", help="answer a question in the terminal, no token needed")
    questions = ask.add_subparsers(dest="question", required=True, parser_class=_Parser)

    common = _Parser(add_help=False)
    common.add_argument(
        "--data", metavar="DIR", help="a folder of Yahoo-layout CSVs to use instead of the network"
    )
    common.add_argument(
        "--chart",
        metavar="PATH",
        help="where to write the PNG (default: a file "
        "in the current folder named after the question)",
    )
    common.add_argument("--json", action="store_true", help="print the answer as one JSON object")

    p = questions.add_parser("ath", parents=[common], help="is it at an all-time high?")
    p.add_argument("symbol")
    p = questions.add_parser(
        "after",
        parents=[common],
        help="what did TARGET do after every event of a signal (or fresh ATHs of a symbol)?",
    )
    p.add_argument(
        "trigger",
        metavar="SIGNAL",
        help="a signal such as '^VIX close > 30' or 'russell drawdown >= 20%%'; "
        "a bare symbol means its fresh all-time highs",
    )
    p.add_argument("target")
    p.add_argument(
        "--horizons",
        default=_HORIZONS,
        help=f"calendar days, comma-separated (default {_HORIZONS})",
    )
    p.add_argument(
        "--min-gap",
        type=_int("--min-gap"),
        default=None,
        help="sessions since the signal last held for it to count again "
        f"(default {defaults.MIN_GAP}; "
        "same as 'gap N' in the signal)",
    )
    p.add_argument(
        "--event",
        choices=("ath", "breakout"),
        default=None,
        help="for a bare symbol: fresh all-time highs (default) or 52-week breakouts",
    )
    p.add_argument(
        "--lookback",
        type=_int("--lookback"),
        default=defaults.BREAKOUT_LOOKBACK,
        help=f"sessions of prior highs a breakout must clear "
        f"(default {defaults.BREAKOUT_LOOKBACK})",
    )
    p = questions.add_parser(
        "signal",
        parents=[common],
        help="when did a signal fire? count, dates, whether it holds today, a chart",
    )
    p.add_argument(
        "signal",
        metavar="SIGNAL",
        help="e.g. '^VIX close > 30', '^GSPC sma 50 > sma 200', 'btc rsi 14 < 30'",
    )
    p = questions.add_parser("corr", parents=[common], help="correlation of daily returns")
    p.add_argument("a")
    p.add_argument("b")
    p.add_argument(
        "--window",
        type=_int("--window"),
        default=defaults.CORR_WINDOW,
        help=f"rolling window in sessions (default {defaults.CORR_WINDOW})",
    )
    p = questions.add_parser("quote", parents=[common], help="last close and recent changes")
    p.add_argument("symbol")
    p = questions.add_parser("brief", parents=[common], help="the daily market brief")
    p.add_argument("--watchlist", help="comma-separated symbols (default: the configured list)")
    p = questions.add_parser(
        "text", parents=[common], help="a question in plain words, e.g. 'is btc at an ath?'"
    )
    p.add_argument("text", metavar="QUESTION")
    move = commands.add_parser(
        "migrate-store", help="copy settings, logs and cached bars into another store",
        description="Copy every table (settings, posting log, alerts, cached bars) from one "
        "store into another, e.g. from the SQLite file into PostgreSQL before running several "
        "processes. All or nothing; a target that holds data is refused unless --force.",
    )
    move.add_argument("--from", dest="source", required=True, metavar="SOURCE",
                      help="sqlite:PATH (or a postgresql:// URL)")
    move.add_argument("--to", dest="target", required=True, metavar="TARGET",
                      help="postgresql://user@host:port/db (or sqlite:PATH)")
    move.add_argument("--force", action="store_true",
                      help="replace whatever the target already holds")
    return parser


def _int(option: str):
    def convert(text: str) -> int:
        try:
            return int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{option} must be a whole number, not {text!r}"
            ) from None

    return convert


def _ask(args: argparse.Namespace) -> int:
    from bot.report import render_text

    config = load()
    if args.data and not Path(args.data).is_dir():
        raise UserError(f"--data {args.data}: no such folder.")
    understanding = None
    if args.question == "text":  # /ask in the terminal: unreadable questions exit 2 here
        from bot.ask.answer import understand

        understanding = understand(args.text)
        args.reading = understanding.reading
    if args.own_process:
        from bot.charts.render import draw_one_chart_only

        draw_one_chart_only()  # one chart per process: the fast-drawing self-checks cost more
    insight = asyncio.run(_answer(args, config))
    chart_path = None
    if insight.chart_png:
        chart_path = args.chart or insight.chart_name
        try:
            Path(chart_path).write_bytes(insight.chart_png)
        except OSError as exc:
            problem = f"--chart {chart_path}: cannot write the chart ({exc.strerror})."
            raise UserError(problem) from None
    if understanding is not None:
        from bot.ask.answer import print_answer

        return print_answer(understanding, insight, chart_path, as_json=args.json)
    if args.json:
        print(json.dumps(insight.to_json(chart_path), ensure_ascii=False))
    else:
        print(render_text(insight, chart_path))
    return 0


async def _answer(args: argparse.Namespace, config: Config) -> Insight:
    from bot.services import build_services
    from bot.store import Store, store_for

    # With --data the answer comes from files: keep the cache in memory, leave nothing behind.
    async with Store(":memory:") if args.data else store_for(config.store) as store:
        services = build_services(config, store, csv_dir=args.data, persist=not args.data)
        try:
            return await _question(args, config, services.insights)
        finally:
            # A fetch the answer stopped waiting for (its other symbol failed first) still
            # saves to the store: let it finish before the store closes under it.
            await services.market.drain()


async def _question(args: argparse.Namespace, config: Config, insights: Insights) -> Insight:
    q = args.question
    if q == "text":
        from bot.ask.answer import answer_reading

        return await answer_reading(insights, args.reading, watchlist=config.brief.watchlist)
    if q == "ath":
        insight = await insights.ath(args.symbol)
    elif q == "quote":
        insight = await insights.quote(args.symbol)
    elif q == "after":
        insight = await insights.after(
            args.trigger,
            args.target,
            horizons=args.horizons,
            min_gap=args.min_gap,
            event=args.event,
            lookback=args.lookback,
        )
    elif q == "signal":
        insight = await insights.signal(args.signal)
    elif q == "corr":
        insight = await insights.correlation(args.a, args.b, window=args.window)
    else:
        watchlist: Sequence[str] = config.brief.watchlist
        if args.watchlist is not None:
            watchlist = [s.strip() for s in args.watchlist.split(",") if s.strip()]
            if not watchlist:
                raise UserError(
                    f"--watchlist {args.watchlist!r}: give symbols separated by commas, "
                    "e.g. ^RUT,BTC-USD."
                )
        insight = await insights.brief(watchlist)
    return insight


def main(argv: list[str] | None = None) -> int:
    """The program (`python -m bot`, `riskon`): `argv` None means the command line of a process
    of its own, which then answers one question and exits; a caller passing `argv` (tests, a
    script) shares its process, whose later charts must keep the fast drawing paths."""
    args = build_parser().parse_args(argv)
    args.own_process = argv is None
    command = args.command or "run"
    try:
        if command == "ask":
            setup_logging("WARNING")
            # riskon says what failed in one line (and marks a stale answer in its footer):
            # neither yfinance's retries nor ours need echo it, one warning per symbol per try.
            logging.getLogger("yfinance").setLevel(logging.ERROR)
            logging.getLogger("bot.market").setLevel(logging.ERROR)
            return _ask(args)
        if command == "help":
            from bot.glossary import explain_text

            print(explain_text(" ".join(args.topic)))
            return 0
        if command == "migrate-store":
            from bot.store_copy import migrate_store

            setup_logging("WARNING")
            counts = migrate_store(args.source, args.target, force=args.force)
            print(f"Copied {sum(counts.values())} row(s) in {len(counts)} table(s).")
            return 0
        from bot.adapter.app import run_bot, sync_commands

        config = load()
        setup_logging(config.logging.level)
        return run_bot(config) if command == "run" else sync_commands(config)
    except ConfigError as exc:
        print(f"riskon: {exc}", file=sys.stderr)
        return 2
    except UserError as exc:
        print(f"riskon: {exc}", file=sys.stderr)
        return 2
    except (NoData, DataUnavailable) as exc:
        print(f"riskon: {exc}", file=sys.stderr)
        return 1
    except RiskonError as exc:
        print(f"riskon: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `riskon ask ... | head`: the reader left, which is not an error worth a traceback.
        # Point stdout at devnull so the interpreter's final flush does not raise again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141  # 128 + SIGPIPE, what a shell reports for a command its pipe closed
