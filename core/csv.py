"""The one CSV exporter: every download (analytics tables, admin lists) is written here.

Rows are plain sequences; the response streams them so a long export never sits in memory twice.
"""

import csv
from collections.abc import Iterable, Sequence

from django.http import StreamingHttpResponse


class _Echo:
    """A file-like object whose ``write`` hands the line back, for streaming with ``csv.writer``."""

    def write(self, value: str) -> str:
        return value


def csv_response(*, rows: Iterable[Sequence], filename: str) -> StreamingHttpResponse:
    """``rows`` (the header first) as a CSV download named ``filename``, UTF-8."""
    writer = csv.writer(_Echo())
    response = StreamingHttpResponse((writer.writerow(row) for row in rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
