"""Event logs: one row per event (case, activity, time, resource) becomes deals and their stage changes.

A process-mining log (a CSV, or an XES file read by ``files.read_xes``) describes each case only through its
events. One ``[events]`` section of a mapping turns it into canonical rows in one pass, in the engine::

    [events]
    deal_id = "case:concept:name"          # the case
    activity = "concept:name"
    timestamp = "time:timestamp"
    resource = "org:resource"              # optional: who did it; the owner and changed_by
    stages = ["A_*", "O_*"]                # activities that are stage changes [default: every activity]
    won = ["O_ACCEPTED"]                   # activities that win the case [default: won words]
    lost = ["A_DECLINED", "A_CANCELLED"]   # … and lose it [default: lost words]
    owner_activity = "A_PREACCEPTED"       # the owner: this event's resource, else the first event's
    skip = { column = "lifecycle:transition", values = ["start", "schedule"] }

    [events.deal]                          # case attributes: the first value in time
    amount = "case:AmountRequested"
    pipeline = { value = "loans" }

A deal is created at its first event; its stage changes are its stage, won and lost activities; the last
won or lost activity decides its status and closes it at that event's time; its stage is its last stage
activity. Because every run derives the status from all the case's events, re-importing the log never
reopens a closed case. Activity lists match case-insensitively; ``*`` stands for any text.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from salesvelocity.errors import ConfigError
from salesvelocity.ingest.conventions import lit, q

EVENT_KEYS = {"deal_id", "activity", "timestamp", "resource", "stages", "won", "lost", "owner_activity", "skip", "deal"}
#: Case attributes an event log may carry into the deal (the others come from the events themselves).
DEAL_ATTRIBUTES = (
    "amount",
    "currency",
    "pipeline",
    "account",
    "segment",
    "product",
    "source",
    "lost_reason",
    "expected_close_on",
)
#: Default outcome words, matched at the start of a word of the activity (A_DECLINED, "Offer accepted").
WON_ACTIVITY = ("won", "win", "gewonnen", "signed", "closedwon", "deal closed", "approv")
LOST_ACTIVITY = ("lost", "verloren", "perdu", "declin", "cancel", "refus", "reject", "denied", "closedlost")


@dataclass
class EventSpec:
    deal_id: str
    activity: str
    timestamp: str
    resource: str | None = None
    stages: list[str] | None = None
    won: list[str] | None = None
    lost: list[str] | None = None
    owner_activity: str | None = None
    skip: tuple[str, list[str]] | None = None
    deal: dict = field(default_factory=dict)  # deal column → ColumnSpec

    @classmethod
    def parse(cls, name: str, raw: object) -> EventSpec:
        from salesvelocity.ingest.mapping import ColumnSpec

        where = f"{name} [events]"
        if not isinstance(raw, dict):
            raise ConfigError(f"{where} must be a table", hint='e.g. [events] then deal_id = "Case ID"')
        unknown = set(raw) - EVENT_KEYS
        if unknown:
            raise ConfigError(
                f"{where}: unknown key(s) {', '.join(sorted(unknown))}", hint=f"use: {', '.join(sorted(EVENT_KEYS))}"
            )
        missing = [k for k in ("deal_id", "activity", "timestamp") if not isinstance(raw.get(k), str)]
        if missing:
            raise ConfigError(
                f"{where}: {', '.join(missing)} must name a column of the log",
                hint='e.g. deal_id = "Case ID", activity = "Activity", timestamp = "Complete Timestamp"',
            )
        lists = {}
        for key in ("stages", "won", "lost"):
            value = raw.get(key)
            if value is None:
                continue
            if isinstance(value, str):
                value = [value]
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ConfigError(f'{where}: {key} must be a list of activities, e.g. {key} = ["A_*", "Offer sent"]')
            lists[key] = value
        for key in ("resource", "owner_activity"):
            if raw.get(key) is not None and not isinstance(raw[key], str):
                raise ConfigError(f"{where}: {key} must be text, not {raw[key]!r}")
        skip = raw.get("skip")
        if skip is not None:
            if not isinstance(skip, dict) or not isinstance(skip.get("column"), str):
                raise ConfigError(
                    f"{where}: skip needs a column and values",
                    hint='e.g. skip = { column = "lifecycle:transition", values = ["start"] }',
                )
            values = skip.get("values", [])
            skip = (skip["column"], [str(v) for v in (values if isinstance(values, list) else [values])])
        deal = raw.get("deal", {})
        if not isinstance(deal, dict):
            raise ConfigError(f"{where}.deal must be a table of deal columns", hint='e.g. amount = "case:Amount"')
        bad = set(deal) - set(DEAL_ATTRIBUTES)
        if bad:
            raise ConfigError(
                f"{where}.deal: {', '.join(sorted(bad))} cannot come from a case attribute",
                hint=f"use: {', '.join(DEAL_ATTRIBUTES)} (the rest comes from the events)",
            )
        return cls(
            deal_id=raw["deal_id"],
            activity=raw["activity"],
            timestamp=raw["timestamp"],
            resource=raw.get("resource"),
            owner_activity=raw.get("owner_activity"),
            skip=skip,
            deal={k: ColumnSpec.parse(f"{where}.deal {k}", v) for k, v in deal.items()},
            **lists,
        )

    def columns(self) -> list[str]:
        """The log's columns this spec reads."""
        used = [self.deal_id, self.activity, self.timestamp, self.resource, self.skip[0] if self.skip else None]
        used += [c.column for c in self.deal.values()]
        return [c for c in used if c]

    def to_toml(self) -> str:
        from salesvelocity.ingest.mapping import _tq

        lines = ["[events]"]
        for key in ("deal_id", "activity", "timestamp", "resource", "owner_activity"):
            if getattr(self, key):
                lines.append(f"{key} = {_tq(getattr(self, key))}")
        for key in ("stages", "won", "lost"):
            if getattr(self, key) is not None:
                lines.append(f"{key} = [{', '.join(_tq(v) for v in getattr(self, key))}]")
        if self.skip:
            values = ", ".join(_tq(v) for v in self.skip[1])
            lines.append(f"skip = {{ column = {_tq(self.skip[0])}, values = [{values}] }}")
        if self.deal:
            lines += ["", "[events.deal]"] + [f"{k} = {c.to_toml()}" for k, c in self.deal.items()]
        return "\n".join(lines)


