"""The toolkit's core: module files checked against the field types, and worksheet saves that
never lose a teammate's edit."""
from pathlib import Path

import pytest
from werkzeug.datastructures import MultiDict

from app.extensions import db
from app.toolkit import filling, operations
from app.toolkit.merge import merge
from app.toolkit.models import WorksheetRevision
from app.toolkit.modules import load_all
from helpers import count


def test_every_shipped_module_is_valid(runner):
    result = runner.invoke(args=["toolkit", "check"])
    assert result.exit_code == 0, result.output
    assert "0 problems" in result.output


def write_module(folder: Path, name: str, text: str) -> Path:
    path = folder / name / "module.yaml"
    path.parent.mkdir(parents=True)
    path.write_text(text, encoding="utf-8")
    return path


GOOD = """key: M1
title: Good
purpose: A purpose.
help: Some help.
fields:
  - {name: notes, type: long_text, label: Notes}
"""


def test_a_broken_module_is_named_with_its_field_and_the_others_still_load(tmp_path, runner):
    write_module(tmp_path, "m01-good", GOOD)
    write_module(tmp_path, "m02-bad", """key: M2
title: Bad
purpose: x
help: y
fields:
  - {name: rating, type: slider, label: Rating}
  - name: rows
    type: table
    label: Rows
    columns:
      - {name: kind, type: choice, label: Kind, options: [{value: A b, label: x}]}
""")
    write_module(tmp_path, "m03-yaml", "key: M3\ntitle: [unclosed\n")
    modules, problems = load_all(tmp_path)
    assert list(modules) == ["M1"]
    text = "\n".join(map(str, problems))
    assert "m02-bad/module.yaml: fields[1] (rating): type 'slider' is not one of" in text
    assert "m02-bad/module.yaml: fields[2] (rows).columns[1] (kind): option 1 needs a value" in text
    assert "m03-yaml/module.yaml: is not valid YAML at line" in text
    result = runner.invoke(args=["toolkit", "check", str(tmp_path)])
    assert result.exit_code == 1
    assert "1 modules valid, 3 problems." in result.output


def test_formulas_and_references_are_checked(tmp_path):
    write_module(tmp_path, "m01", GOOD.replace("  - {name: notes, type: long_text, label: Notes}", """\
  - {name: total, type: computed, label: Total, formula: "quantity * __import__('os')"}"""))
    write_module(tmp_path, "m02", GOOD.replace("M1", "M2").replace(
        "  - {name: notes, type: long_text, label: Notes}",
        "  - {name: ref, type: reference, label: Ref, module: M9, field: rows, label_column: x}"))
    _modules, problems = load_all(tmp_path)
    text = "\n".join(map(str, problems))
    assert "total" in text and "formula" in text
    assert "refers to M9.rows.x" in text


def test_merge_keeps_both_sides_and_reports_true_conflicts():
    base = {"title": "Plan", "rows": [{"row_id": "a", "action": "Draft plan", "status": "planned"}]}
    theirs = {"title": "Plan 2025", "rows": [{"row_id": "a", "action": "Draft plan", "status": "done"},
                                             {"row_id": "b", "action": "Their row"}]}
    mine = {"title": "Plan 2026", "rows": [{"row_id": "a", "action": "Draft the plan", "status": "planned"},
                                           {"row_id": "c", "action": "My row"}]}
    result, conflicts = merge({"rows"}, base, mine, theirs)
    assert result["rows"] == [{"row_id": "a", "action": "Draft the plan", "status": "done"},
                              {"row_id": "b", "action": "Their row"}, {"row_id": "c", "action": "My row"}]
    assert result["title"] == "Plan 2025"  # stays theirs…
    assert [(c.field, c.mine, c.theirs) for c in conflicts] == [("title", "Plan 2026", "Plan 2025")]


def test_merge_changes_none_of_its_inputs():
    """The stored answers (``theirs``) are the session's committed state: a merge builds anew."""
    import copy

    base = {"tags": ["a"], "money": {"amount": "1"}, "rows": [{"row_id": "a", "action": "x", "partners": ["p"]}]}
    theirs = {"tags": ["a", "b"], "money": {"amount": "1"}, "note": "n",
              "rows": [{"row_id": "a", "action": "y", "partners": ["p"]}, {"row_id": "b", "action": "z"}]}
    mine = {"tags": ["c"], "money": {"amount": "2"}, "note": "m",
            "rows": [{"row_id": "a", "action": "x", "partners": ["p", "q"]}, {"row_id": "c", "action": "w"}]}
    inputs = copy.deepcopy((base, mine, theirs))
    result, _conflicts = merge({"rows"}, base, mine, theirs)
    result["rows"][0]["action"] = "changed afterwards"
    assert (base, mine, theirs) == inputs


