"""Read a plain-language question as one of riskon's commands: pure, deterministic, fast.

No language model: the domain is small (a registry of assets, six kinds of question, the signal
language), so a parser over those pieces answers in well under 2 ms and always the same way.
The steps, each testable:

1. normalise the text (lower case, apostrophes, "s and p" -> "s&p", operators spaced);
2. refuse what daily prices cannot answer (flows, earnings, news, "should I buy");
3. find event phrases ("hit a record", "fell 20% from its high", "when the VIX was above 30")
   and turn each into a signal condition;
4. find the assets: registry names and aliases, typed Yahoo tickers, a few loose words
   ("stocks", "crypto"), and typos by fuzzy matching; keep the other words that are not plain
   English, so a name riskon does not know, where an asset goes ("is zzzz at an ath?"), is
   answered as unknown instead of being replaced by a default or the question's other asset;
5. weigh the intent cues and build the best reading plus, when unsure, up to 3 others.

Fuzzy matching uses the standard library's difflib rather than rapidfuzz: the registry already
suggests with difflib (one notion of "close" across riskon), the candidate list is ~100 short
aliases so speed is not at stake (a cached, length-filtered match costs microseconds; see
benchmarks/bench_ask.py), and it adds no dependency to install on a Discord host.
"""

from __future__ import annotations

import difflib
import functools
import re
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from bot.analytics.signals import SignalError, parse_signal
from bot.ask import phrases as P
from bot.defaults import DEFAULT_TARGET
from bot.errors import UnknownSymbol, UserError
from bot.market.symbols import REGISTRY, SYMBOL_PATTERN, lookup, resolve, suggest

Kind = Literal["ath", "after", "corr", "quote", "signal", "brief"]
MAX_QUESTION = 300
UNSURE_BELOW = 0.75  # a best reading under this confidence offers the others
CLOSE_RUNNER_UP = 0.12  # ... and so does a runner-up this close to it

__all__ = ["MAX_QUESTION", "Reading", "Understanding", "normalize", "read"]


@dataclass(frozen=True, slots=True)
class Reading:
    """One way to read a question: a command riskon has, with its options."""

    kind: Kind
    confidence: float
    symbol: str | None = None  # ath, quote
    signal: str | None = None  # after (the trigger), signal: canonical signal text
    target: str | None = None  # after
    a: str | None = None  # corr
    b: str | None = None  # corr

    @property
    def command(self) -> str:
        """The command a user could type for the same answer."""
        if self.kind in ("ath", "quote"):
            return f"/{self.kind} symbol:{self.symbol}"
        if self.kind == "after":
            return f"/after trigger:{self.signal} target:{self.target}"
        if self.kind == "signal":
            return f"/signal signal:{self.signal}"
        if self.kind == "corr":
            return f"/corr a:{self.a} b:{self.b}"
        return "/brief"

    @property
    def label(self) -> str:
        """A short button label (Discord allows 80 characters)."""
        text = self.command
        return text if len(text) <= 80 else text[:79] + "…"

    def understood(self) -> dict[str, Any]:
        """The `--json` "understood" object: the kind, its pieces and the confidence."""
        out: dict[str, Any] = {"kind": self.kind}
        if self.kind in ("ath", "quote"):
            out["symbol"] = self.symbol
        elif self.kind == "after":
            out.update(signal=self.signal, target=self.target)
        elif self.kind == "signal":
            out["signal"] = self.signal
        elif self.kind == "corr":
            out.update(a=self.a, b=self.b)
        out["confidence"] = round(self.confidence, 2)
        return out