def _like(pattern: str) -> str:
    """A LIKE pattern (escape ``!``) from an activity pattern where ``*`` is any text."""
    escaped = pattern.replace("!", "!!").replace("%", "!%").replace("_", "!_")
    return escaped.replace("*", "%")


def _matches(expr: str, patterns: list[str] | None, words: tuple[str, ...] | None) -> str:
    """SQL: the activity ``expr`` is one of ``patterns`` (``*`` = any text, any case), or holds a word."""
    if patterns is not None:
        if not patterns:
            return "false"
        return "(" + " OR ".join(f"{expr} ILIKE {lit(_like(p))} ESCAPE '!'" for p in patterns) + ")"
    if words is None:
        return "true"
    return f"regexp_matches(lower({expr}), '(^|[^a-z])({'|'.join(words)})')"


def _renamed(col, names: dict[str, str]):
    """``col`` reading the columns ``names`` maps its source columns to."""
    return replace(
        col,
        column=names.get(col.column),
        won_flag=names.get(col.won_flag),
        lost_flag=names.get(col.lost_flag),
        closed_flag=names.get(col.closed_flag),
        fallbacks=[names[f] for f in col.fallbacks] if col.fallbacks else col.fallbacks,
    )


def event_sql(spec: EventSpec, view: str, label: str, text, value_sql, scratch: str) -> dict[str, str]:
    """SQL per canonical table (deals, stage_changes, people) for an event log registered as ``view``.

    ``text(column)`` is a source column's trimmed text; ``value_sql(table, column, ColumnSpec)`` its canonical
    text (dates and numbers read with the mapping's conventions). Every query yields _file and _row. The
    first entry, ``_events``, parses and classifies every event once: the caller materialises it as the
    table ``scratch``, which the other queries (and ``_outcomes``, the note's counts) read.
    """
    from salesvelocity.ingest.mapping import ColumnSpec
    from salesvelocity.ingest.validate import typed_sql
    from salesvelocity.schema import TABLES

    when_text = value_sql("stage_changes", "entered_at", ColumnSpec(column=spec.timestamp))
    resource = text(spec.resource) if spec.resource else "NULL::VARCHAR"
    # Case attributes are read per case, not per event: each source column's first filled text in time,
    # then made canonical (a million events of a quarter-million cases clean a quarter of the amounts).
    # Private names (_attr0, …): a source column may be called like a deal column ("stage", "amount").
    sources = {s: f"_attr{i}" for i, s in enumerate(dict.fromkeys(s for c in spec.deal.values() for s in c.sources()))}
    attributes = "".join(f", {text(s)} AS {alias}" for s, alias in sources.items())
    where = [f"{text(spec.deal_id)} IS NOT NULL"]
    if spec.skip:
        values = ", ".join(lit(v.lower()) for v in spec.skip[1])
        where.append(f"coalesce(lower({text(spec.skip[0])}), '') NOT IN ({values})")
    events = f"""
        SELECT _row, {text(spec.deal_id)} AS case_id, {text(spec.activity)} AS activity, when_text,
               {typed_sql(TABLES["stage_changes"].column("entered_at"), "when_text")} AS ts,
               {resource} AS resource{attributes}
        FROM (SELECT *, {when_text} AS when_text FROM {view}) WHERE {" AND ".join(where)}"""
    won = _matches("activity", spec.won, WON_ACTIVITY)
    lost = _matches("activity", spec.lost, LOST_ACTIVITY)
    stage = _matches("activity", spec.stages, None)
    classified = f"SELECT *, {won} AS is_won, ({lost}) AND NOT ({won}) AS is_lost, {stage} AS is_stage FROM ({events})"
    moves = "is_stage OR is_won OR is_lost"
    chosen = _matches("activity", [spec.owner_activity], None) if spec.owner_activity else "true"
    owner = (
        f"coalesce(arg_min(resource, ts) FILTER (WHERE resource IS NOT NULL AND {chosen}), "
        "arg_min(resource, ts) FILTER (WHERE resource IS NOT NULL))"
    )
    if spec.resource is None:
        owner = "NULL::VARCHAR"
    outcome = "arg_max(CASE WHEN is_won THEN 'won' ELSE 'lost' END, ts) FILTER (WHERE is_won OR is_lost)"
    picked = "".join(f", arg_min({a}, ts) FILTER (WHERE {a} IS NOT NULL) AS {a}" for a in sources.values())
    values = "".join(f", {value_sql('deals', c, _renamed(col, sources))} AS {q(c)}" for c, col in spec.deal.items())
    grouped = f"""
        SELECT case_id, min(_row) AS _row, CAST(min(ts) AS VARCHAR) AS created_at,
               coalesce({outcome}, 'open') AS status,
               CAST(max(ts) FILTER (WHERE is_won OR is_lost) AS VARCHAR) AS closed_at,
               arg_max(activity, ts) FILTER (WHERE {moves}) AS stage,
               coalesce({owner}, 'unassigned') AS owner_id{picked}
        FROM {scratch} GROUP BY case_id"""
    if values:
        grouped = f"SELECT * EXCLUDE ({', '.join(sources.values())}){values} FROM ({grouped})"
    deal_columns = []
    for column in TABLES["deals"].column_names:
        if column == "deal_id":
            deal_columns.append(f"case_id AS {q(column)}")
        elif column in ("created_at", "status", "stage", "owner_id") or column in spec.deal:
            deal_columns.append(q(column))
        elif column == "closed_at":
            deal_columns.append(f"CASE WHEN status <> 'open' THEN closed_at END AS {q(column)}")
        else:
            deal_columns.append(f"NULL::VARCHAR AS {q(column)}")
    deals = f"SELECT {lit(label)} AS _file, _row, {', '.join(deal_columns)} FROM ({grouped})"
    change_columns = {
        "deal_id": "case_id",
        "stage": "activity",
        "entered_at": "coalesce(CAST(ts AS VARCHAR), when_text)",
        "changed_by": "resource",
    }
    changes = ", ".join(
        f"{change_columns.get(c, 'NULL::VARCHAR')} AS {q(c)}" for c in TABLES["stage_changes"].column_names
    )
    key = ", ".join(q(k) for k in TABLES["stage_changes"].key)
    # One change per deal, stage and time (the first row's), by aggregation: faster than a window.
    rest = [c for c in TABLES["stage_changes"].column_names if c not in TABLES["stage_changes"].key]
    firsts = "".join(f", arg_min({q(c)}, _row) AS {q(c)}" for c in rest)
    stage_changes = (
        f"SELECT {lit(label)} AS _file, min(_row) AS _row, {key}{firsts} "
        f"FROM (SELECT _row, {changes} FROM {scratch} WHERE {moves}) GROUP BY {key}"
    )
    tables = {"_events": classified, "deals": deals, "stage_changes": stage_changes}
    tables["_outcomes"] = f"""
        SELECT activity, bool_or(is_won) AS won, count(DISTINCT case_id) AS cases
        FROM {scratch} WHERE is_won OR is_lost GROUP BY 1 ORDER BY 3 DESC, 1"""
    people = ", ".join(
        "resource AS person_id"
        if c == "person_id"
        else "resource AS name"
        if c == "name"
        else f"NULL::VARCHAR AS {q(c)}"
        for c in TABLES["people"].column_names
    )
    fixed = {"person_id": lit("unassigned"), "name": lit("Unassigned")}
    placeholder = ", ".join(f"{fixed.get(c, 'NULL::VARCHAR')} AS {q(c)}" for c in TABLES["people"].column_names)
    tables["people"] = f"""
        SELECT {lit(label)} AS _file, min(_row) AS _row, * EXCLUDE (_row) FROM (
            SELECT _row, {people} FROM {scratch} WHERE resource IS NOT NULL
            UNION ALL SELECT _row, {placeholder} FROM ({grouped}) WHERE owner_id = 'unassigned'
        ) GROUP BY ALL"""
    return tables


