"""riskon's chart style: one dark theme that reads well in Discord, colour-blind-safe."""

# Discord shows an attached image about 550 px wide in a channel. Charts are drawn at twice
# that (1100 px: sharp on high-density screens and when opened full size) with every text at
# least 16 pt: a line 22.3 px tall at 100 dpi, 11.1 px once Discord halves it (the floor of 11
# is checked on the drawn text by tests/test_charts_readable.py).
DPI = 100
PREVIEW_WIDTH = 550
MAIN_SIZE = (1100, 680)
SMALL_SIZE = (1100, 560)

# Discord dark UI: embeds sit on #2b2d31, the app background is #1e1f22.
BG = "#1e1f22"
PANEL = "#2b2d31"
TEXT = "#dbdee1"
MUTED = "#949ba4"
GRID = "#3f4248"
ZERO = "#6d7178"

# Okabe-Ito without black (invisible on a dark background).
ORANGE = "#E69F00"
SKY = "#56B4E9"
GREEN = "#009E73"
YELLOW = "#F0E442"
BLUE = "#0072B2"
VERMILLION = "#D55E00"
PURPLE = "#CC79A7"
UP, DOWN = SKY, VERMILLION

# Sizes in points (1 pt = 1.39 px at 100 dpi); one family (Matplotlib's DejaVu Sans) throughout.
FS_TITLE = 25
FS_SUB = 18
FS_TICK = 16
FS_LABEL = 17
FS_SMALL = 16
FS_FOOTER = 16