@dataclass(frozen=True, slots=True)
class Understanding:
    """What riskon made of a question: a reading (and others when unsure), or why not."""

    question: str
    reading: Reading | None = None
    alternatives: tuple[Reading, ...] = ()
    refusal: str | None = None  # a question daily prices cannot answer
    noticed: tuple[str, ...] = ()  # the assets seen, when nothing usable was
    examples: tuple[str, ...] = ()
    unknown: str | None = None  # a name in an asset's place that riskon does not know
    suggestions: tuple[str, ...] = ()  # the registry's "did you mean" for it

    def unknown_asset(self) -> UnknownSymbol:
        """The error for an unknown asset: one line, the registry's suggestion when it has one.

        An UnknownSymbol like the one /ath symbol:zzzz raises, so every front end answers it
        as the asker's mistake (exit 2, a private reply) and can offer the suggestions."""
        assert self.unknown is not None
        shown = self.unknown if len(self.unknown) <= 40 else self.unknown[:37] + "..."
        head = f"I don't know an asset called {shown!r}."
        ticker_like = re.fullmatch(r"[a-z]{1,5}", self.unknown) is not None
        if self.suggestions and ticker_like:
            # "amd" may be a ticker typed in lower case, which a question cannot tell from a
            # name: say how to ask for the ticker as well as what it is close to.
            head = f"I don't know an asset called {shown!r} (for the ticker, write " \
                f"{self.unknown.upper()})."
        if not self.suggestions:
            head = head[:-1] + (
                ": ask by a name riskon knows (e.g. bitcoin, the russell, gold) or type a Yahoo "
                f"ticker in capitals (e.g. {self.unknown.upper() if ticker_like else 'AAPL'})."
            )
        return UnknownSymbol(self.unknown, list(self.suggestions), reason=head)

    @property
    def unsure(self) -> bool:
        return bool(self.alternatives)

    def message(self) -> str:
        """One line for a question with no reading: the refusal, or what was understood."""
        if self.refusal:
            return f"{self.refusal} {P.CAN_ANSWER}"
        if self.unknown is not None:
            return str(self.unknown_asset())
        if not self.question.strip():
            head = "Ask a question"
        else:
            seen = f" (I noticed {', '.join(self.noticed)})" if self.noticed else ""
            head = f"I couldn't read that as a question riskon can answer{seen}"
        tries = "; ".join(f"'{e}'" for e in self.examples or P.EXAMPLES)
        return f"{head}. Try: {tries}."


# --- normalising ------------------------------------------------------------------------------

_CONTRACTIONS = (
    (re.compile(r"\b(what|how|where|who|it|that|there|when)'s\b"), r"\1s"),
    (re.compile(r"'s\b"), ""),
    (re.compile(r"\b(s ?(&|and|n) ?p)\b"), "s&p"),
    (re.compile(r"\bu\.s\.?(?=\s|$)"), "us"),
)
_DROP = re.compile(r"[^a-z0-9%&^.=<>\-+,?!:;/ ]+")
_OPS = re.compile(r"\s*(>=|<=|>|<|=>|=<)\s*")
_DOTS = re.compile(r"(?<![a-z0-9])\.|\.(?![a-z0-9])")
_SPACE = re.compile(r"\s+")


def normalize(question: str) -> str:
    """Lower case, typographic quotes and operators made plain, emoji and stray marks dropped."""
    s = question.lower().replace("’", "'").replace("‘", "'").replace("≥", ">=").replace("≤", "<=")
    for pattern, repl in _CONTRACTIONS:
        s = pattern.sub(repl, s)
    s = s.replace("'", "").replace("$", "").replace("/", " ").replace("#", " ")
    s = _DROP.sub(" ", s)
    s = _OPS.sub(lambda m: " " + {"=>": ">=", "=<": "<="}.get(m.group(1), m.group(1)) + " ", s)
    s = _DOTS.sub(" ", s)
    return _SPACE.sub(" ", s).strip()


# --- assets -----------------------------------------------------------------------------------

_ALIASES: dict[str, str] = {}
for _asset in REGISTRY:
    for _key in (_asset.symbol.lower(), _asset.name.lower(), *_asset.aliases):
        _ALIASES.setdefault(_key, _asset.symbol)
_FUZZY_KEYS = sorted(
    k for k in _ALIASES if len(k) >= 4 and not any(c.isdigit() for c in k) and "^" not in k
)
_MAX_WORDS = 4
_TOKEN = re.compile(r"\^?[a-z0-9&][a-z0-9&=.\-]*")
_UPPER_STOP = frozenset(
    "ATH ETF USD SMA RSI YTD DMA MA EPS CEO US OK I A IS AT ON IN OF TO THE AND OR IT DO "
    "WHAT WHEN HOW DID DOES ALL TIME HIGH LOW PE PM AM FYI LOL IMO TBH ATM GM WEN NGMI".split()
)


@dataclass(frozen=True, slots=True)
class Mention:
    start: int
    end: int
    symbol: str
    confidence: float  # 1 exact, less for loose words and typos
    runner_up: str | None = None  # a second symbol a typo was nearly as close to