#: Lifecycle transitions that are not an activity's completion (XES standard lifecycle model).
NOT_COMPLETE = ["schedule", "assign", "reassign", "start", "suspend", "resume", "withdraw", "ate_abort", "pi_abort"]


def standard_event_log(headers: list[str]):
    """A mapping for a log with the XES standard keys (an .xes file, or a CSV flattened by pm4py)."""
    from salesvelocity.ingest.mapping import Mapping

    given = {h.lower(): h for h in headers}
    if not {"case:concept:name", "concept:name", "time:timestamp"} <= given.keys():
        return None
    lifecycle = given.get("lifecycle:transition")
    spec = EventSpec(
        deal_id=given["case:concept:name"],
        activity=given["concept:name"],
        timestamp=given["time:timestamp"],
        resource=given.get("org:resource"),
        skip=(lifecycle, NOT_COMPLETE) if lifecycle else None,
    )
    return Mapping("event log (XES keys)", events=spec)


def outcome_note(
    spec: EventSpec, label: str, statuses: dict[str, int], outcomes: list[tuple], top_owner: tuple | None = None
) -> str:
    """What the import made of the log: cases by status and the activities that decided them."""
    from pathlib import Path

    def named(won: bool) -> str:
        found = [f"{a} ({n:,})" for a, w, n in outcomes if w == won]
        return ", ".join(found[:6]) + (" …" if len(found) > 6 else "") if found else "no activity"

    total = sum(statuses.values())
    note = (
        f"{Path(label).name}: {total:,} cases from the event log — {statuses.get('won', 0):,} won by "
        f"{named(True)}; {statuses.get('lost', 0):,} lost by {named(False)}; {statuses.get('open', 0):,} open"
    )
    if spec.won is None or spec.lost is None:
        note += (
            ". Outcomes were read from activity words; name them in a mapping's [events] section "
            '(won = ["…"], lost = ["…"]) to decide them yourself'
        )
    if top_owner and spec.resource and not spec.owner_activity and total >= 10 and top_owner[1] >= total / 2:
        note += (
            f". {top_owner[1]:,} of {total:,} cases are owned by `{top_owner[0]}`, the resource of their first "
            'event; if that is a system user, set owner_activity = "…" under [events] to take the owner from a '
            "later activity"
        )
    return note
