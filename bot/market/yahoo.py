"""Daily bars from Yahoo Finance through yfinance, made safe for an async bot.

yfinance is synchronous and keeps process-wide state (a session singleton, a config object, SQLite
caches), so every call runs in the network pool's daemon threads (`bot.market.netio`, never
asyncio's default pool, whose threads the rest of the bot needs for short hops) and takes a
process-wide turn. A call that times out gives its turn back at once: its thread may stay stuck
in a socket read, but the next fetch does not wait behind it.

By default yfinance logs errors and returns an empty frame, which would turn an outage into "no
data"; riskon makes it raise (`yf.config.debug.hide_exceptions = False`) and sorts what it raises:

- rate limit (`YFRateLimitError`) and network trouble (timeouts, connection errors, an HTML page
  instead of JSON) are retried with exponential backoff and jitter, then become `ProviderError`;
- no time zone (`YFTzMissingError`: Yahoo does not know the symbol) becomes `UnknownSymbol`;
- no prices (`YFPricesMissingError`, or an empty frame) becomes `NoData`;
- anything else is a `ProviderError` at once (a parsing surprise is not fixed by retrying).

`Ticker.history()` is used rather than `yf.download()`, which swallows every error.
"""

from __future__ import annotations

import asyncio
import datetime
import functools
import json
import logging
import random
import threading
import time
import warnings
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pandas as pd
import yfinance as yf
from yfinance import data as yf_data
from yfinance.exceptions import (
    YFDataException,
    YFPricesMissingError,
    YFRateLimitError,
    YFTzMissingError,
)

from bot.errors import NoData, ProviderError, UnknownSymbol
from bot.market.base import check_symbol, clean_bars
from bot.market.netio import Ticket, Turn, run_blocking_io

log = logging.getLogger(__name__)

SOURCE = "Yahoo Finance"

#: yfinance's state is per process, so the turn guarding it must be too.
_YF_TURN = Turn()
_cache_dir: Path | None = None

# yfinance 1.7 still passes inplace= to pandas 3, which warns on every call; not our business.
warnings.filterwarnings("ignore", message="The inplace keyword", module="yfinance")


class _Retryable(Exception):
    """An attempt failed in a way that another attempt may fix."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


_chart_answer = threading.local()  # the HTTP status of this thread's latest chart request


def _remember_status(get: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap `YfData.get` to note the chart API's HTTP status for this thread.

    yfinance reads the time-zone probe's JSON without looking at its status, so a 5xx whose
    body is a JSON error reads as a symbol without a time zone; yfinance then asks quoteSummary,
    whose 404 (or nothing) makes it `YFTzMissingError`: the same as a symbol Yahoo does not
    know. The chart's status is what tells Yahoo failing from the asker's typo."""

    @functools.wraps(get)
    def remembering(self: Any, url: str, *args: Any, **kwargs: Any) -> Any:
        response = get(self, url, *args, **kwargs)
        if "/finance/chart/" in str(url):
            _chart_answer.status = getattr(response, "status_code", None)
        return response

    remembering.riskon_wrapped = True  # type: ignore[attr-defined]
    return remembering


def _watch_chart_status() -> None:
    """Wrap `YfData.get` once per process. It is yfinance's internal API: if a release renames
    it, riskon still fetches, and a 5xx with a JSON body reads as an unknown symbol again (the
    behaviour before this check), which the log says once."""
    global _status_unwatched
    cls = getattr(yf_data, "YfData", None)
    get = getattr(cls, "get", None)
    if cls is None or not callable(get):
        if not _status_unwatched:
            _status_unwatched = True
            log.warning("%s: yfinance has no YfData.get; a Yahoo 5xx may read as an unknown "
                        "symbol", SOURCE)
        return
    if not getattr(get, "riskon_wrapped", False):
        cls.get = _remember_status(get)


_status_unwatched = False


def _chart_failed() -> bool:
    status = getattr(_chart_answer, "status", None)
    return isinstance(status, int) and status >= 500