@functools.lru_cache(maxsize=4096)
def _fuzzy(text: str, cutoff: float) -> tuple[tuple[str, float], ...]:
    """Registry keys close to a mistyped word: (symbol, similarity), best first, one per symbol.

    Only keys of similar length are compared (a typo changes a word's length by a letter or
    two), which keeps this a few dozen comparisons."""
    pool = [k for k in _FUZZY_KEYS if abs(len(k) - len(text)) <= 2]
    found: dict[str, float] = {}
    matcher = difflib.SequenceMatcher()
    matcher.set_seq2(text)
    for key in pool:
        matcher.set_seq1(key)
        if matcher.real_quick_ratio() < cutoff or matcher.quick_ratio() < cutoff:
            continue
        ratio = matcher.ratio()
        if ratio >= cutoff:
            symbol = _ALIASES[key]
            found[symbol] = max(found.get(symbol, 0.0), ratio)
    return tuple(sorted(found.items(), key=lambda kv: (-kv[1], kv[0])))


def _uppercase_tickers(question: str) -> set[str]:
    """Tickers typed in capitals (AAPL, ^RUT, BTC-USD): a person writing caps means a symbol."""
    if question.upper() == question:  # a shouted question says nothing by its case
        return set()
    found = set()
    for word in re.findall(r"\^?[A-Z][A-Z0-9.\-=]{1,14}", question):
        if word not in _UPPER_STOP and SYMBOL_PATTERN.fullmatch(word):
            found.add(word.lower())
    return found


@dataclass(frozen=True, slots=True)
class Unknown:
    """Words no alias, loose word, ticker or typo matched, and that are not plain English."""

    start: int
    end: int
    text: str


class _NotAnAsset(Exception):
    """Raised where a reading would put a default or another asset in place of `word`."""

    def __init__(self, word: Unknown) -> None:
        super().__init__(word.text)
        self.word = word


def _plain(word: str) -> bool:
    """Whether a word left over is plain English (or a number), never an asset's name."""
    if len(word) < 2 or word[0].isdigit() or word in P.PLAIN_WORDS:
        return True
    if word.endswith("s") and word[:-1] in P.PLAIN_WORDS:
        return True
    return "-" in word and all(_plain(part) for part in word.split("-") if part)


def _find_assets(
    s: str, question: str, claimed: list[tuple[int, int]]
) -> tuple[list[Mention], list[Unknown]]:
    """The assets named, and the words left that could only be names riskon does not know
    (adjacent ones joined: "dogwif hat"), for the slots that need an asset to ask about."""
    tokens = [
        (m.start(), m.start() + len(m.group().rstrip(".-")), m.group().rstrip(".-"))
        for m in _TOKEN.finditer(s)
    ]
    tokens = [t for t in tokens if t[2] and not _inside(t[0], t[1], claimed)]
    tickers = _uppercase_tickers(question)
    mentions: list[Mention] = []
    unknown: list[Unknown] = []
    i = 0
    while i < len(tokens):
        matched = False
        for n in range(min(_MAX_WORDS, len(tokens) - i), 0, -1):
            span = tokens[i : i + n]
            if any(span[k + 1][0] - span[k][1] > 1 for k in range(n - 1)):
                continue  # words must be adjacent
            phrase = " ".join(t[2] for t in span)
            start, end = span[0][0], span[-1][1]
            symbol = _ALIASES.get(phrase)
            confidence = 1.0
            if symbol is None and phrase in P.LOOSE_ASSETS:
                symbol, confidence = P.LOOSE_ASSETS[phrase], 0.85
            if symbol is None and n == 1:
                symbol = _ticker(phrase, tickers)
            if symbol is not None:
                mentions.append(Mention(start, end, symbol, confidence))
                i += n
                matched = True
                break
        if matched:
            continue
        mention = _typo(tokens, i)
        if mention is not None:
            mentions.append(mention[0])
            i += mention[1]
            continue
        start, end, word = tokens[i]
        if not _plain(word):
            last = unknown[-1] if unknown else None
            if last is not None and last.end + 1 == start and s[last.end] == " ":
                unknown[-1] = Unknown(last.start, end, f"{last.text} {word}")
            else:
                unknown.append(Unknown(start, end, word))
        i += 1
    return mentions, unknown


