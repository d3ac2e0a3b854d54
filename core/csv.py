"""The one CSV exporter: every download (analytics tables, admin lists) is written here.

Rows are plain sequences; the response streams them so a long export never sits in memory twice.

Every text cell that a spreadsheet would read as a formula is neutralised here, once, for every export
(OWASP "CSV injection"): a cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets
a leading single quote, so a member's display name or comment like ``=HYPERLINK(...)`` stays text.
Only ``str`` cells are touched: a number (int, float, Decimal) is a number, so ``-12.5`` stays ``-12.5``.
"""

import csv
from collections.abc import Iterable, Sequence

from django.http import StreamingHttpResponse

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def csv_safe_cell(value):
    """The cell as it may be written: text a spreadsheet would evaluate gets a leading quote; the rest is unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def csv_safe_row(row: Sequence) -> list:
    return [csv_safe_cell(value) for value in row]


class _Echo:
    """A file-like object whose ``write`` hands the line back, for streaming with ``csv.writer``."""

    def write(self, value: str) -> str:
        return value


def csv_response(*, rows: Iterable[Sequence], filename: str) -> StreamingHttpResponse:
    """``rows`` (the header first) as a CSV download named ``filename``, UTF-8, formula-safe (see above)."""
    writer = csv.writer(_Echo())
    response = StreamingHttpResponse(
        (writer.writerow(csv_safe_row(row)) for row in rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
