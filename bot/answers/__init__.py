"""Pure answer builders: price histories in, `Insight` out (analytics + caveats + chart).

They run in the bot's worker processes (`bot/compute.py`; a thread in the terminal), called by
`bot.insights.Insights`: so nothing here awaits or fetches, and inputs and results pickle.
"""
