"""Synthetic incidents at scale, for benchmarks: drawn from the embedded Chicago data's patterns.

Locations are real hundred-block points of the crimes sample, jittered by
about 60 m so that hot spots look like the city's; offenses follow the
sample's mix; months, weekdays and hours follow its seasonality. Every row is
labelled synthetic: the dataset is named ``SYNTHETIC demo`` and its load
record is flagged, so pages mark it wherever it shows.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from lib.ingest import load as ingest
from lib.ingest.embedded import EMBEDDED_DIR

DATASET = "SYNTHETIC demo"
_JITTER_DEG = 0.0006  # about 60 m of latitude


def incidents(n: int, seed: int = 0, start: str = "2017-01-01", end: str = "2019-12-31") -> pd.DataFrame:
    """``n`` synthetic incidents as an export would have them (id, date, offense, block, beat, lat, lon)."""
    rng = np.random.default_rng(seed)
    src = pd.read_parquet(
        EMBEDDED_DIR / "chicago_crimes_sample_2017_2019.parquet",
        columns=["date", "primary_type", "block", "beat", "latitude", "longitude"],
    )
    src = src.dropna(subset=["latitude", "longitude"])
    when = pd.to_datetime(src["date"], format="%m/%d/%Y %H:%M")
    pick = rng.integers(0, len(src), n)
    rows = src.iloc[pick].reset_index(drop=True)
    lat = rows["latitude"].astype(float).to_numpy() + rng.normal(0, _JITTER_DEG, n)
    lon = rows["longitude"].astype(float).to_numpy() + rng.normal(0, _JITTER_DEG * 1.34, n)
    # Dates: day drawn with the sample's month weights, time of day with its weekday-hour pattern.
    days = pd.date_range(start, end, freq="D")
    month_weight = when.dt.month.value_counts(normalize=True).reindex(range(1, 13)).fillna(0)
    weights = month_weight.loc[days.month].to_numpy()
    dow_weight = when.dt.dayofweek.value_counts(normalize=True).reindex(range(7)).fillna(0)
    weights = weights * dow_weight.loc[days.dayofweek].to_numpy()
    day = days[rng.choice(len(days), n, p=weights / weights.sum())]
    minutes = (when.dt.hour * 60 + when.dt.minute).to_numpy()
    minute = rng.choice(minutes, n)
    occurred = day + pd.to_timedelta(minute, unit="m")
    return pd.DataFrame(
        {
            "case_id": [f"SYN{i:08d}" for i in range(n)],
            "date": occurred.strftime("%Y-%m-%d %H:%M"),
            "offense": rows["primary_type"].to_numpy(),
            "block": rows["block"].to_numpy(),
            "beat": rows["beat"].to_numpy(),
            "latitude": np.round(lat, 6),
            "longitude": np.round(lon, 6),
        }
    )


def write_csv(path: str | Path, n: int, seed: int = 0) -> Path:
    path = Path(path)
    incidents(n, seed).to_csv(path, index=False)
    return path


def load_demo(store, n: int, seed: int = 0, progress: ingest.Progress = ingest._noop) -> ingest.LoadReport:
    """Write ``n`` synthetic incidents to a CSV and load it through the ordinary ingest."""
    with tempfile.TemporaryDirectory() as tmp:
        path = write_csv(Path(tmp) / f"synthetic_incidents_{n}.csv", n, seed)
        return ingest.load(store, "incidents", path, dataset=DATASET, synthetic=True, progress=progress)
