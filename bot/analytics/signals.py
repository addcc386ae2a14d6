"""Signals: a small condition language for "what happened after X" questions.

A signal such as ``^RUT ath and ^VIX close < 20 gap 21`` is parsed once into plain frozen data,
evaluated into a boolean series on the trigger's sessions, and thinned into events. Studies,
alerts and /ask all share this one contract, so it is pure (no I/O, no Discord) and fast
(vectorised numpy/pandas; the only recurrence, Wilder's smoothing, runs inside pandas' ewm).

Why a hand-written tokenizer and recursive-descent parser rather than lark/pyparsing: the grammar
is a dozen words, and the hard part is the error messages (a symbol that may span several words,
"did you mean" from the registry, which number is missing, which window is out of range).
Writing the descent by hand keeps each of those one specific sentence, with no dependency and
never an eval of user text.

Grammar (a contract, see issue 10)::

    signal    := clause ( "and" clause )* [ "gap" INT ]
    clause    := SYMBOL condition
    condition := "ath" | "high" INT | "breakout" [INT] | "low" INT
               | "close" OP NUMBER | "close" OP "sma" INT | "sma" INT OP "sma" INT
               | "drawdown" OP NUMBER ["%"] | "change" INT OP NUMBER ["%"] | "rsi" INT OP NUMBER
    OP        := ">" | ">=" | "<" | "<="
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from bot import defaults
from bot.analytics._series import close_arrays
from bot.errors import BadInput, UnknownSymbol
from bot.market.symbols import lookup, resolve, search

__all__ = [
    "CONDITION_WORDS",
    "DEFAULT_GAP",
    "Clause",
    "Condition",
    "Signal",
    "SignalError",
    "clause_lines",
    "clause_mask",
    "complete_signal",
    "parse_signal",
    "rsi",
    "signal_events",
    "signal_mask",
    "sma",
]

DEFAULT_GAP = defaults.MIN_GAP
WINDOW_RANGE = (2, 2000)
CHANGE_RANGE = (1, 2000)  # a lag, not a window: "change 1 < -5%" is a one-day fall
GAP_RANGE = (1, 2520)
MAX_CLAUSES = 4
MAX_LENGTH = 200
STALE_DAYS = 7  # a clause on another symbol needs a close in the 7 calendar days up to the date

OPS = (">", ">=", "<", "<=")
CONDITION_WORDS = ("ath", "high", "breakout", "low", "close", "sma", "drawdown", "change", "rsi")
CONDITIONS_HELP = (
    "ath, high N, breakout, low N, close > X, close > sma N, sma N > sma M, "
    "drawdown >= X%, change N <= X%, rsi N < X"
)
EXAMPLE = "e.g. '^VIX close > 30' or '^RUT ath and ^VIX close < 20'"


class SignalError(BadInput):
    """A signal that does not parse; the message is one line saying what and how to fix it."""

    def __init__(self, message: str, suggestions: list[str] | None = None) -> None:
        self.suggestions = list(suggestions or [])
        super().__init__(message)


@dataclass(frozen=True, slots=True)
class Condition:
    """One condition, as data. `kind` is one of: ath, high, low, level, close_sma, sma_sma,
    drawdown, change, rsi. `number` is in the units typed (percent for drawdown/change)."""

    kind: str
    window: int | None = None
    op: str | None = None
    number: float | None = None
    window2: int | None = None

    @property
    def text(self) -> str:
        k, n, op = self.kind, self.window, self.op
        if k == "ath":
            return "ath"
        if k in ("high", "low"):
            return f"{k} {n}"
        if k == "level":
            return f"close {op} {_num(self.number)}"
        if k == "close_sma":
            return f"close {op} sma {n}"
        if k == "sma_sma":
            return f"sma {n} {op} sma {self.window2}"
        if k == "drawdown":
            return f"drawdown {op} {_num(self.number)}%"
        if k == "change":
            return f"change {n} {op} {_num(self.number)}%"
        return f"rsi {n} {op} {_num(self.number)}"

    @property
    def has_panel(self) -> bool:
        """Level, SMA, RSI, drawdown and change conditions have a quantity worth charting."""
        return self.kind in ("level", "close_sma", "sma_sma", "drawdown", "change", "rsi")

    def predicate(self) -> str:
        """Past-tense plain words: 'closed above 30', 'had its 50-session average above ...'."""
        k, n, op, x = self.kind, self.window, self.op or ">", self.number
        word = _OP_WORDS[op]
        if k == "ath":
            return "closed at a record high"
        if k == "high":
            return f"closed above its prior {n}-session high"
        if k == "low":
            return f"closed below its prior {n}-session low"
        if k == "level":
            return f"closed {word} {_num(x)}"
        if k == "close_sma":
            return f"closed {word} its {n}-session average"
        if k == "sma_sma":
            return f"had its {n}-session average {word} its {self.window2}-session average"
        if k == "drawdown":
            amount = {">=": "at least", ">": "more than", "<": "less than", "<=": "at most"}[op]
            return f"closed {amount} {_num(x)}% below its record"
        if k == "change":
            return _change_words(n or 0, op, x or 0.0)
        return f"had a {n}-session RSI {word} {_num(x)}"


_OP_WORDS = {">": "above", ">=": "at or above", "<": "below", "<=": "at or below"}


def _change_words(n: int, op: str, x: float) -> str:
    span = "in a session" if n == 1 else f"over {n} sessions"
    amount = {">=": "at least", ">": "more than", "<=": "at least", "<": "more than"}[op]
    if x < 0 and op in ("<", "<="):
        return f"fell {amount} {_num(-x)}% {span}"
    if x > 0 and op in (">", ">="):
        return f"rose {amount} {_num(x)}% {span}"
    return f"changed {_OP_WORDS[op]} {_num(x)}% {span}"


@dataclass(frozen=True, slots=True)
class Clause:
    symbol: str
    condition: Condition

    @property
    def text(self) -> str:
        return f"{self.symbol} {self.condition.text}"

    def describe(self) -> str:
        return f"{_name(self.symbol)} {self.condition.predicate()}"


@dataclass(frozen=True, slots=True)
class Signal:
    """A parsed signal: plain frozen data, picklable, equal when the canonical text is equal."""

    clauses: tuple[Clause, ...]
    gap: int = DEFAULT_GAP

    @property
    def canonical(self) -> str:
        """The one spelling: registry symbols, lower-case words, `gap` only when not 63."""
        text = " and ".join(c.text for c in self.clauses)
        return text if self.gap == DEFAULT_GAP else f"{text} gap {self.gap}"

    @property
    def trigger(self) -> str:
        """The first clause's symbol: its sessions are the calendar the signal is judged on."""
        return self.clauses[0].symbol

    @property
    def symbols(self) -> tuple[str, ...]:
        """Every symbol the signal names, trigger first, each once: what the service fetches."""
        return tuple(dict.fromkeys(c.symbol for c in self.clauses))

    def describe(self) -> str:
        """Plain words: 'CBOE Volatility Index first closed above 30 in at least 63 sessions'."""
        if len(self.clauses) == 1:
            clause = self.clauses[0]
            if self.gap == 1:
                return clause.describe()
            return (
                f"{_name(clause.symbol)} first {clause.condition.predicate()} "
                f"in at least {self.gap} sessions"
            )
        text = " and ".join(c.describe() for c in self.clauses)
        if self.gap == 1:
            return text
        return f"{text}, the first time in at least {self.gap} sessions"

    @property
    def words(self) -> str:
        """The signal in plain words, as titles and verdicts name it (see `describe`)."""
        return self.describe()

    def __str__(self) -> str:
        return self.canonical


