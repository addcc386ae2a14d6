"""When an alert fires: final bars, events newer than the alert, the grace window. No Discord.

The contract (issue 11):

- A bar is **final** for a US exchange symbol at 16:15 America/New_York on its date, for crypto
  (round-the-clock symbols such as BTC-USD) once its UTC day is over. A session of a signal is
  *ready* when the bars of every symbol it names are final for that date; an intraday capture
  is cut off before evaluation, so it can never fire anything.
- An alert fires for events on sessions newer than `since_session` (the trigger's latest final
  session when it was made: no back-firing on history), once per (alert, event session): the
  posting log (kind 'alert') decides, across restarts and processes.
- An event found within `grace` of becoming ready is posted, marked late after `LATE_AFTER`;
  later it is recorded as missed ('skipped') and shown in /alert list.
- A check refreshes each needed symbol once (MarketData's cache and single flight), asking for
  bars fetched after the symbol's latest finalisation; a stale or missing symbol delays the
  alerts that need it (logged once per outage) and never fires them on old data.

Evaluation is pure and runs beside the event loop; a pair whose inputs did not change since the
last check is not evaluated again, so an idle check at 10,000 alerts costs a few milliseconds.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from bot.analytics.signals import parse_signal, signal_events, signal_mask
from bot.errors import RiskonError
from bot.market.data import is_round_the_clock
from bot.scheduling import postlog
from bot.scheduling.alertstore import COLUMNS, KIND, Alert, alert_from_row, post_key
from bot.store import Store

log = logging.getLogger(__name__)

NEW_YORK = ZoneInfo("America/New_York")
US_FINAL = time(16, 15)
#: An event posted this long after it became ready says "(posted late)": more than a missed
#: check or two, i.e. the bot (or the data) was down.
LATE_AFTER = timedelta(hours=1)
#: A signal holding on more than this share of sessions is noise, not an event worth a ping.
NOISE_SHARE = 1 / 3


# --- finality --------------------------------------------------------------------------------


def final_at(symbol: str, session: date) -> datetime:
    """When the bar of `session` becomes final (UTC)."""
    if is_round_the_clock(symbol):
        return datetime.combine(session + timedelta(days=1), time(0), UTC)
    return datetime.combine(session, US_FINAL, NEW_YORK).astimezone(UTC)


def latest_final(symbol: str, now: datetime) -> datetime:
    """The most recent instant at or before `now` when a bar of `symbol` became final.

    Data fetched after it holds every final bar there is; fetched before, it may hold an
    intraday capture of a bar that is final now. Weekends have no US session; holidays are
    not known here, which costs one refresh that finds nothing new.
    """
    if is_round_the_clock(symbol):
        return datetime.combine(now.astimezone(UTC).date(), time(0), UTC)
    day = now.astimezone(NEW_YORK).date()
    while True:
        moment = datetime.combine(day, US_FINAL, NEW_YORK).astimezone(UTC)
        if day.weekday() < 5 and moment <= now:
            return moment
        day -= timedelta(days=1)


def ready_at(symbols: Iterable[str], session: date) -> datetime:
    """When a session of a signal on these symbols is ready: every one of their bars final."""
    return max(final_at(s, session) for s in symbols)


def final_only(close: pd.Series, symbol: str, now: datetime) -> pd.Series:
    """The closes whose bars are final at `now` (an intraday capture is dropped)."""
    n = len(close)
    while n and final_at(symbol, close.index[n - 1].date()) > now:
        n -= 1
    return close if n == len(close) else close.iloc[:n]


def _ready_len(symbols: Sequence[str], closes: Mapping[str, pd.Series], now: datetime) -> int:
    """How many of the trigger's sessions are ready at `now` (what changes with the clock)."""
    trigger = closes[symbols[0]]
    n = len(trigger)
    while n and ready_at(symbols, trigger.index[n - 1].date()) > now:
        n -= 1
    return n


