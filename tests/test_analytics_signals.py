"""Signals: parsing, canonical text, evaluation and events on series whose answer is known."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from bot.analytics import breakout_events, fresh_ath_events
from bot.analytics.signals import (
    Clause,
    Condition,
    Signal,
    SignalError,
    parse_signal,
    rsi,
    signal_events,
    signal_mask,
    sma,
)
from bot.errors import BadInput, UserError


def series(values, start="2024-01-01", freq="D"):
    return pd.Series(
        np.asarray(values, dtype=float), index=pd.date_range(start, periods=len(values), freq=freq)
    )


def holds(text, values, symbol="^RUT"):
    return signal_mask(parse_signal(text), {symbol: series(values)}).tolist()


F, T = False, True


# --- each condition on a series built so the answer is known ---------------------------------


@pytest.mark.parametrize(
    ("text", "values", "expected"),
    [
        # the first close is a record; a tie is not a new record
        ("^RUT ath", [5, 3, 6, 6, 7, 2], [T, F, T, F, T, F]),
        # above the highest of the previous 2 closes; undefined before 2 closes exist
        ("^RUT high 2", [1, 2, 3, 2, 1, 4], [F, F, T, F, F, T]),
        ("^RUT breakout 2", [1, 2, 3, 2, 1, 4], [F, F, T, F, F, T]),
        ("^RUT low 2", [5, 4, 3, 4, 5, 1], [F, F, T, F, F, T]),
        ("^RUT close > 30", [10, 31, 30, 40], [F, T, F, T]),
        ("^RUT close >= 30", [10, 31, 30, 40], [F, T, T, T]),
        ("^RUT close < 30", [10, 31, 30, 40], [T, F, F, F]),
        ("^RUT close <= 30", [10, 31, 30, 40], [T, F, T, F]),
        # sma 3 = [nan, nan, 2, 2, 3]
        ("^RUT close > sma 3", [1, 2, 3, 1, 5], [F, F, T, F, T]),
        # sma 2 = [nan, 2.5, 1.5, 2.5, 4.5], sma 3 = [nan, nan, 2, 7/3, 10/3]
        ("^RUT sma 2 > sma 3", [3, 2, 1, 4, 5], [F, F, F, T, T]),
        ("^RUT sma 2 < sma 3", [3, 2, 1, 4, 5], [F, F, T, F, F]),
        # drawdown = [0, 10, 20, 0, 20] percent below the running record
        ("^RUT drawdown >= 20%", [100, 90, 80, 120, 96], [F, F, T, F, T]),
        ("^RUT drawdown > 20", [100, 90, 80, 120, 96], [F, F, F, F, F]),
        ("^RUT drawdown < 5%", [100, 90, 80, 120, 96], [T, F, F, T, F]),
        # change 2 = [nan, nan, -30, -11.1, -30]
        ("^RUT change 2 <= -30%", [100, 90, 70, 80, 49], [F, F, T, F, T]),
        ("^RUT change 2 < -30", [100, 90, 70, 80, 49], [F, F, F, F, F]),
        ("^RUT change 1 >= 25%", [100, 125, 100, 80, 100], [F, T, F, F, T]),
        # rsi 2: changes +1, +1, -1 -> seed gain 1, loss 0 -> 100; then 0.5 / 0.5 -> 50
        ("^RUT rsi 2 > 50", [10, 11, 12, 11], [F, F, T, F]),
        ("^RUT rsi 2 >= 50", [10, 11, 12, 11], [F, F, T, T]),
    ],
)
def test_each_condition_holds_exactly_where_its_definition_says(text, values, expected):
    assert holds(text, values) == expected


def test_every_clause_must_hold_on_the_same_session():
    # close > 30 holds on 1, 3, 4; close < 45 holds on 0, 1, 2, 3
    assert holds("^RUT close > 30 and ^RUT close < 45", [10, 31, 30, 40, 50]) == [F, T, F, T, F]


# --- events: the gap rule, and today's fresh ATH / breakout answers unchanged -----------------


def events(text, values, symbol="^RUT", freq="D"):
    s = series(values, freq=freq)
    return [d.strftime("%m-%d") for d in signal_events(parse_signal(text), {symbol: s})]


def test_first_holding_session_is_an_event_except_on_the_first_bar():
    # close > 30 holds on days 2-3 and 6: day 2 is the first event, day 6 is 3 sessions after 3
    vals = [10, 10, 31, 32, 10, 10, 40]
    assert events("^RUT close > 30 gap 3", vals) == ["01-03", "01-07"]
    assert events("^RUT close > 30 gap 4", vals) == ["01-03"]
    assert events("^RUT close > 30 gap 1", vals) == ["01-03", "01-04", "01-07"]
    # holding on the very first bar: that bar is no event but it spaces the next one
    assert events("^RUT close > 5 gap 1", [10, 10, 10]) == ["01-02", "01-03"]
    assert events("^RUT close > 5 gap 2", [10, 4, 10]) == ["01-03"]
    assert events("^RUT close > 5 gap 3", [10, 4, 10]) == []


def test_ath_first_close_holds_but_is_the_opening_record_not_an_event():
    vals = [100, 90, 95, 101, 99, 102]
    assert holds("^RUT ath", vals)[0] is True
    # records on 0, 3, 5: 3 is three sessions after the opening record, 5 two after 3
    assert events("^RUT ath gap 3", vals) == ["01-04"]
    assert events("^RUT ath gap 4", vals) == []
    assert events("^RUT ath gap 2", vals) == ["01-04", "01-06"]


def random_walk(seed, n, drift):
    rng = np.random.default_rng(seed)
    return 100 * np.exp(np.cumsum(rng.normal(drift, 0.02, n)))


@settings(max_examples=150, deadline=None)
@given(
    st.integers(0, 10_000),
    st.integers(2, 600),
    st.sampled_from([-0.002, 0.0, 0.0005, 0.003]),
    st.integers(1, 120),
    st.integers(2, 300),
    st.sampled_from(["D", "B"]),
)
def test_ath_and_breakout_signals_equal_todays_functions(seed, n, drift, gap, lookback, freq):
    close = series(random_walk(seed, n, drift), freq=freq)
    closes = {"^RUT": close}
    ath = signal_events(parse_signal(f"^RUT ath gap {gap}"), closes)
    assert ath.equals(fresh_ath_events(close, min_gap=gap))
    brk = signal_events(parse_signal(f"^RUT breakout {lookback} gap {gap}"), closes)
    assert brk.equals(breakout_events(close, lookback=lookback, min_gap=gap))


@pytest.mark.parametrize(
    "values",
    [
        np.arange(1.0, 400.0),  # a record every day: one run, never spaced out
        np.arange(400.0, 1.0, -1.0),  # no record after the first bar
        np.r_[np.arange(1.0, 100.0), np.full(100, 50.0), np.arange(100.0, 300.0)],
        np.tile([1.0, 2.0, 3.0, 2.0], 100) * np.repeat(np.arange(1.0, 101.0), 4),
        np.full(300, 7.0),  # ties are never records
    ],
)
def test_constructed_series_give_todays_answers(values):
    close = series(values, freq="B")
    for gap in (1, 5, 63):
        got = signal_events(parse_signal(f"^RUT ath gap {gap}"), {"^RUT": close})
        assert got.equals(fresh_ath_events(close, min_gap=gap))
        got = signal_events(parse_signal(f"^RUT breakout gap {gap}"), {"^RUT": close})
        assert got.equals(breakout_events(close, lookback=252, min_gap=gap))


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 10_000), st.integers(1, 50), st.integers(0, 50))
def test_raising_the_gap_never_adds_events(seed, gap, extra):
    close = series(random_walk(seed, 300, 0.0))
    closes = {"^RUT": close}
    text = "^RUT close > sma 10 and ^RUT rsi 5 > 40"
    low = set(signal_events(parse_signal(f"{text} gap {gap}"), closes))
    high = set(signal_events(parse_signal(f"{text} gap {gap + extra}"), closes))
    assert high <= low


# --- other symbols: different calendars, stale data -------------------------------------------


def test_crypto_trigger_reads_the_equity_close_on_or_before_each_day():
    btc = series(np.full(14, 50_000.0), start="2024-01-01", freq="D")  # Mon 1 .. Sun 14
    # business days: Mon 1 .. Fri 5 above 100, Mon 8 .. Fri 12 below
    spx = series([101, 101, 101, 101, 101, 99, 99, 99, 99, 99], start="2024-01-01", freq="B")
    sig = parse_signal("btc close > 0 and ^GSPC close > 100")
    mask = signal_mask(sig, {"BTC-USD": btc, "^GSPC": spx})
    assert mask.index.equals(btc.index)  # judged on Bitcoin's calendar
    held = [d.day for d in mask.index[mask.to_numpy()]]
    assert held == [1, 2, 3, 4, 5, 6, 7]  # Sat 6 and Sun 7 read Friday's close


def test_equity_trigger_reads_crypto_on_the_same_date():
    spx = series(np.full(5, 4000.0), start="2024-01-01", freq="B")
    btc = series([10, 10, 30, 10, 10, 30, 30, 10], start="2024-01-01", freq="D")
    mask = signal_mask(
        parse_signal("^GSPC close > 0 and btc close > 20"), {"^GSPC": spx, "BTC-USD": btc}
    )
    assert mask.tolist() == [F, F, T, F, F]


def test_a_stale_second_symbol_stops_holding_after_seven_days():
    rut = series(np.full(31, 2000.0), start="2024-01-01")  # Jan 1 .. 31, every day
    vix = series(np.full(6, 15.0), start="2024-01-05")  # Jan 5 .. 10, then nothing
    mask = signal_mask(
        parse_signal("^RUT close > 0 and ^VIX close < 20"), {"^RUT": rut, "^VIX": vix}
    )
    held = [d.day for d in mask.index[mask.to_numpy()]]
    # nothing before the VIX's first close; Jan 11-16 read Jan 10 (<= 6 days old); then stale
    assert held == list(range(5, 17))


def test_missing_series_is_a_programming_error():
    with pytest.raises(ValueError, match=r"\^VIX"):
        signal_mask(parse_signal("^RUT ath and ^VIX close < 20"), {"^RUT": series([1, 2])})


# --- SMA and RSI against straightforward loops ------------------------------------------------


def sma_loop(values, n):
    out = []
    for i in range(len(values)):
        if i + 1 < n:
            out.append(float("nan"))
        else:
            out.append(sum(values[i + 1 - n : i + 1]) / n)
    return out


def rsi_loop(values, n):
    out = [float("nan")] * len(values)
    if len(values) <= n:
        return out
    gains = [max(values[i] - values[i - 1], 0.0) for i in range(1, len(values))]
    losses = [max(values[i - 1] - values[i], 0.0) for i in range(1, len(values))]
    g = sum(gains[:n]) / n
    loss = sum(losses[:n]) / n
    for t in range(n, len(values)):
        if t > n:
            g = (g * (n - 1) + gains[t - 1]) / n
            loss = (loss * (n - 1) + losses[t - 1]) / n
        out[t] = 100.0 if loss == 0 else 100.0 - 100.0 / (1.0 + g / loss)
    return out


prices = st.lists(
    st.floats(1.0, 1000.0, allow_nan=False, allow_infinity=False), min_size=1, max_size=120
)


@settings(max_examples=200, deadline=None)
@given(prices, st.integers(2, 40))
def test_sma_equals_a_loop(values, n):
    np.testing.assert_allclose(
        sma(np.array(values), n), sma_loop(values, n), rtol=1e-9, atol=1e-9, equal_nan=True
    )


@settings(max_examples=200, deadline=None)
@given(prices, st.integers(2, 40))
def test_rsi_equals_wilders_loop_with_its_seeding(values, n):
    np.testing.assert_allclose(
        rsi(np.array(values), n), rsi_loop(values, n), rtol=1e-9, atol=1e-7, equal_nan=True
    )


def test_rsi_is_100_without_losses_and_undefined_before_n_changes():
    r = rsi(np.array([1.0, 2.0, 3.0, 3.0, 4.0]), 3)
    assert np.isnan(r[:3]).all()
    assert r[3:].tolist() == [100.0, 100.0]


# --- text: canonical spelling, round trips, plain words ----------------------------------------


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("^RUT ath", "^RUT ath"),
        ("IWM breakout", "IWM high 252"),
        ("iwm BREAKOUT 100", "IWM high 100"),
        ("^VIX close > 30", "^VIX close > 30"),
        ("russell drawdown >= 20%", "^RUT drawdown >= 20%"),
        ("russell drawdown>=20", "^RUT drawdown >= 20%"),
        ("^GSPC sma 50 > sma 200", "^GSPC sma 50 > sma 200"),
        ("btc rsi 14 < 30", "BTC-USD rsi 14 < 30"),
        ("BTC-USD change 30 <= -30%", "BTC-USD change 30 <= -30%"),
        ("^RUT ath and ^VIX close < 20 gap 21", "^RUT ath and ^VIX close < 20 gap 21"),
        ("  Russell 2000   ATH   AND  vix close<20.50  GAP 63 ", "^RUT ath and ^VIX close < 20.5"),
        ("s&p 500 close >= sma 200", "^GSPC close >= sma 200"),
        ("aapl close > 0.5", "AAPL close > 0.5"),
    ],
)
def test_canonical_text(text, canonical):
    signal = parse_signal(text)
    assert signal.canonical == canonical
    assert parse_signal(signal.canonical) == signal


def test_signal_parts():
    s = parse_signal("russell ath and vix close < 20 and russell rsi 14 > 50 gap 5")
    assert s.trigger == "^RUT"
    assert s.symbols == ("^RUT", "^VIX")
    assert s.gap == 5
    assert parse_signal("^RUT ath").gap == 63
    assert isinstance(s, Signal) and hash(s) == hash(parse_signal(s.canonical))


def test_describe_in_plain_words():
    assert parse_signal("^VIX close > 30").describe() == (
        "CBOE Volatility Index first closed above 30 in at least 63 sessions"
    )
    assert parse_signal("russell drawdown >= 20% gap 1").describe() == (
        "Russell 2000 closed at least 20% below its record"
    )
    assert parse_signal("^RUT ath and ^VIX close < 20 gap 21").describe() == (
        "Russell 2000 closed at a record high and CBOE Volatility Index closed below 20, "
        "the first time in at least 21 sessions"
    )
    assert "fell at least 30% over 30 sessions" in parse_signal("btc change 30 <= -30").describe()
    assert "50-session average above its 200-session average" in (
        parse_signal("^GSPC sma 50 > sma 200").describe()
    )


symbols = st.sampled_from(["^RUT", "^VIX", "BTC-USD", "IWM", "^GSPC", "AAPL", "GC=F"])
ops = st.sampled_from([">", ">=", "<", "<="])
windows = st.integers(2, 2000)
levels = st.floats(0.001, 1e6, allow_nan=False)
percents = st.integers(0, 100_000).map(lambda k: k / 1000)
conditions = st.one_of(
    st.just(Condition("ath")),
    st.builds(Condition, st.sampled_from(["high", "low"]), windows),
    st.builds(lambda o, x: Condition("level", op=o, number=x), ops, levels),
    st.builds(lambda n, o: Condition("close_sma", n, o), windows, ops),
    st.builds(lambda n, o, m: Condition("sma_sma", n, o, None, m), windows, ops, windows),
    st.builds(lambda o, x: Condition("drawdown", op=o, number=x), ops, percents),
    st.builds(lambda n, o, x: Condition("change", n, o, x), st.integers(1, 2000), ops,
              st.integers(-100_000, 1_000_000).map(lambda k: k / 1000)),
    st.builds(lambda n, o, x: Condition("rsi", n, o, x), windows, ops, percents),
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(st.builds(Clause, symbols, conditions), min_size=1, max_size=4),
       st.integers(1, 2520))  # fmt: skip
def test_canonical_round_trips(clauses, gap):
    signal = Signal(tuple(clauses), gap)
    assume(len(signal.canonical) <= 200)
    assert parse_signal(signal.canonical) == signal
    # the canonical text is case- and space-insensitive
    assert parse_signal("  " + signal.canonical.upper().replace(" ", "  ")) == signal


# --- bad input: one line, pointing at the problem, with the fix -------------------------------


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "Give a signal"),
        ("   ", "Give a signal"),
        ("rusell ath", "Did you mean Russell 2000 (^RUT)?"),
        ("^RUT above 30", "I don't understand 'above' after ^RUT: a condition is one of ath"),
        ("^RUT", "Say what to watch for ^RUT"),
        ("ath", "Start each clause with a symbol"),
        ("^RUT high", "'high' needs a whole number of sessions from 2 to 2000, got nothing"),
        ("^RUT sma x > sma 3", "'sma' needs a whole number"),
        ("^RUT close >", "'close >' needs a number, got nothing"),
        ("^RUT rsi 14 <", "needs a number"),
        ("^RUT close 30", "needs a comparison (>, >=, <, <=)"),
        ("^RUT high 1", "from 2 to 2000, not 1"),
        ("^RUT sma 50 > sma 2001", "from 2 to 2000, not 2001"),
        ("^RUT ath gap 0", "gap must be a whole number of sessions from 1 to 2520, not 0"),
        ("^RUT ath gap 2521", "not 2521"),
        ("^RUT ath and ^VIX ath and IWM ath and ^GSPC ath and BTC-USD ath", "at most 4 clauses"),
        ("^RUT ath " + "x" * 200, "keep it to 200 at most"),
        ("^RUT close > 30%", "drop the '%'"),
        ("^RUT sma 50 > 200", "'sma 50 > sma 200'"),
        ("^RUT rsi 14 < 130", "RSI runs from 0 to 100"),
        ("^RUT drawdown >= 120%", "from 0 to 100"),
        ("^RUT change 5 < -150%", "more than 100%"),
        ("^RUT ath ^VIX close > 3", "join clauses with 'and'"),
        ("^RUT ath and", "ends after 'and'"),
        ("^RUT close > 1e5", "needs a number, got '1e5'"),
        ("dxy ath and dxy ath and dxy ath and dxy close > " + "1" * 150, "once spelled out"),
        ("__import__('os') ath", "I don't know the symbol"),
    ],
)
def test_bad_input_is_one_line(text, fragment):
    with pytest.raises(SignalError) as info:
        parse_signal(text)
    message = str(info.value)
    assert fragment in message
    assert "\n" not in message and len(message) < 300
    assert isinstance(info.value, BadInput) and isinstance(info.value, UserError)


def test_unknown_symbol_keeps_the_registry_suggestions():
    with pytest.raises(SignalError) as info:
        parse_signal("^RUT ath and vixx close < 20")
    assert any("^VIX" in s for s in info.value.suggestions)


# --- autocomplete: symbols first, then completions of the clause being typed ------------------


def test_completion_offers_symbols_first_then_conditions_for_the_best_match():
    from bot.analytics.signals import TEMPLATES, complete_signal

    out = complete_signal("bit")
    assert out[0] == "BTC-USD"
    assert out[out.index("BTC-USD ath") :][: len(TEMPLATES)] == [f"BTC-USD {t}" for t in TEMPLATES]
    assert complete_signal("russell 2000 dr") == ["^RUT drawdown >= 20%"]
    assert complete_signal("^RUT ath and vix cl") == [
        "^RUT ath and ^VIX close > 30",
        "^RUT ath and ^VIX close > sma 200",
    ]
    # a signal that already parses comes first, in its canonical spelling
    assert complete_signal("btc RSI 14<30")[0] == "BTC-USD rsi 14 < 30"
    # every suggestion is a registry symbol (a bare trigger) or a signal that parses
    from bot.market.symbols import lookup

    for text in ("", "vix ", "^GSPC s", "iwm ch", "^RUT ath and "):
        for choice in complete_signal(text):
            assert lookup(choice) is not None or parse_signal(choice).canonical
            assert len(choice) <= 100
