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
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#56B4E9",
    "#D55E00",
    "#F0E442",
    "#000000",
)
PRIMARY_COLOR = "#0B4F8A"

# Label carried by everything made by `python -m lib demo`.
SYNTHETIC_LABEL = "SYNTHETIC demo data"

# Survey estimates (NCHS Data Presentation Standards for Proportions, 2017): an estimate whose
# effective sample size is under 30 is suppressed; 30 to 59 is shown with a caution flag.
MIN_EFFECTIVE_N = 30
FLAG_EFFECTIVE_N = 60
Z_95 = 1.959963984540054  # two-sided 95% normal quantile
# Intervals of shares (sustained allegations, lib/accountability/findings.py): 95%.
INTERVAL_ALPHA = 0.05
# Open complaints by age, in days since received: the bands' lower bounds (docs/accountability.md).
BACKLOG_BANDS = (0, 90, 180, 365, 730)
# Cronbach's alpha below this marks an index whose items may not measure one thing (Nunnally 1978).
MIN_ALPHA = 0.7
# Diverging scale for changes (Okabe-Ito vermillion -> white -> blue) and a sequential one for levels.
DIVERGING_COLORS = ("#D55E00", "#F7F7F7", "#0072B2")
SEQUENTIAL_COLORS = ("#E8F1FA", "#56B4E9", "#0072B2", "#0B4F8A")
# Station markers: near-black, apart from every sequential and hot spot class colour above and below.
STATION_COLOR = "#1A1A1A"
# Hot spots (lib/stats/hotspots.py, lib/stats/emerging.py). Esri's minimums before a
# Gi* result is reported, and its confidence bins: bin -> FDR-adjusted p.
MIN_HOTSPOT_CELLS = 30
MIN_HOTSPOT_INCIDENTS = 60
HOTSPOT_BINS = {1: 0.10, 2: 0.05, 3: 0.01}
# Esri's hot spot renderer, cold 99% to hot 99% (bin -3 ... 3).
HOTSPOT_COLORS = {-3: "#4575B5", -2: "#849EBA", -1: "#C0CCBE", 0: "#FFFFBF", 1: "#FAB984", 2: "#ED7551", 3: "#D62F27"}
# Emerging hot spots: significance of each space-time bin's Gi* (after FDR over the cube) and of
# the Mann-Kendall trend; Esri needs at least 10 time slices for a trend. Each bin's neighbourhood
# holds the previous EMERGING_TIME_STEP slices too (Esri's "neighborhood time step", default 1).
EMERGING_ALPHA = 0.05
MIN_TIME_SLICES = 10
EMERGING_TIME_STEP = 1
MAX_TIME_STEP = 4
# Largest study area (H3 cells) analysed at once; finer resolutions over a
# larger area are refused with advice to pick a coarser one or an area.
MAX_STUDY_CELLS = 60_000
# Emerging hot spot categories: hot in reds, cold in blues, the most urgent darkest.
EMERGING_COLORS = {
    "new hot spot": "#7F0000",
    "consecutive hot spot": "#B30000",
    "intensifying hot spot": "#D7301F",
    "persistent hot spot": "#EF6548",
    "diminishing hot spot": "#FC8D59",
    "sporadic hot spot": "#FDBB84",
    "oscillating hot spot": "#FDD49E",
    "historical hot spot": "#FEE8C8",
    "new cold spot": "#08306B",
    "consecutive cold spot": "#08519C",
    "intensifying cold spot": "#2171B5",
    "persistent cold spot": "#4292C6",
    "diminishing cold spot": "#6BAED6",
    "sporadic cold spot": "#9ECAE1",
    "oscillating cold spot": "#C6DBEF",
    "historical cold spot": "#DEEBF7",
}
# Sequential ramps (ColorBrewer) for choropleths: counts and rates in purple-blue
# (kept apart from the hot spot reds), scores in greens, the heat surface in yellow-red.
COUNT_RAMP = ("#F1EEF6", "#D0D1E6", "#A6BDDB", "#74A9CF", "#2B8CBE", "#045A8D")
SCORE_RAMP = ("#EDF8E9", "#BAE4B3", "#74C476", "#31A354", "#006D2C")
HEAT_RAMP = ("#FFFFB2", "#FED976", "#FEB24C", "#FD8D3C", "#F03B20", "#BD0026")
# A change between two counts (lib/stats/compstat.py, change_p: the exact conditional test for two Poisson
# counts, mid-p) is "real" below SIGNAL_P and worth watching below WATCH_P. Each level is the share of areas
# whose rate did not change that are flagged by chance alone: 1 in 100 and 1 in 20.
SIGNAL_P = 0.01
WATCH_P = 0.05
# Change against last year, by that test: real decrease ... real increase.
CHANGE_COLORS = {
    "real decrease": "#2166AC",
    "watch (down)": "#92C5DE",
    "no clear change": "#F7F7F7",
    "watch (up)": "#F4A582",
    "real increase": "#B2182B",
}
# Incident points: only when the view covers at most this many km2, and at most this many places.
POINTS_MAX_KM2 = 30.0
POINTS_MAX_PLACES = 1000
