"""No test reaches the internet: every connection and name lookup must stay on this machine.

The fakes answer everything riskon asks for (a requests adapter mounted for Yahoo's hosts, the
Discord stand-in and FRED on 127.0.0.1), but a code path that skipped them would fail quietly as a
"network error", which riskon answers gracefully: the test could pass having tried the internet.
So lookups of any other host and connections to any non-loopback address are refused here, and
each attempt is recorded (in this process and, through RISKON_NETGUARD_LOG, from the processes
the tests start) for conftest to fail the test that made it.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import threading

ENV_LOG = "RISKON_NETGUARD_LOG"
attempts: list[str] = []
_lock = threading.Lock()


def _local(host: object) -> bool:
    if host is None or host in ("", "localhost", b"localhost"):
        return True
    text = host.decode() if isinstance(host, bytes) else str(host)
    try:
        address = ipaddress.ip_address(text.split("%")[0])
    except ValueError:
        return text.endswith(".localhost")
    return address.is_loopback or address.is_unspecified


def _refuse(what: str) -> OSError:
    with _lock:
        attempts.append(what)
        path = os.environ.get(ENV_LOG)
        if path:
            with open(path, "a", encoding="utf-8") as log:
                log.write(f"{os.getpid()} {what}\n")
    return OSError(f"riskon tests: no internet access ({what})")


def install() -> None:
    """Guard this process (idempotent)."""
    if getattr(socket, "_riskon_netguard", False):
        return
    real_getaddrinfo = socket.getaddrinfo
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def getaddrinfo(host, *args, **kwargs):  # type: ignore[no-untyped-def]
        if not _local(host):
            raise _refuse(f"lookup of {host!r}")
        return real_getaddrinfo(host, *args, **kwargs)

    def _check(sock: socket.socket, address: object) -> None:
        if sock.family in (socket.AF_INET, socket.AF_INET6) and isinstance(address, tuple):
            if not _local(address[0]):
                raise _refuse(f"connection to {address[0]!r}")

    def connect(self, address):  # type: ignore[no-untyped-def]
        _check(self, address)
        return real_connect(self, address)

    def connect_ex(self, address):  # type: ignore[no-untyped-def]
        _check(self, address)
        return real_connect_ex(self, address)

    socket.getaddrinfo = getaddrinfo
    socket.socket.connect = connect  # type: ignore[method-assign]
    socket.socket.connect_ex = connect_ex  # type: ignore[method-assign]
    socket._riskon_netguard = True  # type: ignore[attr-defined]


GUARD_DIR = os.path.dirname(os.path.abspath(__file__))


def child_pythonpath(*first: object) -> str:
    """PYTHONPATH for a process a test starts: `first`, then this guard (its sitecustomize)."""
    return os.pathsep.join([*(str(p) for p in first), GUARD_DIR])


def guard_curl_cffi() -> None:
    """yfinance's own sessions are curl_cffi, whose lookups and connections happen in libcurl,
    out of the socket module's sight: refuse any request to a host that is not this machine."""
    try:
        from curl_cffi.requests import AsyncSession, Session
    except ImportError:
        return
    from urllib.parse import urlsplit

    for cls in (Session, AsyncSession):
        real = cls.request
        if getattr(real, "_riskon_netguard", False):
            continue

        def request(self, method, url, *args, _real=real, **kwargs):  # type: ignore[no-untyped-def]
            host = urlsplit(str(url)).hostname
            if not _local(host):
                raise _refuse(f"curl_cffi request to {host!r}")
            return _real(self, method, url, *args, **kwargs)

        request._riskon_netguard = True  # type: ignore[attr-defined]
        cls.request = request  # type: ignore[method-assign]
