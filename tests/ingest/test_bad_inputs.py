"""Hostile and broken inputs: every case ends in a correct import or a clean error, database unchanged.

The corpus is generated here (files as Excel, CRMs and careless hands write them) and completed by
hypothesis-generated CSV cells and mappings. "Clean" means a ``SalesVelocityError`` whose message names
the file (or the mapping) — never another exception — and, when an import is refused, a database that
is byte-for-byte the same in every table. Successful imports are re-imported to check they change nothing.
"""

from __future__ import annotations

import csv
import io
import os
import random
import shutil
import tomllib
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import salesvelocity as sv
from salesvelocity.errors import SalesVelocityError
from salesvelocity.ingest import Mapping, import_paths
from salesvelocity.schema import TABLES

BASE_TEAMS = [["T1", "Alpha", ""]]
BASE_PEOPLE = [["A1", "Ann", "T1"], ["B1", "Bob", "T1"]]
DEAL_HEADER = ["deal_id", "owner_id", "created_at", "status", "stage", "amount", "closed_at"]
GOOD_DEAL = ["d1", "A1", "2026-01-10T00:00:00Z", "won", "Won", "1000", "2026-01-20T00:00:00Z"]


def csv_bytes(header: list[str], rows: list[list[object]], delimiter: str = ",", encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\n").writerows([header, *rows])
    return buffer.getvalue().encode(encoding)


def deal_csv(*rows: list[object], header: list[str] = DEAL_HEADER) -> bytes:
    return csv_bytes(header, list(rows))


def with_cell(column: str, value: object, row: list[object] = GOOD_DEAL) -> bytes:
    changed = list(row)
    changed[DEAL_HEADER.index(column)] = value
    return deal_csv(changed)


# -- the corpus: name → (file name, content) or a builder writing into a folder --------------------
Case = tuple[str, bytes | Callable[[Path], Path]]
CASES: dict[str, Case] = {}


def case(name: str, file: str, content: bytes | Callable[[Path], Path]) -> None:
    assert name not in CASES, name
    CASES[name] = (file, content)


# Bytes that are not a CSV, or barely one.
case("empty", "deals.csv", b"")
case("whitespace only", "deals.csv", b"  \n\n \t \n")
case("header only", "deals.csv", ",".join(DEAL_HEADER).encode() + b"\n")
case("nul bytes", "deals.csv", b"deal_id,owner_id\x00\x00\n1,2\n")
case("random binary", "deals.csv", random.Random(1).randbytes(4000))
case("png as csv", "deals.csv", b"\x89PNG\r\n\x1a\n" + random.Random(2).randbytes(300))
case("zip as csv", "deals.csv", b"PK\x03\x04" + random.Random(3).randbytes(300))
case("utf-16 bom only", "deals.csv", b"\xff\xfe")
case("utf-8 bom only", "deals.csv", b"\xef\xbb\xbf")
case("utf-16 odd bytes", "deals.csv", "\ufeffdeal_id,owner_id\n1,2\n".encode("utf-16-le") + b"\x00")
case("utf-16 le", "deals.csv", "\ufeff".encode("utf-16-le") + deal_csv(GOOD_DEAL).decode().encode("utf-16-le"))
case("utf-16 be", "deals.csv", b"\xfe\xff" + deal_csv(GOOD_DEAL).decode().encode("utf-16-be"))
case("cr only line ends", "deals.csv", deal_csv(GOOD_DEAL).replace(b"\n", b"\r"))
case("crlf line ends", "deals.csv", deal_csv(GOOD_DEAL).replace(b"\n", b"\r\n"))
case("mixed line ends", "deals.csv", deal_csv(GOOD_DEAL, ["d2", *GOOD_DEAL[1:]]).replace(b"\n", b"\r\n", 1))
case("no final newline", "deals.csv", deal_csv(GOOD_DEAL).rstrip(b"\n"))
case("unterminated quote at end", "deals.csv", deal_csv(GOOD_DEAL) + b'd2,A1,2026-01-01,open,"Proposal,5\n')
case("unterminated quote in middle", "deals.csv", deal_csv(GOOD_DEAL) + b'd2,"A1,2026-01-01,open\nd3,A1,x\n')
case("literal quote inside value", "deals.csv", deal_csv(GOOD_DEAL) + b'd2,A1,2026-01-01,open,5" Screen,1,\n')
case("quoted newlines", "deals.csv", deal_csv(GOOD_DEAL) + b'd2,A1,2026-01-01,open,"Pro\nposal",1,\n')
case("ragged short row", "deals.csv", deal_csv(GOOD_DEAL) + b"d2,A1\n")
case("ragged long row", "deals.csv", deal_csv(GOOD_DEAL) + b"d2,A1,2026-01-01,open,x,1,,extra,more\n")
case("duplicate header", "deals.csv", b"deal_id,deal_id,owner_id\n1,2,A1\n")
case("empty header names", "deals.csv", b",,\n1,2,3\n")
case("header with spaces and case", "deals.csv", deal_csv(GOOD_DEAL, header=[f" {h.upper()} " for h in DEAL_HEADER]))
case("semicolon separated", "deals.csv", csv_bytes(DEAL_HEADER, [GOOD_DEAL], ";"))
case("tab separated", "deals.tsv", csv_bytes(DEAL_HEADER, [GOOD_DEAL], "\t"))
case("pipe separated", "deals.csv", csv_bytes(DEAL_HEADER, [GOOD_DEAL], "|"))
case("one column file", "deals.csv", b"deal_id\nd1\n")
case("very long line", "deals.csv", deal_csv([*GOOD_DEAL[:4], "x" * 200_000, *GOOD_DEAL[5:]]))
case(
    "windows-1252",
    "people.csv",
    csv_bytes(["person_id", "name", "team_id"], [["Z1", "Zoë Müller", "T1"]], ",", "cp1252"),
)
case(
    "one cp1252 byte in utf-8",
    "people.csv",
    csv_bytes(["person_id", "name", "team_id"], [[f"Z{i}", "Zoë", "T1"] for i in range(50)]).replace(
        "Zoë".encode(), "Zoë".encode("cp1252"), 1
    ),
)
case("undefined cp1252 byte", "people.csv", b"person_id,name,team_id\nZ1,Zo\x81,T1\n")
case("overlong utf-8", "people.csv", b"person_id,name,team_id\nZ1,Zo\xc0\xaf,T1\n")
case(
    "control characters in name",
    "people.csv",
    csv_bytes(["person_id", "name", "team_id"], [["Z1", "A\x1b[31mred\x07", "T1"]]),
)
case(
    "markup in name",
    "people.csv",
    csv_bytes(["person_id", "name", "team_id"], [["Z1", "[/] [link=http://x]y[/link]", "T1"]]),
)
case(
    "formula in name",
    "people.csv",
    csv_bytes(["person_id", "name", "team_id"], [["Z1", '=HYPERLINK("http://x")', "T1"]]),
)
case("emoji and rtl", "people.csv", csv_bytes(["person_id", "name", "team_id"], [["Z1", "Ann 🎉 \u202eevil", "T1"]]))
case("sql in id", "people.csv", csv_bytes(["person_id", "name", "team_id"], [["x'); DROP TABLE deals; --", "X", "T1"]]))
case("whitespace id", "people.csv", csv_bytes(["person_id", "name", "team_id"], [["   ", "X", "T1"]]))
case("huge id", "people.csv", csv_bytes(["person_id", "name", "team_id"], [["p" * 100_000, "X", "T1"]]))
case("unknown team", "people.csv", csv_bytes(["person_id", "name", "team_id"], [["Z1", "X", "T9"]]))
case("unknown role", "people.csv", csv_bytes(["person_id", "role"], [["Z1", "boss"]]))

# Cells that break a rule of the canonical tables.
for column, values in {
    "created_at": [
        "9999-12-31",
        "10000-01-01",
        "0001-01-01",
        "0044-03-15 BC",
        "1899-12-31",
        "2101-01-01",
        "31-02-2024",
        "2024-02-30",
        "yesterday",
        "2026-03-01T10:00+25:00",
        "2026-03-01T10:00-15:00",
        "2026-13-01",
        "1e9",
        "",
        "2026-03-01T25:61:00",
        "NaT",
        "2026-03-01 10:00 Mars/Olympus",
    ],
    "closed_at": ["9999-12-31", "2025-01-01", "", "2026-01-20T00:00:00+14:00"],
    "amount": ["-5", "NaN", "inf", "1e400", "12abc", "1.234,56", "€ 12", "99999999999999999999", "0x10", "1_000"],
    "status": ["WON", "Won ", "closed", "", "geschlossen", "won\x00"],
    "owner_id": ["", "nobody", "a1", " A1 "],
    "deal_id": ["", "   "],
}.items():
    for value in values:
        case(f"deals {column} = {value!r}", "deals.csv", with_cell(column, value))
case("duplicate ids identical", "deals.csv", deal_csv(GOOD_DEAL, GOOD_DEAL))
case("duplicate ids conflicting", "deals.csv", deal_csv(GOOD_DEAL, [*GOOD_DEAL[:5], "2000", GOOD_DEAL[6]]))
case("missing required column", "deals.csv", deal_csv(GOOD_DEAL[1:], header=DEAL_HEADER[1:]))
case("unknown column", "deals.csv", deal_csv([*GOOD_DEAL, "x"], header=[*DEAL_HEADER, "colour"]))
case("many bad rows", "deals.csv", deal_csv(*[[f"d{i}", "A1", "not a date", "won", "", "-1", ""] for i in range(3000)]))
case(
    "stage change for unknown deal",
    "stage_changes.csv",
    csv_bytes(["deal_id", "stage", "entered_at"], [["zz", "S", "2026-01-01"]]),
)
case(
    "stage change far future",
    "stage_changes.csv",
    csv_bytes(["deal_id", "stage", "entered_at"], [["d0", "S", "9999-01-01"]]),
)
case(
    "pulse score out of scale",
    "pulse_responses.csv",
    csv_bytes(
        ["response_id", "team_id", "answered_at", "question_id", "score"], [["r1", "T1", "2026-01-01", "enps", "11"]]
    ),
)
case(
    "pulse answered with time",
    "pulse_responses.csv",
    csv_bytes(
        ["response_id", "team_id", "answered_at", "question_id", "score", "respondent_token"],
        [["r1", "T1", "2026-01-01 13:47:12", "enps", "9", "made-up-token"]],
    ),
)
case(
    "target with bad scope",
    "targets.csv",
    csv_bytes(
        ["scope", "period_start", "period_end", "metric", "value"],
        [["galaxy", "2026-01-01", "2026-04-01", "won_amount", "1"]],
    ),
)
case(
    "obstacle never date",
    "obstacles.csv",
    csv_bytes(["obstacle_id", "raised_by", "raised_at"], [["o1", "A1", "9999-12-31 23:59:59"]]),
)
case(
    "annotation year 10000",
    "annotations.csv",
    csv_bytes(["annotation_id", "at", "label"], [["a1", "10000-01-01", "x"]]),
)
case(
    "lead never touched placeholder",
    "leads.csv",
    csv_bytes(["lead_id", "created_at", "first_touch_at"], [["l1", "2026-01-01", "1900-01-01"]]),
)
case("not a canonical name", "dealz.csv", deal_csv(GOOD_DEAL))
case("unsupported extension", "deals.xls", b"\xd0\xcf\x11\xe0" + bytes(100))
case("no extension", "deals", deal_csv(GOOD_DEAL))


# Excel workbooks as Excel and careless tools write them.
def xlsx(rows: list[list[object]], edit: Callable[[dict[str, bytes]], None] | None = None) -> Callable[[Path], Path]:
    def build(folder: Path) -> Path:
        path = folder / "deals.xlsx"
        book = openpyxl.Workbook()
        for row in rows:
            book.active.append(row)
        book.save(path)
        if edit is not None:
            with zipfile.ZipFile(path) as archive:
                parts = {n: archive.read(n) for n in archive.namelist()}
            edit(parts)
            with zipfile.ZipFile(path, "w") as archive:
                for name, data in parts.items():
                    archive.writestr(name, data)
        return path

    return build


SHEET = "xl/worksheets/sheet1.xml"


def _declare(ref: str) -> Callable[[dict[str, bytes]], None]:
    def edit(parts: dict[str, bytes]) -> None:
        xml = parts[SHEET].decode()
        start = xml.index("<dimension ref=")
        end = xml.index("/>", start) + 2
        parts[SHEET] = (xml[:start] + f'<dimension ref="{ref}"/>' + xml[end:]).encode()

    return edit


def _formula_without_value(parts: dict[str, bytes]) -> None:
    parts[SHEET] = parts[SHEET].replace(b'<c r="F2" t="n"><v>1000</v></c>', b'<c r="F2"><f>SUM(A1:A9)</f></c>')
    parts[SHEET] = parts[SHEET].replace(b'<c r="F2"><v>1000</v></c>', b'<c r="F2"><f>SUM(A1:A9)</f></c>')


XL_ROWS = [DEAL_HEADER] + [[f"x{i}", "A1", "2026-01-10", "open", "New", 1000 + i, None] for i in range(1, 1001)]
case("xlsx valid", "deals.xlsx", xlsx(XL_ROWS))
case("xlsx declares fewer rows", "deals.xlsx", xlsx(XL_ROWS, _declare("A1:G500")))
case("xlsx declares a huge sheet", "deals.xlsx", xlsx(XL_ROWS[:5], _declare("A1:XFD1048576")))
case(
    "xlsx formula without saved value",
    "deals.xlsx",
    xlsx([DEAL_HEADER, ["f1", "A1", "2026-01-10", "open", "New", 1000, None]], _formula_without_value),
)
case("xlsx damaged xml", "deals.xlsx", xlsx(XL_ROWS[:5], lambda p: p.__setitem__(SHEET, p[SHEET][:-40])))
case("xlsx not xml", "deals.xlsx", xlsx(XL_ROWS[:5], lambda p: p.__setitem__(SHEET, b"\x00\x01 not xml")))
case("xlsx without workbook part", "deals.xlsx", xlsx(XL_ROWS[:5], lambda p: p.pop("xl/workbook.xml")))
case("xlsx not a zip", "deals.xlsx", b"this is not a workbook")
case("xlsx empty sheet", "deals.xlsx", xlsx([]))
case("xlsx header only", "deals.xlsx", xlsx([DEAL_HEADER]))
case("xlsx numbers as dates", "deals.xlsx", xlsx([DEAL_HEADER, ["n1", "A1", 46000, "open", "New", 5, None]]))
case(
    "xlsx stray header in column XFD",
    "deals.xlsx",
    xlsx([[*DEAL_HEADER, *[None] * 16000, "stray"]] + [[f"w{i}", "A1", "2026-01-10", "open"] for i in range(200)]),
)
case("xlsx far-away cell", "deals.xlsx", xlsx([DEAL_HEADER, GOOD_DEAL, [None] * 200 + ["stray"]]))


# Parquet files with odd types.
def parquet(table: pa.Table, name: str = "deals.parquet") -> Callable[[Path], Path]:
    def build(folder: Path) -> Path:
        pq.write_table(table, folder / name)
        return folder / name

    return build


case("parquet valid", "deals.parquet", parquet(pa.table({h: [v] for h, v in zip(DEAL_HEADER, GOOD_DEAL, strict=True)})))
case(
    "parquet typed columns",
    "deals.parquet",
    parquet(
        pa.table(
            {
                "deal_id": [1],
                "owner_id": ["A1"],
                "created_at": pa.array([1_700_000_000_000], pa.timestamp("ms", "UTC")),
                "status": ["open"],
                "amount": [12.5],
            }
        )
    ),
)
case(
    "parquet nested column",
    "deals.parquet",
    parquet(
        pa.table(
            {
                "deal_id": ["n1"],
                "owner_id": ["A1"],
                "created_at": ["2026-01-01"],
                "status": ["open"],
                "stage": [["a", "b"]],
            }
        )
    ),
)
case("parquet empty", "deals.parquet", parquet(pa.table({h: pa.array([], pa.string()) for h in DEAL_HEADER})))
case("parquet corrupt", "deals.parquet", b"PAR1" + random.Random(4).randbytes(200) + b"PAR1")
case("parquet truncated", "deals.parquet", lambda folder: _truncated_parquet(folder))


def _truncated_parquet(folder: Path) -> Path:
    sink = io.BytesIO()
    pq.write_table(pa.table({h: [v] for h, v in zip(DEAL_HEADER, GOOD_DEAL, strict=True)}), sink)
    (folder / "deals.parquet").write_bytes(sink.getvalue()[:-30])
    return folder / "deals.parquet"


# Slack exports (kudos through a mapping are tested elsewhere; here: broken JSON read as canonical input).
case("json not slack", "deals.json", b'{"a": 1}')
case("json broken", "deals.json", b"[{")


# -- mappings: broken in each way a hand-edited TOML file breaks ------------------------------------
MAPPED_CSV = csv_bytes(
    ["Id", "Rep", "Created", "Phase", "a" * 60],  # the last header makes a backtracking pattern run away
    [["m1", "A1", "01-02-2026", "Won", ""], ["m2", "B1", "15-02-2026", "Open", ""]],
)
GOOD_MAPPING = """
[options]
date_order = "dmy"
[tables.deals]
deal_id = "Id"
owner_id = "Rep"
created_at = "Created"
status = { column = "Phase", values = { "Won" = "won" }, default = "open" }
closed_at = { column = "Created", when_status = ["won"] }
"""
MAPPINGS = {
    "good mapping": GOOD_MAPPING,
    "not toml": "this is = = not toml [",
    "empty mapping": "",
    "options not a table": "options = 5\n[tables.deals]\ndeal_id = 'Id'",
    "tables not a table": "tables = 'deals'",
    "table spec a string": "[tables]\ndeals = 'Id'",
    "table spec a list of strings": "[tables]\ndeals = ['Id']",
    "unknown table": "[tables.dealz]\ndeal_id = 'Id'",
    "unknown column": "[tables.deals]\ndeal = 'Id'",
    "column spec a list": "[tables.deals]\ndeal_id = ['Id']",
    "column spec a bool": "[tables.deals]\ndeal_id = true",
    "values not a table": "[tables.deals]\nstatus = { column = 'Phase', values = ['Won'] }",
    "when_status a string": "[tables.deals]\nclosed_at = { column = 'Created', when_status = 'won' }",
    "divide zero": "[tables.deals]\namount = { column = 'Id', divide = 0 }",
    "divide text": "[tables.deals]\namount = { column = 'Id', divide = 'x' }",
    "unknown spec option": "[tables.deals]\ndeal_id = { col = 'Id' }",
    "unknown infer": "[tables.deals]\nstatus = { column = 'Phase', infer = 'magic' }",
    "skip without column": "[tables.deals]\ndeal_id = 'Id'\nskip = 'deleted'",
    "skip column missing": "[tables.deals]\ndeal_id = 'Id'\nskip = { values = ['x'] }",
    "rows not a list": "[rows]\nstages = 'x'",
    "row unknown column": "[[rows.stages]]\npipeline = 'p'\nstage = 's'\nposition = 1\nkind = 'open'\ncolour = 'red'",
    "row bad kind": "[[rows.stages]]\npipeline = 'p'\nstage = 's'\nposition = 'first'\nkind = 'maybe'",
    "unknown option": "[options]\nseparator = ';'\n[tables.deals]\ndeal_id = 'Id'",
    "empty delimiter": GOOD_MAPPING.replace("[options]", '[options]\ndelimiter = ""'),
    "long delimiter": GOOD_MAPPING.replace("[options]", '[options]\ndelimiter = ";;"'),
    "unknown encoding": GOOD_MAPPING.replace("[options]", '[options]\nencoding = "klingon"'),
    "wrong encoding": GOOD_MAPPING.replace("[options]", '[options]\nencoding = "utf-16"'),
    "bad date_format": GOOD_MAPPING.replace('date_order = "dmy"', 'date_format = "%Q-%m"'),
    "date_format without codes": GOOD_MAPPING.replace('date_order = "dmy"', 'date_format = "dd-mm-yyyy"'),
    "bad column format": GOOD_MAPPING.replace(
        'created_at = "Created"', 'created_at = { column = "Created", format = "%" }'
    ),
    "bad date_order": GOOD_MAPPING.replace('"dmy"', '"dym"'),
    "bad decimal": GOOD_MAPPING.replace("[options]", '[options]\ndecimal = "·"'),
    "unknown timezone": GOOD_MAPPING.replace("[options]", '[options]\ntimezone = "Mars/Olympus"'),
    "missing source column": GOOD_MAPPING.replace('owner_id = "Rep"', 'owner_id = "Owner"'),
    "missing required mapping": GOOD_MAPPING.replace('owner_id = "Rep"\n', ""),
    "bad regex": "[[tables.stage_changes]]\ndeal_id = 'Id'\nunpivot = { headers = '(?P<stage>[' }",
    "regex without stage group": "[[tables.stage_changes]]\ndeal_id = 'Id'\nunpivot = { headers = '.*' }",
    "regex headers a number": "[[tables.stage_changes]]\ndeal_id = 'Id'\nunpivot = { headers = 5 }",
    "catastrophic regex": "[[tables.stage_changes]]\ndeal_id = 'Id'\nunpivot = { headers = '(?P<stage>(a|aa)+)b' }",
    "unpivot into unknown column": (
        "[[tables.stage_changes]]\ndeal_id = 'Id'\nunpivot = { headers = '(?P<stage>Created)', into = 'when' }"
    ),
    "sql in constant": GOOD_MAPPING + 'source = { value = "x\'); DROP TABLE deals; --" }\n',
    "sql in column name": GOOD_MAPPING.replace('deal_id = "Id"', 'deal_id = "Id\\"); DROP TABLE deals; --"'),
}


@pytest.fixture(scope="module")
def base_db(tmp_path_factory) -> Path:
    """A small valid database every case starts from (copied per case)."""
    folder = tmp_path_factory.mktemp("base")
    (folder / "teams.csv").write_bytes(csv_bytes(["team_id", "name", "manager_id"], BASE_TEAMS))
    (folder / "people.csv").write_bytes(csv_bytes(["person_id", "name", "team_id"], BASE_PEOPLE))
    (folder / "deals.csv").write_bytes(deal_csv([*GOOD_DEAL[:0], "d0", *GOOD_DEAL[1:]]))
    db = folder / "base.duckdb"
    with sv.connect(db) as store:
        import_paths(store, [folder / "teams.csv", folder / "people.csv", folder / "deals.csv"])
    return db


def contents(store) -> dict[str, list]:
    return {name: sorted(map(repr, store.sql(f'SELECT * FROM "{name}"').fetchall())) for name in TABLES}


def run_case(db: Path, paths: list[Path], mapping: Path | None = None) -> str:
    """Import; return "imported" or "refused", asserting the clean-error and nothing-lost rules."""
    with sv.connect(db) as store:
        before = contents(store)
        try:
            first = import_paths(store, paths, mapping=mapping)
        except SalesVelocityError as exc:
            text = str(exc)
            assert text.strip() and "Traceback" not in text
            named = [p.name for p in paths] + ([mapping.name] if mapping else [])
            assert any(n in text for n in named) or "mapping" in text or "header" in text, text
            assert contents(store) == before, "a refused import changed the database"
            return "refused"
        after = contents(store)
        again = import_paths(store, paths, mapping=mapping)
        assert contents(store) == after, "re-importing the same files changed the database"
        assert all(c.new == 0 and c.updated == 0 for c in again.tables.values())
        assert first.rows >= 0
        return "imported"


def materialise(folder: Path, file: str, content) -> Path:
    if callable(content):
        return content(folder)
    path = folder / file
    path.write_bytes(content)
    return path


@pytest.mark.parametrize("name", sorted(CASES))
def test_file_case(name, base_db, tmp_path):
    file, content = CASES[name]
    db = tmp_path / "case.duckdb"
    shutil.copy(base_db, db)
    outcome = run_case(db, [materialise(tmp_path, file, content)])
    assert outcome in ("imported", "refused")


@pytest.mark.parametrize("name", sorted(MAPPINGS))
def test_mapping_case(name, base_db, tmp_path):
    db = tmp_path / "case.duckdb"
    shutil.copy(base_db, db)
    data = tmp_path / "export.csv"
    data.write_bytes(MAPPED_CSV)
    mapping = tmp_path / "export.mapping.toml"
    mapping.write_text(MAPPINGS[name], encoding="utf-8")
    outcome = run_case(db, [data], mapping)
    assert outcome == ("imported" if name in ("good mapping", "sql in constant") else "refused"), name


EXPECTED_REFUSALS = {
    "deals created_at = '9999-12-31'": "outside the years 1900–2100",
    "deals created_at = '10000-01-01'": "created_at",
    "deals created_at = '2026-03-01T10:00+25:00'": "not a valid timestamp",
    "deals closed_at = '9999-12-31'": "outside the years 1900–2100",
    "obstacle never date": "outside the years 1900–2100",
    "one cp1252 byte in utf-8": "row 2",
    "undefined cp1252 byte": "byte 0x81",
    "unterminated quote at end": "never closed",
    "xlsx formula without saved value": "cell F2",
    "xlsx damaged xml": "damaged",
    "xlsx not xml": "cannot be read as an Excel workbook",
    "png as csv": "binary",
    "utf-8 bom only": "empty",
    "empty header names": "column 1",
}


@pytest.mark.parametrize("name", sorted(EXPECTED_REFUSALS))
def test_refusals_say_why(name, base_db, tmp_path):
    file, content = CASES[name]
    db = tmp_path / "case.duckdb"
    shutil.copy(base_db, db)
    with sv.connect(db) as store, pytest.raises(SalesVelocityError) as caught:
        import_paths(store, [materialise(tmp_path, file, content)])
    assert EXPECTED_REFUSALS[name] in str(caught.value)


def test_excel_rows_beyond_the_declared_size_are_read(base_db, tmp_path):
    db = tmp_path / "case.duckdb"
    shutil.copy(base_db, db)
    path = materialise(tmp_path, *CASES["xlsx declares fewer rows"])
    with sv.connect(db) as store:
        result = import_paths(store, [path])
    assert result.tables["deals"].new == 1000


def test_a_mixed_encoding_file_keeps_its_names(base_db, tmp_path):
    """Issue 13: one Windows-1252 byte used to re-read a UTF-8 file as Windows-1252 ("ZoÃ«")."""
    db = tmp_path / "case.duckdb"
    shutil.copy(base_db, db)
    rows = [[f"Z{i}", "Zoë", "T1"] for i in range(20_000)]
    clean = tmp_path / "people.csv"
    clean.write_bytes(csv_bytes(["person_id", "name", "team_id"], rows))
    with sv.connect(db) as store:
        import_paths(store, [clean])
        names = {n for (n,) in store.sql("SELECT DISTINCT name FROM people WHERE person_id LIKE 'Z%'").fetchall()}
    assert names == {"Zoë"}


def test_a_line_break_in_a_quoted_value_is_found():
    """The reader splits a file across threads only when no quoted value holds a line break."""
    from salesvelocity.ingest.files import _quote_marks, _quoted_line_break

    def breaks(raw: bytes) -> bool:
        return _quoted_line_break(_quote_marks(raw))

    header = b'"Date entered ""Won""",b\n'  # quotes in the header only (HubSpot): safe to split
    assert not breaks(header + b"1,2\n" * 50)
    assert not breaks(header + b'"a ""quoted"" word",2\n' * 20)
    assert not breaks(b'a,b\n"""",""""""\n')  # values that are one quote, two quotes
    assert not breaks(b'a,b\n1,"x"')  # no line end after the last line
    assert breaks(header + b"1,2\n" * 50 + b'"two\nlines",3\n')
    assert breaks(b'a,b\n"ends in a quote ""\nand goes on",3\n')
    assert breaks(b'a,b\n"x""\n""y",3\n')  # the line break sits between two doubled quotes


def test_padded_cells_are_trimmed_whichever_way_a_column_is_read(base_db, tmp_path):
    """Columns with no padded or empty value skip the engine's trim; the others (spaces, Unicode spaces,
    blank cells) are cleaned as always — the stored rows are the same either way."""
    from salesvelocity.ingest.files import read_csv, trimmed_columns

    header = [*DEAL_HEADER, "segment", "product"]
    rows = [
        ["d1", "A1", "2026-01-10T00:00:00Z", "won", "Won", "1000", "2026-01-20T00:00:00Z", "SMB", "Core"],
        ["d2", " B1 ", "2026-01-11T00:00:00Z", "open", "Proposal\u00a0", "20", "", "   ", "Core"],
        ["d3", "A1", "2026-01-12T00:00:00Z", "open", "\u3000Proposal", "30", "", "Mid", "Core"],
    ]
    db = tmp_path / "case.duckdb"
    shutil.copy(base_db, db)
    path = tmp_path / "deals.csv"
    path.write_bytes(csv_bytes(header, rows))
    clean = trimmed_columns(read_csv(path), header)
    assert clean == {"deal_id", "created_at", "status", "amount", "closed_at", "product"}
    with sv.connect(db) as store:
        import_paths(store, [path])
        stored = store.sql(
            "SELECT deal_id, owner_id, stage, segment, product FROM deals WHERE deal_id <> 'd0' ORDER BY 1"
        ).fetchall()
    assert stored == [
        ("d1", "A1", "Won", "SMB", "Core"),
        ("d2", "B1", "Proposal", None, "Core"),
        ("d3", "A1", "Proposal", "Mid", "Core"),
    ]


def test_a_large_file_with_a_late_multi_line_value_keeps_every_row(base_db, tmp_path):
    db = tmp_path / "case.duckdb"
    shutil.copy(base_db, db)
    rows = [[f"d{i}", "A1", "2026-01-10T00:00:00Z", "open", "Proposal", "1", ""] for i in range(30_000)]
    rows[-2][4] = "Pro\nposal"
    path = tmp_path / "deals.csv"
    path.write_bytes(deal_csv(*rows).replace(b",stage,", b',"stage",', 1))  # a quoted header name too
    with sv.connect(db) as store:
        result = import_paths(store, [path])
        stage = store.sql("SELECT stage FROM deals WHERE deal_id = 'd29998'").fetchone()[0]
    assert result.tables["deals"].read == 30_000 and stage == "Pro\nposal"


# -- hypothesis: random cells in a deals file, random mapping documents ------------------------------
cell = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["", " ", "=1+1", "-1", "9999-12-31", "2026-02-30", "won", "lost", "open", "A1", "NaN", '"']),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.lists(cell, min_size=7, max_size=7), min_size=1, max_size=6))
def test_random_deal_cells(rows, base_db, tmp_path_factory):
    folder = tmp_path_factory.mktemp("h")
    db = folder / "case.duckdb"
    shutil.copy(base_db, db)
    path = folder / "deals.csv"
    path.write_bytes(deal_csv(*rows))
    run_case(db, [path])


