"""`--suggest-mapping`: a starting mapping from a file's headers and a sample of its values.

Headers are matched to canonical columns by common CRM names (exact, then close spellings); the
status column's distinct values get a proposed won/lost/open each; the file's number and date
conventions are detected. What cannot be told from the data is left as a commented question.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from salesvelocity.ingest.conventions import detect_date_order, detect_decimal
from salesvelocity.ingest.files import ROW_COLUMN, file_delimiter, read_table_file
from salesvelocity.ingest.mapping import ColumnSpec, Mapping, TableSpec, _status_words, source_columns
from salesvelocity.ingest.vendors import recognise
from salesvelocity.store import Store

SYNONYMS: dict[str, list[str]] = {
    "deal_id": ["deal id", "opportunity id", "record id", "id", "deal", "deal number", "opportunity", "deal no"],
    "owner_id": [
        "owner",
        "deal owner",
        "opportunity owner",
        "sales rep",
        "rep",
        "account executive",
        "ae",
        "salesperson",
        "sales person",
        "assigned to",
        "user",
        "seller",
        "verkoper",
        "vertriebler",
    ],
    "created_at": [
        "created",
        "created at",
        "created date",
        "create date",
        "creation date",
        "date created",
        "opened",
        "open date",
        "added",
        "add time",
        "deal created",
        "aangemaakt",
        "erstellt",
    ],
    "status": ["status", "state", "outcome", "result", "won lost", "deal status"],
    "stage": ["stage", "deal stage", "phase", "pipeline stage", "sales stage", "fase", "phase"],
    "amount": [
        "amount",
        "value",
        "deal value",
        "deal size",
        "revenue",
        "arr",
        "acv",
        "price",
        "total",
        "bedrag",
        "betrag",
        "wert",
        "montant",
    ],
    "currency": ["currency", "currency code", "valuta", "währung", "devise"],
    "closed_at": [
        "closed",
        "closed at",
        "close date",
        "closed date",
        "date closed",
        "closed on",
        "won date",
        "won time",
        "close time",
    ],
    "expected_close_on": ["expected close", "expected close date", "forecast close date", "target close date"],
    "pipeline": ["pipeline", "pipeline name", "sales pipeline", "funnel"],
    "account": ["account", "company", "customer", "organization", "organisation", "client", "account name"],
    "segment": ["segment", "industry", "market", "tier", "customer segment"],
    "product": ["product", "product line", "plan", "product name"],
    "source": ["source", "lead source", "channel", "origin", "source channel"],
    "lost_reason": ["lost reason", "loss reason", "reason lost", "closed lost reason"],
}
PEOPLE = {
    "team_id": ["team", "sales team", "region", "territory", "department", "office", "squad"],
    "manager_id": ["manager", "sales manager", "team lead", "team leader", "reports to", "supervisor"],
}
EVENT_TIME = [
    "timestamp",
    "changed at",
    "change date",
    "entered at",
    "entered",
    "event time",
    "date",
    "time",
    "moved at",
    "updated at",
    "stage date",
]
EVENT_ACTOR = ["changed by", "actor", "user", "moved by", "updated by", "by"]


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def _match(headers: list[str], names: list[str], taken: set[str]) -> str | None:
    free = [h for h in headers if h not in taken]
    by_norm = {_norm(h): h for h in free}
    for name in names:
        if name in by_norm:
            return by_norm[name]
    for name in names:
        close = difflib.get_close_matches(name, list(by_norm), n=1, cutoff=0.85)
        if close:
            return by_norm[close[0]]
    for name in names:
        if len(name) >= 5:
            hits = [h for n, h in by_norm.items() if name in n]
            if len(hits) == 1:
                return hits[0]
    return None


def suggest(store: Store, path: Path) -> tuple[Mapping, list[str]]:
    """A mapping for ``path`` and notes (questions the data could not answer)."""
    arrow = read_table_file(path)
    headers = [c for c in arrow.column_names if c != ROW_COLUMN]
    notes: list[str] = []
    vendor = recognise(headers)
    if vendor is not None:
        notes.append(f"recognised as a {vendor.name} export; this is the mapping salesvelocity applies to it")
        mapping = vendor
    else:
        mapping = _generic(arrow, headers, notes)
    view = "_sv_suggest"
    store.raw.register(view, arrow)
    try:
        typed = source_columns(mapping, headers)
        delimiter = file_delimiter(arrow)
        decimal, problems = detect_decimal(store, view, sorted(typed.get("decimal", set())), str(path), delimiter)
        if problems:
            notes.append(problems[0].message + " — set decimal under [options]")
        elif decimal == ",":
            mapping.options["decimal"] = ","
        order, problems = detect_date_order(
            store, view, sorted(typed.get("timestamp", set()) | typed.get("date", set())), str(path)
        )
        if problems:
            notes.append(problems[0].message + ' — set date_order = "dmy" or "mdy" under [options]')
        elif order != "ymd":
            mapping.options["date_order"] = order
        if delimiter and delimiter != ",":
            mapping.options["delimiter"] = delimiter
    finally:
        store.raw.unregister(view)
    return mapping, notes


def _generic(arrow: pa.Table, headers: list[str], notes: list[str]) -> Mapping:
    taken: set[str] = set()
    found: dict[str, str] = {}
    for column, names in SYNONYMS.items():
        header = _match(headers, names, taken)
        if header:
            found[column] = header
            taken.add(header)
    time_col = _match(headers, EVENT_TIME, taken)
    deal = found.get("deal_id")
    is_log = (
        deal is not None
        and found.get("stage") is not None
        and "amount" not in found
        and time_col is not None
        and pc.count_distinct(arrow[deal]).as_py() < arrow.num_rows
    )
    if is_log:
        notes.append("looks like an event log (one row per stage change): mapped to stage_changes")
        spec = TableSpec(
            "stage_changes",
            {
                "deal_id": ColumnSpec(column=deal),
                "stage": ColumnSpec(column=found["stage"]),
                "entered_at": ColumnSpec(column=time_col),
            },
        )
        actor = _match(headers, EVENT_ACTOR, taken | {time_col})
        if actor:
            spec.columns["changed_by"] = ColumnSpec(column=actor)
        return Mapping("suggested", tables=[spec])
    deals = TableSpec("deals", {c: ColumnSpec(column=h) for c, h in found.items()})
    status_from = found.get("status") or found.get("stage")
    if status_from:
        values = [v for v in pc.unique(arrow[status_from]).to_pylist() if v is not None][:40]
        guesses = {str(v): _guess(str(v)) for v in values}
        deals.columns["status"] = ColumnSpec(column=status_from, values=guesses)
        notes.append(f"check the status values taken from `{status_from}`: each is mapped to won, lost or open")
    else:
        notes.append("no status column found: add status = { column = ..., values = {...} }")
    for required in ("deal_id", "owner_id", "created_at"):
        if required not in found:
            notes.append(f"no column found for {required}: set it under [tables.deals]")
    tables = [deals]
    if "owner_id" in found:
        people = TableSpec(
            "people", {"person_id": ColumnSpec(column=found["owner_id"]), "name": ColumnSpec(column=found["owner_id"])}
        )
        for column, names in PEOPLE.items():
            header = _match(headers, names, taken)
            if header:
                people.columns[column] = ColumnSpec(column=header)
                taken.add(header)
        tables.append(people)
        if "team_id" in people.columns:
            team = people.columns["team_id"].column
            tables.append(TableSpec("teams", {"team_id": ColumnSpec(column=team), "name": ColumnSpec(column=team)}))
    unused = [h for h in headers if h not in taken and h not in found.values()]
    if unused:
        notes.append(f"columns not mapped: {', '.join(unused[:15])}")
    return Mapping("suggested", tables=tables)


def _guess(value: str) -> str:
    import duckdb

    return duckdb.sql(f"SELECT {_status_words('?')}".replace("?", "$v"), params={"v": value}).fetchone()[0] or "open"
