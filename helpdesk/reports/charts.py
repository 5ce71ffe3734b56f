"""Charts as SVG markup written on the server: line chart, stacked bar chart, heat-map.

Why server-side SVG and no chart library: the report pages then need no JavaScript, no build step
and no CDN (the machines may be offline), they print as they show, and a chart is a pure function
of its series, testable as text. Each function returns markup ready for a template: every label is
escaped, the <svg> has role="img" and aria-labelledby pointing at its <title> and <desc>, and every
bar, point or cell carries its own <title> (the browser's tooltip). The page shows the same figures
as a table beside or under each chart; colours are the Okabe-Ito palette (told apart with colour
blindness) and never the only cue.
"""
from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
HEAT_COLOUR = "#0072B2"
GOOD, BAD, NEUTRAL = "#009E73", "#D55E00", "#999999"  # met, breached, undecided
WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 12, 46
MAX_X_LABELS = 12
_CHART_ID = re.compile(r"^[a-z][a-z0-9-]{0,60}$")


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float | None]
    colour: str | None = None  # default: the palette's colour for the series' position


def _colour(series: Series, position: int) -> str:
    return series.colour or PALETTE[position % len(PALETTE)]


def plain_number(value: float | None) -> str:
    if value is None:
        return "—"
    if float(value).is_integer():
        return f"{int(value):d}"
    return f"{value:.1f}"


def nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 2.5, 5 or 10 x 10^k at or above `value` (an axis's top)."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power + 1e-9:
            return step * power
    return 10 * power


def _checked_id(chart_id: str) -> str:
    if not _CHART_ID.match(chart_id):
        raise ValueError(f"chart id must be lower-case letters, digits and dashes: {chart_id!r}")
    return chart_id


def _open(chart_id: str, title: str, description: str, height: int) -> list[str]:
    cid = _checked_id(chart_id)
    return [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{cid}" viewBox="0 0 {WIDTH} {height}" '
            f'role="img" aria-labelledby="{cid}-title {cid}-desc" font-family="sans-serif" font-size="11">',
            f'<title id="{cid}-title">{escape(title)}</title>',
            f'<desc id="{cid}-desc">{escape(description or title)}</desc>']


def _y_axis(top_value: float, value_format: Callable, height: int,
            bottom_value: float = 0.0) -> tuple[list[str], Callable[[float], float]]:
    plot_height = height - TOP - BOTTOM
    span = (top_value - bottom_value) or 1

    def y(value: float) -> float:
        return round(TOP + plot_height * (1 - (value - bottom_value) / span), 2)

    parts = ['<g class="axis" fill="#5d6b7a">']
    for i in range(5):
        value = bottom_value + (top_value - bottom_value) * i / 4
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(value)}" y2="{y(value)}" stroke="#dde3ea"/>')
        parts.append(f'<text x="{LEFT - 6}" y="{y(value) + 4}" text-anchor="end">{escape(value_format(value))}</text>')
    parts.append("</g>")
    return parts, y


def _x_labels(labels: Sequence[str], centre: Callable[[int], float], height: int) -> list[str]:
    step = max(1, math.ceil(len(labels) / MAX_X_LABELS))
    parts = ['<g class="axis x" fill="#5d6b7a">']
    for i in range(0, len(labels), step):
        parts.append(f'<text x="{centre(i)}" y="{height - BOTTOM + 16}" text-anchor="middle">'
                     f'{escape(labels[i])}</text>')
    parts.append("</g>")
    return parts


def _legend(series: Sequence[Series], height: int) -> list[str]:
    parts = ['<g class="legend">']
    x = LEFT
    for i, s in enumerate(series):
        colour = _colour(s, i)
        parts.append(f'<rect x="{x}" y="{height - 16}" width="10" height="10" fill="{colour}"/>'
                     f'<text x="{x + 14}" y="{height - 7}">{escape(s.name)}</text>')
        x += 24 + 7 * len(s.name)
    parts.append("</g>")
    return parts


def _clamp(value: float, low: float, high: float) -> float:
    return max(low, min(value, high))


def _mark_title(label: str, series_name: str | None, value: float | None, value_format: Callable) -> str:
    head = f"{label} · {series_name}" if series_name else label
    return f"<title>{escape(head)} : {escape(value_format(value))}</title>"


