"""`--suggest-mapping`: a starting mapping from a file's headers and a sample of its values.

Headers are matched to canonical columns by common CRM names (exact, then close spellings); the
status column's distinct values get a proposed won/lost/open each; the file's number and date
conventions are detected. What cannot be told from the data is left as a commented question.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from salesvelocity.ingest.conventions import detect_date_order, detect_decimal
from salesvelocity.ingest.events import LOST_ACTIVITY, WON_ACTIVITY, EventSpec, standard_event_log
from salesvelocity.ingest.files import ROW_COLUMN, file_delimiter, read_table_file
from salesvelocity.ingest.mapping import ColumnSpec, Mapping, TableSpec, _status_words, source_columns
from salesvelocity.ingest.vendors import recognise
from salesvelocity.store import Store

SYNONYMS: dict[str, list[str]] = {
    "deal_id": [
        "deal id",
        "opportunity id",
        "record id",
        "id",
        "deal",
        "deal number",
        "opportunity",
        "deal no",
        "opportunity number",
        "kans id",
        "deal nummer",
        "verkoopkans",
        "opportunity nr",
        "chance id",
        "verkaufschance",
        "affaire",
        "opportunite",
        "numero d affaire",
    ],
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
        "eigenaar",
        "accountmanager",
        "vertriebler",
        "besitzer",
        "inhaber",
        "verantwortlich",
        "zustandig",
        "vertriebsmitarbeiter",
        "proprietaire",
        "responsable",
        "commercial",
        "vendeur",
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
        "aangemaakt op",
        "datum aangemaakt",
        "aanmaakdatum",
        "erstellt",
        "erstellt am",
        "erstelldatum",
        "angelegt am",
        "cree le",
        "date de creation",
        "creation",
    ],
    "status": ["status", "state", "outcome", "result", "won lost", "deal status", "resultaat", "ergebnis", "statut"],
    "stage": [
        "stage",
        "deal stage",
        "phase",
        "pipeline stage",
        "sales stage",
        "fase",
        "verkoopfase",
        "stadium",
        "vertriebsphase",
        "etape",
        "etape de vente",
    ],
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
        "waarde",
        "omzet",
        "betrag",
        "wert",
        "umsatz",
        "volumen",
        "montant",
        "valeur",
        "chiffre d affaires",
    ],
    "currency": ["currency", "currency code", "valuta", "munteenheid", "wahrung", "devise", "monnaie"],
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
        "gesloten",
        "gesloten op",
        "sluitingsdatum",
        "afgesloten op",
        "abgeschlossen am",
        "abschlussdatum",
        "geschlossen am",
        "date de cloture",
        "cloture le",
        "ferme le",
    ],
    "expected_close_on": [
        "expected close",
        "expected close date",
        "forecast close date",
        "target close date",
        "verwachte sluitingsdatum",
        "verwachte afsluitdatum",
        "erwartetes abschlussdatum",
        "voraussichtlicher abschluss",
        "date de cloture prevue",
        "cloture prevue",
    ],
    "pipeline": ["pipeline", "pipeline name", "sales pipeline", "funnel", "trechter"],
    "account": [
        "account",
        "company",
        "customer",
        "organization",
        "organisation",
        "client",
        "account name",
        "klant",
        "bedrijf",
        "organisatie",
        "kunde",
        "firma",
        "unternehmen",
        "societe",
        "entreprise",
    ],
    "segment": ["segment", "industry", "market", "tier", "customer segment", "branche", "sector", "secteur"],
    "product": ["product", "product line", "plan", "product name", "produkt", "produit"],
    "source": ["source", "lead source", "channel", "origin", "source channel", "bron", "kanaal", "quelle", "herkunft"],
    "lost_reason": [
        "lost reason",
        "loss reason",
        "reason lost",
        "closed lost reason",
        "reden verlies",
        "reden verloren",
        "verlustgrund",
        "raison de la perte",
        "motif de perte",
    ],
}
PEOPLE = {
    "team_id": ["team", "sales team", "region", "territory", "department", "office", "squad", "afdeling", "abteilung"],
    "manager_id": [
        "manager",
        "sales manager",
        "team lead",
        "team leader",
        "reports to",
        "supervisor",
        "leidinggevende",
        "vorgesetzter",
    ],
}
LEADS = {
    "lead_id": ["lead id", "lead", "lead number", "lead no", "prospect id", "lead nummer", "contact id"],
    "created_at": SYNONYMS["created_at"],
    "owner_id": SYNONYMS["owner_id"],
    "first_touch_at": [
        "first touch",
        "first touch at",
        "first contact",
        "first contacted",
        "first response",
        "first activity",
        "first call",
        "eerste contact",
        "erster kontakt",
        "premier contact",
    ],
    "source": SYNONYMS["source"],
    "converted_deal_id": [
        "converted deal",
        "converted deal id",
        "converted opportunity",
        "converted opportunity id",
        "deal id",
        "opportunity id",
    ],
    "disqualified_at": ["disqualified", "disqualified at", "disqualified on", "unqualified date", "lost date"],
}
EVENT_CASE = ["case id", "case", "case concept name", "application", "application id", "dossier", "zaak", "fall"]
EVENT_ACTIVITY = ["activity", "event", "action", "task", "concept name", "activiteit", "aktivitat", "activite", "stage"]
EVENT_TIME = [
    "timestamp",
    "time timestamp",
    "complete timestamp",
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
    "tijdstip",
    "zeitstempel",
    "horodatage",
]
EVENT_ACTOR = ["resource", "org resource", "changed by", "actor", "user", "moved by", "updated by", "by", "medewerker"]

#: Canonical columns by the kind of values they need (see ``_fits``).
DATES = {"created_at", "closed_at", "expected_close_on", "first_touch_at", "disqualified_at"}
LABELS = {"account", "segment", "product", "source", "pipeline", "lost_reason", "currency", "team_id", "manager_id"}
BOOLEAN_WORDS = {"yes", "no", "true", "false", "0", "1", "y", "n", "ja", "nee", "nein", "oui", "non", "x", "-"}
_NUMBER = re.compile(r"^[-+(]?\s*(?:[A-Z]{3}|[€$£¥])?\s*[\d][\d\s.,'’]*\s*(?:[A-Z]{3}|[€$£¥%])?\)?$")
_DATE = re.compile(r"^(\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4})([ T]\d{1,2}:\d{2}.*)?$")


def _norm(text: str) -> str:
    """Lower case without accents or punctuation: "Propriétaire" and "proprietaire" are one name."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", " ", plain.lower()).strip()


