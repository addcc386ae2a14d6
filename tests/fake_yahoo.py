"""A fake Yahoo Finance for tests: yfinance's real HTTP and parsing code, canned answers.

yfinance accepts a plain `requests.Session`; this module mounts an adapter on one that answers
every URL yfinance asks for (fc.yahoo.com cookie, getcrumb, the v8 chart API) from DataFrames you
give it, and refuses everything else with 404, so nothing ever leaves the process.

    fake = FakeYahoo({"^RUT": frame})          # frame: DatetimeIndex of dates, OHLCV columns
    provider = YahooProvider(data_dir=tmp_path, session=fake.session(), backoff=0)
    bars = await provider.daily("^RUT")
    fake.chart_calls("^RUT")                   # -> list of FakeCall for the chart API

API:
- `FakeYahoo(frames, timezones=None)`: `frames` maps Yahoo symbols to daily bars (a
  DatetimeIndex of dates; columns Open/High/Low/Close/Volume, missing ones are sent as null;
  "Adj Close" is sent if present, else Close). Symbols not in `frames` get Yahoo's 404
  "No data found, symbol may be delisted". Time zone: `timezones[symbol]`, else "UTC" for
  `*-USD` crypto pairs and "America/New_York" otherwise; daily timestamps are the 09:30 session
  open in that zone (00:00 for UTC), as Yahoo sends them.
- `.session()`: a new `requests.Session` wired to the fake.
- `.frames`: the dict, mutable (replace a frame to simulate new bars or revisions).
- `.calls`: every request, as `FakeCall(method, host, path, params, status)`;
  `.chart_calls(symbol=None)`: the chart API requests only; `.history_calls(symbol=None)`: the
  period1/period2 history requests only (not the `range=1d` time-zone probe).
- `.fail_with_429(symbol, times)`: the next `times` chart requests for `symbol` get HTTP 429.
  yfinance retries a failed request once by itself, so one `history()` attempt consumes two.
- `.set_no_data(symbol)`: chart requests for `symbol` get the "No data found" chart error.
- `.set_empty_quote(symbol)`: the chart answers with `meta` but no timestamps and an empty quote
  (what Yahoo sends for a known symbol with no bars in range).
- `.answer_with(symbol, status, body, content_type=...)`: chart requests for `symbol` get this
  raw answer (a 5xx, garbage or truncated JSON, bytes that are not UTF-8); `None` ends it.
- `.set_outage(True)`: every request raises `requests.ConnectionError` (a network outage).
- `.set_hang(server, hold=10.0)`: every request is sent for real to `server` (a `HangingServer`
  on 127.0.0.1 that accepts and never answers) with a `hold`-second socket timeout whatever the
  caller asked for: a network that hangs past the client's timeouts. `set_hang(None)` ends it.
- `reset_yfinance(cache_dir)`: forget yfinance's process-wide state (the `YfData` singleton with
  its session, cookie and crumb, memoised chart responses, the time-zone and cookie SQLite caches,
  now under `cache_dir`). Call it before each test that uses yfinance (the `fake_yahoo_reset`
  fixture idea: `reset_yfinance(tmp_path / "yf")`), or one test's session and answers leak into
  the next.
"""

from __future__ import annotations

import datetime
import io
import json
import socket
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import requests
from requests.adapters import HTTPAdapter
from urllib3.response import HTTPResponse

CHART_PREFIX = "/v8/finance/chart/"
NO_DATA_DESCRIPTION = "No data found, symbol may be delisted"


@dataclass(frozen=True)
class FakeCall:
    method: str
    host: str
    path: str
    params: dict[str, str]
    status: int  # 0 when the fake raised instead of answering

    @property
    def symbol(self) -> str | None:
        if not self.path.startswith(CHART_PREFIX):
            return None
        return unquote(self.path[len(CHART_PREFIX):])

    @property
    def is_history(self) -> bool:
        return "period1" in self.params


