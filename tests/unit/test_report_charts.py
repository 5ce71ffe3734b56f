"""Report charts are SVG text: escaped labels, an accessible title, and the figures of their table."""
import xml.etree.ElementTree as ET

import pytest

from helpdesk.reports.charts import Series, heat_map, line_chart, nice_ceiling, stacked_bar_chart

SVG = "{http://www.w3.org/2000/svg}"
EVIL = '<script>alert("x")</script>'


def parsed(markup) -> ET.Element:
    return ET.fromstring(str(markup))  # well-formed XML, or this raises


def marks(svg: ET.Element, tag: str) -> list[ET.Element]:
    return list(svg.iter(SVG + tag))


def test_a_script_label_is_text_not_markup():
    chart = stacked_bar_chart("chart-x", EVIL, [EVIL, "mardi"], [Series(EVIL, [1, 2])], description=EVIL)
    assert "<script>" not in str(chart)
    assert "&lt;script&gt;" in str(chart)
    svg = parsed(chart)
    assert svg.find(SVG + "title").text == EVIL  # shown to the reader as the text it is
    assert not list(svg.iter(SVG + "script")) and not list(svg.iter("script"))


@pytest.mark.parametrize("chart", [
    line_chart("chart-line", "Tickets créés", ["1 mars", "2 mars"], [Series("Créés", [3, 5])]),
    stacked_bar_chart("chart-bars", "Tickets créés", ["1 mars", "2 mars"], [Series("E-mail", [3, 5])]),
    heat_map("chart-heat", "Tickets créés", ["lun."], ["0h", "1h"], [[3, 5]]),
])
def test_every_chart_is_an_image_named_by_its_title(chart):
    svg = parsed(chart)
    assert svg.get("role") == "img"
    title_id, desc_id = svg.get("aria-labelledby").split()
    titles = {e.get("id"): e.text for e in svg if e.tag in (SVG + "title", SVG + "desc")}
    assert titles[title_id] == "Tickets créés" and desc_id in titles


def test_stacked_bars_hold_the_table_values():
    days = ["2 mars", "3 mars", "4 mars"]
    table = {"Téléphone": [1, 0, 4], "E-mail": [2, 3, 0]}
    svg = parsed(stacked_bar_chart("chart-created", "Créés", days, [Series(k, v) for k, v in table.items()]))
    for group in svg.iter(SVG + "g"):
        if group.get("class") == "series":
            values = [float(r.get("data-value")) for r in marks(group, "rect")]
            assert values == [v for v in table[group.get("data-series")] if v]  # no bar for a zero
            assert all(": " in r.find(SVG + "title").text for r in marks(group, "rect"))
    # Stacked: the day's bars add up to its total and never overlap.
    tops = {}
    for rect in marks(svg, "rect"):
        if rect.get("data-value"):
            tops.setdefault(rect.get("x"), []).append((float(rect.get("y")), float(rect.get("height"))))
    for pieces in tops.values():
        pieces.sort()
        for (y1, h1), (y2, _) in zip(pieces, pieces[1:]):
            assert y1 + h1 == pytest.approx(y2)


def test_line_chart_points_are_the_series_and_a_gap_breaks_the_line():
    svg = parsed(line_chart("chart-csat", "CSAT", ["a", "b", "c", "d"], [Series("CSAT %", [80.0, None, 50.0, 75.5])],
                            y_max=100))
    assert [float(c.get("data-value")) for c in marks(svg, "circle")] == [80.0, 50.0, 75.5]
    assert len(marks(svg, "polyline")) == 1  # a lone point before the gap draws no line
    assert [c.find(SVG + "title").text for c in marks(svg, "circle")][1] == "c · CSAT % : 50"


def test_heat_map_cells_match_the_grid():
    grid = [[0, 2, 9], [4, 0, 1]]
    svg = parsed(heat_map("chart-hours", "Par heure", ["lun.", "mar."], ["0h", "1h", "2h"], grid))
    cells = [r for r in marks(svg, "rect") if r.get("data-value") is not None]
    assert [float(c.get("data-value")) for c in cells] == [v for row in grid for v in row]
    shades = {float(c.get("data-value")): float(c.get("fill-opacity")) for c in cells}
    assert shades[9] == 1.0 and shades[0] < shades[1] < shades[4] < shades[9]
    assert cells[2].find(SVG + "title").text == "lun. 2h : 9"


def test_charts_of_nothing_still_draw():
    parsed(line_chart("chart-empty", "Vide", [], []))
    parsed(stacked_bar_chart("chart-empty", "Vide", ["a"], [Series("x", [0])]))
    parsed(heat_map("chart-empty", "Vide", ["lun."], ["0h"], [[0]]))


def test_axis_tops_are_round_numbers():
    assert [nice_ceiling(v) for v in (0, 0.7, 3, 7, 12, 180, 2600)] == [1, 1, 5, 10, 20, 200, 5000]


def test_a_chart_id_cannot_break_out_of_its_attribute():
    with pytest.raises(ValueError):
        line_chart('x" onload="alert(1)', "t", [], [])