toml_scalar = st.one_of(st.text(max_size=8), st.integers(-3, 3), st.booleans(), st.just("%d-%m-%Y"), st.just(""))
toml_value = st.recursive(
    toml_scalar,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(
            st.sampled_from(
                [
                    "column",
                    "values",
                    "value",
                    "default",
                    "when_status",
                    "divide",
                    "format",
                    "infer",
                    "headers",
                    "into",
                    "deal_id",
                    "Won",
                ]
            ),
            inner,
            max_size=3,
        ),
    ),
    max_leaves=6,
)
mapping_doc = st.fixed_dictionaries(
    {},
    optional={
        "options": st.dictionaries(
            st.sampled_from(
                sorted(["delimiter", "encoding", "decimal", "date_order", "date_format", "timezone", "bogus"])
            ),
            toml_scalar,
            max_size=3,
        ),
        "tables": st.dictionaries(
            st.sampled_from(["deals", "people", "stage_changes", "nope"]),
            st.dictionaries(
                st.sampled_from(["deal_id", "owner_id", "created_at", "status", "unpivot", "skip", "zzz"]),
                toml_value,
                max_size=4,
            ),
            max_size=2,
        ),
    },
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(doc=mapping_doc)
def test_random_mappings(doc, base_db, tmp_path_factory):
    folder = tmp_path_factory.mktemp("m")
    db = folder / "case.duckdb"
    shutil.copy(base_db, db)
    data = folder / "export.csv"
    data.write_bytes(MAPPED_CSV)
    try:
        mapping = Mapping.from_dict("random.toml", doc)
    except SalesVelocityError:
        return
    with sv.connect(db) as store:
        before = contents(store)
        try:
            import_paths(store, [data], mapping=mapping)
        except SalesVelocityError:
            assert contents(store) == before


def test_the_corpus_is_big_enough():
    hypothesis_cases = 60 + 80
    assert len(CASES) + len(MAPPINGS) + hypothesis_cases >= 200
    assert os.environ.get("SALESVELOCITY_PULSE_KEY")  # the suite never writes a key file into the checkout
    assert tomllib.loads(GOOD_MAPPING)
