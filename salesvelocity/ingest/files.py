"""Reading tabular files into Arrow with every value kept as text and each row's number attached.

Values stay strings here; typing and validation happen in the engine (see ``validate``), so that one
bad cell is reported with its file, row and column instead of failing the whole read.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from salesvelocity.errors import ImportValidationError, Problem

ROW_COLUMN = "_row"
DELIMITERS = [",", ";", "\t", "|"]


def _fail(path: Path, message: str, fix: str) -> ImportValidationError:
    return ImportValidationError([Problem(str(path), None, None, None, message, fix)])


def _sniff_delimiter(path: Path, sample: str) -> str:
    header = sample.splitlines()[0] if sample else ""
    counts = {d: header.count(d) for d in DELIMITERS}
    best = max(counts, key=counts.get)
    if counts[best] == 0:
        try:
            return csv.Sniffer().sniff(sample, delimiters="".join(DELIMITERS)).delimiter
        except csv.Error:
            return ","  # a one-column file
    return best


def read_csv(path: Path) -> pa.Table:
    """Read a UTF-8 CSV (BOM optional; `,` `;` tab or `|`) with all values as strings.

    Row numbers count as a spreadsheet shows them: the header is row 1, the first record row 2.
    """
    raw = path.read_bytes()
    if not raw.strip():
        raise _fail(path, "the file is empty", "export the table again; a CSV needs a header row and data rows")
    if b"\x00" in raw[:4096]:
        raise _fail(
            path,
            "the file is binary, not CSV text (or is UTF-16)",
            "export it as CSV in UTF-8, or for Parquet files use the .parquet extension",
        )
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        sample = raw[:65536].decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < 65530:  # a multi-byte character cut at the sample's end is fine
            raise _fail(
                path,
                f"the file is not UTF-8 text (byte {exc.start})",
                "save it as CSV UTF-8 (in Excel: Save As → CSV UTF-8)",
            ) from exc
        sample = raw[: exc.start].decode("utf-8")
    delimiter = _sniff_delimiter(path, sample)
    header = next(csv.reader(io.StringIO(sample), delimiter=delimiter), [])
    names = [h.strip() for h in header]
    if len(set(n.lower() for n in names)) != len(names):
        dupes = sorted({n for n in names if [m.lower() for m in names].count(n.lower()) > 1})
        raise _fail(path, f"the header repeats column(s) {', '.join(dupes)}", "give every column a unique name")
    try:
        table = pacsv.read_csv(
            io.BytesIO(raw),
            read_options=pacsv.ReadOptions(column_names=names, skip_rows=1, block_size=1 << 24),
            # Values with line breaks need quotes; without any quote the parser may split work across threads.
            parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=b'"' in raw),
            convert_options=pacsv.ConvertOptions(
                column_types={n: pa.string() for n in names},
                null_values=[""],
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
            ),
        )
    except pa.ArrowInvalid as exc:
        detail = str(exc).split("\n")[0]
        raise _fail(
            path,
            f"the file cannot be read as CSV: {detail}",
            f"every row needs the same number of fields as the header ({len(names)}, separated by "
            f"{delimiter!r}); quote values that contain the separator or line breaks",
        ) from exc
    if table.num_rows == 0:
        raise _fail(path, "the file has a header but no data rows", "export the table again with its rows")
    rows = pa.array(range(2, table.num_rows + 2), type=pa.int64())
    return table.append_column(ROW_COLUMN, rows)


def read_parquet(path: Path) -> pa.Table:
    """Read a Parquet file as it is (typed columns are re-checked in the engine); rows count from 1."""
    try:
        table = pq.read_table(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise _fail(
            path, f"the file cannot be read as Parquet: {exc}", "write the file again with a Parquet writer"
        ) from exc
    if table.num_rows == 0:
        raise _fail(path, "the file has no rows", "export the table again with its rows")
    rows = pa.array(range(1, table.num_rows + 1), type=pa.int64())
    return table.append_column(ROW_COLUMN, rows)


READERS = {".csv": read_csv, ".txt": read_csv, ".tsv": read_csv, ".parquet": read_parquet, ".pq": read_parquet}


def read_table_file(path: Path) -> pa.Table:
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise _fail(
            path,
            f"unsupported file type {path.suffix or '(none)'}",
            "use .csv or .parquet files (for other CRM exports, see `salesvelocity import --help`)",
        )
    return reader(path)
