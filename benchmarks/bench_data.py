"""How fast is the bar cache? `python benchmarks/bench_data.py`

Measures, for a ~40-year daily series (^RUT from ../shared/market-data when present, else a
generated one of the same length): cold fill into SQLite, warm `daily()` from SQLite (memory
layer off) and from memory, provider calls under 100 concurrent cold requests (must be 1), and
the SQLite read/write paths against naive baselines in the same process.
"""

from __future__ import annotations

import asyncio
import datetime
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.market import barcache
from bot.market.csvdir import CsvProvider
from bot.market.data import MarketData
from bot.store import Store

SYMBOL = "^RUT"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "market-data"


class FrameProvider:
    name = "bench"

    def __init__(self, frame: pd.DataFrame, delay: float = 0.0) -> None:
        self.frame = frame
        self.delay = delay
        self.calls = 0

    async def daily(self, symbol: str, start: datetime.date | None = None) -> pd.DataFrame:
        self.calls += 1
        if self.delay:
            await asyncio.sleep(self.delay)
        return self.frame


async def load_series() -> tuple[pd.DataFrame, str]:
    if (SHARED / f"{SYMBOL}.csv").is_file():
        return await CsvProvider(SHARED).daily(SYMBOL), f"{SHARED}/{SYMBOL}.csv"
    index = pd.bdate_range("1986-01-02", periods=10_400, name="Date")
    rng = np.random.default_rng(7)
    close = 100 * np.exp(np.cumsum(rng.normal(0.0003, 0.012, len(index))))
    frame = pd.DataFrame({"Open": close * 0.999, "High": close * 1.01, "Low": close * 0.99,
                          "Close": close, "Volume": rng.integers(1e6, 1e9, len(index)) * 1.0},
                         index=index)
    return frame, "generated"


def summary(samples: list[float]) -> tuple[float, float]:
    ms = sorted(s * 1000 for s in samples)
    return statistics.median(ms), ms[min(len(ms) - 1, int(len(ms) * 0.99))]


