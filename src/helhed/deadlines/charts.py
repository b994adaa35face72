"""The compliance chart: the share met on time per period and rule as a line chart, rendered and sanitized by
`core.charts` (server-side SVG, safe under the strict CSP). The table next to it holds the same numbers.
"""

from __future__ import annotations

from django.utils.safestring import SafeString

from helhed.core.charts import inline_chart, sanitize_svg

__all__ = ["sanitize_svg", "share_chart"]


def _spec(series: list[dict], *, x_title: str, y_title: str, colour_title: str) -> str:
    import altair as alt

    order = sorted({row["order"] for row in series})
    labels = {row["order"]: row["period"] for row in series}
    legend = alt.Legend(orient="bottom", columns=1, labelLimit=480, symbolSize=80)
    chart = (
        alt.Chart(alt.Data(values=series))
        .mark_line(point=alt.OverlayMarkDef(size=60, filled=True), strokeWidth=2)
        .encode(
            x=alt.X("period:O", title=x_title, sort=[labels[o] for o in order], axis=alt.Axis(labelAngle=-40)),
            y=alt.Y("share:Q", title=y_title, scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%")),
            color=alt.Color("rule:N", title=colour_title, legend=legend),
        )
        .properties(width=560, height=260)
        .configure(font="Arial")
    )
    return chart.to_json(indent=None)


def share_chart(series: list[dict], *, label: str, x_title: str, y_title: str, colour_title: str) -> SafeString | None:
    """The share met on time per period and rule as a line chart, as safe inline SVG; None when there is
    nothing to draw or the renderer fails (the page then shows the table only)."""
    if not series:
        return None
    return inline_chart(
        lambda: _spec(series, x_title=x_title, y_title=y_title, colour_title=colour_title),
        label=label,
        what="compliance chart",
    )
