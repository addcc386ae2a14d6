"""The alert check without Discord: each symbol read once per check, each pair evaluated once,
an idle check reads and evaluates nothing, and no event before an alert's session fires."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bot.market.csvdir import CsvProvider
from bot.market.data import MarketData
from bot.scheduling import alertstore
from bot.scheduling.alerts import AlertChecker
from bot.store import Store
from tests.market_fixtures import daily_crypto, write_yahoo_csv
from tests.test_alerts_e2e import CREATED, EVENT_ROW, FINAL, PREVIOUS, D, publish


class CountingCsv(CsvProvider):
    """The real CSV provider, counting the files it reads."""

    def __init__(self, directory: Path) -> None:
        super().__init__(directory)
        self.reads: list[str] = []

    def _read(self, symbol, path, start):
        self.reads.append(symbol)
        return super()._read(symbol, path, start)


async def test_one_read_per_symbol_one_evaluation_per_pair_and_idle_checks_do_nothing(
    tmp_path,
) -> None:
    prices = tmp_path / "prices"
    publish(prices, EVENT_ROW)
    write_yahoo_csv(prices, "BTC-USD", daily_crypto())
    provider = CountingCsv(prices)
    async with Store(tmp_path / "r.sqlite3") as store:
        market = MarketData(store, provider)
        made = []
        for guild, signal, target in [(1, "^RUT ath", "BTC-USD"), (2, "^RUT ath", "BTC-USD"),
                                      (3, "^RUT ath and BTC-USD close > 1", "^RUT")]:
            made.append(await alertstore.add(
                store, guild_id=guild, channel_id=guild * 10, role_id=None, signal=signal,
                target=target, created_by=None, now=CREATED, since_session=PREVIOUS, limit=5))
        checker = AlertChecker(store, market, grace=timedelta(hours=12))

        first = await checker.check(CREATED)
        assert sorted(provider.reads) == ["BTC-USD", "^RUT"]  # once each, for three alerts
        assert (first.pairs, first.evaluated, first.firings, first.missed) == (2, 2, [], [])

        provider.reads.clear()
        idle = await checker.check(CREATED + timedelta(minutes=15))
        assert provider.reads == [] and idle.evaluated == 0 and idle.firings == []

        publish(prices, EVENT_ROW + 1)
        early = await checker.check(FINAL - timedelta(minutes=1))
        assert provider.reads == ["^RUT"] and early.evaluated == 2 and early.firings == []
        # ^RUT's bar is final at 16:15 New York: the ^RUT-only pair is evaluated again (its
        # ready cut moved) and fires; the pair with a BTC-USD clause waits for UTC midnight,
        # when BTC-USD's bar of that date is final too, and is not even re-evaluated.
        fired = await checker.check(FINAL + timedelta(minutes=1))
        assert provider.reads == ["^RUT"] and fired.evaluated == 1
        (shared,) = fired.firings
        assert (shared.signal, shared.target, shared.session) == ("^RUT ath", "BTC-USD", D)
        assert sorted(a.id for a in shared.alerts) == [made[0].id, made[1].id]
        assert not shared.late
        for alert in shared.alerts:
            checker.settle(alert.id, D)  # what the poster does once it has claimed them
        midnight = await checker.check(FINAL + timedelta(hours=3, minutes=46))
        assert midnight.evaluated == 1
        (mixed,) = midnight.firings
        assert (mixed.signal, mixed.session, [a.id for a in mixed.alerts]) == (
            "^RUT ath and BTC-USD close > 1", D, [made[2].id])
        checker.settle(made[2].id, D)

        # An alert made after the event does not get it (no back-firing).
        await alertstore.add(
            store, guild_id=4, channel_id=40, role_id=None, signal="^RUT ath", target="BTC-USD",
            created_by=None, now=FINAL, since_session=D, limit=5)
        again = await checker.check(FINAL + timedelta(hours=4))
        assert again.firings == [] and again.evaluated == 0
