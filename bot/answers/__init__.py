"""Pure answer builders: price histories in, `Insight` out (analytics + caveats + chart).

They run in worker threads, called by `bot.insights.Insights`; nothing here awaits or fetches.
"""