def _ticker(word: str, tickers: set[str]) -> str | None:
    looks_like = word.startswith("^") or re.fullmatch(r"[a-z0-9]{2,10}-(usd|usdt|eur)", word)
    if not (looks_like or word in tickers):
        return None
    try:
        return resolve(word.upper()).symbol
    except UserError:
        return None


def _typo(tokens: list[tuple[int, int, str]], i: int) -> tuple[Mention, int] | None:
    """A mistyped alias at token i: two words first ("smal caps"), then one ("russel")."""
    for n, cutoff in ((2, 0.85), (1, 0.8)):
        span = tokens[i : i + n]
        if len(span) < n:
            continue
        words = [t[2] for t in span]
        if any(w in P.NOT_ASSETS or w.isdigit() for w in words):
            continue
        phrase = " ".join(words)
        if len(phrase) < 4 or any(ch.isdigit() for ch in phrase):
            continue
        hits = _fuzzy(phrase, cutoff)
        if not hits:
            continue
        (symbol, ratio), *rest = hits
        runner = rest[0][0] if rest and rest[0][1] >= ratio - 0.05 else None
        confidence = 0.9 * ratio if runner is None else 0.6 * ratio
        return Mention(span[0][0], span[-1][1], symbol, confidence, runner), n
    return None


