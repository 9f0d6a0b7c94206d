"""The selection grid as a spreadsheet: one function per format → file bytes.

Both formats write text that a spreadsheet would read as a formula with a leading ``'``
(``kam.spreadsheets``); the CSV follows the reader's conventions (semicolons and decimal commas
in French).
"""

from __future__ import annotations

import io

from django.utils.translation import gettext as _

from kam.spreadsheets import csv_bytes, spreadsheet_text
from scoring.selectors.grid import GRID_UNITS, Grid

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

Value = str | int | float | None


def grid_table(*, grid: Grid) -> tuple[list[str], list[list[Value]]]:
    """The header and the rows of the grid as the user sees it: rank, client, KAM, total,
    criteria met, then each criterion's value and whether it is met. Missing values say so."""
    units = {"level": _("(level 1 to 5)"), "pct": "(%)", "days": _("(days)")}
    header = [_("Rank"), _("Client"), _("Key account manager"), _("Currency"), _("Score /100")]
    header.append(_("Criteria met"))
    for criterion in grid.criteria:
        unit = "level" if criterion.is_rated else GRID_UNITS.get(criterion.source, "")
        header.append(f"{criterion.name} {units.get(unit, '')}".strip())
        header.append(_("%(criterion)s: met") % {"criterion": criterion.name})
    yes, no, missing = _("yes"), _("no"), _("missing")
    rows: list[list[Value]] = []
    for row in grid.rows:
        line: list[Value] = [
            row.rank,
            row.client_name,
            row.kam,
            row.currency,
            round(row.total, 2),
            row.met_count,
        ]
        for cell in row.cells:
            if cell.missing:
                line.append(missing)
            else:
                line.append(cell.level if cell.criterion.is_rated else cell.raw)
            line.append("" if cell.met is None else (yes if cell.met else no))
        rows.append(line)
    return header, rows


def grid_csv(*, grid: Grid) -> bytes:
    """The grid in the reader's CSV conventions (``kam.spreadsheets.csv_bytes``)."""
    header, rows = grid_table(grid=grid)
    return csv_bytes([header, *rows])


def grid_xlsx(*, grid: Grid) -> bytes:
    """One sheet, header frozen; every text stored as a string, never as a formula."""
    from openpyxl import Workbook  # here, not at the top: only exports need openpyxl
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.utils import get_column_letter

    header, rows = grid_table(grid=grid)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = _("Selection grid")[:31]
    lines: list[list[Value]] = [list(header), *rows]
    for index, line in enumerate(lines, start=1):
        for column, value in enumerate(line, start=1):
            cell = sheet.cell(row=index, column=column)
            if isinstance(value, str):
                cell.value = spreadsheet_text(ILLEGAL_CHARACTERS_RE.sub("", value))
                cell.data_type = "s"
            else:
                cell.value = value
    sheet.freeze_panes = "C2"
    for column in range(1, len(header) + 1):
        sheet.column_dimensions[get_column_letter(column)].width = 14 if column != 2 else 32
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()


def grid_export(*, grid: Grid, kind: str) -> bytes:
    return grid_xlsx(grid=grid) if kind == "xlsx" else grid_csv(grid=grid)
