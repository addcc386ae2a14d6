"""The guard that keeps the suite off the internet refuses and records, here and in children."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest

from tests.netguard import netguard


@pytest.fixture
def forgiven(_no_internet):
    """This file's tests make attempts on purpose: take them back out of the record after."""
    here, children = len(netguard.attempts), _no_internet.stat().st_size
    yield _no_internet
    del netguard.attempts[here:]
    with _no_internet.open("r+", encoding="utf-8") as log:
        log.truncate(children)


def test_a_lookup_or_connection_off_this_machine_is_refused_and_recorded(forgiven) -> None:
    before = len(netguard.attempts)
    with pytest.raises(OSError, match="no internet access"):
        socket.getaddrinfo("query1.finance.yahoo.com", 443)
    with socket.socket() as sock, pytest.raises(OSError, match="no internet access"):
        sock.connect(("93.184.216.34", 443))
    assert netguard.attempts[before:] == [
        "lookup of 'query1.finance.yahoo.com'", "connection to '93.184.216.34'"]
    assert socket.getaddrinfo("127.0.0.1", 80) and socket.getaddrinfo("localhost", 80)


def test_a_process_the_tests_start_is_guarded_too(forgiven) -> None:
    probe = ("import socket\ntry:\n socket.getaddrinfo('discord.com', 443)\n"
             "except OSError as e:\n print(e)")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         env=dict(os.environ), check=True).stdout
    assert "no internet access" in out
    assert "lookup of 'discord.com'" in forgiven.read_text(encoding="utf-8")
