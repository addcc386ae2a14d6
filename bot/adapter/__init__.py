"""The Discord adapter: every module that imports ``discord`` lives here (and in ``cogs/``).

Keeping Discord at the edge lets the core (market data, analytics, charts, answers, the store)
be imported, tested and run from the terminal without discord.py ever being loaded.
"""
