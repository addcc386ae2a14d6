"""Loaded by every Python process the tests start (tests/netguard is on their PYTHONPATH)."""

import netguard

netguard.install()