def line_chart(chart_id: str, title: str, labels: Sequence[str], series: Sequence[Series], *,
               description: str = "", value_format: Callable[[float | None], str] = plain_number,
               y_min: float = 0.0, y_max: float | None = None, height: int = HEIGHT) -> Markup:
    """One line per series over `labels` (e.g. days) on a [y_min, y_max] axis (y_max: a round
    value above the highest point when not given); a None value breaks the line."""
    values = [v for s in series for v in s.values if v is not None]
    top_value = y_max if y_max is not None else nice_ceiling(max(values, default=0))
    plot_width = WIDTH - LEFT - RIGHT
    count = max(len(labels), 1)

    def x(i: int) -> float:
        return round(LEFT + (plot_width * (i + 0.5) / count), 2)

    axis, y = _y_axis(top_value, value_format, height, y_min)
    parts = _open(chart_id, title, description, height) + axis + _x_labels(labels, x, height)
    for n, s in enumerate(series):
        colour = _colour(s, n)
        parts.append(f'<g class="series" data-series="{escape(s.name)}" stroke="{colour}" fill="{colour}">')
        run: list[str] = []
        for i, value in enumerate(s.values):
            if value is None:
                if len(run) > 1:
                    parts.append(f'<polyline fill="none" stroke-width="2" points="{" ".join(run)}"/>')
                run = []
                continue
            run.append(f"{x(i)},{y(_clamp(value, y_min, top_value))}")
        if len(run) > 1:
            parts.append(f'<polyline fill="none" stroke-width="2" points="{" ".join(run)}"/>')
        for i, value in enumerate(s.values):
            if value is not None:
                cy = y(_clamp(value, y_min, top_value))
                parts.append(f'<circle cx="{x(i)}" cy="{cy}" r="2.5" data-value="{value}">'
                             f'{_mark_title(labels[i], s.name, value, value_format)}</circle>')
        parts.append("</g>")
    parts += _legend(series, height) + ["</svg>"]
    return Markup("".join(parts))


def stacked_bar_chart(chart_id: str, title: str, labels: Sequence[str], series: Sequence[Series], *,
                      description: str = "", value_format: Callable[[float | None], str] = plain_number,
                      height: int = HEIGHT) -> Markup:
    """One bar per label, the series stacked in order (None counts as 0)."""
    totals = [sum((s.values[i] or 0) for s in series) for i in range(len(labels))]
    top_value = nice_ceiling(max(totals, default=0))
    plot_width = WIDTH - LEFT - RIGHT
    count = max(len(labels), 1)
    slot = plot_width / count
    bar = max(round(slot * 0.8, 2), 0.5)

    def centre(i: int) -> float:
        return round(LEFT + slot * (i + 0.5), 2)

    axis, y = _y_axis(top_value, value_format, height)
    parts = _open(chart_id, title, description, height) + axis + _x_labels(labels, centre, height)
    base = [0.0] * len(labels)
    for n, s in enumerate(series):
        colour = _colour(s, n)
        parts.append(f'<g class="series" data-series="{escape(s.name)}" fill="{colour}">')
        for i, value in enumerate(s.values):
            value = value or 0
            if value:
                y_top, y_bottom = y(base[i] + value), y(base[i])
                parts.append(f'<rect x="{round(centre(i) - bar / 2, 2)}" y="{y_top}" width="{bar}" '
                             f'height="{round(y_bottom - y_top, 2)}" data-value="{value}">'
                             f'{_mark_title(labels[i], s.name, value, value_format)}</rect>')
            base[i] += value
        parts.append("</g>")
    parts += _legend(series, height) + ["</svg>"]
    return Markup("".join(parts))


def heat_map(chart_id: str, title: str, row_labels: Sequence[str], column_labels: Sequence[str],
             values: Sequence[Sequence[float]], *, description: str = "",
             value_format: Callable[[float | None], str] = plain_number) -> Markup:
    """A grid of cells (rows x columns) whose shade grows with the value; each cell has its title."""
    left, top, cell_height = 44, 18, 22
    cell_width = (WIDTH - left - RIGHT) / max(len(column_labels), 1)
    height = top + cell_height * len(row_labels) + 26
    top_value = max((v or 0 for row in values for v in row), default=0)
    highest = top_value or 1
    parts = _open(chart_id, title, description, height)
    parts.append('<g class="axis" fill="#5d6b7a">')
    step = 2 if len(column_labels) > 12 else 1
    for j in range(0, len(column_labels), step):
        parts.append(f'<text x="{round(left + cell_width * (j + 0.5), 2)}" y="{top - 5}" text-anchor="middle">'
                     f'{escape(column_labels[j])}</text>')
    for i, label in enumerate(row_labels):
        parts.append(f'<text x="{left - 6}" y="{top + cell_height * i + 15}" text-anchor="end">{escape(label)}</text>')
    parts.append("</g>")
    parts.append(f'<g class="cells" fill="{HEAT_COLOUR}">')
    for i, row in enumerate(values):
        for j, value in enumerate(row):
            opacity = round(0.04 + 0.96 * (value or 0) / highest, 3)
            parts.append(f'<rect x="{round(left + cell_width * j, 2)}" y="{top + cell_height * i}" '
                         f'width="{round(cell_width - 1, 2)}" height="{cell_height - 1}" fill-opacity="{opacity}" '
                         f'data-value="{value}">'
                         f'{_mark_title(f"{row_labels[i]} {column_labels[j]}", None, value, value_format)}</rect>')
    parts.append("</g>")
    legend_y = height - 8
    swatches = "".join(f'<rect x="{left + 20 + 14 * k}" y="{legend_y - 9}" width="12" height="10" fill="{HEAT_COLOUR}" '
                       f'fill-opacity="{opacity}"/>' for k, opacity in enumerate((0.04, 0.5, 1)))
    parts.append(f'<g class="legend"><text x="{left}" y="{legend_y}">{escape(value_format(0))}</text>{swatches}'
                 f'<text x="{left + 64}" y="{legend_y}">{escape(value_format(top_value))}</text></g>')
    parts.append("</svg>")
    return Markup("".join(parts))
