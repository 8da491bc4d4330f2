"""Reading a CSV or XLSX file into rows keyed by its header, as people save them: any delimiter
Excel writes, a BOM, defused formulas undone, bounded sizes; problems said in the reader's language.
Registrations are read here, and other features' imports too."""
import csv
import io
import unicodedata
import warnings
from datetime import date, datetime

from ..forms import clean_text
from ..i18n import _

# A leading = + - @ makes a spreadsheet run a CSV cell as a formula (exports defuse them).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def fold_label(text: str) -> str:
    """A header cell or a label as imports compare them: composed (NFC), without case, byte
    order marks or extra spaces."""
    return " ".join(unicodedata.normalize("NFC", str(text)).replace("\ufeff", "").casefold().split())


def uploaded_rows(field) -> list[dict[str, str]] | None:
    """The rows of the file in a form's upload ``field`` (a validated FileField), or None with
    the reason it cannot be read added to the field's errors: every import page reads its file
    this way."""
    upload = field.data
    try:
        return read_table(upload.filename or "", upload.read())
    except ImportFileError as problem:
        field.errors.append(str(problem))
        return None


def numbered_rows(rows: list[dict[str, str]]) -> list[tuple[int, dict[str, str]]]:
    """(number as the spreadsheet shows it, row) for each row with something in it: the header
    is row 1, so reports name the row a person sees."""
    return [(number, row) for number, row in enumerate(rows, start=2)
            if any(str(value or "").strip() for value in row.values())]


class ImportFileError(ValueError):
    """The file cannot be read as a table; the message says why, in the user's language."""


def read_table(filename: str, data: bytes) -> list[dict[str, str]]:
    """Read a CSV or XLSX file into one dict per row, keyed by the header cells as written.

    Blank rows stay in the list (as empty dicts), so a list index maps to the spreadsheet row.
    """
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if extension == "csv":
        table = _read_csv(data)
    elif extension == "xlsx":
        table = _read_xlsx(data)
    else:
        raise ImportFileError(_("%(filename)s is neither a CSV nor an XLSX file.",
                                filename=filename))
    if not table or not any(table[0]):
        raise ImportFileError(_("%(filename)s has no header row.", filename=filename))
    headers = [_cell_value(cell) for cell in table[0]]
    twice = next((header for index, header in enumerate(headers)
                  if header and header in headers[:index]), None)
    if twice:
        raise ImportFileError(_("The column “%(column)s” appears twice.", column=twice))
    rows = []
    for cells in table[1:]:
        values = [_cell_value(cell) for cell in cells]
        if not any(values):
            rows.append({})
            continue
        row = {header: value for header, value in zip(headers, values) if header}
        extra = values[len(headers):] + [v for h, v in zip(headers, values) if not h]
        if any(extra):
            row[""] = next(value for value in extra if value)
        rows.append(row)
    return rows


def _read_csv(data: bytes) -> list[list[str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFileError(_("The file is not in UTF-8: save it as “CSV UTF-8” and try again."))
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    try:
        return [[_undefuse(cell) for cell in row]
                for row in csv.reader(io.StringIO(text), delimiter=delimiter)]
    except csv.Error as exc:
        raise ImportFileError(_("The CSV file cannot be read: %(reason)s", reason=str(exc)))


MAX_ROWS, MAX_COLUMNS = 5000, 60


def _read_xlsx(data: bytes) -> list[list]:
    from openpyxl import load_workbook

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about features of other tools' files
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            try:
                # Bounded: a sheet may claim a million empty cells (XFD300000) to exhaust memory.
                sheet = book.worksheets[0]
                return [list(row) for row in sheet.iter_rows(values_only=True, max_row=MAX_ROWS + 1,
                                                             max_col=MAX_COLUMNS)]
            finally:
                book.close()
    except Exception as exc:  # noqa: BLE001 - zip, XML and openpyxl errors all mean "unreadable"
        raise ImportFileError(_("The XLSX file cannot be read: %(reason)s", reason=str(exc)))


def _cell_value(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a phone number typed into Excel
    if isinstance(value, (datetime, date)):
        value = value.isoformat()
    return clean_text(unicodedata.normalize("NFC", str(value))).strip()


def _undefuse(value: str) -> str:
    return value[1:] if value.startswith("'") and value[1:].startswith(FORMULA_START) else value
