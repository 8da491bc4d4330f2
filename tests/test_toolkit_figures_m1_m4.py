"""Figures of M1–M4: valid standalone SVG from the worked examples, answers escaped, the right
marks drawn (a dot per scored actor, a box per cause, a bar per SMART score)."""
import copy
import xml.etree.ElementTree as ET

import pytest

from app.toolkit import figures, forms, translate
from app.toolkit.fields import Context
from app.toolkit.figures import svg as shapes
from app.toolkit.figures.m01_power_interest import spots
from app.toolkit.modules import get

SVG = "{http://www.w3.org/2000/svg}"
SCRIPT = "<script>alert(1)</script>"


def draw(key: str, answers: dict | None = None) -> str:
    module = get(key)
    answers = copy.deepcopy(module.example["answers"] if answers is None else answers)
    for name, value in answers.items():
        if isinstance(value, list) and value and isinstance(value[0], dict):
            answers[name] = [{"row_id": f"ex{i}", **row} for i, row in enumerate(value, 1)]
    ctx = Context(country=module.example.get("country", ""), answers=answers, translate=translate)
    return str(figures.draw(module, forms.computed(module, answers, ctx), ctx))


def svgs(markup: str) -> list[ET.Element]:
    """Every <svg> of the figure, parsed on its own (each must stand alone)."""
    root = ET.fromstring(f"<div>{markup}</div>")
    found = [element for element in root.iter() if element.tag == f"{SVG}svg"]
    for element in found:
        assert element.get("viewBox") and element.get("role") == "img" and element.get("aria-label")
        assert element.find(f"{SVG}title") is not None
        ET.fromstring(ET.tostring(element))
    return found


def texts(element: ET.Element) -> str:
    return " ".join(span.text or "" for span in element.iter(f"{SVG}tspan"))


@pytest.fixture(autouse=True)
def request_context(app):
    with app.test_request_context("/?lang=en"):
        yield


@pytest.mark.parametrize("key", ["M1", "M2", "M3", "M4"])
def test_the_worked_example_draws_valid_svg(key):
    markup = draw(key)
    assert svgs(markup)


@pytest.mark.parametrize("key,answers", [
    ("M1", {"actors": [{"actor": SCRIPT, "influence": 3, "interest": 3}]}),
    ("M2", {"core_problem": SCRIPT, "core_objective": SCRIPT,
            "causes": [{"cause": SCRIPT, "level": "root", "objective": SCRIPT}],
            "effects": [{"effect": SCRIPT}]}),
    ("M3", {"results": [{"level": "impact", "horizon": "long", "statement": SCRIPT}]}),
    ("M4", {"indicators": [{"indicator": SCRIPT, "definition": SCRIPT, "smart_specific": 2}]}),
])
def test_answers_are_escaped(key, answers):
    markup = draw(key, answers)
    assert "<script" not in markup and "&lt;script&gt;" in markup
    svgs(markup)


def test_m1_draws_one_numbered_dot_per_scored_actor_and_a_legend_for_all():
    example = get("M1").example["answers"]["actors"]
    markup = draw("M1")
    (grid,) = svgs(markup)
    dots = [c for c in grid.iter(f"{SVG}circle") if c.get("class") == "tk-dot"]
    assert len(dots) == len(example)
    numbers = {t.strip() for t in texts(grid).split()}
    assert {str(n) for n in range(1, len(example) + 1)} <= numbers
    for quadrant in ("Manage closely", "Keep satisfied", "Keep informed", "Monitor"):
        assert quadrant in texts(grid)
    legend = ET.fromstring(f"<div>{markup}</div>").find(".//ol")
    assert [li.find("span").text for li in legend] == [row["actor"] for row in example]


def test_m1_spreads_actors_sharing_a_cell_so_none_hides_another():
    actors = [{"actor": f"Actor {n}", "influence": 5, "interest": 5} for n in range(9)]
    actors.append({"actor": "No scores yet"})
    (grid,) = svgs(markup := draw("M1", {"actors": actors}))
    dots = [(float(c.get("cx")), float(c.get("cy")), float(c.get("r")))
            for c in grid.iter(f"{SVG}circle") if c.get("class") == "tk-dot"]
    assert len(dots) == 9
    for i, (x1, y1, r) in enumerate(dots):
        for x2, y2, _r in dots[i + 1:]:
            assert (x1 - x2) ** 2 + (y1 - y2) ** 2 >= (2 * r) ** 2
    assert "not on the grid" in markup
    offsets, radius = spots(20)
    assert len(set(offsets)) == 20 and radius > 3


def test_m2_draws_every_cause_and_effect_in_its_band():
    answers = get("M2").example["answers"]
    problem_tree, objective_tree = svgs(draw("M2"))
    words = texts(problem_tree)
    for band in ("Effects", "Core problem", "Immediate causes", "Underlying causes", "Root causes"):
        assert band in words
    boxes = [r for r in problem_tree.iter(f"{SVG}rect")]
    assert len(boxes) == len(answers["causes"]) + len(answers["effects"]) + 1
    assert "Core objective" in texts(objective_tree)
    only_problem = svgs(draw("M2", {"core_problem": "Alone"}))
    assert len(only_problem) == 1 and "Alone" in texts(only_problem[0])


def test_m3_colours_results_by_horizon_with_a_legend():
    (hierarchy,) = svgs(draw("M3"))
    words = texts(hierarchy)
    for label in ("Impact", "Outcomes", "Outputs", "Activities", "Short (up to 2 years)", "Long term"):
        assert label in words
    fills = {r.get("fill") for r in hierarchy.iter(f"{SVG}rect")}
    assert {"#fff2cc", "#c9def2", "#a9cf98"} <= fills


def test_m4_prints_a_reference_sheet_and_a_smart_chart_per_indicator():
    answers = get("M4").example["answers"]["indicators"]
    markup = draw("M4")
    charts = svgs(markup)
    assert len(charts) == len(answers) == markup.count('class="tk-indicator"')
    bars = [r for r in charts[1].iter(f"{SVG}rect") if r.get("fill") not in (shapes.PALETTE["grey"],)]
    assert len(bars) == 5
    assert "3/5" in texts(charts[1]) and "Department of Peacekeeping Operations" in markup
    low = svgs(draw("M4", {"indicators": [{"indicator": "Weak", "smart_specific": 1}]}))[0]
    assert "1/5 !" in texts(low) and texts(low).count("—") == 4


def test_wrap_keeps_words_and_cuts_what_does_not_fit():
    assert shapes.wrap("Women excluded from local forums", 12) == \
        ["Women", "excluded", "from local", "forums"]
    assert shapes.wrap("one two three four five", 9, max_lines=2) == ["one two", "three…"]
    assert shapes.wrap("Phụ nữ bị loại khỏi diễn đàn", 10) == ["Phụ nữ bị", "loại khỏi", "diễn đàn"]
    assert shapes.wrap("", 10) == [] and shapes.wrap("a\n\nb", 5) == ["a", "", "b"]