def ready_closes(
    symbols: Sequence[str], closes: Mapping[str, pd.Series], now: datetime
) -> dict[str, pd.Series]:
    """Each symbol's final closes, the trigger (first) cut to sessions that are ready."""
    out = {s: final_only(closes[s], s, now) for s in symbols}
    out[symbols[0]] = closes[symbols[0]].iloc[: _ready_len(symbols, closes, now)]
    return out


# --- what /alert add shows -------------------------------------------------------------------


@dataclass(frozen=True)
class SignalRecord:
    """How often a signal fired in the data: what /alert add shows before accepting it."""

    canonical: str
    count: int
    first_session: date
    latest_session: date
    per_year: float
    last_event: date | None
    holds_latest: bool
    held: int
    sessions: int

    @property
    def held_share(self) -> float:
        return self.held / self.sessions if self.sessions else 0.0

    @property
    def noisy(self) -> bool:
        return self.held_share > NOISE_SHARE

    def fired_text(self) -> str:
        """'fired 9 times since 2014-09-17, about 0.8 a year, last on 2026-03-27'."""
        times = "once" if self.count == 1 else f"{self.count:,} times"
        last = self.last_event
        if self.count == 0 or last is None:  # one without the other never happens
            return f"never fired since {self.first_session.isoformat()}"
        return (f"fired {times} since {self.first_session.isoformat()}, about "
                f"{self.per_year:.1f} a year, last on {last.isoformat()}")

    def holds_text(self) -> str:
        verb = "holds" if self.holds_latest else "does not hold"
        return f"It {verb} on the latest final session, {self.latest_session.isoformat()}."

    def noise_text(self) -> str:
        return (f"it held on {self.held_share:.0%} of sessions ({self.held:,} of "
                f"{self.sessions:,}), more than a third: an alert on it would be noise")


def signal_record(signal_text: str, closes: Mapping[str, pd.Series], now: datetime) -> SignalRecord:
    """Count, rate, last event and today's state of a signal on its final, ready sessions.

    Raises `NoData` (a RiskonError) when the trigger has no final session yet.
    """
    signal = parse_signal(signal_text)
    ready = ready_closes(signal.symbols, closes, now)
    trigger = ready[signal.trigger]
    if trigger.empty:
        from bot.errors import NoData

        raise NoData(signal.trigger, "the data", "no final session yet")
    mask = signal_mask(signal, ready).to_numpy()
    events = signal_events(signal, ready)
    first, latest = trigger.index[0].date(), trigger.index[-1].date()
    years = max((latest - first).days / 365.25, 1 / 365.25)
    return SignalRecord(
        canonical=signal.canonical,
        count=len(events),
        first_session=first,
        latest_session=latest,
        per_year=len(events) / years,
        last_event=events[-1].date() if len(events) else None,
        holds_latest=bool(mask[-1]),
        held=int(np.count_nonzero(mask)),
        sessions=len(mask),
    )


# --- one check -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Firing:
    """One event session of one (signal, target) and the alerts it is owed to."""

    signal: str
    target: str
    session: date
    ready: datetime
    late: bool
    alerts: tuple[Alert, ...]


@dataclass
class CheckResult:
    firings: list[Firing] = field(default_factory=list)
    missed: list[tuple[Alert, date]] = field(default_factory=list)
    delayed: dict[tuple[str, str], str] = field(default_factory=dict)  # pair -> why
    evaluated: int = 0  # pairs evaluated this check (not reused from the last one)
    pairs: int = 0


def _events_after(
    signal_text: str, closes: Mapping[str, pd.Series], since: date, now: datetime
) -> list[tuple[date, datetime]]:
    """(event session, when it became ready) for events after `since` on ready sessions."""
    signal = parse_signal(signal_text)
    ready = ready_closes(signal.symbols, closes, now)
    events = signal_events(signal, ready)
    cut = np.searchsorted(events.values, np.datetime64(since.isoformat()), side="right")
    return [(d.date(), ready_at(signal.symbols, d.date())) for d in events[cut:]]


