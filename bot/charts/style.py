"""riskon's chart style: one dark theme that reads well in Discord, colour-blind-safe."""

DPI = 100
MAIN_SIZE = (1200, 675)
SMALL_SIZE = (800, 400)

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

# Sizes in points; at 100 dpi 1 pt = 1.39 px, so 11 pt is ~15 px before Discord scales down.
FS_TITLE = 20
FS_SUB = 14
FS_TICK = 13
FS_LABEL = 13
FS_SMALL = 11
FS_FOOTER = 11

# Pixel band reserved at the top (title, subtitle) and bottom (footer) of each figure.
HEADER_PX = 78
HEADER_PX_NO_SUB = 52
FOOTER_PX = 30
