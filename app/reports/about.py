"""What a donor report says about the course besides its figures (objectives, organisers and
donors, the agenda, the country action plans' headlines), and the programme's list of courses."""
from zoneinfo import ZoneInfo

from ..i18n import _, format_date_range
from ..reference import country_name
from ..registrations.models import SEXES
from .tables import PERCENT, TEXT, Column, Table, localized, moment, sex_label, share


def course_tables(course, organisations: list, sessions: list[dict], headlines: list[dict]) -> list[Table]:
    """Objectives, organisers and donors, the agenda by day, the action plans' headlines."""
    fallback = course.working_language
    objectives = Table("objectives", _("Objectives"), [Column(_("Objective"), TEXT)],
                       [[localized(objective.text, fallback)] for objective in course.objectives])
    roles = {"organiser": _("Organiser"), "donor": _("Donor")}
    partners = Table("organisations", _("Organisers and donors"),
                     [Column(_("Role"), TEXT), Column(_("Organisation"), TEXT)],
                     [[roles.get(link.role, link.role), localized(link.organisation.name, fallback)]
                      for link in organisations])
    agenda = Table("agenda", _("Agenda"), [Column(_("Day"), TEXT), Column(_("Time"), TEXT),
                                           Column(_("Session"), TEXT)])
    zone = ZoneInfo(course.timezone)
    for session in sessions:
        starts = session["starts_at"].astimezone(zone)
        agenda.rows.append([moment(starts, "yMMMEd"), moment(starts, "Hm"),
                            localized(session["title"], fallback)])
    plans = Table("action_plans", _("Country action plans: headlines"),
                  [Column(_("Country"), TEXT), Column(_("Participant team"), TEXT), Column(_("Action"), TEXT)],
                  [[country_name(team["country"]) if team["country"] else "", team["team_name"], action]
                   for team in headlines for action in team["actions"]])
    return [objectives, partners, agenda, plans]


def programme_table(courses: list, figures: dict, threshold: int) -> Table:
    """The programme's courses, each with its participants by sex and attendance rate."""
    people, attendance = figures["participants"], figures["attendance"]
    table = Table("courses", _("Courses"),
                  [Column(_("Course"), TEXT), Column(_("Dates"), TEXT), Column(_("Place"), TEXT),
                   *(Column(sex_label(sex)) for sex in SEXES), Column(_("Participants")),
                   Column(_("Attendance rate"), PERCENT)])
    for course in courses:
        counts = people["by_course"][course.id]
        size = sum(counts.values())
        values = attendance["by_course"][course.id]
        table.rows.append([
            localized(course.title, course.working_language),
            format_date_range(course.start_date, course.end_date),
            f"{localized(course.city, course.working_language)}, {country_name(course.country)}",
            *(counts[sex] for sex in SEXES), size,
            share(values["attended"], values["possible"], threshold, size)])
    return table
