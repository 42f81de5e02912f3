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

# Survey estimates (NCHS Data Presentation Standards for Proportions, 2017): an estimate whose
# effective sample size is under 30 is suppressed; 30 to 59 is shown with a caution flag.
MIN_EFFECTIVE_N = 30
FLAG_EFFECTIVE_N = 60
Z_95 = 1.959963984540054  # two-sided 95% normal quantile
# Cronbach's alpha below this marks an index whose items may not measure one thing (Nunnally 1978).
MIN_ALPHA = 0.7
# Diverging scale for changes (Okabe-Ito vermillion -> white -> blue) and a sequential one for levels.
DIVERGING_COLORS = ("#D55E00", "#F7F7F7", "#0072B2")
SEQUENTIAL_COLORS = ("#E8F1FA", "#56B4E9", "#0072B2", "#0B4F8A")