@dataclass
class Profile:
    """What a column's values look like, from a sample of its rows."""

    filled: int = 0
    distinct: int = 0
    numeric: float = 0.0
    dated: float = 0.0
    boolean: bool = False

    @property
    def unique(self) -> float:
        return self.distinct / self.filled if self.filled else 1.0


def profile(arrow: pa.Table, header: str, sample: int = 5000) -> Profile:
    values = [v.strip() for v in arrow[header].slice(0, sample).to_pylist() if v is not None and v.strip()]
    if not values:
        return Profile()
    distinct = set(values)
    return Profile(
        filled=len(values),
        distinct=len(distinct),
        numeric=sum(bool(_NUMBER.match(v)) for v in values) / len(values),
        dated=sum(bool(_DATE.match(v)) for v in values) / len(values),
        boolean={v.lower() for v in distinct} <= BOOLEAN_WORDS,
    )


def _fits(column: str, p: Profile, repeated_ids: bool = False) -> bool:
    """Whether values shaped like ``p`` can be ``column``: the header alone is not enough.

    An opportunity number is no owner (owners repeat), a yes/no flag no account, a catalogue size no
    product, a date no amount.
    """
    if not p.filled:
        return True  # an empty column: nothing to contradict its name
    if p.boolean and column not in ("status",):
        return False
    if column in ("deal_id", "lead_id"):
        return repeated_ids or p.unique >= 0.9
    if column in DATES:
        return p.dated >= 0.8
    if column == "amount":
        return p.numeric >= 0.8 and p.dated < 0.5
    if column == "owner_id":
        return p.dated < 0.5 and (p.filled < 20 or p.unique <= 0.5)
    if column in ("status", "stage"):
        return p.numeric < 0.5 and p.dated < 0.5 and p.distinct <= 60
    if column in LABELS:
        return p.numeric < 0.5 and p.dated < 0.5
    return True


def _match(
    headers: list[str], names: list[str], taken: set[str], fits: Callable[[str], bool] | None = None
) -> str | None:
    free = [h for h in headers if h not in taken and (fits is None or fits(h))]
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
    log = standard_event_log(headers)
    if vendor is not None:
        notes.append(f"recognised as a {vendor.name} export; this is the mapping salesvelocity applies to it")
        mapping = vendor
    elif log is not None:
        notes.append("an event log with the XES standard keys (it imports without a mapping, too)")
        _outcomes(arrow, log.events, notes)
        mapping = log
    else:
        mapping = _generic(arrow, headers, notes, path)
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


