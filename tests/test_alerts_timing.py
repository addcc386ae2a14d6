"""When a bar is final, which sessions are ready, what /alert add reports: pure, known answers."""

from __future__ import annotations

from datetime import UTC, date, datetime

import numpy as np
import pandas as pd

from bot.scheduling.alerts import (
    final_at,
    final_only,
    latest_final,
    ready_closes,
    signal_record,
)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_us_bars_are_final_at_1615_new_york_in_both_dst_regimes() -> None:
    assert final_at("^RUT", date(2024, 6, 11)) == utc(2024, 6, 11, 20, 15)  # EDT, UTC-4
    assert final_at("^RUT", date(2024, 12, 11)) == utc(2024, 12, 11, 21, 15)  # EST, UTC-5


def test_crypto_bars_are_final_when_their_utc_day_is_over() -> None:
    assert final_at("BTC-USD", date(2024, 6, 11)) == utc(2024, 6, 12, 0, 0)
    assert latest_final("BTC-USD", utc(2024, 6, 12, 0, 0, 1)) == utc(2024, 6, 12)


def test_latest_final_skips_weekends_and_the_unfinished_day() -> None:
    # Tuesday 20:14 UTC (16:14 New York): Monday's bar is the latest final one.
    assert latest_final("^RUT", utc(2024, 6, 11, 20, 14)) == utc(2024, 6, 10, 20, 15)
    assert latest_final("^RUT", utc(2024, 6, 11, 20, 15)) == utc(2024, 6, 11, 20, 15)
    # Sunday: Friday's close.
    assert latest_final("^RUT", utc(2024, 6, 16, 12)) == utc(2024, 6, 14, 20, 15)


def _series(days: pd.DatetimeIndex, values) -> pd.Series:
    return pd.Series(np.asarray(values, dtype=float), index=days, name="Close")


def test_an_intraday_capture_is_cut_off() -> None:
    days = pd.bdate_range("2024-06-03", "2024-06-11")
    close = _series(days, range(1, len(days) + 1))
    assert final_only(close, "^RUT", utc(2024, 6, 11, 20, 14)).index[-1] == pd.Timestamp(
        "2024-06-10")
    assert len(final_only(close, "^RUT", utc(2024, 6, 11, 20, 16))) == len(close)


def test_a_session_is_ready_only_when_every_symbol_bar_is_final() -> None:
    """^RUT's Tuesday is final at 20:15 UTC, but BTC's Tuesday only at midnight: a signal on
    both waits for midnight, and until then Tuesday is not judged at all."""
    rut = _series(pd.bdate_range("2024-06-03", "2024-06-11"), range(1, 8))
    btc = _series(pd.date_range("2024-06-01", "2024-06-11"), range(1, 12))
    symbols = ("^RUT", "BTC-USD")
    evening = ready_closes(symbols, {"^RUT": rut, "BTC-USD": btc}, utc(2024, 6, 11, 21))
    assert evening["^RUT"].index[-1] == pd.Timestamp("2024-06-10")
    assert evening["BTC-USD"].index[-1] == pd.Timestamp("2024-06-10")
    midnight = ready_closes(symbols, {"^RUT": rut, "BTC-USD": btc}, utc(2024, 6, 12, 0, 1))
    assert midnight["^RUT"].index[-1] == pd.Timestamp("2024-06-11")


def test_signal_record_counts_events_rate_last_and_noise() -> None:
    # 600 sessions; the level is 10 except three single-session spikes to 50 (sessions 100,
    # 300, 500): "close > 30" fires exactly three times and holds on 3 of 600 sessions.
    days = pd.bdate_range("2020-01-01", periods=600)
    values = np.full(600, 10.0)
    values[[100, 300, 500]] = 50.0
    closes = {"^VIX": _series(days, values)}
    now = utc(2030, 1, 1)
    record = signal_record("^vix  close>30", closes, now)
    assert record.canonical == "^VIX close > 30"
    assert (record.count, record.held, record.sessions) == (3, 3, 600)
    assert record.first_session == days[0].date() and record.last_event == days[500].date()
    years = (days[-1] - days[0]).days / 365.25
    assert abs(record.per_year - 3 / years) < 1e-9
    assert record.fired_text() == (f"fired 3 times since {days[0].date().isoformat()}, about "
                                   f"{3 / years:.1f} a year, last on {days[500].date()}")
    assert not record.holds_latest and not record.noisy
    # Holding on every session is noise, and the refusal gives the figure.
    noisy = signal_record("^VIX close > 5", closes, now)
    assert noisy.noisy and "held on 100% of sessions (600 of 600)" in noisy.noise_text()
    assert noisy.holds_latest