def _inside(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    return any(a <= start and end <= b for a, b in spans)


def _overlaps(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    return any(start < b and a < end for a, b in spans)


# --- events -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Event:
    start: int
    end: int
    name: str
    condition: str  # signal condition text, e.g. "close > 30"
    confidence: float = 1.0
    others: tuple[str, ...] = ()  # other conditions the words could mean
    symbol_hint: str | None = None  # the asset the words imply when none is named
    vix_only: bool = False  # "calm", "spiked": words that describe the VIX only


def _number(m: re.Match[str], group: str = "num") -> float:
    x = float(m.group(group))
    mult = m.groupdict().get("mult")
    return x * {"k": 1_000, "m": 1_000_000}.get(mult or "", 1)


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def _window(s: str, start: int, end: int) -> int | None:
    """The period a move happened over ("in a week" -> 5 sessions), looked for next to it."""
    near = s[end : end + 30]
    before = s[max(0, start - 25) : start]
    for text in (near, before):
        m = P.WINDOW.search(text)
        if m is None:
            continue
        if m.group("daily"):
            word = m.group("daily").replace("-", " ")
            return {"weekly": 5, "monthly": 21}.get(word, 1)
        unit = (m.group("unit") or m.group("unit2") or "").rstrip("s")
        count = m.group("n") or m.group("n2")
        n = int(count) if count else 1
        return n * P.UNIT_SESSIONS[unit]
    return None


def _find_events(s: str) -> tuple[list[Event], list[tuple[int, int]]]:
    events: list[Event] = []
    claimed: list[tuple[int, int]] = []
    for name, pattern in P.EVENTS:
        for m in pattern.finditer(s):
            if m.end() == m.start() or _overlaps(m.start(), m.end(), claimed):
                continue
            event = _event(name, m, s)
            if event is not None:
                if "core" in m.re.groupindex and m.group("core"):
                    event = replace(event, start=m.start("core"))
                events.append(event)
                claimed.append((event.start, event.end))
    events.sort(key=lambda e: e.start)
    return events, claimed


def _event(name: str, m: re.Match[str], s: str) -> Event | None:
    a, b = m.start(), m.end()
    if name == "golden":
        return Event(a, b, name, "sma 50 > sma 200", symbol_hint="^GSPC")
    if name == "death":
        return Event(a, b, name, "sma 50 < sma 200", symbol_hint="^GSPC")
    if name in ("sma_above", "sma_below"):
        n = int(m.group("ma"))
        if not 2 <= n <= 2000:
            return None
        op = ">" if name == "sma_above" else "<"
        return Event(a, b, name, f"close {op} sma {n}")
    if name == "oversold":
        return Event(a, b, name, "rsi 14 < 30")
    if name == "overbought":
        return Event(a, b, name, "rsi 14 > 70")
    if name == "rsi":
        n = int(m.group("win") or 14)
        op = "<" if m.group("dir") in ("below", "under", "<", "sub", "beneath") else ">"
        if m.group("dir") in (">=", "<="):
            op = m.group("dir")
        return Event(a, b, name, f"rsi {n} {op} {_fmt(float(m.group('num')))}")
    if name == "high_n":
        n, unit, hl = int(m.group("n")), m.group("unit"), m.group("hl")
        per = {"d": 1, "day": 1, "session": 1, "week": 5, "wk": 5, "month": 21, "year": 252}
        sessions = 252 if unit in ("week", "wk") and n == 52 else n * per[unit]
        if not 2 <= sessions <= 2000:
            return None
        return Event(a, b, name, f"{hl} {sessions}")
    if name == "breakout":
        return Event(a, b, name, "high 252", others=("ath",))
    if name == "yearlow":
        return Event(a, b, name, "low 252")
    if name == "ath":
        return Event(a, b, name, "ath", others=("high 252",))
    if name == "bear":
        return Event(a, b, name, "drawdown >= 20%")
    if name == "correction":
        return Event(a, b, name, "drawdown >= 10%")
    if name == "drawdown":
        x = abs(float(m.group("pct") or m.group("pct2") or m.group("pct3")))
        if not 0 < x <= 100:
            return None
        return Event(a, b, name, f"drawdown >= {_fmt(x)}%")
    if name in ("fall", "rise"):
        x = abs(float(m.group("pct") or m.group("pct2")))
        if x == 0 or (name == "fall" and x >= 100):
            return None
        window = _window(s, a, b)
        if "day" in m.group(0):  # "a 5% down day"
            window = 1
        signed = -x if name == "fall" else x
        op = "<=" if name == "fall" else ">="
        if window is not None and 1 <= window <= 2000:
            return Event(a, b, name, f"change {window} {op} {_fmt(signed)}%")
        if name == "fall":
            # "fell 20%" with no period: most people mean from the top (a 20% drawdown)
            return Event(
                a, b, name, f"drawdown >= {_fmt(x)}%", 0.8,
                others=(f"change 21 <= {_fmt(signed)}%", f"change 5 <= {_fmt(signed)}%"),
            )
        return Event(
            a, b, name, f"change 21 >= {_fmt(x)}%", 0.7,
            others=(f"change 5 >= {_fmt(x)}%", f"change 1 >= {_fmt(x)}%"),
        )
    if name in ("above", "below"):
        x = _number(m)
        ore = m.group("ore") or ""
        op = ">" if name == "above" else "<"
        if ore:
            op += "="
        return Event(a, b, name, f"close {op} {_fmt(x)}")
    if name == "vix_high":
        return Event(a, b, name, "close > 30", 0.8, symbol_hint="^VIX", vix_only=True)
    if name == "vix_calm":
        return Event(a, b, name, "close < 20", 0.8, symbol_hint="^VIX", vix_only=True)
    if name == "crash":
        return Event(
            a, b, name, "drawdown >= 20%", 0.6,
            others=("change 5 <= -10%", "change 1 <= -5%"),
        )
    return None  # pragma: no cover - every pattern name is handled above


# --- putting it together ----------------------------------------------------------------------


@dataclass
class _Parts:
    s: str
    mentions: list[Mention]
    events: list[Event]
    segments: list[tuple[int, int]] = field(default_factory=list)
    unknown: list[Unknown] = field(default_factory=list)

    def unknown_in(self, start: int, end: int) -> Unknown | None:
        """The first unknown name inside [start, end)."""
        return next((u for u in self.unknown if start <= u.start and u.end <= end), None)

    def unknown_at(self, pos: int) -> Unknown | None:
        """The unknown name starting at `pos`, after an optional article."""
        for u in self.unknown:
            if u.start == pos or (u.start > pos and self.s[pos : u.start] in _ARTICLES):
                return u
        return None


_ARTICLES = frozenset(("the ", "a ", "an ", "its ", "their "))


def _segments(s: str) -> list[tuple[int, int]]:
    cuts = [0]
    for m in P.SEGMENT_SPLIT.finditer(s):
        cuts += [m.start(), m.end()]
    cuts.append(len(s))
    return [(cuts[k], cuts[k + 1]) for k in range(0, len(cuts) - 1, 2)]


def _segment_of(pos: int, segments: list[tuple[int, int]]) -> tuple[int, int]:
    for a, b in segments:
        if a <= pos < b:
            return a, b
    return 0, 0


def _attach(event: Event, parts: _Parts, avoid: set[str]) -> Mention | None:
    """The asset an event is about: the one in its own clause, nearest first (before it wins).

    A clause with no known asset borrows another clause's or the event's own (a golden cross
    is the S&P's) only when it names none: a name in its subject ("after zzzz hit an ath") or
    just after the event ("a record high for zzzz") is the trigger asked about, unknown."""
    seg_a, seg_b = _segment_of(event.start, parts.segments)
    own = [m for m in parts.mentions if seg_a <= m.start < seg_b]
    if not own:
        named = parts.unknown_in(seg_a, event.start)
        after = P.EVENT_OF.match(parts.s, event.end)
        if named is None and after is not None:
            named = parts.unknown_at(after.end())
        if named is not None:
            raise _NotAnAsset(named)
    pool = own or [m for m in parts.mentions if m.symbol not in avoid] or parts.mentions
    if not pool:
        return None
    before = [m for m in pool if m.end <= event.start]
    if before and own:
        return before[-1]
    return min(pool, key=lambda m: (abs(m.start - event.start), m.start > event.start))


def _targets(parts: _Parts) -> list[Mention]:
    """Assets the question names as what to follow ("what did btc do", "btc after ...").

    A target's place holding no known asset but a name ("what did zzzz do") is the target
    asked about: unknown, never replaced by the default or by the trigger."""
    found: list[Mention] = []
    for m in P.TARGET_PHRASES.finditer(parts.s):
        for group in ("t1", "t2", "t3", "t4", "t5"):
            if m.group(group) is None:
                continue
            a, b = m.span(group)
            inside = [x for x in parts.mentions if a <= x.start and x.end <= b]
            named = None if inside else parts.unknown_in(a, b)
            if named is not None:
                raise _NotAnAsset(named)
            found += inside
    return found


def _signal_text(clauses: list[tuple[str, str]]) -> str | None:
    unique = list(dict.fromkeys(clauses))[:4]
    text = " and ".join(f"{sym} {cond}" for sym, cond in unique)
    try:
        return parse_signal(text).canonical
    except SignalError:
        return None


_GRAMMAR_NEXT = re.compile(
    r"\s+(?:ath|breakout|(?:high|low|sma|change|rsi) \d|close [<>]|drawdown [<>])"
)


def _raw_signal(s: str, mentions: list[Mention]) -> str | None:
    """A signal typed in riskon's own language ("after ^VIX close > 30"), taken as is.

    Tried only where an asset is followed by a grammar word, and on the text from there,
    dropping trailing words ("... what did btc do") until it parses: a few cheap attempts."""
    for m in mentions:
        if not _GRAMMAR_NEXT.match(s, m.end):
            continue
        words = s[m.end :].strip(" ?!.,").split()
        for cut in range(len(words), 0, -1):
            if cut < len(words) and words[cut - 1] in ("and", "gap"):
                continue
            try:
                return parse_signal(f"{m.symbol} {' '.join(words[:cut])}").canonical
            except SignalError:
                continue
    return None


def read(question: str, *, default_target: str | None = None) -> Understanding:
    """Read `question` as riskon's commands. `default_target`: the server's default asset to
    follow in an event study; Bitcoin when there is none."""
    if not isinstance(question, str) or not question.strip():
        return Understanding(question or "", examples=P.EXAMPLES)
    question = question[:MAX_QUESTION]
    s = normalize(question)
    for pattern, sentence in P.REFUSALS:
        if pattern.search(s):
            return Understanding(question, refusal=sentence, examples=P.EXAMPLES)
    events, claimed = _find_events(s)
    mentions, unknown = _find_assets(s, question, claimed)
    parts = _Parts(s, mentions, events, _segments(s), unknown)
    try:
        readings = _readings(parts, default_target or DEFAULT_TARGET)
    except _NotAnAsset as exc:
        word = exc.word.text
        return Understanding(question, unknown=word, suggestions=tuple(suggest(word)))
    if not readings:
        names = []
        for m in mentions:
            asset = lookup(m.symbol)
            names.append(asset.name if asset else m.symbol)
        return Understanding(
            question, noticed=tuple(dict.fromkeys(names)), examples=P.EXAMPLES
        )
    ranked = _rank(readings)
    best, rest = ranked[0], ranked[1:]
    unsure = best.confidence < UNSURE_BELOW or (
        bool(rest) and rest[0].confidence >= best.confidence - CLOSE_RUNNER_UP
    )
    return Understanding(question, best, tuple(rest[:3]) if unsure else ())


def _rank(readings: list[Reading]) -> list[Reading]:
    """Best first (stable for ties: the order the rules proposed them), one per command."""
    seen: dict[str, Reading] = {}
    for r in readings:
        r = replace(r, confidence=round(min(1.0, max(0.05, r.confidence)), 3))
        if r.command not in seen or seen[r.command].confidence < r.confidence:
            seen[r.command] = r
    order = {cmd: k for k, cmd in enumerate(seen)}
    return sorted(seen.values(), key=lambda r: (-r.confidence, order[r.command]))


def _readings(parts: _Parts, default_target: str) -> list[Reading]:
    s, mentions = parts.s, parts.mentions
    symbols = list(dict.fromkeys(m.symbol for m in mentions))
    trust = min((m.confidence for m in mentions), default=1.0)
    has_after = bool(P.AFTER_CUE.search(s))
    has_signal = bool(P.SIGNAL_CUE.search(s))
    has_corr = bool(P.CORR_CUE.search(s))
    has_quote = bool(P.QUOTE_CUE.search(s))
    has_brief = bool(P.BRIEF_CUE.search(s))
    strong = [m for m in mentions if m.confidence >= 0.9 and m.runner_up is None]
    out: list[Reading] = []

    # typos with a close second: offer the same reading with the other asset too
    def variants(make):
        out.append(make({}))
        for m in mentions:
            if m.runner_up:
                alt = make({m.symbol: m.runner_up})
                out.append(replace(alt, confidence=alt.confidence - 0.05))

    # --- events: after / signal / ath ---------------------------------------------------------
    clauses: list[tuple[Mention | None, Event]] = []
    targets = _targets(parts)
    target_syms = {t.symbol for t in targets}
    for event in parts.events:
        mention = _attach(event, parts, target_syms if len(symbols) > 1 else set())
        if event.vix_only and (mention is None or mention.symbol != "^VIX"):
            continue
        clauses.append((mention, event))

    if has_brief and not strong and not clauses:
        # "how are markets doing", "overview of the market": the brief, even if a loose word
        # like "the market" could name the S&P 500
        out.append(Reading("brief", 0.95 if not mentions else 0.85))
        if mentions and not has_corr:
            out.append(Reading("quote", 0.6, symbol=symbols[0]))
        if not has_corr:
            return out

    if clauses or _GRAMMAR_NEXT.search(s):
        trigger_syms: list[str] = []
        cl: list[tuple[str, str]] = []
        conf = 1.0
        missing_trigger = False
        for mention, event in clauses:
            sym = mention.symbol if mention else event.symbol_hint
            if sym is None:
                sym, missing_trigger = "^GSPC", True
            trigger_syms.append(sym)
            cl.append((sym, event.condition))
            conf = min(conf, event.confidence)
        signal = _signal_text(cl) if cl else None
        raw = None if signal else _raw_signal(s, mentions)
        if raw:
            signal, conf, trigger_syms = raw, 1.0, list(parse_signal(raw).symbols)
        if signal is not None:
            conf *= trust
            if missing_trigger:
                conf *= 0.6
            # the target: named as such, else an asset no clause is about, else the default
            others = [m.symbol for m in mentions if m.symbol not in trigger_syms]
            named = [t.symbol for t in targets]
            defaulted = False
            if named and (named[0] not in trigger_syms or not others):
                target = named[0]
            elif others:
                target = others[0]
            elif has_after and len(symbols) == 1 and named:
                target = named[0]
            else:
                target, defaulted = default_target, True
            single = len(clauses) == 1 and not raw
            first: Event | None = clauses[0][1] if clauses else None
            only_ath = single and first is not None and first.condition == "ath"

            def after(sig: str, c: float, tgt: str = target) -> Reading:
                return Reading("after", c, signal=sig, target=tgt)

            def alt_signals(sig_conf: float) -> list[str]:
                if not single or first is None:
                    return []
                sym = trigger_syms[0]
                texts = [_signal_text([(sym, o)]) for o in first.others]
                return [t for t in texts if t and t != signal]

            if has_after and (not defaulted or not has_signal):
                c = conf * (0.85 if defaulted else 1.0)
                out.append(after(signal, c))
                out += [after(t, c * 0.7) for t in alt_signals(c)]
                if defaulted:
                    out.append(Reading("signal", c * 0.75, signal=signal))
                    if default_target == DEFAULT_TARGET:
                        for alt in ("^GSPC", "ETH-USD"):
                            if alt not in trigger_syms:
                                out.append(after(signal, c * 0.7, alt))
            elif has_signal:
                out.append(Reading("signal", conf, signal=signal))
                out += [Reading("signal", conf * 0.7, signal=t) for t in alt_signals(conf)]
                out.append(after(signal, conf * 0.7))
                if only_ath:
                    out.append(Reading("ath", conf * 0.7, symbol=trigger_syms[0]))
            elif not defaulted and len(symbols) >= 2:
                out.append(after(signal, conf * 0.9))
                out += [after(t, conf * 0.65) for t in alt_signals(conf)]
                if has_corr:
                    out.append(Reading("corr", conf * 0.6, a=symbols[0], b=symbols[1]))
            elif only_ath:
                c = conf * (1.0 if P.ATH_CUE.search(s) or len(s.split()) <= 4 else 0.85)
                out.append(Reading("ath", c, symbol=trigger_syms[0]))
                out.append(Reading("signal", c * 0.6, signal=signal))
                out.append(after(signal, c * 0.55))
            else:
                c = conf * 0.85
                out.append(Reading("signal", c, signal=signal))
                out += [Reading("signal", c * 0.75, signal=t) for t in alt_signals(c)]
                out.append(after(signal, c * 0.7))
            if out:
                return out

    # --- no event: correlation, after with the default event, quote ---------------------------
    # Each fallback below fills an empty asset place with another asset; a name in that place
    # ("btc after zzzz", "btc vs zzzz", "correlation of zzzz and btc", "zzzz price") is what
    # was asked about, unknown.
    slots: list[Unknown | None] = []
    if has_after:
        slots += [parts.unknown_at(cue.end()) for cue in P.AFTER_SLOT.finditer(s)]
    for cue in P.VS.finditer(s):
        before = next((u for u in parts.unknown if u.end + 1 == cue.start()), None)
        slots += [parts.unknown_at(cue.end()), before]
    if (has_corr and len(symbols) < 2) or (has_quote and not symbols and not has_brief):
        slots += parts.unknown[:1]
    asked = next((u for u in slots if u is not None), None)
    if asked is not None:
        raise _NotAnAsset(asked)

    if has_corr and symbols:
        if len(symbols) >= 2:
            def corr(swap: dict[str, str]) -> Reading:
                a, b = (swap.get(x, x) for x in symbols[:2])
                return Reading("corr", trust, a=a, b=b)

            variants(corr)
        else:
            a = symbols[0]
            partners = [x for x in ("^GSPC", "BTC-USD", "^RUT", "^IXIC") if x != a]
            out.append(Reading("corr", 0.6 * trust, a=a, b=partners[0]))
            out += [Reading("corr", 0.5 * trust, a=a, b=p) for p in partners[1:3]]
        return out

    if has_after and len(symbols) >= 2:
        after_at = P.AFTER_CUE.search(s)
        pos = after_at.start() if after_at else 0
        trig = next((m.symbol for m in mentions if m.start >= pos), symbols[-1])
        named = [t.symbol for t in _targets(parts) if t.symbol != trig]
        tgt = named[0] if named else next(x for x in symbols if x != trig)
        out.append(Reading("after", 0.7 * trust, signal=f"{trig} ath", target=tgt))
        out.append(Reading("after", 0.6 * trust, signal=f"{trig} high 252", target=tgt))
        out.append(Reading("corr", 0.5 * trust, a=tgt, b=trig))
        return out

    if symbols:
        if has_quote or len(symbols) == 1:
            c = (0.95 if has_quote else 0.65) * trust
            variants(lambda swap: Reading("quote", c, symbol=swap.get(symbols[0], symbols[0])))
            if not has_quote:
                out.append(Reading("ath", c * 0.9, symbol=symbols[0]))
            if len(symbols) >= 2:
                out.append(Reading("corr", c * 0.7, a=symbols[0], b=symbols[1]))
            return out
        out.append(Reading("corr", 0.6 * trust, a=symbols[0], b=symbols[1]))
        out.append(Reading("quote", 0.5 * trust, symbol=symbols[0]))
        out.append(
            Reading("after", 0.45 * trust, signal=f"{symbols[1]} ath", target=symbols[0])
        )
        return out

    if has_brief:
        return out or [Reading("brief", 0.8)]
    return out
