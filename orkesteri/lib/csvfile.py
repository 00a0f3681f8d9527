"""CSV downloads: every table a user sees can be taken to a spreadsheet.

UTF-8 with a byte order mark, so that Excel reads the letters right; CRLF line ends
(RFC 4180); dates in ISO 8601; a text cell starting like a formula gets a leading
apostrophe, so a spreadsheet shows it instead of running it
(https://owasp.org/www-community/attacks/CSV_Injection).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from django.http import HttpResponse

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def csv_response(
    filename: str, header: Sequence[Any], rows: Iterable[Sequence[Any]]
) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")
    writer = csv.writer(response, lineterminator="\r\n")
    writer.writerow([str(name) for name in header])
    writer.writerows([cell(value) for value in row] for row in rows)
    return response