def _name(symbol: str) -> str:
    asset = lookup(symbol)
    return asset.name if asset else symbol


def _num(x: float | None) -> str:
    """Shortest positional text that parses back to the same float (no exponent)."""
    if x is None:
        return ""
    if float(x).is_integer():
        return str(int(x))
    return np.format_float_positional(x, trim="-")


# --- tokenizer -------------------------------------------------------------------------------

_TOKEN = re.compile(r"\s*(?:(?P<op>>=|<=|>|<)|(?P<pct>%)|(?P<word>[^\s<>%]+))")
_INT = re.compile(r"\d+")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")


@dataclass(frozen=True, slots=True)
class _Tok:
    kind: str  # "op" | "pct" | "word"
    text: str

    @property
    def low(self) -> str:
        return self.text.lower()


def _tokenize(text: str) -> list[_Tok]:
    tokens: list[_Tok] = []
    pos, end = 0, len(text.rstrip())
    while pos < end:
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:  # pragma: no cover - the pattern matches any non-space
            raise SignalError(f"I can't read the signal near {text[pos : pos + 10]!r}.")
        kind = m.lastgroup or "word"
        tokens.append(_Tok(kind, m.group(kind)))
        pos = m.end()
    return tokens


# --- parser ----------------------------------------------------------------------------------


