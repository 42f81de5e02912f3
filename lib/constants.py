"""Constants shared across the product: resolutions, colours and statistical thresholds.

One home for every number a reviewer may want to check, so that pages, maps
and the theme agree.
"""

# H3 resolutions stored with every point. Res 7 = 5.2 km2, 8 = 0.74 km2,
# 9 = 0.105 km2, 10 = 0.015 km2 per cell; public views stop at 9.
H3_RESOLUTIONS = (7, 8, 9, 10)

# The theme's categorical palette (Okabe-Ito, safe for colour-blind readers);
# .streamlit/config.toml repeats it as chartCategoricalColors.
CATEGORICAL_COLORS = (
    "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000",
)
PRIMARY_COLOR = "#0B4F8A"

# Label carried by everything made by `python -m lib demo`.
SYNTHETIC_LABEL = "SYNTHETIC demo data"
