"""Imported by the compute pool's fork server, once, before it forks any worker.

The fork server (`bot/compute.py`) is a small process whose only job is to fork workers; this
module makes it load and warm everything a worker needs (pandas, matplotlib, the answer
builders, fonts and the text cache, by drawing one chart of each kind) and then freeze it out
of the garbage collector's sight. Forked workers share those pages with the server and with
each other copy-on-write, instead of each importing its own ~100 MiB: that is the memory
saving. Importing this module has those side effects on purpose; nothing else imports it.
"""

from __future__ import annotations

import signal

# Ctrl-C reaches the whole process group; the server (and so every worker it forks, which
# inherits this) leaves shutting down to the bot instead of printing KeyboardInterrupt.
signal.signal(signal.SIGINT, signal.SIG_IGN)

from bot.compute import warm_up  # noqa: E402

warm_up()  # ends with gc.freeze(): forked workers never walk (and so never copy) these objects