def test_ticks_in_another_order_are_no_change():
    """A form posts ticks in the options' order: the stored order stays, no new version."""
    theirs = {"groups": ["girls", "women"], "rows": [{"row_id": "a", "partners": ["q", "p"]}]}
    mine = {"groups": ["women", "girls"], "rows": [{"row_id": "a", "partners": ["p", "q"]}]}
    result, conflicts = merge({"rows"}, theirs, mine, theirs)
    assert result == theirs and not conflicts
    result, conflicts = merge({"rows"}, theirs, {"groups": ["women"]}, theirs)
    assert result["groups"] == ["women"] and not conflicts  # an untick is still a change


def test_saving_an_unchanged_sheet_stores_no_version(app, make_course, make_registration, make_exercise):
    course = make_course()
    exercise = make_exercise(course, "M2")
    ha = make_registration(course)
    stored = ["displaced_women", "women"]  # not the options' order (women comes first there)
    with app.test_request_context(method="POST"):
        sheet = operations.sheet_for(exercise, ha)
        first = filling.save_form(sheet, MultiDict([("affected_groups", group) for group in stored]),
                                  base_version=0, registration=ha)
        sheet.answers = {**sheet.answers, "affected_groups": stored}  # as an older save kept it
        db.session.commit()
        again = filling.save_form(sheet, MultiDict([("affected_groups", "women"),
                                                    ("affected_groups", "displaced_women")]),
                                  base_version=first.version, registration=ha)
        db.session.commit()
    assert not again.recorded and sheet.version == first.version == 1
    assert count(WorksheetRevision) == 1


def test_a_row_deleted_by_one_and_edited_by_the_other_is_kept():
    base = {"rows": [{"row_id": "a", "action": "x"}]}
    result, conflicts = merge({"rows"}, base, {"rows": []}, {"rows": [{"row_id": "a", "action": "y"}]})
    assert result["rows"] == [{"row_id": "a", "action": "y"}] and not conflicts
    result, _ = merge({"rows"}, base, {"rows": []}, base)
    assert result["rows"] == []


@pytest.fixture
def team_sheet(make_course, make_registration, make_exercise):
    course = make_course()
    exercise = make_exercise(course, "M1", mode="team")
    ha = make_registration(course, certificate_name="Nguyễn Thị Hà")
    minh = make_registration(course, certificate_name="Trần Văn Minh", email="minh@example.vn")
    sheet = operations.sheet_for(exercise, ha)
    db.session.commit()
    return sheet, ha, minh


def row(number: int, **cells) -> dict:
    return {f"actors-{number}-{name}": value for name, value in cells.items()}


def test_teammates_share_one_sheet_and_concurrent_rows_both_survive(app, team_sheet):
    sheet, ha, minh = team_sheet
    assert operations.sheet_for(sheet.exercise, minh) is sheet
    with app.test_request_context(method="POST"):
        first = filling.save_form(sheet, MultiDict(row(0, row_id="r-ha", actor="Viet Nam Women's Union",
                                                     influence="4")),
                                base_version=0, save_key="k1", registration=ha)
        second = filling.save_form(sheet, MultiDict(row(0, row_id="r-minh", actor="MOLISA")),
                                 base_version=0, save_key="k2", registration=minh)
        db.session.commit()
    assert (first.version, second.version) == (1, 2) and not second.conflicts
    assert [r["actor"] for r in sheet.answers["actors"]] == ["Viet Nam Women's Union", "MOLISA"]
    assert sheet.saved_by == minh and count(WorksheetRevision) == 2


def test_a_repeated_save_counts_once(app, team_sheet):
    sheet, ha, _minh = team_sheet
    data = MultiDict(row(0, row_id="r1", actor="Bappenas"))
    with app.test_request_context(method="POST"):
        filling.save_form(sheet, data, base_version=0, save_key="same", registration=ha)
        again = filling.save_form(sheet, data, base_version=0, save_key="same", registration=ha)
        db.session.commit()
    assert again.repeated and sheet.version == 1 and len(sheet.answers["actors"]) == 1


