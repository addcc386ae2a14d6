"""The terminal front end on a temporary CSV folder: text, JSON, charts and every bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from bot.cli import main
from tests.market_fixtures import CYCLE_DOWN, CYCLE_UP, FIRST_RECORD_STEP, market_folder
from tests.netguard.netguard import child_pythonpath

PNG = b"\x89PNG\r\n\x1a\n"
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def market(tmp_path_factory) -> tuple[Path, dict[str, pd.DataFrame]]:
    folder = tmp_path_factory.mktemp("prices")
    return folder, market_folder(folder)


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("RISKON_CONFIG", raising=False)


def ask_json(capsys, *argv: str) -> dict:
    assert main(["ask", *argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_ath_json_matches_the_data(market, capsys, tmp_path) -> None:
    folder, frames = market
    result = ask_json(capsys, "ath", "russell", "--data", str(folder))
    close = frames["^RUT"]["Close"]
    assert result["kind"] == "ath" and result["symbol"] == "^RUT"
    assert result["last_date"] == close.index[-1].strftime("%Y-%m-%d")
    assert result["last_close"] == pytest.approx(close.iloc[-1], rel=1e-6)
    assert result["ath_close"] == pytest.approx(close.max(), rel=1e-6)
    assert result["ath_date"] == close.idxmax().strftime("%Y-%m-%d")
    assert result["pct_from_ath"] == pytest.approx(close.iloc[-1] / close.max() - 1, rel=1e-6)
    assert result["is_ath"] is False  # the series ends on a decline
    assert result["stale"] is False and result["caveats"]
    assert Path(result["chart"]).read_bytes().startswith(PNG)
    assert Path(result["chart"]).parent == Path(".")  # default: named after the question, in cwd


def test_after_json_every_event_and_return(market, capsys) -> None:
    folder, frames = market
    result = ask_json(
        capsys,
        "after",
        "^RUT",
        "btc",
        "--data",
        str(folder),
        "--horizons",
        "30,365",
        "--min-gap",
        "63",
    )
    assert result["trigger"] == "^RUT" and result["target"] == "BTC-USD"
    assert result["horizons"] == [30, 365] and result["min_gap"] == 63
    rut = frames["^RUT"]["Close"]
    btc = frames["BTC-USD"]["Close"]
    # By construction (see market_fixtures): one fresh record per cycle k >= 1; only those
    # after BTC's start (2010-06-01) can be measured.
    cycle = CYCLE_UP + CYCLE_DOWN
    records = [rut.index[k * cycle + FIRST_RECORD_STEP] for k in range(1, 10)]
    measurable = [d for d in records if d >= btc.index[0]]
    assert [e["date"] for e in result["events"]] == [d.strftime("%Y-%m-%d") for d in measurable]
    assert result["events_before_target"] == len(records) - len(measurable)
    for event in result["events"]:
        day = pd.Timestamp(event["date"])
        entry = btc.loc[:day].iloc[-1]
        assert event["target_entry"] == pytest.approx(entry)
        for h in ("30", "365"):
            end = day + pd.Timedelta(days=int(h))
            if end > btc.index[-1]:
                assert event["returns"][h] is None and event["pending"] is True
            else:
                assert event["returns"][h] == pytest.approx(btc.loc[:end].iloc[-1] / entry - 1)
    stats = result["stats"]["365"]
    done = [e["returns"]["365"] for e in result["events"] if e["returns"]["365"] is not None]
    assert stats["n"] == len(done)
    assert stats["hit_rate"] == pytest.approx(sum(r > 0 for r in done) / len(done))
    assert 0 <= stats["p_random_as_good"] <= 1
    assert any("not cause" in c for c in result["caveats"])


def test_breakout_event_and_corr_and_quote(market, capsys) -> None:
    folder, frames = market
    breakout = ask_json(capsys, "after", "rut", "btc", "--event", "breakout", "--data", str(folder))
    assert breakout["event"] == "breakout" and breakout["events"]
    corr = ask_json(capsys, "corr", "^RUT", "^GSPC", "--window", "60", "--data", str(folder))
    # ^GSPC is ^RUT scaled by 2: identical returns, correlation 1, beta 1.
    assert corr["full"] == pytest.approx(1.0) and corr["beta"] == pytest.approx(1.0)
    quote = ask_json(capsys, "quote", "btc", "--data", str(folder))
    btc = frames["BTC-USD"]["Close"]
    assert quote["last_close"] == pytest.approx(btc.iloc[-1])
    # The CSV keeps 6 decimals, so compare the daily change to that precision.
    assert quote["change_1d"] == pytest.approx(btc.iloc[-1] / btc.iloc[-2] - 1, rel=1e-4)


def test_text_report_reads_as_a_report(market, capsys, tmp_path) -> None:
    folder, _ = market
    chart = tmp_path / "out" / "x.png"
    chart.parent.mkdir()
    assert (
        main(["ask", "after", "russell", "bitcoin", "--data", str(folder), "--chart", str(chart)])
        == 0
    )
    out = capsys.readouterr().out
    assert out.startswith("Bitcoin after fresh all-time highs of Russell 2000")
    for part in ("Every episode:", "Caveats:", f"Chart: {chart}", "Source: CSV files"):
        assert part in out
    assert chart.read_bytes().startswith(PNG)


def test_brief_in_the_terminal(market, capsys) -> None:
    folder, _ = market
    result = ask_json(capsys, "brief", "--watchlist", "^RUT,BTC-USD,ETH-USD", "--data", str(folder))
    assert [row["symbol"] for row in result["watchlist"]] == ["^RUT", "BTC-USD"]
    assert "ETH-USD" in result["missing"]


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["after", "rut", "btc", "--horizons", "abc"], "'abc'"),
        (["after", "rut", "btc", "--horizons", "0"], "from 1 to 3650"),
        (["after", "rut", "btc", "--horizons", "100000"], "from 1 to 3650"),
        (["after", "rut", "btc", "--min-gap", "x"], "--min-gap"),
        (["after", "rut", "btc", "--event", "moon"], "invalid choice"),
        (["corr", "rut", "btc", "--window", "1"], "from 5 to 1000"),
        (["corr", "rut", "rut"], "two different"),
        (["ath", "rusell"], "Did you mean Russell 2000 (^RUT)?"),
        (["ath", "'; DROP TABLE bars; --"], "don't know"),
        (["ath", "NOPE"], "NOPE"),
        (["ath"], "symbol"),
        (["brief", "--watchlist", ","], "give symbols separated by commas"),
        (["brief", "--watchlist", " , "], "give symbols separated by commas"),
    ],
)
def test_bad_input_exits_2_with_one_line(market, capsys, argv, needle) -> None:
    folder, _ = market
    try:
        code = main(["ask", *argv, "--data", str(folder)])
    except SystemExit as exit_:  # argparse's own usage errors
        code = exit_.code
    err = capsys.readouterr().err
    assert code == 2
    assert needle in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_missing_data_folder_is_a_clear_error(capsys, tmp_path) -> None:
    assert main(["ask", "ath", "rut", "--data", str(tmp_path / "nowhere")]) == 2
    assert "no such folder" in capsys.readouterr().err


def test_no_data_exits_1_with_the_reason(tmp_path, capsys) -> None:
    folder = tmp_path / "empty-prices"
    folder.mkdir()
    (folder / "^RUT.csv").write_text("Date,Close\n2024-01-02,0\n2024-01-03,\n")
    assert main(["ask", "ath", "rut", "--data", str(folder)]) == 1
    err = capsys.readouterr().err
    assert "^RUT" in err and "Traceback" not in err


def test_real_process_exit_code_and_stderr(market, tmp_path) -> None:
    folder, _ = market
    env = {**os.environ, "PYTHONPATH": child_pythonpath(ROOT)}
    env.pop("RISKON_CONFIG", None)
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "bot",
            "ask",
            "after",
            "rut",
            "btc",
            "--horizons",
            "abc",
            "--data",
            str(folder),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=120,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0 and "abc" in proc.stderr
    proc = subprocess.run(
        [sys.executable, "-m", "bot"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={k: v for k, v in env.items() if k != "DISCORD_TOKEN"},
        timeout=120,
    )
    assert proc.returncode == 2
    assert "DISCORD_TOKEN" in proc.stderr and "ask" in proc.stderr
    assert proc.stderr.strip().count("\n") == 0


def test_a_closed_pipe_ends_quietly(tmp_path) -> None:
    """`riskon help ... | head`: the reader is gone before riskon writes; no traceback."""
    env = {**os.environ, "PYTHONPATH": child_pythonpath(ROOT)}
    env.pop("RISKON_CONFIG", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "help", "base", "rate"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
        env=env,
    )
    proc.stdout.close()  # the reader leaves at once, like `head -0`
    _, err = proc.communicate(timeout=120)
    assert b"Traceback" not in err and b"BrokenPipe" not in err, err.decode()
    assert proc.returncode == 141