class FakeYahoo:
    def __init__(
        self,
        frames: Mapping[str, pd.DataFrame] | None = None,
        timezones: Mapping[str, str] | None = None,
    ) -> None:
        self.frames: dict[str, pd.DataFrame] = dict(frames or {})
        self.timezones: dict[str, str] = dict(timezones or {})
        self.calls: list[FakeCall] = []
        self._lock = threading.Lock()
        self._fail_429: dict[str, int] = {}
        self._no_data: set[str] = set()
        self._empty_quote: set[str] = set()
        self._outage = False
        self._raw: dict[str, tuple[int, dict[str, str], bytes]] = {}
        self._hang: tuple[HangingServer, float] | None = None

    # -- configuration -------------------------------------------------------------------------
    def session(self) -> requests.Session:
        session = requests.Session()
        adapter = _FakeAdapter(self, session)
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        return session

    def fail_with_429(self, symbol: str, times: int) -> None:
        with self._lock:
            self._fail_429[symbol] = times

    def set_no_data(self, symbol: str, on: bool = True) -> None:
        (self._no_data.add if on else self._no_data.discard)(symbol)

    def set_empty_quote(self, symbol: str, on: bool = True) -> None:
        (self._empty_quote.add if on else self._empty_quote.discard)(symbol)

    def answer_with(
        self, symbol: str, status: int | None, body: bytes = b"",
        content_type: str = "application/json;charset=utf-8",
    ) -> None:
        if status is None:
            self._raw.pop(symbol, None)
        else:
            self._raw[symbol] = (status, {"Content-Type": content_type}, body)

    def set_outage(self, on: bool) -> None:
        self._outage = on

    def set_hang(self, server: HangingServer | None, hold: float = 10.0) -> None:
        self._hang = None if server is None else (server, hold)

    # -- inspection ----------------------------------------------------------------------------
    def chart_calls(self, symbol: str | None = None) -> list[FakeCall]:
        return [
            c for c in self.calls
            if c.symbol is not None and (symbol is None or c.symbol == symbol)
        ]

    def history_calls(self, symbol: str | None = None) -> list[FakeCall]:
        return [c for c in self.chart_calls(symbol) if c.is_history]

    # -- serving -------------------------------------------------------------------------------
    def timezone(self, symbol: str) -> str:
        if symbol in self.timezones:
            return self.timezones[symbol]
        crypto = symbol.endswith("-USD") and not symbol.startswith("^")
        return "UTC" if crypto else "America/New_York"

    def answer(self, method: str, url: str) -> tuple[int, dict[str, str], bytes]:
        parts = urlsplit(url)
        params = dict(parse_qsl(parts.query, keep_blank_values=True))
        host = parts.hostname or ""
        if self._outage:
            self._record(FakeCall(method, host, parts.path, params, 0))
            raise requests.ConnectionError(f"fake outage: {host} unreachable")
        status, headers, body = self._route(host, parts.path, params)
        self._record(FakeCall(method, host, parts.path, params, status))
        return status, headers, body

    def _record(self, call: FakeCall) -> None:
        with self._lock:
            self.calls.append(call)

    def _route(
        self, host: str, path: str, params: dict[str, str]
    ) -> tuple[int, dict[str, str], bytes]:
        if host == "fc.yahoo.com":
            # Yahoo answers 404 and sets the A3 cookie; the adapter sets it on the session.
            return 404, {"Content-Type": "text/html", "X-Fake-Set-A3": "1"}, b"<html>404</html>"
        if path.endswith("/v1/test/getcrumb"):
            return 200, {"Content-Type": "text/plain"}, b"fakecrumb123"
        if path.startswith(CHART_PREFIX) and host.endswith("finance.yahoo.com"):
            return self._chart(unquote(path[len(CHART_PREFIX):]), params)
        return 404, {"Content-Type": "text/html"}, b"<html>not found</html>"

    def _chart(self, symbol: str, params: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        if symbol in self._raw:
            status, headers, body = self._raw[symbol]
            return status, dict(headers), body
        with self._lock:
            remaining = self._fail_429.get(symbol, 0)
            if remaining > 0:
                self._fail_429[symbol] = remaining - 1
                return 429, {"Content-Type": "text/plain"}, b"Too Many Requests"
        if symbol in self._no_data or symbol not in self.frames:
            body = {"chart": {"result": None, "error": {
                "code": "Not Found", "description": NO_DATA_DESCRIPTION}}}
            return 404, _JSON, json.dumps(body).encode()
        frame = self.frames[symbol]
        tz = self.timezone(symbol)
        stamps = _session_opens(frame.index, tz)
        if "range" in params:  # the time-zone probe: the last bar only
            keep = np.zeros(len(frame), dtype=bool)
            if len(frame):
                keep[-1] = True
        else:
            start = int(params.get("period1", "-9999999999"))
            end = int(params.get("period2", "9999999999"))
            keep = (stamps >= start) & (stamps < end)
        meta = _meta(symbol, tz, frame, stamps)
        if symbol in self._empty_quote or not keep.any():
            result: dict[str, Any] = {"meta": meta, "indicators": {"quote": [{}], "adjclose": [{}]}}
        else:
            result = {"meta": meta, "timestamp": stamps[keep].tolist(),
                      "indicators": _indicators(frame[keep])}
        return 200, _JSON, json.dumps({"chart": {"result": [result], "error": None}}).encode()


_JSON = {"Content-Type": "application/json;charset=utf-8"}


def _session_opens(index: pd.Index, tz: str) -> np.ndarray:
    """Unix seconds of each date's session open in `tz` (09:30, or 00:00 for UTC)."""
    zone = ZoneInfo(tz)
    hour, minute = (0, 0) if tz == "UTC" else (9, 30)
    return np.array([
        int(datetime.datetime(d.year, d.month, d.day, hour, minute, tzinfo=zone).timestamp())
        for d in pd.DatetimeIndex(index)
    ], dtype=np.int64)


def _column(frame: pd.DataFrame, name: str, fallback: str | None = None) -> list[Any]:
    if name not in frame.columns:
        if fallback is None or fallback not in frame.columns:
            return [None] * len(frame)
        name = fallback
    values = pd.to_numeric(frame[name], errors="coerce").to_numpy(dtype="float64")
    return [None if np.isnan(v) else float(v) for v in values]


def _indicators(frame: pd.DataFrame) -> dict[str, Any]:
    quote = {
        "open": _column(frame, "Open"),
        "high": _column(frame, "High"),
        "low": _column(frame, "Low"),
        "close": _column(frame, "Close"),
        "volume": [None if v is None else int(v) for v in _column(frame, "Volume")],
    }
    return {"quote": [quote], "adjclose": [{"adjclose": _column(frame, "Adj Close", "Close")}]}


def _meta(symbol: str, tz: str, frame: pd.DataFrame, stamps: np.ndarray) -> dict[str, Any]:
    if symbol.startswith("^"):
        kind = "INDEX"
    elif tz == "UTC" and symbol.endswith("-USD"):
        kind = "CRYPTOCURRENCY"
    else:
        kind = "EQUITY"
    now = int(time.time())
    last_close = _column(frame, "Close")[-1] if len(frame) else None
    return {
        "currency": "USD",
        "symbol": symbol,
        "exchangeName": "CCC" if kind == "CRYPTOCURRENCY" else "SNP",
        "instrumentType": kind,
        "firstTradeDate": int(stamps[0]) if len(stamps) else None,
        "regularMarketTime": int(stamps[-1]) if len(stamps) else now,
        "gmtoffset": 0,
        "timezone": "UTC" if tz == "UTC" else "EDT",
        "exchangeTimezoneName": tz,
        "regularMarketPrice": last_close,
        "chartPreviousClose": last_close,
        "priceHint": 2,
        "dataGranularity": "1d",
        "range": "",
        "validRanges": ["1d", "5d", "1mo", "3mo", "6mo", "1y", "2y", "5y", "10y", "ytd", "max"],
    }


class _FakeAdapter(HTTPAdapter):
    def __init__(self, fake: FakeYahoo, session: requests.Session) -> None:
        super().__init__()
        self.fake = fake
        self.session = session

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        hang = self.fake._hang
        if hang is not None:
            server, hold = hang
            parts = urlsplit(request.url or "")
            self.fake._record(FakeCall(request.method or "GET", parts.hostname or "", parts.path,
                                       dict(parse_qsl(parts.query)), 0))
            local = request.copy()
            local.url = f"http://127.0.0.1:{server.port}{parts.path}?{parts.query}"
            return super().send(local, stream=stream, timeout=hold)
        status, headers, body = self.fake.answer(request.method or "GET", request.url or "")
        if headers.pop("X-Fake-Set-A3", None):
            # A hand-built urllib3 response carries no cookies to requests, so set it directly.
            self.session.cookies.set(
                "A3", "d=fake&S=fake", domain=".yahoo.com", path="/",
                expires=int(time.time()) + 365 * 86400,
            )
        raw = HTTPResponse(
            body=io.BytesIO(body), headers=headers, status=status,
            preload_content=False, decode_content=False, request_url=request.url,
        )
        return self.build_response(request, raw)


class HangingServer:
    """A TCP server on 127.0.0.1 that accepts every connection and never answers.

    `close()` (or leaving the `with` block) closes the connections, which ends every request
    still hanging on them."""

    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        self.connections: list[socket.socket] = []
        self._closed = False
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._closed:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            self.connections.append(conn)

    @property
    def open_connections(self) -> int:
        return sum(1 for c in self.connections if c.fileno() != -1)

    def close(self) -> None:
        self._closed = True
        self._listener.close()
        for conn in self.connections:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            conn.close()
        self._thread.join(timeout=2)

    def __enter__(self) -> HangingServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def reset_yfinance(cache_dir: Path) -> None:
    """Forget yfinance's process-wide state so tests don't see each other's sessions or answers."""
    from yfinance import base as yf_base
    from yfinance import cache as yf_cache
    from yfinance.data import SingletonMeta, YfData

    YfData.cache_get.cache_clear()
    with SingletonMeta._lock:
        SingletonMeta._instances.pop(YfData, None)
    yf_base._tz_info_fetch_ctr = 0
    cache_dir.mkdir(parents=True, exist_ok=True)
    yf_cache._TzDBManager.close_db()
    yf_cache.set_cache_location(str(cache_dir))
    yf_cache._TzCacheManager._tz_cache = None
    for name in ("_Cookie_cache", "_cookie_cache"):
        if hasattr(yf_cache._CookieCacheManager, name):
            setattr(yf_cache._CookieCacheManager, name, None)
    for name in ("_isin_cache",):
        if hasattr(yf_cache._ISINCacheManager, name):
            setattr(yf_cache._ISINCacheManager, name, None)