def _configure_yfinance(cache_dir: Path) -> None:
    """Make yfinance raise, and keep its caches under riskon's data dir; call in `_YF_TURN`.

    The cache location only takes effect before yfinance first opens its caches, so it is set
    once per process (by the first provider to fetch); later providers keep the first location.
    """
    global _cache_dir
    yf.config.debug.hide_exceptions = False
    _watch_chart_status()
    if _cache_dir is None:
        try:
            cache_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:  # read-only host: yfinance then just runs without its caches
            log.warning("Cannot create yfinance cache dir %s: %s", cache_dir, exc)
        yf.set_tz_cache_location(str(cache_dir))
        _cache_dir = cache_dir
    elif _cache_dir != cache_dir:
        log.debug("yfinance cache stays at %s (process-wide), not %s", _cache_dir, cache_dir)


def _http_status(exc: BaseException) -> int | None:
    """The HTTP status of a requests/curl_cffi `HTTPError`, if that is what `exc` is."""
    status = getattr(getattr(exc, "response", None), "status_code", None)
    # curl_cffi reports a connection that never got an answer (DNS, refused) with status 0:
    # that is a network error to retry, not an HTTP status.
    return status if isinstance(status, int) and status > 0 else None


def _is_network_error(exc: BaseException) -> bool:
    # requests' and curl_cffi's exceptions are OSErrors; a 5xx HTML page fails JSON decoding;
    # "Will be right back" is yfinance's YFDataException for Yahoo's maintenance page.
    return isinstance(exc, OSError | TimeoutError | json.JSONDecodeError) or (
        type(exc) is YFDataException and "DOWN" in str(exc)
    )


