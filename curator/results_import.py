"""Reading a file of post metrics (CSV or XLSX) for `curator results import` (issue 15).

The only openpyxl import. A file is read whole and checked before anything is stored: a bad
row refuses the whole file with one line naming the file, the line and the column.

Columns (headers in English or French, any case, accents and spaces ignored):
  url (required)   url, post url, link, lien, url du post
  reactions        reactions, likes, réactions, j'aime
  comments         comments, commentaires
  reposts          reposts, shares, partages, republications
  contacts         contacts, new contacts, nouveaux contacts
  contacts_close, contacts_lost, contacts_target   the circles (French: proches, perdus de
                   vue, cibles)
  conversations    conversations, échanges
  meetings         meetings, rendez-vous, rdv
  note             note, notes, remarque
Other columns are ignored (and named in the report); an empty cell leaves that count unchanged.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from curator.errors import ImportFileError
from curator.i18n import N_, Message
from curator.results import FIELDS

_HEADERS = {
    "url": ("url", "post url", "post", "link", "lien", "url du post", "lien du post", "permalink"),
    "reactions": ("reactions", "likes", "reaction", "jaime", "j aime"),
    "comments": ("comments", "commentaires", "comment", "commentaire"),
    "reposts": ("reposts", "shares", "repost", "partages", "republications", "partage"),
    "contacts": ("contacts", "new contacts", "nouveaux contacts", "contacts nouveaux"),
    "contacts_close": ("contacts close", "close contacts", "proches", "contacts proches"),
    "contacts_lost": ("contacts lost", "lost touch", "perdus de vue", "contacts perdus de vue"),
    "contacts_target": ("contacts target", "target contacts", "cibles", "contacts cibles"),
    "conversations": ("conversations", "conversation", "echanges"),
    "meetings": ("meetings", "meeting", "rendez vous", "rdv"),
    "note": ("note", "notes", "remarque", "remarques"),
}


def _fold(header: str) -> str:
    text = unicodedata.normalize("NFKD", header).encode("ascii", "ignore").decode()
    text = "".join(c if c.isalnum() else " " for c in text.lower())
    return " ".join(text.split())


_BY_HEADER = {_fold(alias): name for name, aliases in _HEADERS.items() for alias in aliases}


@dataclass(frozen=True, slots=True)
class MetricRow:
    line: int
    url: str
    counts: dict[str, int | None]
    note: str | None


@dataclass(frozen=True, slots=True)
class MetricTable:
    rows: tuple[MetricRow, ...]
    ignored_columns: tuple[str, ...] = field(default_factory=tuple)


def read_metrics(path: Path) -> MetricTable:
    """The rows of a .csv or .xlsx file, checked; ImportFileError names what is wrong."""
    where = str(path)
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        cells = _xlsx_cells(path)
    elif suffix in (".csv", ".txt"):
        cells = _csv_cells(path)
    else:
        raise ImportFileError(Message(N_("expected a .csv or .xlsx file")), path=where)
    if not cells:
        raise ImportFileError(Message(N_("the file is empty")), path=where)
    header_line, header = cells[0]
    columns: dict[int, str] = {}
    ignored: list[str] = []
    for i, raw in enumerate(header):
        name = _BY_HEADER.get(_fold(raw))
        if name is None:
            if raw.strip():
                ignored.append(raw.strip())
            continue
        if name in columns.values():
            raise ImportFileError(
                Message(N_("two columns mean {name}"), name=repr(name)),
                path=where,
                line=header_line,
            )
        columns[i] = name
    if "url" not in columns.values():
        raise ImportFileError(
            Message(N_("no URL column (expected a header such as 'url' or 'lien')")),
            path=where,
            line=header_line,
        )
    rows: list[MetricRow] = []
    for line, values in cells[1:]:
        if not any(v.strip() for v in values):
            continue
        url = ""
        counts: dict[str, int | None] = {}
        note: str | None = None
        for i, name in columns.items():
            value = values[i].strip() if i < len(values) else ""
            if name == "url":
                url = value
            elif name == "note":
                note = value or None
            else:
                counts[name] = _count(value, name, where, line)
        if not url.lower().startswith(("http://", "https://")):
            raise ImportFileError(
                Message(N_("url: {url} is not an http(s) address"), url=repr(url))
                if url
                else Message(N_("url: missing")),
                path=where,
                line=line,
            )
        rows.append(MetricRow(line, url, counts, note))
    return MetricTable(tuple(rows), tuple(ignored))


def _count(value: str, name: str, where: str, line: int) -> int | None:
    if value == "":
        return None
    cleaned = value.replace("\u202f", "").replace("\xa0", "").replace(" ", "")
    try:
        number = float(cleaned.replace(",", "."))
    except ValueError:
        number = -1.0
    if number < 0 or number != int(number):
        raise ImportFileError(
            Message(
                N_("{name}: {value} is not a whole number of 0 or more"),
                name=name,
                value=repr(value),
            ),
            path=where,
            line=line,
        )
    assert name in FIELDS
    return int(number)


def _csv_cells(path: Path) -> list[tuple[int, list[str]]]:
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise ImportFileError(
            Message(N_("cannot read: {reason}"), reason=e.strerror or str(e)), path=str(path)
        ) from e
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - cp1252 decodes nearly anything
        raise ImportFileError(Message(N_("not a text file")), path=str(path))
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(
            text[:4096], delimiters=",;\t"
        )
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    try:
        return [(reader.line_num, row) for row in reader]
    except csv.Error as e:
        raise ImportFileError(
            Message(N_("not a valid CSV file: {reason}"), reason=e), path=str(path)
        ) from e


def _xlsx_cells(path: Path) -> list[tuple[int, list[str]]]:
    import zipfile

    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (OSError, InvalidFileException, zipfile.BadZipFile, KeyError, ValueError) as e:
        raise ImportFileError(
            Message(N_("not a readable XLSX workbook: {reason}"), reason=e), path=str(path)
        ) from e
    try:
        sheet = book.worksheets[0]
        out: list[tuple[int, list[str]]] = []
        for n, row in enumerate(sheet.iter_rows(values_only=True), 1):
            out.append((n, [_cell(v) for v in row]))
        return out
    finally:
        book.close()


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
