"""The forecast chart: the committed cost of each month as bars, the cumulative forecast and the cumulative budget
as lines. Rendered and sanitized by `core.charts` (server-side SVG, safe under the strict CSP); the table on the
page holds the same numbers."""

from __future__ import annotations

from decimal import Decimal

from django.utils.formats import date_format
from django.utils.safestring import SafeString

from helhed.core.charts import inline_chart

COLOURS = ("#8fb3de", "#0059b3", "#b51d09")  # bars, forecast line, budget line (contrast on white for the lines)


def series(months, *, committed: str, cumulative: str, budget: str) -> list[dict]:
    """The chart's data, long form: one row per month and series (the budget only when there is one)."""
    rows = []
    for order, m in enumerate(months):
        label = date_format(m.month, "M")
        rows.append({"order": order, "month": label, "series": committed, "amount": float(m.committed)})
        rows.append({"order": order, "month": label, "series": cumulative, "amount": float(m.cumulative)})
        if m.budget_cumulative is not None:
            rows.append({"order": order, "month": label, "series": budget, "amount": float(m.budget_cumulative)})
    return rows


def _spec(rows: list[dict], *, names: tuple[str, str, str], x_title: str, y_title: str, colour_title: str) -> str:
    import altair as alt

    bar_name = names[0]
    present = [n for n in names if any(r["series"] == n for r in rows)]
    order = sorted({r["order"] for r in rows})
    labels = {r["order"]: r["month"] for r in rows}
    colour = alt.Color(
        "series:N",
        title=colour_title,
        scale=alt.Scale(domain=present, range=[COLOURS[names.index(n)] for n in present]),
        legend=alt.Legend(orient="bottom", columns=1, labelLimit=480, symbolSize=80),
    )
    x = alt.X("month:O", title=x_title, sort=[labels[o] for o in order], axis=alt.Axis(labelAngle=0))
    y = alt.Y("amount:Q", title=y_title, axis=alt.Axis(format=",.0f"))
    base = alt.Chart(alt.Data(values=rows))
    bars = base.transform_filter(alt.datum.series == bar_name).mark_bar().encode(x=x, y=y, color=colour)
    lines = (
        base.transform_filter(alt.datum.series != bar_name)
        .mark_line(point=alt.OverlayMarkDef(size=50, filled=True), strokeWidth=2)
        .encode(x=x, y=y, color=colour)
    )
    chart = alt.layer(bars, lines).properties(width=560, height=260).configure(font="Arial")
    return chart.to_json(indent=None)


def forecast_chart(
    months, *, label: str, names: tuple[str, str, str], x_title: str, y_title: str, colour_title: str
) -> SafeString | None:
    """The forecast as safe inline SVG; None when there is nothing to draw (no cost and no budget) or the renderer
    fails (the page then shows the table only). `names`: the committed, cumulative and budget series' names."""
    if not months or (
        all(m.committed == Decimal(0) for m in months) and all(m.budget_cumulative is None for m in months)
    ):
        return None
    rows = series(months, committed=names[0], cumulative=names[1], budget=names[2])
    return inline_chart(
        lambda: _spec(rows, names=names, x_title=x_title, y_title=y_title, colour_title=colour_title),
        label=label,
        what="forecast chart",
        locale="da-DK",
    )
