"""The report's tables of what people learned and thought, and what became of the action plans:
the knowledge test, the evaluations and the follow-up (see :mod:`.tables` for the rule)."""
from ..evaluation import questionnaires
from ..evaluation.labels import SCALE, scale_label, window_label
from ..followup.forms import status_label as action_status_label
from ..followup.models import STATUSES as ACTION_STATUSES
from ..i18n import _, current_language, language_name
from ..i18n.multilingual import Localized
from ..reference import country_name
from ..registrations.models import SEXES
from ..toolkit import translate
from .tables import COUNT, DATE, DECIMAL, PERCENT, TEXT, Chart, Column, Table, sex_label, share, shown

UNDER_WAY = ("in_progress", "done")


def knowledge_tables(knowledge: dict, threshold: int) -> list[Table]:
    """Mean scores before and after, overall and by sex; each question's share answered right."""
    columns = [Column(_("Group"), TEXT), Column(_("Took the pre-test")), Column(_("Took the post-test")),
               Column(_("Took both")), Column(_("Mean score before"), PERCENT),
               Column(_("Mean score after"), PERCENT), Column(_("Mean change (points)"), DECIMAL)]
    rows = [[_("Everyone"), knowledge["pre_count"], knowledge["post_count"], knowledge["paired_count"],
             shown(knowledge["pre_mean"], knowledge["pre_count"], threshold, 100),
             shown(knowledge["post_mean"], knowledge["post_count"], threshold, 100),
             shown(knowledge["change_mean"], knowledge["paired_count"], threshold)]]
    for sex in SEXES:
        values = knowledge["by_sex"].get(sex)
        if values:
            paired = values["paired_count"]
            rows.append([sex_label(sex), None, None, paired,
                         shown(values["pre_mean"], paired, threshold, 100),
                         shown(values["post_mean"], paired, threshold, 100), None])
    summary = Table("knowledge_summary", _("Knowledge test: mean scores"), columns, rows,
                    note=_("Scores as a share of the %(num)d questions answered right; by sex, "
                           "among those who took both tests.", num=knowledge["out_of"]),
                    chart=Chart("bars", [4, 5]))
    questions = Table("knowledge_questions", _("Knowledge test: answered right, per question"),
                      [Column(_("Question"), TEXT), Column(_("Right before")), Column(_("Answered before")),
                       Column(_("Share right before"), PERCENT), Column(_("Right after")),
                       Column(_("Answered after")), Column(_("Share right after"), PERCENT)],
                      chart=Chart("bars", [3, 6]))
    for item in knowledge["questions"]:
        questions.rows.append([
            translate(item["label"]), item["pre_correct"], item["pre_answered"],
            share(item["pre_correct"], item["pre_answered"], threshold), item["post_correct"],
            item["post_answered"], share(item["post_correct"], item["post_answered"], threshold)])
    return [summary, questions]


def evaluation_tables(evaluation: dict, threshold: int, open_answers: bool = True) -> list[Table]:
    """Per survey: the scales' distributions and means, the choices' counts, the open answers
    (each in the language it was written in; a programme's reports leave them out)."""
    tables = []
    for key, survey in evaluation.items():
        title = window_label(key)
        responses = survey["responses"]
        scales = Table(f"evaluation_{key}", title,
                       [Column(_("Question"), TEXT), *(Column(f"{point} {scale_label(point)}") for point in SCALE),
                        Column(_("Answers")), Column(_("Mean (1–5)"), DECIMAL)],
                       note=_("%(num)d responses.", num=responses), chart=Chart("stacked", [1, 2, 3, 4, 5]))
        for item in survey["scales"]:
            answers = sum(item["counts"].values())
            scales.rows.append([translate(item["label"]), *(item["counts"].get(point, 0) for point in SCALE),
                                answers, shown(item["mean"], answers, threshold)])
        tables.append(scales)
        if survey["choices"]:
            form = questionnaires.get("day" if key.startswith("day-") else "course")
            choices = Table(f"evaluation_{key}_choices", _("%(survey)s: choices", survey=title),
                            [Column(_("Question"), TEXT), Column(_("Answer"), TEXT), Column(_("Answers"))])
            for item in survey["choices"]:
                spec = form.field(item["name"]) if form else None
                labels = dict(spec.options) if spec else {}
                for value, number in item["counts"].items():
                    choices.rows.append([translate(item["label"]), translate(labels.get(value, value)), number])
            tables.append(choices)
        written = [[translate(item["label"]), language_name(language, current_language()) if language else "",
                    Localized(text, language, False)]
                   for item in survey["open"] for text, language in item["answers"]]
        if written and open_answers:
            tables.append(Table(f"evaluation_{key}_open", _("%(survey)s: open answers", survey=title),
                                [Column(_("Question"), TEXT), Column(_("Language"), TEXT),
                                 Column(_("Answer"), TEXT)], written))
    return tables


def follow_up_tables(follow_up: dict, threshold: int) -> list[Table]:
    """Each follow-up round's totals, then each team's answer (those who gave none say so)."""
    statuses = [Column(str(action_status_label(status))) for status in ACTION_STATUSES]
    rounds = Table("follow_up_rounds", _("Follow-up of the action plans"),
                   [Column(_("Follow-up"), COUNT), Column(_("Due on"), DATE), Column(_("Teams")),
                    Column(_("Teams that answered")), *statuses, Column(_("Actions")),
                    Column(_("Share under way or done"), PERCENT)],
                   note=_("Under way or done: in progress or done, of all the actions of the plans."))
    teams = Table("follow_up_teams", _("Follow-up by team"),
                  [Column(_("Follow-up"), COUNT), Column(_("Country"), TEXT), Column(_("Participant team"), TEXT),
                   Column(_("Answered"), TEXT), *statuses, Column(_("Actions")),
                   Column(_("Share under way or done"), PERCENT)])
    for found in follow_up["rounds"]:
        under_way = sum(found["counts"][status] for status in UNDER_WAY)
        rounds.rows.append([found["number"], found["due_on"], found["teams_count"], found["answered_teams"],
                            *(found["counts"][status] for status in ACTION_STATUSES), found["total_actions"],
                            share(under_way, found["total_actions"], threshold)])
        for team in found["teams"]:
            under_way = sum(team["counts"][status] for status in UNDER_WAY)
            teams.rows.append([found["number"], country_name(team["country"]) if team["country"] else "",
                               team["team_name"], _("Yes") if team["answered"] else _("No"),
                               *(team["counts"][status] for status in ACTION_STATUSES), team["total_actions"],
                               share(under_way, team["total_actions"], threshold)])
    return [rounds, teams]
