"""Vega-Lite chart specs for the person and assignment pages, drawn by the vendored vega-embed in the browser.

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


def loads_chart(loads: list[dict[str, Any]], per_reviewer_up_to: int = 60) -> dict[str, Any] | None:
    """Reviewer loads of an assignment: one bar per busy reviewer (with the maximum load as a
    tick) when few have papers, else how many reviewers got each number of papers."""
    if not loads:
        return None
    busy = [r for r in loads if int(r["load"]) > 0 or int(r["min"]) > 0]
    if len(busy) <= per_reviewer_up_to:
        ordered = sorted(busy, key=lambda r: (-int(r["load"]), str(r.get("name") or r["reviewer_id"])))
        rows = [{"reviewer": str(r.get("name") or r["reviewer_id"]), "papers": int(r["load"]), "max": int(r["max"])} for r in ordered]
        y = {"field": "reviewer", "type": "nominal", "title": None, "sort": None, "axis": {"labelLimit": 220, **_AXIS}}
        return {
            "data": {"values": rows},
            "layer": [
                {"mark": {"type": "bar", "color": "#3b6ea8", "cornerRadiusEnd": 2},
                 "encoding": {"y": y, "x": {"field": "papers", "type": "quantitative", "title": "Papers assigned",
                                            "axis": {"tickMinStep": 1, **_AXIS}},
                              "tooltip": [{"field": "reviewer"}, {"field": "papers"}, {"field": "max", "title": "max load"}]}},
                {"mark": {"type": "tick", "color": "#b33", "thickness": 2},
                 "encoding": {"y": y, "x": {"field": "max", "type": "quantitative"}}},
            ],
            "width": "container",
            "height": {"step": 16},
        }
    counts: dict[int, int] = {}
    for r in loads:
        counts[int(r["load"])] = counts.get(int(r["load"]), 0) + 1
    return {
        "data": {"values": [{"papers": k, "reviewers": v} for k, v in sorted(counts.items())]},
        "mark": {"type": "bar", "color": "#3b6ea8", "cornerRadiusEnd": 2},
        "encoding": {
            "x": {"field": "papers", "type": "ordinal", "title": "Papers assigned", "axis": {"labelAngle": 0, **_AXIS}},
            "y": {"field": "reviewers", "type": "quantitative", "title": "Reviewers", "axis": {"tickMinStep": 1, **_AXIS}},
            "tooltip": [{"field": "papers", "type": "ordinal"}, {"field": "reviewers", "type": "quantitative"}],
        },
        "width": "container",
        "height": 180,
    }


__all__ = ["loads_chart", "topics_chart", "years_chart"]