class _Parser:
    """Recursive descent over the token list; each failure names the token and the fix."""

    def __init__(self, tokens: list[_Tok]) -> None:
        self.toks = tokens
        self.i = 0

    def peek(self) -> _Tok | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def peek_word(self, *words: str) -> bool:
        t = self.peek()
        return t is not None and t.kind == "word" and t.low in words

    def take(self) -> _Tok:
        t = self.toks[self.i]
        self.i += 1
        return t

    def signal(self) -> Signal:
        if not self.toks:
            raise SignalError(f"Give a signal, {EXAMPLE}.")
        clauses = [self.clause()]
        while self.peek_word("and"):
            self.take()
            if len(clauses) == MAX_CLAUSES:
                raise SignalError(
                    f"A signal has at most {MAX_CLAUSES} clauses joined by 'and'; "
                    "drop one and try again."
                )
            if self.peek() is None:
                raise SignalError(
                    "The signal ends after 'and': add a clause, e.g. '^VIX close < 20'."
                )
            clauses.append(self.clause())
        gap = DEFAULT_GAP
        if self.peek_word("gap"):
            self.take()
            gap = self.integer("gap", GAP_RANGE, "gap 21")
        t = self.peek()
        if t is not None:
            raise SignalError(
                f"I don't understand {t.text!r} there: join clauses with 'and' and put "
                "'gap N' last, e.g. '^RUT ath and ^VIX close < 20 gap 21'."
            )
        return Signal(tuple(clauses), gap)

    def clause(self) -> Clause:
        t = self.peek()
        if t is None or t.kind != "word":
            shown = "the end" if t is None else repr(t.text)
            raise SignalError(
                f"Expected a symbol at {shown}: each clause is SYMBOL CONDITION, {EXAMPLE}."
            )
        words = [self.take().text]
        stops = (*CONDITION_WORDS, "and", "gap")
        while (t := self.peek()) is not None and t.kind == "word" and t.low not in stops:
            words.append(self.take().text)
        has_condition = self.peek_word(*CONDITION_WORDS)
        if len(words) == 1 and words[0].lower() in CONDITION_WORDS and not has_condition:
            raise SignalError(f"Start each clause with a symbol, {EXAMPLE}.")
        symbol = self.symbol(words)
        if not has_condition:
            t = self.peek()
            after = f" before {t.text!r}" if t is not None else ""
            raise SignalError(f"Say what to watch for {symbol}{after}: one of {CONDITIONS_HELP}.")
        return Clause(symbol, self.condition(symbol))

    def symbol(self, words: list[str]) -> str:
        try:
            return resolve(" ".join(words)).symbol
        except UnknownSymbol as exc:
            full_error = exc
        for k in range(len(words) - 1, 0, -1):
            try:
                known = resolve(" ".join(words[:k])).symbol
            except UnknownSymbol:
                continue
            raise SignalError(
                f"I don't understand {words[k]!r} after {known}: "
                f"a condition is one of {CONDITIONS_HELP}."
            ) from None
        raise SignalError(str(full_error), full_error.suggestions) from None

    def condition(self, symbol: str) -> Condition:
        word = self.take().low
        if word == "ath":
            return Condition("ath")
        if word in ("high", "low"):
            return Condition(word, self.integer(f"'{word}'", WINDOW_RANGE, f"{word} 252"))
        if word == "breakout":
            n = 252
            t = self.peek()
            if t is not None and t.kind == "word" and _INT.fullmatch(t.text):
                n = self.integer("'breakout'", WINDOW_RANGE, "breakout 252")
            return Condition("high", n)
        if word == "close":
            op = self.op("close", "close > 30")
            if self.peek_word("sma"):
                self.take()
                return Condition("close_sma", self.integer("'sma'", WINDOW_RANGE, "sma 200"), op)
            x = self.number("close " + op, f"close {op} 30")
            if (t := self.peek()) is not None and t.kind == "pct":
                raise SignalError(
                    f"'close {op} {_num(x)}' compares with a price level: drop the '%' "
                    "(for a fall from the record use 'drawdown >= 20%')."
                )
            return Condition("level", op=op, number=x)
        if word == "sma":
            n = self.integer("'sma'", WINDOW_RANGE, "sma 50 > sma 200")
            op = self.op(f"sma {n}", "sma 50 > sma 200")
            if not self.peek_word("sma"):
                raise SignalError(
                    f"'sma {n} {op}' compares with another average, e.g. 'sma 50 > sma 200' "
                    "(for the close use 'close > sma 200')."
                )
            self.take()
            m = self.integer("the second 'sma'", WINDOW_RANGE, "sma 50 > sma 200")
            return Condition("sma_sma", n, op, None, m)
        if word == "drawdown":
            op = self.op("drawdown", "drawdown >= 20%")
            x = self.percent(f"drawdown {op}", f"drawdown {op} 20%")
            if not 0 <= x <= 100:
                raise SignalError(
                    f"A drawdown is a percent below the record from 0 to 100, not {_num(x)}; "
                    "e.g. 'drawdown >= 20%'."
                )
            return Condition("drawdown", op=op, number=x)
        if word == "change":
            n = self.integer("'change'", CHANGE_RANGE, "change 30 <= -30%")
            op = self.op(f"change {n}", "change 30 <= -30%")
            x = self.percent(f"change {n} {op}", f"change {n} {op} -30%")
            if x < -100:
                raise SignalError(f"A price cannot fall more than 100%, not {_num(x)}%.")
            return Condition("change", n, op, x)
        n = self.integer("'rsi'", WINDOW_RANGE, "rsi 14 < 30")
        op = self.op(f"rsi {n}", "rsi 14 < 30")
        x = self.number(f"rsi {n} {op}", f"rsi {n} {op} 30")
        if not 0 <= x <= 100:
            raise SignalError(f"RSI runs from 0 to 100, not {_num(x)}; e.g. 'rsi 14 < 30'.")
        return Condition("rsi", n, op, x)

    def integer(self, what: str, bounds: tuple[int, int], example: str) -> int:
        t = self.peek()
        low, high = bounds
        if t is None or t.kind != "word" or not _INT.fullmatch(t.text):
            got = "nothing" if t is None else repr(t.text)
            raise SignalError(
                f"{what} needs a whole number of sessions from {low} to {high}, got {got}; "
                f"e.g. '{example}'."
            )
        self.take()
        value = int(t.text)
        if not low <= value <= high:
            raise SignalError(
                f"{what} must be a whole number of sessions from {low} to {high}, not {value}."
            )
        return value

    def op(self, after: str, example: str) -> str:
        t = self.peek()
        if t is None or t.kind != "op":
            got = "nothing" if t is None else repr(t.text)
            raise SignalError(
                f"'{after}' needs a comparison (>, >=, <, <=), got {got}; e.g. '{example}'."
            )
        return self.take().text

    def number(self, after: str, example: str) -> float:
        t = self.peek()
        if t is None or t.kind != "word" or not _NUMBER.fullmatch(t.text):
            got = "nothing" if t is None else repr(t.text)
            raise SignalError(f"'{after}' needs a number, got {got}; e.g. '{example}'.")
        self.take()
        return float(t.text) + 0.0  # + 0.0 turns -0.0 into 0.0 so the canonical text is "0"

    def percent(self, after: str, example: str) -> float:
        x = self.number(after, example)
        t = self.peek()
        if t is not None and t.kind == "pct":
            self.take()
        return x


