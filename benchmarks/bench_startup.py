"""How long a terminal question takes, against the floor of importing what it cannot do without.

    .venv/bin/python benchmarks/bench_startup.py [--runs N] [--question "quote ^RUT"]

Times, as separate processes (median of N runs each, interleaved so a busy machine slows both
alike):
- the floor: `python -c "import numpy, pandas, matplotlib.figure, matplotlib.backends.backend_agg"`,
  the libraries every answer computes and draws with (riskon draws on a Figure with the Agg
  canvas, never through pyplot);
- the question: `python -m bot ask <question> --data DIR --chart <tmp>` on CSV files, from a
  folder with no config.toml, chart written.
It prints both, wall clock and CPU time (user + system: steadier on a busy machine), their ratios
(the target is 1.3x or less), and which of the modules a CSV
question has no use for (yfinance, aiohttp, discord, curl_cffi, requests, asyncpg) it loaded.
DIR is `../shared/market-data` beside the project when present, else a generated folder.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "market-data"
FLOOR = "import numpy, pandas, matplotlib.figure, matplotlib.backends.backend_agg"
UNNEEDED = ("yfinance", "aiohttp", "discord", "curl_cffi", "requests", "asyncpg")
TARGET = 1.3


def data_folder(scratch: Path, given: str | None) -> Path:
    if given:
        return Path(given).resolve()
    if (SHARED / "^RUT.csv").is_file():
        return SHARED
    sys.path.insert(0, str(ROOT))
    from tests.market_fixtures import market_folder

    folder = scratch / "market-data"
    market_folder(folder)
    return folder


def timed(argv: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds: user + system of the child)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.perf_counter()
    subprocess.run(argv, cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - began
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def loaded_unneeded(question: list[str], folder: Path, cwd: Path, env: dict[str, str]) -> list[str]:
    probe = (
        "import json, sys\n"
        "from bot.cli import main\n"
        f"main({['ask', *question, '--data', str(folder), '--chart', 'probe.png']!r})\n"
        f"print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}} & {set(UNNEEDED)!r})))"
    )
    out = subprocess.run([sys.executable, "-c", probe], cwd=cwd, env=env, check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--question", default="quote ^RUT")
    parser.add_argument("--data", help=f"a CSV folder (default {SHARED}, else generated)")
    args = parser.parse_args()
    question = shlex.split(args.question)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("RISKON_CONFIG", None)
    with tempfile.TemporaryDirectory() as scratch_name:
        scratch = Path(scratch_name)
        # Compiled bytecode as an installed bot has it, kept out of the source tree: a machine
        # with PYTHONDONTWRITEBYTECODE would otherwise compile riskon's modules on every run.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(scratch / "pycache")
        folder = data_folder(scratch, args.data)
        ask = [sys.executable, "-m", "bot", "ask", *question, "--data", str(folder),
               "--chart", str(scratch / "chart.png")]
        floor_argv = [sys.executable, "-c", FLOOR]
        for _ in range(2):  # compile to the cache, warm the OS file cache, for both
            timed(floor_argv, scratch, env)
            timed(ask, scratch, env)
        floors, asks = [], []
        for _ in range(args.runs):
            floors.append(timed(floor_argv, scratch, env))
            asks.append(timed(ask, scratch, env))
        unneeded = loaded_unneeded(question, folder, scratch, env)
    print(f"data: {folder}")
    for what, index in (("wall", 0), ("CPU", 1)):
        floor = statistics.median(t[index] for t in floors)
        answer = statistics.median(t[index] for t in asks)
        ratio = answer / floor
        verdict = "met" if ratio <= TARGET else "NOT met"
        print(f"{what:>4}: floor {floor:.3f}s, answer {answer:.3f}s (medians of {args.runs}); "
              f"ratio {ratio:.2f}x (target <= {TARGET}x: {verdict})")
    print(f"floor:  python -c '{FLOOR}'")
    print(f"answer: python -m bot ask {args.question} --data DIR --chart TMP")
    print(f"modules a CSV question does not need, loaded: {', '.join(unneeded) or 'none'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