def test_a_conflicting_edit_is_reported_not_overwritten(app, team_sheet):
    sheet, ha, minh = team_sheet
    with app.test_request_context(method="POST"):
        filling.save_form(sheet, MultiDict(row(0, row_id="r1", actor="Women's Union")), base_version=0,
                        registration=ha)
        filling.save_form(sheet, MultiDict(row(0, row_id="r1", actor="Viet Nam Women's Union")),
                        base_version=1, registration=ha)
        result = filling.save_form(sheet, MultiDict(row(0, row_id="r1", actor="VWU (national)")),
                                 base_version=1, registration=minh)
        db.session.commit()
    assert sheet.answers["actors"][0]["actor"] == "Viet Nam Women's Union"
    assert result.conflicts == [{"field": "actors", "row_id": "r1", "column": "actor",
                                 "mine": "VWU (national)", "theirs": "Viet Nam Women's Union"}]


def test_bad_input_is_refused_field_by_field_and_changes_nothing_else(app, team_sheet):
    sheet, ha, _minh = team_sheet
    with app.test_request_context(method="POST"):
        filling.save_form(sheet, MultiDict(row(0, row_id="r1", actor="Komnas Perempuan", influence="3")),
                        base_version=0, registration=ha)
        result = filling.save_form(sheet, MultiDict(row(0, row_id="r1", actor="<script>alert(1)</script>",
                                                      influence="9", category="nonsense")),
                                 base_version=1, registration=ha)
        db.session.commit()
    assert set(result.errors) == {"actors-0-influence", "actors-0-category"}
    stored = sheet.answers["actors"][0]
    assert stored["influence"] == 3 and stored["category"] == ""
    assert stored["actor"] == "<script>alert(1)</script>"  # kept as text; escaped wherever shown


def test_a_table_too_long_is_refused_whole(app, team_sheet):
    sheet, ha, _minh = team_sheet
    data = MultiDict()
    for number in range(10_000):
        data.update(row(number, actor=f"Actor {number}"))
    with app.test_request_context(method="POST"), pytest.raises(operations.SaveRefused, match="at most"):
        filling.save_form(sheet, data, base_version=0, registration=ha)
    assert sheet.version == 0


def test_the_babel_extractor_yields_module_strings_not_codes():
    from babel.messages.extract import extract_from_file
    from importlib.metadata import entry_points

    (method,) = [e for e in entry_points(group="babel.extractors") if e.name == "lokakarya_toolkit"]
    assert method.value == "app.toolkit.extract:extract"
    path = Path(__file__).parent.parent / "toolkit_modules" / "m01-stakeholder-map" / "module.yaml"
    found = {message: (line, comments) for line, message, comments, _context in
             extract_from_file(method.load(), str(path))}
    assert "Stakeholder map" in found and "Women's union" in found  # title, option label
    assert "Co-host provincial dialogues." in found  # a text answer of the worked example
    assert "womens_union" not in found and "VN" not in found  # codes are not for translators
    line, comments = found["Women's union"]
    assert path.read_text().splitlines()[line - 1].count("Women's union") == 1
    assert comments == ["M1 category option"]


def test_module_strings_are_translated_through_the_toolkit_domain(app):
    from app.i18n import use_language
    from app.toolkit import translate

    with app.test_request_context(method="POST"):
        with use_language("vi"):
            vietnamese = translate("Stakeholder map")
        with use_language("en"):
            assert translate("Stakeholder map") == "Stakeholder map"
    assert vietnamese not in ("", "Stakeholder map")


def test_m8_totals_and_funding_gap_are_computed_from_the_rows(app):
    from app.toolkit.examples import stored_answers
    from app.toolkit.fields import Context
    from app.toolkit.forms import computed
    from app.toolkit.modules import get

    module = get("M8")
    answers = stored_answers(module, {"currency": "VND", "costs": [
        {"quantity": 40, "unit_cost": 1200000, "frequency": 2, "years": 10, "secured": 576000000},
        {"quantity": 1, "unit_cost": 1000, "frequency": 1, "years": 1},  # nothing secured yet
    ]})
    with app.test_request_context(method="POST"):
        result = computed(module, answers, Context(country="VN", answers=answers))
    assert [row["total"] for row in result["costs"]] == ["960000000", "1000"]
    assert result["costs"][0]["gap"] == "384000000"
    assert (result["grand_total"], result["secured_total"], result["gap_total"]) == \
        ("960001000", "576000000", "384001000")


