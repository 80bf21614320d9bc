"""Vega-Lite chart specs for the person page, drawn by the vendored vega-embed in the browser.

Specs are plain data (JSON in a ``<script type="application/json">`` block): no inline
script, so the page's Content-Security-Policy holds.
"""

from __future__ import annotations

from typing import Any

_AXIS = {"labelFontSize": 12, "titleFontSize": 12}


def years_chart(papers_by_year: dict[Any, Any]) -> dict[str, Any] | None:
    """Vega-Lite bar chart of papers per year (values may be counts or lists of papers)."""
    rows = []
    for year, value in papers_by_year.items():
        try:
            y = int(year)
        except (TypeError, ValueError):
            continue
        n = len(value) if isinstance(value, list | tuple) else int(value or 0)
        rows.append({"year": y, "papers": n})
    if not rows:
        return None
    return {
        "data": {"values": sorted(rows, key=lambda r: r["year"])},
        "mark": {"type": "bar", "color": "#3b6ea8", "cornerRadiusEnd": 2},
        "encoding": {
            "x": {"field": "year", "type": "ordinal", "title": "Year", "axis": {"labelAngle": 0, **_AXIS}},
            "y": {"field": "papers", "type": "quantitative", "title": "Papers", "axis": {"tickMinStep": 1, **_AXIS}},
            "tooltip": [{"field": "year", "type": "ordinal"}, {"field": "papers", "type": "quantitative"}],
        },
        "width": "container",
        "height": 160,
    }


def topics_chart(topics: list[dict[str, Any]], top: int = 6) -> dict[str, Any] | None:
    """Vega-Lite line chart of each topic's weight per year (the person's topics over time)."""
    rows = []
    for t in topics[:top]:
        for year, weight in (t.get("by_year") or {}).items():
            try:
                rows.append({"year": int(year), "topic": str(t.get("label", "?")), "weight": float(weight or 0)})
            except (TypeError, ValueError):
                continue
    if not rows:
        return None
    years = {r["year"] for r in rows}
    mark = {"type": "line", "point": True, "strokeWidth": 2} if len(years) > 1 else {"type": "bar"}
    enc: dict[str, Any] = {
        "x": {"field": "year", "type": "ordinal", "title": "Year", "axis": {"labelAngle": 0, **_AXIS}},
        "y": {"field": "weight", "type": "quantitative", "title": "Topic weight", "axis": _AXIS},
        "color": {
            "field": "topic",
            "type": "nominal",
            "title": None,
            "legend": {"orient": "bottom", "columns": 2, "labelLimit": 260, "labelFontSize": 12},
        },
        "tooltip": [
            {"field": "topic", "type": "nominal"},
            {"field": "year", "type": "ordinal"},
            {"field": "weight", "type": "quantitative", "format": ".2f"},
        ],
    }
    if len(years) == 1:
        enc["xOffset"] = {"field": "topic"}
    return {"data": {"values": rows}, "mark": mark, "encoding": enc, "width": "container", "height": 220}


__all__ = ["topics_chart", "years_chart"]
