"""The /ask phrasebook: questions as people type them, each with the reading it must get.

Written as users write (lower case, typos, slang, emoji, extra words), not as the reader's
patterns: a failure here is a question riskon would misread. The share read correctly is what
`test_phrasebook_share` prints; the target is all of them.
"""

from __future__ import annotations

import pytest

from bot.ask import read

BTC, ETH, RUT, SPX, NDX, IXIC, VIX, GOLD, DXY, TNX, IWM, DJI, SOL = (
    "BTC-USD", "ETH-USD", "^RUT", "^GSPC", "^NDX", "^IXIC", "^VIX", "GC=F", "DX-Y.NYB", "^TNX",
    "IWM", "^DJI", "SOL-USD",
)


def ath(s: str) -> str:
    return f"/ath symbol:{s}"


def quote(s: str) -> str:
    return f"/quote symbol:{s}"


def corr(a: str, b: str) -> str:
    return f"/corr a:{a} b:{b}"


def after(signal: str, target: str = BTC) -> str:
    return f"/after trigger:{signal} target:{target}"


def sig(signal: str) -> str:
    return f"/signal signal:{signal}"


BRIEF = "/brief"
NONE = None  # a refusal or nothing usable: no reading at all

PHRASEBOOK: list[tuple[str, str | None]] = [
    # --- ATH status ---------------------------------------------------------------------------
    ("is the russell at an all time high?", ath(RUT)),
    ("Is the Russell 2000 at an ATH", ath(RUT)),
    ("r2k ath?", ath(RUT)),
    ("are small caps at a record high rn", ath(RUT)),
    ("is bitcoin at its all-time high??", ath(BTC)),
    ("btc ath yet? 🚀", ath(BTC)),
    ("how far is the s&p from its all time high", ath(SPX)),
    ("is the nasdaq near a record", ath(IXIC)),
    ("gold at record highs?", ath(GOLD)),
    ("is eth anywhere close to its ath", ath(ETH)),
    ("S&P 500 ATH status", ath(SPX)),
    ("is spx at a new high", ath(SPX)),
    ("Is the dow at an all time high", ath(DJI)),
    ("how far off the highs is the russel", ath(RUT)),
    ("is bitcon at ath", ath(BTC)),
    ("nasdaq 100 record high?", ath(NDX)),
    ("ethereum all time high", ath(ETH)),
    ("is IWM at an all-time high", ath(IWM)),
    ("distance of the dollar from its record", ath(DXY)),
    ("are we at all time highs on the s and p", ath(SPX)),
    ("is solana at a record?", ath(SOL)),
    # --- event studies ------------------------------------------------------------------------
    ("what did btc do after small caps hit a record?", after(f"{RUT} ath")),
    ("What did Bitcoin do after the Russell 2000 hit an all-time high?", after(f"{RUT} ath")),
    ("btc after russell ath", after(f"{RUT} ath")),
    ("how did eth perform after the nasdaq made a new high", after(f"{IXIC} ath", ETH)),
    ("what happened to gold after the s&p hit a record", after(f"{SPX} ath", GOLD)),
    ("after the russell broke out what did bitcoin do", after(f"{RUT} high 252")),
    ("what does btc do after small caps break out", after(f"{RUT} high 252")),
    ("bitcoin returns after a russell 2000 breakout", after(f"{RUT} high 252")),
    ("what did btc do after the russell fell 20% from its high", after(f"{RUT} drawdown >= 20%")),
    ("after the r2k dropped 20% off the top how did bitcoin do",
     after(f"{RUT} drawdown >= 20%")),
    ("what did bitcoin do after the VIX closed above 30?", after(f"{VIX} close > 30")),
    ("btc when the vix was above 30", after(f"{VIX} close > 30")),
    ("what happens to btc when vix > 40", after(f"{VIX} close > 40")),
    ("how did eth do when volatility was over 35", after(f"{VIX} close > 35", ETH)),
    ("what did the s&p do after a golden cross", after(f"{SPX} sma 50 > sma 200", SPX)),
    ("after the S&P 500's golden cross what did btc do?", after(f"{SPX} sma 50 > sma 200")),
    ("btc after a death cross in the nasdaq", after(f"{IXIC} sma 50 < sma 200")),
    ("what did bitcoin do after the russell closed above its 200 day moving average",
     after(f"{RUT} close > sma 200")),
    ("after the s&p lost the 200dma, how did the nasdaq do",
     after(f"{SPX} close < sma 200", IXIC)),
    ("what did btc do after it fell 10% in a day", after(f"{BTC} change 1 <= -10%")),
    ("what happened to eth after btc dropped 15% in a week", after(f"{BTC} change 5 <= -15%",
                                                                   ETH)),
    ("how did the russell do after bitcoin pumped 30% in a month",
     after(f"{BTC} change 21 >= 30%", RUT)),
    ("what does gold do after the dollar hits a 52 week high", after(f"{DXY} high 252", GOLD)),
    ("btc performance after a fresh Russell ATH while the VIX was calm",
     after(f"{RUT} ath and {VIX} close < 20")),
    ("what did btc do after the russell hit an ath and the vix was below 20",
     after(f"{RUT} ath and {VIX} close < 20")),
    ("what did small caps do after bitcoin made a new ATH", after(f"{BTC} ath", RUT)),
    ("what did eth do following a btc all time high", after(f"{BTC} ath", ETH)),
    ("after btc rsi went below 30 what did it do", after(f"{BTC} rsi 14 < 30", BTC)),
    ("what did bitcoin do after it was oversold", after(f"{BTC} rsi 14 < 30", BTC)),
    ("how did the nasdaq perform after the vix spiked above 40",
     after(f"{VIX} close > 40", IXIC)),
    ("what happens to bitcoin after the s&p enters a bear market",
     after(f"{SPX} drawdown >= 20%")),
    ("nasdaq after a correction in the s&p", after(f"{SPX} drawdown >= 10%", IXIC)),
    ("wat did btc do aftr the russel hit a record", after(f"{RUT} ath")),
    ("what did etherium do after the nasdq broke out", after(f"{IXIC} high 252", ETH)),
    ("what did btc do after gold hit an all time high 🤔", after(f"{GOLD} ath")),
    ("after the 10 year yield closed above 5 what did the s&p do",
     after(f"{TNX} close > 5", SPX)),
    ("what did bitcoin do after the dollar index fell below 100", after(f"{DXY} close < 100")),
    ("what did the russell do after the VIX jumped over 30", after(f"{VIX} close > 30", RUT)),
    ("how did btc react after the nasdaq hit a 20 day low", after(f"{IXIC} low 20")),
    ("after ^VIX close > 30 what did btc do", after(f"{VIX} close > 30")),
    ("what did BTC-USD do after ^RUT ath", after(f"{RUT} ath")),
    ("eth after btc breaks out", after(f"{BTC} high 252", ETH)),
    ("what happened after the russell hit a record?", after(f"{RUT} ath")),
    ("what happens after the vix goes above 30", after(f"{VIX} close > 30")),
    ("returns after small cap records", after(f"{RUT} ath")),
    ("what did btc do after the russell rallied 10% in a month",
     after(f"{RUT} change 21 >= 10%")),
    ("after bitcoin's rsi topped 80, how did it do", after(f"{BTC} rsi 14 > 80", BTC)),
    ("what does sol do after eth hits ath", after(f"{ETH} ath", SOL)),
    # --- when a signal fired ------------------------------------------------------------------
    ("when did the VIX last close above 40", sig(f"{VIX} close > 40")),
    ("when was the last time the vix was over 50", sig(f"{VIX} close > 50")),
    ("how often has the russell fallen 20% from its high", sig(f"{RUT} drawdown >= 20%")),
    ("when did the s&p last have a golden cross", sig(f"{SPX} sma 50 > sma 200")),
    ("how many times has btc dropped 10% in a day", sig(f"{BTC} change 1 <= -10%")),
    ("when was bitcoin last oversold", sig(f"{BTC} rsi 14 < 30")),
    ("last time the nasdaq broke out", sig(f"{IXIC} high 252")),
    ("when did gold last close below its 200 day", sig(f"{GOLD} close < sma 200")),
    ("how often does the vix close above 30?", sig(f"{VIX} close > 30")),
    ("when did small caps last hit a 52 week low", sig(f"{RUT} low 252")),
    ("when was the last death cross on the s&p", sig(f"{SPX} sma 50 < sma 200")),
    ("vix above 30 - when did that last happen", sig(f"{VIX} close > 30")),
    ("has eth ever dropped 30% in a week", sig(f"{ETH} change 5 <= -30%")),
    ("when did the russell last hit an all time high", sig(f"{RUT} ath")),
    ("when did the dxy last go above 110", sig(f"{DXY} close > 110")),
    ("how often is btc rsi above 70", sig(f"{BTC} rsi 14 > 70")),
    # --- correlation --------------------------------------------------------------------------
    ("does eth move with the russell?", corr(ETH, RUT)),
    ("does bitcoin move with small caps", corr(BTC, RUT)),
    ("btc and nasdaq correlation", corr(BTC, IXIC)),
    ("correlation between gold and the dollar", corr(GOLD, DXY)),
    ("does btc mirror the s&p", corr(BTC, SPX)),
    ("is bitcoin correlated with stocks", corr(BTC, SPX)),
    ("do eth and btc move together", corr(ETH, BTC)),
    ("how closely does the russell track the nasdaq", corr(RUT, IXIC)),
    ("corr btc vix", corr(BTC, VIX)),
    ("is gold decoupled from the dollar these days?", corr(GOLD, DXY)),
    ("btc vs r2k correlation 📈", corr(BTC, RUT)),
    ("does bitcoin follow the nasdaq", corr(BTC, IXIC)),
    ("relationship between solana and ether", corr(SOL, ETH)),
    ("is bitcon corelated to the s&p", corr(BTC, SPX)),
    ("do small caps and bitcoin trade together", corr(RUT, BTC)),
    # --- quotes -------------------------------------------------------------------------------
    ("how is btc doing", quote(BTC)),
    ("how's the russell doing today", quote(RUT)),
    ("gold price", quote(GOLD)),
    ("what's eth at", quote(ETH)),
    ("where is the s&p trading", quote(SPX)),
    ("btc price pls", quote(BTC)),
    ("vix level?", quote(VIX)),
    ("how are small caps looking today", quote(RUT)),
    ("what's the dollar doing", quote(DXY)),
    ("nasdaq quote", quote(IXIC)),
    ("price of etherium", quote(ETH)),
    ("how is the 10 year doing", quote(TNX)),
    ("whats bitcoin at rn", quote(BTC)),
    ("solana price today", quote(SOL)),
    ("how did the dow do today", quote(DJI)),
    # --- brief --------------------------------------------------------------------------------
    ("market brief", BRIEF),
    ("what's happening today", BRIEF),
    ("give me the morning brief", BRIEF),
    ("how are markets doing", BRIEF),
    ("market summary pls 🙏", BRIEF),
    ("what's going on in the markets", BRIEF),
    ("daily recap", BRIEF),
    ("any overview of the market today?", BRIEF),
    # --- not from riskon's data ---------------------------------------------------------------
    ("should I buy bitcoin now?", NONE),
    ("what were the IBIT etf flows yesterday", NONE),
    ("when are nvidia earnings", NONE),
    ("why is btc dumping today, any news?", NONE),
    ("is it a good time to buy the dip in small caps", NONE),
    ("will bitcoin hit 200k next year", NONE),
    ("what's the price target for eth", NONE),
    ("hello", NONE),
    ("asdfgh", NONE),
    ("what is the meaning of life", NONE),
]


@pytest.mark.parametrize(("question", "expected"), PHRASEBOOK, ids=[q for q, _ in PHRASEBOOK])
def test_phrasebook(question: str, expected: str | None) -> None:
    understanding = read(question)
    got = understanding.reading.command if understanding.reading else None
    assert got == expected, (question, got, [a.command for a in understanding.alternatives])


def test_phrasebook_share(capsys) -> None:
    """At least 120 questions, and the share read correctly (printed for the closing note)."""
    assert len(PHRASEBOOK) >= 120
    assert len({q for q, _ in PHRASEBOOK}) == len(PHRASEBOOK)
    right = 0
    for question, expected in PHRASEBOOK:
        u = read(question)
        right += (u.reading.command if u.reading else None) == expected
    with capsys.disabled():
        print(f"\nphrasebook: {right}/{len(PHRASEBOOK)} read correctly")
    assert right == len(PHRASEBOOK)
