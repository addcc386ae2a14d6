"""Bulk conversions for the scheduler that must not stall the event loop.

At 100,000 servers the scheduler's first tick turns a few hundred thousand database rows into
Python objects (the guilds' settings, the posting log's settled keys). Doing it in a thread is
not enough: measured on 2 cores, the first tick still held the loop 140-160 ms, because

* the cyclic garbage collector, triggered by the allocations, walks every tracked object while
  holding the GIL (~90 ms of that), and
* the fetched rows were freed on the loop when the coroutine that held them returned (~20 ms
  per 250k rows).

`build_off_loop` runs the conversion in a thread with the cyclic collector paused (reference
counting still frees everything; only cycles wait), frees the rows in that thread, and then
moves what it built out of the collector's sight (`gc.freeze()`, as `RiskonBot.setup_hook`
does for the modules): these objects live as long as the process, so later collections need
not walk them either.
"""

from __future__ import annotations

import asyncio
import gc
import threading
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

_paused = 0
_lock = threading.Lock()


def _convert(convert: Callable[[list[Any]], T], box: list[list[Any]]) -> T:
    global _paused
    with _lock:
        if _paused == 0 and gc.isenabled():
            gc.disable()
            _paused = 1
        elif _paused:
            _paused += 1
    try:
        rows = box.pop()
        result = convert(rows)
        del rows  # freed here, beside the loop
        return result
    finally:
        with _lock:
            if _paused:
                _paused -= 1
                if _paused == 0:
                    gc.freeze()
                    gc.enable()


async def build_off_loop(convert: Callable[[list[Any]], T], box: list[list[Any]]) -> T:
    """`convert(rows)` in a thread, where `box` is a one-item list holding the rows.

    The caller passes the rows in a box and keeps no other reference, so the rows are freed in
    the thread, not on the loop.
    """
    return await asyncio.to_thread(_convert, convert, box)
