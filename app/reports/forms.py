"""The reports' GET forms, read from the query string: the dashboard's filters (country, sex)
and the programme's scope (year, organiser, donor). A value that is not one of the choices is
refused with a message, and the report shows everything instead."""
from ..i18n import _
from ..registrations.models import SEXES
from .figures import Filters
from .programme import Scope


def read_filters(args, countries: list[str]) -> tuple[Filters, str]:
    """The filters asked for, among the course's participants' ``countries``, and a problem."""
    country, sex = args.get("country", ""), args.get("sex", "")
    problems = []
    if country and country not in countries:
        problems.append(_("No participant comes from the country asked for; showing every country."))
        country = ""
    if sex and sex not in SEXES:
        problems.append(_("Unknown sex in the filter; showing everyone."))
        sex = ""
    return Filters(country, sex), " ".join(problems)


def read_scope(args, options: dict) -> tuple[Scope, str]:
    """The programme asked for, among the ``options`` of :func:`.programme.choices`."""
    values, problems = {}, []
    known = {"year": set(options["years"]), "organiser": {org.id for org in options["organisers"]},
             "donor": {org.id for org in options["donors"]}}
    messages = {"year": _("No course of yours starts in the year asked for; showing every year."),
                "organiser": _("Unknown organiser; showing every organiser."),
                "donor": _("Unknown donor; showing every donor.")}
    for name in ("year", "organiser", "donor"):
        raw = args.get(name, "")
        if not raw:
            continue
        if raw.isdigit() and len(raw) < 10 and int(raw) in known[name]:
            values[name] = int(raw)
        else:
            problems.append(str(messages[name]))
    return Scope(**values), " ".join(problems)
