"""Parse a people list (name, email, department) from CSV. Pure: no Flask, no database.

Dutch spreadsheets export with ';' and often in Windows-1252, so both are accepted.
Problems are returned as codes per row, translated by the view. The caller passes the
organisation's segment names: a column headed by one of them (case-insensitive, trimmed) gives
each person their value of that segment.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field

from email_validator import EmailNotValidError, validate_email

MAX_ROWS = 2000
#: The longest value of a segment (``segments.models.SegmentValue.name``).
SEGMENT_VALUE_MAX = 60

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
    #: Codes; a segment's problem carries its name: ``"segment_value_too_long:Locatie"``.
    errors: list[str] = field(default_factory=list)
    #: segment name -> the value in this row (non-empty cells only).
    segments: dict[str, str] = field(default_factory=dict)

    @property
    def is_valid(self) -> bool:
        return not self.errors


@dataclass
class ParsedFile:
    rows: list[ParsedRow] = field(default_factory=list)
    #: A problem with the file as a whole ('encoding', 'empty', 'no_header', 'too_many_rows').
    error: str | None = None
    #: The segments that have a column in the file, in the file's order.
    segment_columns: list[str] = field(default_factory=list)

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


def _cleaned(title: str) -> str:
    return " ".join(title.split()).lower()


def is_reserved_header(name: str) -> bool:
    """Whether a column with this heading is already read as name, email or department (a
    segment of that name could not get a column of its own)."""
    cleaned = _cleaned(name)
    return any(cleaned in aliases for aliases in HEADER_ALIASES.values())


def _column_map(header: list[str]) -> dict[str, int]:
    mapping: dict[str, int] = {}
    for index, title in enumerate(header):
        cleaned = _cleaned(title)
        for key, aliases in HEADER_ALIASES.items():
            if cleaned in aliases and key not in mapping:
                mapping[key] = index
    return mapping


def _segment_columns(header: list[str], segment_names: Iterable[str], taken: Iterable[int]) -> dict[str, int]:
    """segment name -> column index, for the columns headed by a segment's name."""
    by_heading = {_cleaned(name): name for name in segment_names}
    taken = set(taken)
    found: dict[str, int] = {}
    for index, title in enumerate(header):
        name = by_heading.get(_cleaned(title))
        if name is not None and name not in found and index not in taken:
            found[name] = index
    return found


def parse_people_csv(text: str, segment_names: Iterable[str] = ()) -> ParsedFile:
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

    segment_columns = _segment_columns(header, segment_names, columns.values())
    result = ParsedFile(segment_columns=list(segment_columns))
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
            for segment_name, index in segment_columns.items():
                value = " ".join(record[index].replace("\x00", "").split()) if index < len(record) else ""
                if value:
                    row.segments[segment_name] = value
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
    for segment_name, value in row.segments.items():
        if len(value) > SEGMENT_VALUE_MAX:
            row.errors.append(f"segment_value_too_long:{segment_name}")
