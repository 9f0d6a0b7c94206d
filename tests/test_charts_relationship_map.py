"""kam.charts.relationship_map: an org chart of the customer's people, valid SVG with no external
resource, coloured by attitude, sized by influence, escaped, and readable with 100 people."""

import itertools
import xml.etree.ElementTree as ET
from unittest import mock

from django.core.cache import cache

from kam import charts

SVG = "{http://www.w3.org/2000/svg}"
LEGEND = [(code, code.title()) for code in charts.ATTITUDE_COLOURS]


def node(key, parent=None, *, attitude="neutral", influence=3, name=None):
    return charts.MapNode(
        key=key, parent=parent, name=name or f"Person {key}", title="Buyer",
        role="Champion", country="DE", attitude=attitude, influence=influence,
    )  # fmt: skip


def boxes(root):
    return [group for group in root.iter(f"{SVG}g") if group.get("class") == "map-node"]


def box_rect(group):
    return group.find(f"{SVG}rect")


def test_the_map_is_self_contained_svg_with_one_box_per_person():
    people = [node(1), node(2, 1), node(3, 1), node(4, 3), node(5)]  # two roots
    markup = charts.relationship_map(people, legend=LEGEND)
    root = ET.fromstring(markup)
    assert root.tag == f"{SVG}svg"
    assert len(boxes(root)) == 5
    assert len(root.findall(f".//{SVG}path")) == 3  # one link per person reporting to someone
    assert "href" not in markup
    assert "<script" not in markup
    assert "url(" not in markup


def test_boxes_are_coloured_by_attitude_and_their_marker_sized_by_influence():
    people = [
        node(index, attitude=attitude, influence=index)
        for index, attitude in enumerate(charts.ATTITUDE_COLOURS, start=1)
    ]
    root = ET.fromstring(charts.relationship_map(people))
    seen = {}
    for group in boxes(root):
        stroke, fill = charts.ATTITUDE_COLOURS[group.get("data-attitude")]
        assert box_rect(group).get("stroke") == stroke
        assert box_rect(group).get("fill") == fill
        seen[int(group.get("data-influence"))] = float(group.find(f"{SVG}circle").get("r"))
    assert charts.ATTITUDE_COLOURS["hostile"][0] != charts.ATTITUDE_COLOURS["advocate"][0]
    assert [seen[level] for level in sorted(seen)] == sorted(seen.values())
    assert seen[5] > seen[1]


def test_managers_sit_above_their_reports():
    root = ET.fromstring(charts.relationship_map([node(1), node(2, 1), node(3, 2)]))
    tops = [float(box_rect(group).get("y")) for group in boxes(root)]
    assert tops[0] < tops[1] < tops[2]


def test_names_are_escaped():
    markup = charts.relationship_map([node(1, name="<script>alert(1)</script> R&D")])
    assert "<script>" not in markup
    root = ET.fromstring(markup)  # still well-formed
    texts = [text.text for text in root.iter(f"{SVG}text")]
    assert "<script>alert(1)</s…" in texts
    hover = boxes(root)[0].find(f"{SVG}title").text
    assert hover.startswith("<script>alert(1)</script> R&D")


def test_a_hundred_people_wrap_into_rows_within_the_width():
    people = [node(1)] + [node(index, 1) for index in range(2, 101)]  # 99 direct reports
    root = ET.fromstring(charts.relationship_map(people, legend=LEGEND))
    width = float(root.get("viewBox").split()[2])
    height = float(root.get("viewBox").split()[3])
    rects = [box_rect(group) for group in boxes(root)]
    assert len(rects) == 100
    assert all(float(r.get("x")) >= 0 and float(r.get("x")) + float(r.get("width")) <= width
               for r in rects)  # fmt: skip
    assert all(float(r.get("y")) + float(r.get("height")) <= height for r in rects)
    rows: dict[str, int] = {}
    for rect in rects:
        rows[rect.get("y")] = rows.get(rect.get("y"), 0) + 1
    assert max(rows.values()) <= charts.MAP_COLUMNS
    assert len(rows) > 1 + 99 // charts.MAP_COLUMNS  # the manager, then the reports in rows
    assert len(root.findall(f".//{SVG}path")) == 99
    assert len({(r.get("x"), r.get("y")) for r in rects}) == 100


def test_links_never_cross_a_box():
    people = [node(1)] + [node(key, (key - 2) // 4 + 1) for key in range(2, 101)]  # 4 reports each
    root = ET.fromstring(charts.relationship_map(people, legend=LEGEND))
    rects = [
        tuple(float(rect.get(name)) for name in ("x", "y", "width", "height"))
        for rect in map(box_rect, boxes(root))
    ]
    for path in root.findall(f".//{SVG}path"):
        points = [tuple(map(float, part[1:].split(","))) for part in path.get("d").split()]
        for (x1, y1), (x2, y2) in itertools.pairwise(points):
            for x, y, w, h in rects:  # a segment inside a box, beyond its edges, is a crossing
                inside_x = x + 1 < max(x1, x2) and min(x1, x2) < x + w - 1
                inside_y = y + 1 < max(y1, y2) and min(y1, y2) < y + h - 1
                assert not (inside_x and inside_y), (path.get("d"), (x, y))
    width = float(root.get("viewBox").split()[2])
    assert width <= charts.MAP_WIDTH
    assert len({(x, y) for x, y, _, _ in rects}) == 100  # no two boxes on top of each other


def test_no_one_is_lost_to_a_loop_and_an_empty_map_says_so():
    root = ET.fromstring(charts.relationship_map([node(1, 2), node(2, 1)]))
    assert len(boxes(root)) == 2
    empty = charts.relationship_map([], empty_label="Nobody yet")
    assert "Nobody yet" in empty


def test_the_cached_map_is_drawn_once_for_the_same_people_and_anew_when_one_changes():
    cache.clear()
    people = [node(1), node(2, 1), node(3, 1, attitude="sceptical")]
    drawn = charts.relationship_map_cached(people, legend=LEGEND, title="Map")
    assert drawn == charts.relationship_map(people, legend=LEGEND, title="Map")
    with mock.patch.object(charts, "relationship_map", side_effect=AssertionError("drawn")):
        assert charts.relationship_map_cached(people, legend=LEGEND, title="Map") == drawn
    changes = [
        [node(1), node(2, 1), node(3, 1, attitude="hostile")],
        [node(1), node(2, 1), node(3, 2, attitude="sceptical")],
        [node(1), node(2, 1), node(3, 1, attitude="sceptical", name="Zoé")],
        [node(1), node(2, 1)],
    ]
    for changed in changes:
        assert charts.relationship_map_cached(changed, legend=LEGEND, title="Map") == (
            charts.relationship_map(changed, legend=LEGEND, title="Map")
        )
    assert charts.relationship_map_cached(people, legend=LEGEND, title="Karte") != drawn
