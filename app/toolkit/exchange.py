"""An exercise's answers as an XLSX workbook: one sheet for the top-level fields, one per table."""
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from ..i18n import _
from ..reference import country_name
from ..spreadsheets import add_sheet
from . import operations
from .labels import progress_label
from .translation import translate
from .exercises import lines
from .fields import Context, FieldSpec
from .forms import computed
from .models import Exercise

NUMERIC = ("number", "scale", "computed")


def write_xlsx(exercise: Exercise, stream) -> None:
    """Write every existing worksheet of ``exercise`` to the binary ``stream``: labels in the
    reader's language, text as text (never a formula), numbers and amounts as numbers."""
    from openpyxl import Workbook

    module = exercise.module
    zone = ZoneInfo(exercise.course.timezone)
    top = [spec for spec in module.fields if spec.type.name != "table"]
    lead = [_("Country"), _("Team or person")]
    answers_rows, table_rows = [], {spec.name: [] for spec in module.tables()}
    for line in lines(exercise):
        sheet = line.sheet
        if sheet is None:
            continue
        ctx = operations.context(sheet)
        values = ctx.answers = computed(module, sheet.answers or {}, ctx)
        names = "; ".join(member.certificate_name for member in line.members)  # every member
        who = [country_name(line.country) if line.country else "",
               f"{line.name}: {names}" if line.group is not None else names]
        saved = sheet.saved_at.astimezone(zone).strftime("%Y-%m-%d %H:%M") if sheet.saved_at else ""
        answers_rows.append([*who, progress_label(sheet.progress), sheet.version, saved,
                             *row_cells(top, values, ctx)])
        for spec in module.tables():
            table_rows[spec.name].extend([*who, *row_cells(spec.columns, row, ctx)]
                                         for row in values.get(spec.name) or ())
    book = Workbook()
    add_sheet(book, _("Answers"), [*lead, _("Status"), _("Version"), _("Last saved"),
                                   *row_headers(top)], answers_rows, first=True)
    for spec in module.tables():
        add_sheet(book, translate(spec.label), [*lead, *row_headers(spec.columns)], table_rows[spec.name])
    book.save(stream)


def row_headers(specs: list[FieldSpec]) -> list[str]:
    return [header for spec in specs for header in headers(spec)]


def row_cells(specs: list[FieldSpec], values: dict, ctx: Context) -> list:
    return [cell for spec in specs for cell in cells(spec, values.get(spec.name), ctx)]


def headers(spec: FieldSpec) -> list[str]:
    """The column headers of a field: an amount without a currency field gets a second one."""
    label = translate(spec.label)
    if spec.type.name == "money" and not spec.get("currency_field"):
        return [label, _("%(label)s: currency", label=label)]
    return [label]


def cells(spec: FieldSpec, value, ctx: Context) -> list:
    """A field's cells: numbers for numbers and amounts, else the text a reader sees."""
    kind = spec.type.name
    if kind == "money":
        amount = number(value.get("amount") if isinstance(value, dict) else value)
        if spec.get("currency_field"):
            return [amount]
        return [amount, spec.type.currency(value, spec, ctx)]
    if kind in NUMERIC:
        return [number(value)]
    return [spec.type.display(value, spec, ctx)]


def number(value) -> Decimal | str | None:
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    return amount if amount.is_finite() else str(value)
