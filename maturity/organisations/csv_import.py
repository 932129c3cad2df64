"""Parse a people list (name, email, department) from CSV. Pure: no Flask, no database.

Dutch spreadsheets export with ';' and often in Windows-1252, so both are accepted.
Problems are returned as codes per row, translated by the view.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from email_validator import EmailNotValidError, validate_email

MAX_ROWS = 2000

HEADER_ALIASES = {
    "name": {"naam", "name", "volledige naam", "full name"},
    "email": {"e-mail", "email", "e-mailadres", "emailadres", "email address", "e-mail address", "mail"},
    "department": {"afdeling", "department", "team"},
    "first_name": {"voornaam", "first name", "firstname", "given name"},
    "infix": {"tussenvoegsel", "tussenvoegsels", "infix"},
    "last_name": {"achternaam", "last name", "lastname", "surname", "family name"},
}


@dataclass
class ParsedRow:
    line: int
    name: str
    email: str
    department: str
    errors: list[str] = field(default_factory=list)

    @property
    def is_valid(self) -> bool:
        return not self.errors


@dataclass
class ParsedFile:
    rows: list[ParsedRow] = field(default_factory=list)
    #: A problem with the file as a whole ('encoding', 'empty', 'no_header', 'too_many_rows').
    error: str | None = None

    @property
    def valid_rows(self) -> list[ParsedRow]:
        return [r for r in self.rows if r.is_valid]

    @property
    def invalid_rows(self) -> list[ParsedRow]:
        return [r for r in self.rows if not r.is_valid]


def decode(data: bytes) -> str | None:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def _column_map(header: list[str]) -> dict[str, int]:
    mapping: dict[str, int] = {}
    for index, title in enumerate(header):
        cleaned = title.strip().lower()
        for key, aliases in HEADER_ALIASES.items():
            if cleaned in aliases and key not in mapping:
                mapping[key] = index
    return mapping


def parse_people_csv(text: str) -> ParsedFile:
    if not text.strip():
        return ParsedFile(error="empty")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    try:
        header = next(reader)
    except (StopIteration, csv.Error):
        return ParsedFile(error="empty")
    columns = _column_map(header)
    has_split_name = "first_name" in columns or "last_name" in columns
    if ("name" not in columns and not has_split_name) or "email" not in columns:
        return ParsedFile(error="no_header")

    result = ParsedFile()
    seen: dict[str, int] = {}
    try:
        for record in reader:
            if not any(cell.strip() for cell in record):
                continue
            if len(result.rows) >= MAX_ROWS:
                return ParsedFile(error="too_many_rows")

            def cell(key: str) -> str:
                index = columns.get(key)
                return " ".join(record[index].split()) if index is not None and index < len(record) else ""

            name = cell("name")
            if has_split_name:
                # "Voornaam;Tussenvoegsel;Achternaam" (Dutch HR exports) become one name; a
                # "Naam" column next to them is taken to be the surname.
                parts = [cell("first_name"), cell("infix"), cell("last_name") or name]
                name = " ".join(p for p in parts if p)
            row = ParsedRow(line=reader.line_num, name=name, email=cell("email").lower(), department=cell("department"))
            _check_row(row, seen)
            result.rows.append(row)
    except csv.Error:
        return ParsedFile(error="malformed")
    if not result.rows:
        return ParsedFile(error="empty")
    return result


def _check_row(row: ParsedRow, seen: dict[str, int]) -> None:
    if not row.name:
        row.errors.append("name_missing")
    elif len(row.name) > 120:
        row.errors.append("name_too_long")
    if not row.email:
        row.errors.append("email_missing")
    else:
        try:
            row.email = validate_email(row.email, check_deliverability=False).normalized.lower()
        except EmailNotValidError:
            row.errors.append("email_invalid")
        else:
            if row.email in seen:
                row.errors.append("email_duplicate")
            else:
                seen[row.email] = row.line
    if len(row.department) > 80:
        row.errors.append("department_too_long")
