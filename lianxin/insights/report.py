"""The report document: headline figures, server-side SVG charts, per-grid tables and definitions, as a PDF.

Charts are SVG we draw here (no browser, no JavaScript) so WeasyPrint embeds them as vectors; the
text uses Debian's Noto CJK fonts, which WeasyPrint finds through fontconfig.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from xml.sax.saxutils import escape

from django.template.loader import render_to_string

CHART_WIDTH = 480
CHART_HEIGHT = 140
CHART_PAD = 24


@dataclass
class Chart:
    title: str
    svg: str


def bar_chart_svg(*, title: str, labels: list[str], values: list[float | None], unit: str) -> str:
    """Return an SVG bar chart of values (None: too few to show) with a label under each bar."""
    shown = [v for v in values if v is not None]
    top = max(shown) if shown else 1.0
    top = top or 1.0
    n = max(len(values), 1)
    slot = (CHART_WIDTH - 2 * CHART_PAD) / n
    bars = []
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        x = CHART_PAD + i * slot + slot * 0.15
        if value is not None:
            h = (CHART_HEIGHT - 2 * CHART_PAD) * (value / top)
            y = CHART_HEIGHT - CHART_PAD - h
            text = f"{value * 100:.0f}%" if unit == "share" else f"{value:,.0f}"
            bars.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{slot * 0.7:.1f}" height="{h:.1f}" fill="#2f6f9f"/>'
                f'<text x="{x + slot * 0.35:.1f}" y="{y - 2:.1f}" font-size="7" text-anchor="middle">{text}</text>'
            )
        bars.append(
            f'<text x="{x + slot * 0.35:.1f}" y="{CHART_HEIGHT - CHART_PAD + 10:.1f}" font-size="6" '
            f'text-anchor="middle">{escape(label)}</text>'
        )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{CHART_WIDTH}" height="{CHART_HEIGHT}" '
        f'viewBox="0 0 {CHART_WIDTH} {CHART_HEIGHT}"><title>{escape(title)}</title>'
        f'<line x1="{CHART_PAD}" y1="{CHART_HEIGHT - CHART_PAD}" x2="{CHART_WIDTH - CHART_PAD}" '
        f'y2="{CHART_HEIGHT - CHART_PAD}" stroke="#888"/>' + "".join(bars) + "</svg>"
    )


def report_pdf(
    *, station, start_on: dt.date, end_on: dt.date, figures, grid_tables, now: dt.datetime
) -> tuple[bytes, int]:
    """Render the report to PDF bytes; return them with the number of charts drawn."""
    from weasyprint import HTML

    charts = [
        Chart(
            title=str(f.spec.label),
            svg=bar_chart_svg(
                title=str(f.spec.label),
                labels=[first.strftime("%y-%m") for first, _v in f.trend],
                values=[v for _f, v in f.trend],
                unit=f.spec.unit,
            ),
        )
        for f in figures
        if f.trend
    ]
    html = render_to_string(
        "insights/report_pdf.html",
        {
            "station": station,
            "start_on": start_on,
            "end_on": end_on,
            "figures": figures,
            "charts": charts,
            "grid_tables": grid_tables,
            "now": now,
        },
    )
    return HTML(string=html).write_pdf(), len(charts)