def parse_signal(text: str) -> Signal:
    """Parse a signal, or raise `SignalError` with one line saying what is wrong and the fix."""
    if not isinstance(text, str) or not text.strip():
        raise SignalError(f"Give a signal, {EXAMPLE}.")
    if len(text) > MAX_LENGTH:
        raise SignalError(
            f"That signal is {len(text)} characters long; keep it to {MAX_LENGTH} at most."
        )
    signal = _Parser(_tokenize(text)).signal()
    if len(signal.canonical) > MAX_LENGTH:
        # aliases spell out ("dxy" -> "DX-Y.NYB"): keep every accepted signal round-tripping
        raise SignalError(
            f"That signal is {len(signal.canonical)} characters long once spelled out "
            f"({signal.canonical[:40]}...); keep it to {MAX_LENGTH} at most."
        )
    return signal


# --- evaluation ------------------------------------------------------------------------------


def sma(values: np.ndarray, n: int) -> np.ndarray:
    """Mean of the last n closes including the day; NaN before n closes exist."""
    return pd.Series(values).rolling(n, min_periods=n).mean().to_numpy()


def rsi(values: np.ndarray, n: int) -> np.ndarray:
    """Wilder's RSI with its exact seeding; NaN before n changes exist.

    The first average gain (loss) is the plain mean of the first n gains (losses); after that
    avg_t = (avg_{t-1} * (n - 1) + x_t) / n, which is an exponential mean with alpha = 1/n
    started from the seed: pandas' `ewm(adjust=False)` over [seed, x_{n+1}, ...] computes
    exactly that recurrence in compiled code. RSI is 100 when the average loss is 0.
    """
    out = np.full(len(values), np.nan)
    if len(values) <= n:
        return out
    d = np.diff(values)
    gains, losses = np.maximum(d, 0.0), np.maximum(-d, 0.0)

    def wilder(x: np.ndarray) -> np.ndarray:
        seq = np.concatenate(([x[:n].mean()], x[n:]))
        return pd.Series(seq).ewm(alpha=1.0 / n, adjust=False).mean().to_numpy()

    g, loss = wilder(gains), wilder(losses)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = 100.0 - 100.0 / (1.0 + g / loss)
    out[n:] = np.where(loss == 0.0, 100.0, r)
    return out


