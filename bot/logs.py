"""Logging set up once, in the style of `discord.utils.setup_logging`.

One handler on the root logger, so riskon's per-module loggers and discord.py's share a format;
discord.py's own handler is not installed a second time (we pass `log_handler=None` to `run`).
"""

from __future__ import annotations

import logging
import sys

_configured = False


def setup_logging(level: str | int = "INFO") -> None:
    global _configured
    if _configured:
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)-8s %(name)s: %(message)s", "%Y-%m-%d %H:%M:%S")
    )
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(level.upper() if isinstance(level, str) else level)
    # discord.http at DEBUG would echo request headers; keep it at INFO whatever the level.
    logging.getLogger("discord.http").setLevel(max(root.level, logging.INFO))
    _configured = True