@pytest.mark.parametrize("field, example", [
    ("  - {name: kind, type: [choice], label: Kind}", ""),
    ("  - {name: rows, type: table, label: Rows, columns: [{name: a, type: text, label: A}]}",
     "example:\n  answers:\n    rows: [just a string]\n"),
    ("  - {name: kind, type: choice, label: Kind, options: [{value: a, label: A}]}",
     "example:\n  answers:\n    kind: {value: a}\n"),
])
def test_odd_files_are_reported_never_crash_the_loader(tmp_path, runner, field, example):
    write_module(tmp_path, "m01-good", GOOD)
    write_module(tmp_path, "m02-odd", GOOD.replace("M1", "M2").replace(
        "  - {name: notes, type: long_text, label: Notes}", field) + example)
    modules, problems = load_all(tmp_path)
    assert list(modules) == ["M1"] and len(problems) == 1 and "m02-odd" in str(problems[0])
    result = runner.invoke(args=["toolkit", "check", str(tmp_path)])
    assert result.exit_code == 1 and "Traceback" not in result.output


def test_a_reference_to_a_missing_module_is_reported_but_the_module_still_loads(tmp_path):
    write_module(tmp_path, "m02", GOOD.replace("M1", "M2").replace(
        "  - {name: notes, type: long_text, label: Notes}",
        "  - {name: ref, type: reference, label: Ref, module: M9, field: rows, label_column: x}"))
    modules, problems = load_all(tmp_path)
    assert list(modules) == ["M2"] and "refers to M9.rows.x" in str(problems[0])


def test_blank_times_and_years_count_once_and_absurd_products_show_nothing(app):
    from app.toolkit.examples import stored_answers
    from app.toolkit.fields import Context
    from app.toolkit.forms import computed
    from app.toolkit.modules import get

    module = get("M8")
    huge = 99999999999999
    answers = stored_answers(module, {"currency": "VND", "costs": [
        {"quantity": 800, "unit_cost": 1200000},  # times a year, years, secured left blank
        {"quantity": huge, "unit_cost": huge, "frequency": huge, "years": huge}]})
    with app.test_request_context(method="POST"):
        ctx = Context(country="VN", answers=answers)
        result = computed(module, answers, ctx)
        total = module.field("costs").columns[-1]
        assert total.type.display(result["costs"][1]["gap"], total, ctx) == ""
    assert result["costs"][0]["total"] == result["costs"][0]["gap"] == "960000000"
    assert result["costs"][1]["total"] == ""  # beyond any budget: not shown, never a crash
    assert result["gap_total"] == "960000000"


def test_a_link_to_a_row_a_teammate_removed_survives_the_next_save(app, make_course, make_registration,
                                                                     make_exercise):
    course = make_course()
    plan, costs = make_exercise(course, "M11"), make_exercise(course, "M8")
    ha = make_registration(course)
    minh = make_registration(course, certificate_name="Trần Văn Minh")
    with app.test_request_context(method="POST"):
        plan_sheet, cost_sheet = operations.sheet_for(plan, ha), operations.sheet_for(costs, ha)
        filling.save_form(plan_sheet, MultiDict({"actions-0-row_id": "r1", "actions-0-action": "Train"}),
                        base_version=0, registration=ha)
        filling.save_form(cost_sheet, MultiDict({"costs-0-row_id": "c1", "costs-0-action-row": "r1"}),
                        base_version=0, registration=ha)
        filling.save_form(plan_sheet, MultiDict({"actions-0-row_id": "r1", "actions-0-action": ""}),
                        base_version=1, registration=minh)  # emptied for a moment
        filling.save_form(cost_sheet, MultiDict({"costs-0-row_id": "c1", "costs-0-action-row": "r1",
                                               "costs-0-cost_item": "Venue"}),
                        base_version=1, registration=ha)
        db.session.commit()
    assert cost_sheet.answers["costs"][0]["action"] == {"row": "r1", "text": "Train"}
    assert cost_sheet.answers["costs"][0]["cost_item"] == "Venue"


def test_an_individual_sheet_offers_only_its_owners_rows(app, make_course, make_registration,
                                                         make_exercise):
    course = make_course()
    results = make_exercise(course, "M3", mode="individual")
    indicators = make_exercise(course, "M4", mode="individual")
    sari = make_registration(course, country="ID", certificate_name="Sari")
    ha = make_registration(course)
    with app.test_request_context(method="POST"):
        filling.save_form(operations.sheet_for(results, sari), MultiDict(
            {"results-0-row_id": "s1", "results-0-statement": "Sari's result"}), base_version=0,
            registration=sari)
        mine = operations.sheet_for(indicators, ha)
        assert operations.context(mine).references["M3.results"] == []
        assert operations.context(operations.sheet_for(indicators, sari)).references["M3.results"] == \
            [("s1", "Sari's result")]