def _prior_max(values: np.ndarray, n: int) -> np.ndarray:
    s = pd.Series(values).rolling(n, min_periods=n).max().shift(1)
    return s.to_numpy()


def _prior_min(values: np.ndarray, n: int) -> np.ndarray:
    return pd.Series(values).rolling(n, min_periods=n).min().shift(1).to_numpy()


def clause_lines(condition: Condition, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(left side, right side) of the condition's comparison on every session of one symbol.

    NaN marks an undefined quantity (an SMA before n closes, ...); every comparison with NaN is
    False, so "undefined" reads as "does not hold". The chart draws the same two lines.
    """
    k, n = condition.kind, condition.window or 0
    if k == "ath":
        prior = np.empty(len(values))
        prior[0] = -np.inf  # the very first close is a record: nothing came before it
        prior[1:] = np.maximum.accumulate(values)[:-1]
        return values, prior
    if k == "high":
        return values, _prior_max(values, n)
    if k == "low":
        return values, _prior_min(values, n)
    x = float(condition.number or 0.0)
    if k == "level":
        return values, np.full(len(values), x)
    if k == "close_sma":
        return values, sma(values, n)
    if k == "sma_sma":
        return sma(values, n), sma(values, condition.window2 or 0)
    if k == "drawdown":
        record = np.maximum.accumulate(values)
        # times 100 before dividing: a fall from 100 to 80 is exactly 20, not 20.000000000000004
        return (record - values) * 100.0 / record, np.full(len(values), x)
    if k == "change":
        ch = np.full(len(values), np.nan)
        ch[n:] = (values[n:] - values[:-n]) * 100.0 / values[:-n]
        return ch, np.full(len(values), x)
    return rsi(values, n), np.full(len(values), x)


_COMPARE = {">": np.greater, ">=": np.greater_equal, "<": np.less, "<=": np.less_equal}


def clause_mask(condition: Condition, values: np.ndarray) -> np.ndarray:
    """Where one condition holds on its own symbol's sessions."""
    left, right = clause_lines(condition, values)
    op = condition.op or (">" if condition.kind in ("ath", "high") else "<")
    with np.errstate(invalid="ignore"):
        return _COMPARE[op](left, right)


def _series(closes: Mapping[str, pd.Series], symbol: str) -> pd.Series:
    try:
        return closes[symbol]
    except KeyError:
        raise ValueError(f"closes has no series for {symbol}") from None


def signal_mask(signal: Signal, closes: Mapping[str, pd.Series]) -> pd.Series:
    """True on each session of the trigger where every clause holds.

    A clause on another symbol is judged on that symbol's own sessions, then read on each
    trigger date at its last close on or before the date; it does not hold when that close is
    more than 6 calendar days old (no close in the 7 days up to the date) or there is none yet.
    """
    trig = _series(closes, signal.trigger)
    t_days, t_vals = close_arrays(trig, signal.trigger)
    held = np.ones(len(t_vals), dtype=bool)
    for clause in signal.clauses:
        if clause.symbol == signal.trigger:
            held &= clause_mask(clause.condition, t_vals)
            continue
        o_days, o_vals = close_arrays(_series(closes, clause.symbol), clause.symbol)
        own = clause_mask(clause.condition, o_vals)
        pos = np.searchsorted(o_days, t_days, side="right") - 1
        fresh = (pos >= 0) & (t_days - o_days[np.maximum(pos, 0)] < STALE_DAYS)
        held &= fresh & own[np.maximum(pos, 0)]
    return pd.Series(held, index=trig.index, name=signal.canonical)


def event_positions(mask: np.ndarray, gap: int) -> np.ndarray:
    """Positions of events in a holding mask (see `signal_events` for the rule)."""
    pos = np.flatnonzero(mask)
    if len(pos) == 0:
        return pos
    previous = np.concatenate(([pos[0] - gap], pos[:-1]))
    return pos[((pos - previous) >= gap) & (pos > 0)]


def signal_events(signal: Signal, closes: Mapping[str, pd.Series]) -> pd.DatetimeIndex:
    """Sessions where the signal holds and last held `gap` or more sessions earlier.

    The previous holding session counts whether or not it was itself an event, so a long run of
    holding days is one event and raising the gap never adds events. The first holding session
    counts, except on the trigger's very first session, which is never an event: with nothing
    before it there is no telling whether the condition just began to hold or had held for
    years before the data starts. It still holds, so it spaces what follows. That is today's
    fresh-ATH rule (the first bar is the opening record, never an event) and breakout rule.
    """
    mask = signal_mask(signal, closes)
    return pd.DatetimeIndex(mask.index[event_positions(mask.to_numpy(), signal.gap)])


def holding_since(signal: Signal, closes: Mapping[str, pd.Series]) -> dict[str, pd.Timestamp]:
    """First date each non-trigger symbol has a close, for symbols starting after the trigger."""
    trig = _series(closes, signal.trigger)
    out: dict[str, pd.Timestamp] = {}
    for sym in signal.symbols[1:]:
        first = _series(closes, sym).index[0]
        if first > trig.index[0]:
            out[sym] = first
    return out


# --- autocomplete ----------------------------------------------------------------------------

#: One example of each condition, in the order autocomplete offers them.
TEMPLATES = (
    "ath",
    "breakout",
    "close > 30",
    "close > sma 200",
    "sma 50 > sma 200",
    "drawdown >= 20%",
    "change 30 <= -10%",
    "rsi 14 < 30",
    "high 252",
    "low 252",
)
_AND = re.compile(r"\s+and\s+", re.IGNORECASE)
CHOICE_CHARS = 100  # Discord's limit on a choice's value


def complete_signal(text: str, limit: int = 25) -> list[str]:
    """Suggestions for a signal being typed: symbols first, then completions of the clause.

    The text as typed comes first when it already parses (canonical spelling). While the
    current clause is one word, registry symbols matching it follow (a bare symbol is a whole
    signal on its own: its fresh ATHs), then each condition for the best match; once a symbol is
    there, the conditions that start with what was typed after it. Pure and registry-only, so
    it can answer every keystroke."""
    text = text or ""
    out: list[str] = []
    try:
        out.append(parse_signal(text).canonical)
    except SignalError:
        pass
    parts = _AND.split(text.lstrip())
    head = " and ".join(p.strip() for p in parts[:-1])
    prefix = f"{head} and " if head else ""
    current = parts[-1]
    words = current.split()
    typing_symbol = len(words) <= 1 and not current.endswith(" ")
    symbol, rest = (None, "") if typing_symbol else _leading_symbol(words)
    if symbol is None:
        matches = [a.symbol for a in search(words[0] if words else "", limit)]
        if not prefix:
            out += matches  # a bare symbol: that symbol's fresh all-time highs
        if matches:
            out += [f"{prefix}{matches[0]} {t}" for t in TEMPLATES]
    else:
        typed = rest.lower()
        fits = [t for t in TEMPLATES if t.startswith(typed)] or [
            t for t in TEMPLATES if t.split()[0] == typed.split()[0]
        ]
        out += [f"{prefix}{symbol} {t}" for t in fits]
    unique = [c for c in dict.fromkeys(out) if len(c) <= CHOICE_CHARS]
    return unique[:limit]


def _leading_symbol(words: list[str]) -> tuple[str | None, str]:
    """The longest run of leading words naming a symbol, and the words after it."""
    for k in range(len(words), 0, -1):
        after = words[k].lower() if k < len(words) else ""
        if k == len(words) or any(w.startswith(after) for w in CONDITION_WORDS):
            try:
                return resolve(" ".join(words[:k])).symbol, " ".join(words[k:])
            except UnknownSymbol:
                continue
    return None, ""


def event_signal(symbol: str, event: str, min_gap: int, lookback: int) -> Signal:
    """Today's /after options as a signal: 'ath' -> `X ath`, 'breakout' -> `X high N`."""
    condition = Condition("high", lookback) if event == "breakout" else Condition("ath")
    return Signal((Clause(symbol, condition),), min_gap)