class YahooProvider:
    """A `PriceProvider` backed by Yahoo's chart API (unadjusted daily bars)."""

    name = SOURCE

    def __init__(
        self,
        *,
        data_dir: Path,
        timeout: float = 20,
        retries: int = 3,
        backoff: float = 1.0,
        session: Any = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        """`retries` is the number of extra attempts after the first; `backoff` the first wait
        in seconds (doubled each time, plus up to 50% jitter); `session` a `requests` or
        `curl_cffi` session for yfinance (tests pass a fake one); `sleep` the backoff sleeper."""
        self.data_dir = Path(data_dir)
        self.timeout = timeout
        self.retries = max(0, retries)
        self.backoff = backoff
        self.session = session
        self._sleep = sleep

    async def daily(self, symbol: str, start: datetime.date | None = None) -> pd.DataFrame:
        check_symbol(symbol)
        attempts = self.retries + 1
        for attempt in range(1, attempts + 1):
            ticket = Ticket()
            try:
                raw = await asyncio.wait_for(
                    run_blocking_io(self._fetch, symbol, start, ticket),
                    # cookie, crumb, time-zone probe and chart each get `timeout`; the wait also
                    # covers time spent waiting for the turn behind another symbol's fetch.
                    timeout=self.timeout * 4,
                )
            except TimeoutError:
                failure = _Retryable(f"no answer within {self.timeout * 4:g}s")
            except _Retryable as exc:
                failure = exc
            else:
                frame, _ = clean_bars(raw, source=SOURCE, symbol=symbol)
                if frame.empty:
                    raise NoData(symbol, SOURCE, "every row lacked a usable close")
                return frame
            finally:
                # Given up (timeout, cancelled command) or done: either way the turn is free now,
                # even if the attempt's thread is still stuck waiting on the network.
                _YF_TURN.abandon(ticket)
            if attempt == attempts:
                raise ProviderError(
                    SOURCE, f"{failure.detail} (gave up after {attempts} attempts)"
                ) from failure
            delay = self.backoff * 2 ** (attempt - 1) * (1 + random.random() / 2)
            log.warning(
                "%s %s: attempt %s/%s failed (%s); retrying in %.2fs",
                SOURCE, symbol, attempt, attempts, failure.detail, delay,
            )
            await self._sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    def _fetch(self, symbol: str, start: datetime.date | None, ticket: Ticket) -> pd.DataFrame:
        """One attempt, in a network thread: yfinance's frame, or a riskon error."""
        if not _YF_TURN.acquire(ticket):
            raise _Retryable("gave up waiting for the previous Yahoo fetch")
        try:
            if _YF_TURN.taken_back():
                _drop_stuck_yfinance_session()
            _configure_yfinance(self.data_dir / "yfinance")
            # yfinance memoises the time-zone probe's response for the whole process, errors
            # included: one glitch would make a real symbol "unknown" until restart. Known time
            # zones stay in its SQLite cache, so forgetting the memo costs no requests.
            _forget_memoised_responses()
            began = time.monotonic()
            _chart_answer.status = None
            try:
                ticker = yf.Ticker(symbol, session=self.session)
                options: dict[str, Any] = {"start": start} if start else {"period": "max"}
                frame = ticker.history(
                    interval="1d", auto_adjust=False, actions=False, timeout=self.timeout,
                    **options,
                )
            except YFRateLimitError as exc:
                raise _Retryable("rate limited (HTTP 429)") from exc
            except YFTzMissingError as exc:
                if _chart_failed():
                    raise _Retryable(f"HTTP {_chart_answer.status} from Yahoo") from exc
                raise UnknownSymbol(symbol) from exc
            except YFPricesMissingError as exc:
                raise NoData(symbol, SOURCE, _reason(exc)) from exc
            except Exception as exc:
                status = _http_status(exc)
                if status == 404 and _chart_failed():
                    raise _Retryable(f"HTTP {_chart_answer.status} from Yahoo") from exc
                if status == 404:
                    # yfinance falls back to quoteSummary when the chart has no time zone;
                    # Yahoo's 404 there means the same as YFTzMissingError.
                    raise UnknownSymbol(symbol) from exc
                if status == 429:
                    raise _Retryable("rate limited (HTTP 429)") from exc
                if status is not None and status < 500:
                    raise ProviderError(SOURCE, f"HTTP {status} from Yahoo") from exc
                if _is_network_error(exc):
                    raise _Retryable(f"network error: {_short(exc)}") from exc
                if _chart_failed():  # a 5xx whose body yfinance tried to read as a chart
                    raise _Retryable(f"HTTP {_chart_answer.status} from Yahoo") from exc
                log.warning("%s %s: unexpected yfinance failure", SOURCE, symbol, exc_info=True)
                # The log has the traceback; the asker gets what happened, not riskon's internals.
                raise ProviderError(SOURCE, "an answer riskon could not read") from exc
            finally:
                log.debug("%s %s: yfinance call took %.3fs", SOURCE, symbol,
                          time.monotonic() - began)
        finally:
            _YF_TURN.release(ticket)
        if frame is None or frame.empty:
            raise NoData(symbol, SOURCE, "no bars in the requested range")
        return frame


def _short(exc: BaseException, limit: int = 90) -> str:
    """The gist of a network error for a one-line message (curl's run to several sentences)."""
    text = str(exc).split(". See ")[0].removeprefix("Failed to perform, ")
    text = f"{type(exc).__name__}: {text}"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _forget_memoised_responses() -> None:
    cache_get = getattr(getattr(yf_data, "YfData", None), "cache_get", None)
    if cache_get is not None and hasattr(cache_get, "cache_clear"):
        cache_get.cache_clear()


def _drop_stuck_yfinance_session() -> None:
    """Give later calls a new yfinance session object after a call was abandoned mid-flight.

    yfinance fetches its cookie and crumb while holding its session singleton's lock, so a call
    stuck there would block every later call inside yfinance, turn or no turn. Forgetting the
    singleton makes the next `Ticker` build a fresh one (one cookie request more); the stuck
    thread keeps the old one. This reaches into yfinance's internals: if they moved, it says so
    and does nothing (later calls may then wait for the stuck one's socket timeout).
    """
    meta = getattr(yf_data, "SingletonMeta", None)
    instances = getattr(meta, "_instances", None)
    lock = getattr(meta, "_lock", None)
    cls = getattr(yf_data, "YfData", None)
    if not isinstance(instances, dict) or cls is None or lock is None:
        log.warning("%s: cannot reset yfinance's session after a stuck call", SOURCE)
        return
    if lock.acquire(timeout=1):
        try:
            instances.pop(cls, None)
        finally:
            lock.release()
        log.info("%s: a timed-out call is still waiting on the network; new session", SOURCE)


def _reason(exc: YFPricesMissingError) -> str:
    return exc.yahoo_reason or getattr(exc, "rationale", "") or "no price data"
