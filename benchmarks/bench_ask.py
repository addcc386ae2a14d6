"""How long /ask takes to read a question (the budget is 2 ms), against a naive fuzzy match.

    .venv/bin/python benchmarks/bench_ask.py [--rounds N]

Reads every phrasebook question (tests/test_ask_phrasebook.py, 250+ questions as users type
them, and the questions naming an asset riskon does not know, whose answer also looks up the
registry's suggestions) with the fuzzy-match cache cleared before each round, so every typo is
matched afresh.
Times are the reading thread's CPU time (time.thread_time): the reader is pure Python, so CPU
time is what it costs, and it stays meaningful on a busy machine where wall time would mostly
measure the other processes. Prints mean, p95 and worst time per question, the headroom under
the 2 ms budget, and the ratio
against a baseline run in the same process: the same reader with the fuzzy step done the naive
way (difflib.get_close_matches over every registry alias, no length filter, no cache).
"""

from __future__ import annotations

import argparse
import difflib
import statistics
import sys
import time
from pathlib import Path
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.ask import reader
from tests.test_ask_phrasebook import PHRASEBOOK, UNKNOWN_ASSETS

BUDGET_MS = 2.0


def naive_fuzzy(text: str, cutoff: float) -> tuple[tuple[str, float], ...]:
    keys = list(reader._ALIASES)
    found: dict[str, float] = {}
    for key in difflib.get_close_matches(text, keys, n=8, cutoff=cutoff):
        ratio = difflib.SequenceMatcher(None, text, key).ratio()
        symbol = reader._ALIASES[key]
        found[symbol] = max(found.get(symbol, 0.0), ratio)
    return tuple(sorted(found.items(), key=lambda kv: (-kv[1], kv[0])))


def time_questions(questions: list[str], rounds: int) -> list[float]:
    times = []
    for _ in range(rounds):
        reader._fuzzy.cache_clear()
        for q in questions:
            start = time.thread_time()
            reader.read(q)
            times.append((time.thread_time() - start) * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    questions = [q for q, _ in PHRASEBOOK] + [q for q, _, _ in UNKNOWN_ASSETS]
    time_questions(questions, 1)  # warm imports and regex caches
    ours = time_questions(questions, args.rounds)
    with mock.patch.object(reader, "_fuzzy", naive_fuzzy):
        naive_fuzzy.cache_clear = lambda: None  # type: ignore[attr-defined]
        base = time_questions(questions, args.rounds)
    p95 = statistics.quantiles(ours, n=20)[-1]
    base_p95 = statistics.quantiles(base, n=20)[-1]
    print(
        f"/ask reader, {len(PHRASEBOOK)} phrasebook + {len(UNKNOWN_ASSETS)} unknown-asset "
        f"questions x {args.rounds} rounds"
    )
    print(
        f"  riskon reader : mean {statistics.mean(ours):.3f} ms  p95 {p95:.3f} ms  "
        f"worst {max(ours):.3f} ms"
    )
    print(
        f"  naive fuzzy   : mean {statistics.mean(base):.3f} ms  p95 {base_p95:.3f} ms  "
        f"worst {max(base):.3f} ms"
    )
    verdict = "within" if p95 <= BUDGET_MS else "OVER"
    print(f"  p95 {p95:.3f} ms is {verdict} the {BUDGET_MS:g} ms budget "
          f"({BUDGET_MS / p95:.1f}x headroom)")
    print(f"  ratio naive/riskon (mean): {statistics.mean(base) / statistics.mean(ours):.1f}x")


if __name__ == "__main__":
    main()
