"""Charts for the programme impact designs (plotly), each with the table it is drawn from."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from lib.constants import CATEGORICAL_COLORS

TREATED, COMPARISON = CATEGORICAL_COLORS[5], CATEGORICAL_COLORS[0]  # vermilion, blue


def _start_line(fig: go.Figure, start) -> None:
    x = pd.Timestamp(start).to_pydatetime()
    fig.add_shape(type="line", x0=x, x1=x, y0=0, y1=1, yref="paper", line=dict(color="#555555", dash="dot"))
    fig.add_annotation(x=x, y=1, yref="paper", text="start", showarrow=False, yanchor="bottom", font=dict(size=11))


def groups_table(panel: pd.DataFrame, treated: list[str], comparison: list[str]) -> pd.DataFrame:
    """Mean per area and month of the treated and of the comparison areas (month, treated, comparison)."""
    rows = panel[panel["area"].isin(treated + comparison)].assign(
        group=lambda d: d["area"].isin(treated).map({True: "treated", False: "comparison"})
    )
    wide = rows.groupby(["month", "group"])["y"].mean().unstack("group").reset_index()
    wide.columns.name = None
    out = wide.reindex(columns=["month", "treated", "comparison"])
    return out.round({"treated": 2, "comparison": 2})


def groups_figure(table: pd.DataFrame, start, ylabel: str) -> go.Figure:
    """Treated against comparison areas, month by month, with the start marked."""
    fig = go.Figure()
    for col, color, name in (("treated", TREATED, "Treated areas"), ("comparison", COMPARISON, "Comparison areas")):
        fig.add_trace(
            go.Scatter(
                x=table["month"],
                y=table[col],
                name=name,
                mode="lines+markers",
                line=dict(color=color, width=2),
                marker=dict(size=4),
            )
        )
    _start_line(fig, start)
    fig.update_layout(
        height=360,
        margin=dict(l=10, r=10, t=24, b=10),
        yaxis_title=ylabel,
        xaxis_title="Month",
        legend=dict(orientation="h", y=-0.25),
    )
    return fig


def its_figure(series: pd.DataFrame, start, ylabel: str) -> go.Figure:
    """Observed series, the fitted segments with their 95% band, and the pre-trend continued (counterfactual)."""
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=series["month"],
            y=series["fitted_high"],
            mode="lines",
            line=dict(width=0),
            showlegend=False,
            hoverinfo="skip",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=series["month"],
            y=series["fitted_low"],
            mode="lines",
            line=dict(width=0),
            fill="tonexty",
            fillcolor="rgba(213,94,0,0.18)",
            name="95% interval of the fit",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=series["month"], y=series["y"], mode="markers", name="Observed", marker=dict(color="#333333", size=5)
        )
    )
    fig.add_trace(
        go.Scatter(
            x=series["month"],
            y=series["fitted"],
            mode="lines",
            name="Fitted (segmented)",
            line=dict(color=TREATED, width=2),
        )
    )
    fig.add_trace(
        go.Scatter(
            x=series["month"],
            y=series["counterfactual"],
            mode="lines",
            name="Trend before, continued",
            line=dict(color=COMPARISON, width=2, dash="dash"),
        )
    )
    _start_line(fig, start)
    fig.update_layout(
        height=380,
        margin=dict(l=10, r=10, t=24, b=10),
        yaxis_title=ylabel,
        xaxis_title="Month",
        legend=dict(orientation="h", y=-0.25),
    )
    return fig