async def timed(fn, repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        began = time.perf_counter()
        await fn()
        samples.append(time.perf_counter() - began)
    return samples


def naive_rows_to_frame(rows: list[tuple]) -> pd.DataFrame:
    """What one writes first: a dict per row, then let pandas sort it out."""
    records = [{"Date": pd.Timestamp(r[0]), "Open": r[1], "High": r[2], "Low": r[3],
                "Close": r[4], "Volume": r[5]} for r in rows]
    return pd.DataFrame.from_records(records).set_index("Date").astype("float64")


async def main() -> None:
    frame, origin = await load_series()
    print(f"series: {SYMBOL}, {len(frame)} rows, {frame.index[0].date()} .. "
          f"{frame.index[-1].date()} ({origin})")
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)

        # Cold fill: provider -> clean -> one transaction into a fresh database.
        fills = []
        for i in range(5):
            async with Store(tmp_path / f"fill{i}.db") as store:
                md = MarketData(store, FrameProvider(frame))
                began = time.perf_counter()
                await md.daily(SYMBOL)
                fills.append(time.perf_counter() - began)
        fill_med, _ = summary(fills)

        async with Store(tmp_path / "warm.db") as store:
            await MarketData(store, FrameProvider(frame)).daily(SYMBOL)

            disk = MarketData(store, FrameProvider(frame), memory_symbols=0)
            disk_med, disk_p99 = summary(await timed(lambda: disk.daily(SYMBOL), 200))
            memory = MarketData(store, FrameProvider(frame))
            await memory.daily(SYMBOL)
            mem_med, mem_p99 = summary(await timed(lambda: memory.daily(SYMBOL), 5000))

            ours_med, _ = summary(await timed(lambda: barcache.load_bars(store, SYMBOL), 100))
            rows = await store.fetchall(
                "SELECT date, open, high, low, close, volume FROM bars WHERE symbol = ? "
                "ORDER BY date", (SYMBOL,))

        conn = sqlite3.connect(tmp_path / "warm.db")
        query = ("SELECT date AS Date, open AS Open, high AS High, low AS Low, close AS Close, "
                 "volume AS Volume FROM bars WHERE symbol = ? ORDER BY date")

        async def read_sql() -> None:
            pd.read_sql(query, conn, params=(SYMBOL,), index_col="Date", parse_dates=["Date"])

        async def naive() -> None:
            naive_rows_to_frame(conn.execute(query, (SYMBOL,)).fetchall())

        async def convert_only() -> None:
            barcache.rows_to_frame(rows)

        read_sql_med, _ = summary(await timed(read_sql, 100))
        naive_med, _ = summary(await timed(naive, 20))
        convert_med, _ = summary(await timed(convert_only, 100))
        conn.close()

        # Writes: executemany of prepared rows vs one execute per row, same transaction shape.
        prepared = barcache.frame_to_rows(SYMBOL, frame)
        write_conn = sqlite3.connect(tmp_path / "warm.db", isolation_level=None)

        def write(many: bool) -> float:
            began = time.perf_counter()
            write_conn.execute("BEGIN")
            write_conn.execute("DELETE FROM bars WHERE symbol = ?", (SYMBOL,))
            if many:
                write_conn.executemany(barcache._INSERT_BARS, barcache.frame_to_rows(SYMBOL, frame))
            else:
                for row in frame.itertuples():
                    write_conn.execute(barcache._INSERT_BARS, (
                        SYMBOL, row.Index.strftime("%Y-%m-%d"),
                        *(None if pd.isna(v) else float(v) for v in row[1:])))
            write_conn.execute("COMMIT")
            return time.perf_counter() - began

        many_med = statistics.median(write(True) for _ in range(5)) * 1000
        loop_med = statistics.median(write(False) for _ in range(5)) * 1000
        write_conn.close()
        assert len(prepared) == len(frame)

        # Single flight: 100 concurrent cold requests, a provider that takes 50 ms.
        async with Store(tmp_path / "flight.db") as store:
            slow = FrameProvider(frame, delay=0.05)
            md = MarketData(store, slow)
            results = await asyncio.gather(*(md.daily(SYMBOL) for _ in range(100)))
            assert all(len(r.bars) == len(frame) for r in results)

    print(f"cold fill into SQLite (fetch->clean->write, 1 txn):  median {fill_med:8.2f} ms")
    print(f"warm daily() from SQLite (memory off):             median {disk_med:8.2f} ms"
          f"   p99 {disk_p99:8.2f} ms")
    print(f"warm daily() from memory:                          median {mem_med * 1000:8.2f} µs"
          f"   p99 {mem_p99 * 1000:8.2f} µs")
    print(f"provider calls under 100 concurrent cold requests: {slow.calls}")
    print("read baselines (same rows, same process):")
    print(f"  barcache.load_bars (aiosqlite, async)   {ours_med:8.2f} ms")
    print(f"    of which rows->frame conversion       {convert_med:8.2f} ms")
    print(f"  pd.read_sql (sqlite3, sync)             {read_sql_med:8.2f} ms"
          f"   ratio read_sql/ours {read_sql_med / ours_med:5.2f}x")
    print(f"  naive row loop -> DataFrame (sync)      {naive_med:8.2f} ms"
          f"   ratio naive/ours    {naive_med / ours_med:5.2f}x")
    print(f"  memory hit vs SQLite read:              ratio {disk_med / mem_med:8.0f}x faster")
    print("write baselines (sqlite3, one transaction):")
    print(f"  executemany of numpy-built rows         {many_med:8.2f} ms")
    print(f"  execute per row (itertuples)            {loop_med:8.2f} ms"
          f"   ratio loop/executemany {loop_med / many_med:5.2f}x")
    if slow.calls != 1:
        raise SystemExit("single flight broken: expected 1 provider call")


if __name__ == "__main__":
    asyncio.run(main())