def _evaluate(
    jobs: list[tuple[tuple[str, str], date, dict[str, pd.Series]]], now: datetime
) -> dict[tuple[str, str], list[tuple[date, datetime]] | str]:
    """Every pair's new events, beside the loop; a broken pair is its error text, not a crash."""
    out: dict[tuple[str, str], list[tuple[date, datetime]] | str] = {}
    for pair, since, closes in jobs:
        try:
            out[pair] = _events_after(pair[0], closes, since, now)
        except Exception as exc:  # a signal stored by an older grammar, a data oddity
            log.exception("Alert signal %r could not be evaluated", pair[0])
            out[pair] = f"could not evaluate the signal ({exc})"
    return out


def _series_print(close: pd.Series) -> tuple:
    """What a pair's events depend on in one series: its length and its last bar."""
    return (len(close), close.index[-1], float(close.iloc[-1])) if len(close) else (0,)


def _alerts_from_rows(rows: list[tuple]) -> dict[tuple[str, str], list[Alert]]:
    groups: dict[tuple[str, str], list[Alert]] = defaultdict(list)
    for row in rows:
        alert = alert_from_row(row)
        groups[alert.pair].append(alert)
    return dict(groups)


class AlertChecker:
    """What is due at `now`: refresh, evaluate, filter through the posting log. No Discord.

    `market` is a `MarketData`; `owns` says whether this process posts for a guild (shards).
    """

    def __init__(
        self, store: Store, market: Any, *, grace: timedelta,
        owns: Any = lambda guild_id: True,
    ) -> None:
        self.store = store
        self.market = market
        self.grace = grace
        self.owns = owns
        #: (alert id, session) pairs with a posting-log row: read once per day, then kept.
        self._settled: dict[date, set[int]] = {}
        #: Inputs and result of each pair's last evaluation, to skip it when nothing changed.
        self._last: dict[tuple[str, str], tuple[tuple, date, list[tuple[date, datetime]]]] = {}
        #: Symbols whose data is out, with the reason: logged when it starts and when it ends.
        self.outages: dict[str, str] = {}
        self._parsed: dict[str, tuple[str, ...]] = {}
        self.evaluations = 0  # pairs evaluated since start, for tests and benchmarks

    def _symbols_of(self, signal_text: str) -> tuple[str, ...]:
        """A signal's symbols, parsed once per process (checks come every few minutes)."""
        syms = self._parsed.get(signal_text)
        if syms is None:
            syms = self._parsed[signal_text] = parse_signal(signal_text).symbols
        return syms

    def settle(self, alert_id: int, session: date) -> None:
        """Remember that (alert, session) has a posting-log row now."""
        self._settled.setdefault(session, set()).add(alert_id)

    async def _settled_on(self, days: set[date]) -> dict[date, set[int]]:
        for day in sorted(days - set(self._settled)):
            rows = await self.store.fetchall(
                "SELECT key FROM posting_log WHERE kind = ? AND day = ?", (KIND, day.isoformat())
            )
            ids = {int(r[0].partition(":")[0]) for r in rows}
            self._settled[day] = ids | self._settled.get(day, set())
        return self._settled

    async def _history(self, symbol: str, now: datetime) -> pd.Series | str:
        """Final-ready closes of a symbol, or why there are none fit to fire on."""
        try:
            history = await self.market.daily(symbol, fresh_since=latest_final(symbol, now))
        except RiskonError as exc:
            return str(exc)
        if history.stale:
            return history.stale_reason or "the data source failed"
        return history.close

    async def check(self, now: datetime) -> CheckResult:
        result = CheckResult()
        rows = await self.store.fetchall(
            f"SELECT {COLUMNS} FROM alerts WHERE paused_reason IS NULL"
        )
        groups = await asyncio.to_thread(_alerts_from_rows, rows)
        groups = {
            pair: owned for pair, alerts in groups.items()
            if (owned := [a for a in alerts if self.owns(a.guild_id)])
        }
        result.pairs = len(groups)
        if not groups:
            return result
        symbols: dict[tuple[str, str], tuple[str, ...]] = {}
        for pair in groups:
            try:
                symbols[pair] = self._symbols_of(pair[0])
            except RiskonError as exc:
                result.delayed[pair] = str(exc)
        # Every symbol any alert needs, once: its signal's symbols and its target.
        needed = sorted({s for syms in symbols.values() for s in syms} | {p[1] for p in symbols})
        histories = dict(zip(
            needed, await asyncio.gather(*(self._history(s, now) for s in needed)), strict=True
        ))
        self._track_outages(histories)

        jobs, reused = [], {}
        prints: dict[str, tuple] = {}
        ready_lens: dict[tuple[str, ...], int] = {}
        for pair, syms in symbols.items():
            down = [s for s in (*syms, pair[1]) if isinstance(histories[s], str)]
            if down:
                result.delayed[pair] = f"{down[0]}: {histories[down[0]]}"
                continue
            closes = {s: h for s in syms if not isinstance(h := histories[s], str)}  # none down
            since = min(a.since_session for a in groups[pair])
            for s in syms:
                if s not in prints:
                    prints[s] = _series_print(closes[s])
            if syms not in ready_lens:
                ready_lens[syms] = _ready_len(syms, closes, now)
            fingerprint = (*(prints[s] for s in syms), ready_lens[syms])
            last = self._last.get(pair)
            if last is not None and last[0] == fingerprint and last[1] <= since:
                reused[pair] = [e for e in last[2] if e[0] > since]
                continue
            jobs.append((pair, since, closes, fingerprint))
        fresh = await asyncio.to_thread(_evaluate, [(p, s, c) for p, s, c, _ in jobs], now)
        result.evaluated = len(jobs)
        self.evaluations += len(jobs)
        for pair, since, _, fingerprint in jobs:
            outcome = fresh[pair]
            if isinstance(outcome, str):
                result.delayed[pair] = outcome
                continue
            self._last[pair] = (fingerprint, since, outcome)
            reused[pair] = outcome
        for gone in set(self._last) - set(groups):
            del self._last[gone]

        days = {d for events in reused.values() for d, _ in events}
        settled = await self._settled_on(days)
        for pair, events in reused.items():
            for session, ready in events:
                owed = tuple(
                    a for a in groups[pair]
                    if session > a.since_session and a.id not in settled.get(session, ())
                )
                if not owed:
                    continue
                waited = now - ready
                if waited > self.grace:
                    result.missed += [(a, session) for a in owed]
                    continue
                result.firings.append(Firing(pair[0], pair[1], session, ready,
                                             waited > LATE_AFTER, owed))
        return result

    async def record_missed(self, missed: list[tuple[Alert, date]], now: datetime) -> None:
        """Log each (alert, session) found past the grace window as missed ('skipped')."""
        for alert, session in missed:
            hours = (now - ready_at(parse_signal(alert.signal).symbols, session))
            detail = (f"missed: found {hours.total_seconds() / 3600:.1f} h after the "
                      f"{session.isoformat()} bar became final, past the "
                      f"{self.grace.total_seconds() / 3600:g} h grace window")
            await postlog.mark(self.store, KIND, post_key(alert.id, session), "skipped", detail,
                               now, guild_id=alert.guild_id, day=session)
            self.settle(alert.id, session)
            log.warning("Alert %s (guild %s) for %s not posted: %s", alert.id, alert.guild_id,
                        session, detail)

    def _track_outages(self, histories: Mapping[str, pd.Series | str]) -> None:
        for symbol, value in histories.items():
            if isinstance(value, str):
                if symbol not in self.outages:
                    log.warning("Alerts on %s delayed: %s; they fire once fresh data arrives",
                                symbol, value)
                self.outages[symbol] = value
            elif self.outages.pop(symbol, None) is not None:
                log.info("Data for %s is back; alerts on it resume", symbol)
