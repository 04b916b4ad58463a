"""CSV files of the reports: spreadsheet-safe cells, proper quoting, numbers kept numbers."""

from __future__ import annotations

import csv
import io

import pytest

from atdesk.reports.csv_export import csv_response, csv_text, safe_cell


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ('=HYPERLINK("http://evil.example","x")', '\'=HYPERLINK("http://evil.example","x")'),
        ("+1 415 555 0142", "'+1 415 555 0142"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("billing", "billing"),
        ("a=b", "a=b"),
        ("", ""),
        (None, ""),
        (-12, -12),
        (0.875, 0.875),
        (True, "yes"),
    ],
)
def test_cells_that_would_run_as_formulas_are_defused(value: object, written: object) -> None:
    assert safe_cell(value) == written  # type: ignore[arg-type]


def test_the_file_reads_back_with_the_csv_module() -> None:
    text = csv_text(
        ["Agent", "Cases", "NPS"],
        [['Ana, "the fast"', 12, -20.0], ["=cmd|' /C calc'!A0", 3, None], ["Line\nbreak", 0, 5]],
    )
    assert text.endswith("\r\n")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows == [
        ["Agent", "Cases", "NPS"],
        ['Ana, "the fast"', "12", "-20.0"],
        ["'=cmd|' /C calc'!A0", "3", ""],
        ["Line\nbreak", "0", "5"],
    ]


def test_the_download_is_named_utf8_csv_and_not_cached() -> None:
    response = csv_response("Reports/agents 2026 ../x", ["Brand"], [["Café"]])
    assert response.media_type == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == (
        'attachment; filename="reports-agents-2026-x.csv"'
    )
    assert response.headers["cache-control"] == "no-store"
    body = bytes(response.body).decode("utf-8")
    assert body.startswith("\ufeffBrand\r\n") and "Café" in body