def _generic(arrow: pa.Table, headers: list[str], notes: list[str], path: Path) -> Mapping:
    profiles = {h: profile(arrow, h) for h in headers}

    def fit(column: str, repeated: bool = False) -> Callable[[str], bool]:
        return lambda h: _fits(column, profiles[h], repeated)

    log = _event_log(arrow, headers, profiles, fit, notes)
    if log is not None:
        return log
    lead = _match(headers, LEADS["lead_id"], set(), fit("lead_id"))
    deal = _match(headers, SYNONYMS["deal_id"], set(), fit("deal_id"))
    looks_like_leads = lead is not None and any(w in _norm(f"{lead} {path.stem}").split() for w in ("lead", "leads"))
    if looks_like_leads and (deal is None or deal == lead or "lead" in _norm(path.stem)):
        return _leads(headers, fit, notes, lead)
    taken: set[str] = set()
    found: dict[str, str] = {}
    for column, names in SYNONYMS.items():
        header = _match(headers, names, taken, fit(column))
        if header:
            found[column] = header
            taken.add(header)
    deals = TableSpec("deals", {c: ColumnSpec(column=h) for c, h in found.items()})
    status_from = found.get("status") or found.get("stage")
    if status_from:
        values = [v for v in pc.unique(arrow[status_from]).to_pylist() if v is not None][:40]
        guesses = {str(v): _guess(str(v)) for v in values}
        deals.columns["status"] = ColumnSpec(column=status_from, values=guesses)
        notes.append(f"check the status values taken from `{status_from}`: each is mapped to won, lost or open")
    else:
        notes.append("no status column found: add status = { column = ..., values = {...} }")
    if "closed_at" in found:
        modified = _match(headers, ["last modified", "modified", "last modified date", "updated", "gewijzigd"], taken)
        if modified and _fits("closed_at", profiles[modified]):
            deals.columns["closed_at"].fallbacks = [modified]
            notes.append(f"won or lost deals without `{found['closed_at']}` close at `{modified}`")
    for required in ("deal_id", "owner_id", "created_at"):
        if required not in found:
            notes.append(f"no column found for {required}: set it under [tables.deals]")
    tables = [deals]
    if "owner_id" in found:
        people = TableSpec(
            "people", {"person_id": ColumnSpec(column=found["owner_id"]), "name": ColumnSpec(column=found["owner_id"])}
        )
        for column, names in PEOPLE.items():
            header = _match(headers, names, taken, fit(column))
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


def _leads(headers: list[str], fit, notes: list[str], lead: str) -> Mapping:
    notes.append(f"looks like leads (`{lead}` identifies a lead): mapped to the leads table")
    taken = {lead}
    spec = TableSpec("leads", {"lead_id": ColumnSpec(column=lead)})
    for column, names in LEADS.items():
        if column == "lead_id":
            continue
        header = _match(headers, names, taken, fit(column))
        if header:
            spec.columns[column] = ColumnSpec(column=header)
            taken.add(header)
    tables = [spec]
    if "owner_id" in spec.columns:
        owner = spec.columns["owner_id"].column
        tables.append(TableSpec("people", {"person_id": ColumnSpec(column=owner), "name": ColumnSpec(column=owner)}))
    for required in ("created_at",):
        if required not in spec.columns:
            notes.append(f"no column found for {required}: set it under [tables.leads]")
    unused = [h for h in headers if h not in taken]
    if unused:
        notes.append(f"columns not mapped: {', '.join(unused[:15])}")
    return Mapping("suggested", tables=tables)


def _event_log(arrow: pa.Table, headers: list[str], profiles: dict, fit, notes: list[str]) -> Mapping | None:
    """An [events] mapping when a case column repeats beside an activity and a time column."""
    case = _match(headers, EVENT_CASE + SYNONYMS["deal_id"], set(), lambda h: 0 < profiles[h].unique < 0.7)
    if case is None or profiles[case].boolean:
        return None
    activity = _match(headers, EVENT_ACTIVITY, {case}, fit("stage"))
    when = _match(headers, EVENT_TIME, {case, activity} if activity else {case}, fit("created_at"))
    if activity is None or when is None:
        return None
    actor = _match(headers, EVENT_ACTOR, {case, activity, when}, fit("owner_id"))
    spec = EventSpec(deal_id=case, activity=activity, timestamp=when, resource=actor)
    notes.append(
        f"looks like an event log (`{case}` repeats, one row per `{activity}`): each case becomes a deal, "
        "its activities its stage changes"
    )
    _outcomes(arrow, spec, notes)
    return Mapping("suggested", events=spec)


def _outcomes(arrow: pa.Table, spec: EventSpec, notes: list[str]) -> None:
    """Name the won and lost activities the words suggest, so that the mapping says them out loud."""
    counts = pc.value_counts(arrow[spec.activity]).to_pylist()
    activities = [c["values"] for c in sorted(counts, key=lambda c: -c["counts"]) if c["values"]]
    won = [a for a in activities if _words(a, WON_ACTIVITY)]
    lost = [a for a in activities if a not in won and _words(a, LOST_ACTIVITY)]
    spec.won, spec.lost = won, lost
    notes.append(f"activities: {', '.join(activities[:25])}{' …' if len(activities) > 25 else ''}")
    if not won:
        notes.append("no activity reads as a win: name the winning one(s) in won = […]; else no case is won")
    notes.append(
        "check won = […] and lost = […] (guessed from the activity names); list the stage activities in "
        'stages = […] to leave work items out; owner_activity = "…" picks whose resource owns a case'
    )


def _words(activity: str, words: tuple[str, ...]) -> bool:
    return re.search(rf"(^|[^a-z])({'|'.join(words)})", activity.lower()) is not None


def _guess(value: str) -> str:
    import duckdb

    return duckdb.sql(f"SELECT {_status_words('?')}".replace("?", "$v"), params={"v": value}).fetchone()[0] or "open"
