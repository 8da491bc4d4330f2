"""XLSX sheets written safely: bold frozen header, no formulas, readable column widths."""
from decimal import Decimal


def add_sheet(book, title: str, headers: list[str], rows: list[list], first: bool = False):
    """Add a sheet of ``rows`` under ``headers`` to ``book`` (its first sheet when ``first``).

    Text never runs as a formula, whatever a participant typed ("=cmd" stays text); numbers
    (int, Decimal) stay numbers; characters XLSX cannot hold are dropped."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    sheet = book.active if first else book.create_sheet()
    sheet.title = sheet_title(title, [other.title for other in book.worksheets
                                      if other is not sheet])
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([(ILLEGAL_CHARACTERS_RE.sub("", value) or None) if isinstance(value, str)
                      else value for value in row])
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if cell.data_type == "f":
                cell.data_type = "s"  # never a formula, whatever the participant typed
    sheet.freeze_panes = "A2"
    for index, header in enumerate(headers, start=1):
        longest = max([len(header), *(len(_text(row[index - 1])) for row in rows)])
        sheet.column_dimensions[get_column_letter(index)].width = min(max(longest + 2, 8), 50)
    return sheet


def sheet_title(title: str, taken: list[str]) -> str:
    """A sheet name XLSX accepts (31 characters, none of []:*?/\\), unlike those ``taken``."""
    clean = "".join(" " if char in "[]:*?/\\" else char for char in title).strip() or "Sheet"
    candidate, number = clean[:31], 1
    while candidate.casefold() in {name.casefold() for name in taken}:
        number += 1
        suffix = f" ({number})"
        candidate = clean[:31 - len(suffix)] + suffix
    return candidate


def _text(value) -> str:
    if value is None:
        return ""
    return format(value, "f") if isinstance(value, Decimal) else str(value)
