"""The canonical data model (design.md §3): every importer writes these tables, every metric reads them.

Each table is described once here; the DDL, the import validation and the docs are derived from it.
Timestamps are stored as UTC ``TIMESTAMP``; dates as ``DATE``; amounts as ``DECIMAL(18,2)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

SCHEMA_VERSION = 7

#: SQL type per logical type (DuckDB and PostgreSQL spell these the same way).
SQL_TYPES = {
    "string": "VARCHAR",
    "timestamp": "TIMESTAMP",
    "date": "DATE",
    "int": "INTEGER",
    "decimal": "DECIMAL(18,2)",
    "float": "DOUBLE PRECISION",
    "boolean": "BOOLEAN",  # derived tables only: no file carries one
}

#: How a value of each type must be written in a canonical file (used in error messages).
FORMAT_HINTS = {
    "timestamp": "timestamps must be ISO 8601, e.g. 2026-03-01T14:05:00Z or 2026-03-01 14:05:00+01:00",
    "date": "dates must be YYYY-MM-DD",
    "int": "it must be a whole number",
    "decimal": "amounts must be plain numbers with a dot decimal separator, e.g. 1234.50",
    "float": "it must be a number with a dot decimal separator, e.g. 0.25",
}


@dataclass(frozen=True)
class Column:
    name: str
    type: str = "string"
    required: bool = False
    choices: tuple[str, ...] | None = None
    default: str | None = None
    minimum: float | None = None
    maximum: float | None = None
    #: Kept to the day only (pulse answers: a finer time could single a person out).
    to_day: bool = False


#: Dates and timestamps outside these years are placeholders ("never", 9999-12-31) or typos.
EARLIEST_YEAR, LATEST_YEAR = 1900, 2100


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    #: (column, referenced table, referenced column): checked on import against file and store.
    references: tuple[tuple[str, str, str], ...] = field(default_factory=tuple)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    def ddl(self) -> str:
        cols = ",\n  ".join(f'"{c.name}" {SQL_TYPES[c.type]}' for c in self.columns)
        return f'CREATE TABLE IF NOT EXISTS "{self.name}" (\n  {cols}\n)'


def _c(name: str, type_: str = "string", **kw) -> Column:
    return Column(name, type_, **kw)


def _r(name: str, type_: str = "string", **kw) -> Column:
    return Column(name, type_, required=True, **kw)


TABLES: dict[str, Table] = {
    t.name: t
    for t in [
        Table("teams", (_r("team_id"), _c("name"), _c("manager_id")), key=("team_id",)),
        Table(
            "people",
            (
                _r("person_id"),
                _c("name"),
                _c("email"),
                _c("team_id"),
                _c("role", choices=("rep", "manager", "admin"), default="rep"),
                _c("manager_id"),
                _c("started_on", "date"),
                _c("left_on", "date"),
            ),
            key=("person_id",),
            references=(("team_id", "teams", "team_id"),),
        ),
        Table(
            "stages",
            (
                _r("pipeline"),
                _r("stage"),
                _r("position", "int"),
                _r("kind", choices=("open", "won", "lost")),
                _c("probability", "float", minimum=0.0, maximum=1.0),
            ),
            key=("pipeline", "stage"),
        ),
        Table(
            "deals",
            (
                _r("deal_id"),
                _r("owner_id"),
                _r("created_at", "timestamp"),
                _r("status", choices=("open", "won", "lost")),
                _c("stage"),
                _c("amount", "decimal", minimum=0.0),
                _c("currency", default="EUR"),
                _c("closed_at", "timestamp"),
                _c("expected_close_on", "date"),
                _c("pipeline", default="default"),
                _c("account"),
                _c("segment"),
                _c("product"),
                _c("source"),
                _c("lost_reason"),
            ),
            key=("deal_id",),
            references=(("owner_id", "people", "person_id"),),
        ),
        Table(
            "stage_changes",
            (_r("deal_id"), _r("stage"), _r("entered_at", "timestamp"), _c("changed_by")),
            key=("deal_id", "stage", "entered_at"),
            references=(("deal_id", "deals", "deal_id"),),
        ),
        Table(
            "leads",
            (
                _r("lead_id"),
                _r("created_at", "timestamp"),
                _c("owner_id"),
                _c("first_touch_at", "timestamp"),
                _c("source"),
                _c("converted_deal_id"),
                _c("disqualified_at", "timestamp"),
            ),
            key=("lead_id",),
            references=(("owner_id", "people", "person_id"),),
        ),
        Table(
            "targets",
            (
                _r("scope", choices=("company", "team", "person")),
                _c("scope_id"),
                _r("period_start", "date"),
                _r("period_end", "date"),
                _r("metric", choices=("won_amount", "won_deals")),
                _r("value", "decimal", minimum=0.0),
            ),
            key=("scope", "scope_id", "period_start", "period_end", "metric"),
        ),
        Table(
            "recognitions",
            (
                _r("recognition_id"),
                _r("given_by"),
                _r("given_to"),
                _r("given_at", "timestamp"),
                _c("message"),
                _c("deal_id"),
                _c("kind", choices=("peer", "manager"), default="peer"),
            ),
            key=("recognition_id",),
            references=(("given_by", "people", "person_id"), ("given_to", "people", "person_id")),
        ),
        Table(
            "pulse_responses",
            (
                _r("response_id"),
                _r("team_id"),
                _r("answered_at", "timestamp", to_day=True),
                _r("question_id"),
                _r("score", "int", minimum=0, maximum=10),
                _c("respondent_token"),
            ),
            key=("response_id",),
            references=(("team_id", "teams", "team_id"),),
        ),
        Table(
            "obstacles",
            (
                _r("obstacle_id"),
                _r("raised_by"),
                _r("raised_at", "timestamp"),
                _c("title"),
                _c("category", choices=("internal", "external")),
                _c("deal_id"),
                _c("first_response_at", "timestamp"),
                _c("resolved_at", "timestamp"),
                _c("resolution"),
                _c("response"),  # the helper's message to the person who raised it
                _c("responded_by"),
            ),
            key=("obstacle_id",),
            references=(("raised_by", "people", "person_id"),),
        ),
        Table(
            "one_on_ones",
            # notes and agreed actions are for the two people in the 1:1 only (design §5)
            (_r("person_id"), _r("manager_id"), _r("held_on", "date"), _c("notes"), _c("actions")),
            key=("person_id", "manager_id", "held_on"),
            references=(("person_id", "people", "person_id"),),
        ),
        Table(
            "annotations",
            (
                _r("annotation_id"),
                _r("at", "timestamp"),
                _r("label"),
                _c("scope", choices=("company", "team", "person"), default="company"),
                _c("scope_id"),
            ),
            key=("annotation_id",),
        ),
    ]
}

#: Order in which tables are written so that references point backwards.
LOAD_ORDER = list(TABLES)

#: Row-level rules beyond types: (table, SQL condition that marks a bad row, column, message, fix).
ROW_RULES: list[tuple[str, str, str, str, str]] = [
    (
        "deals",
        "status IN ('won', 'lost') AND closed_at IS NULL",
        "closed_at",
        "a won or lost deal needs a closed_at",
        "map its close date (closed_at); where it is empty, a last-modified column can stand in: closed_at = "
        '{ column = "Close Date", fallbacks = ["Last Modified Date"] }; its stage history (stage_changes) also '
        "dates it; or set status to open",
    ),
    (
        "deals",
        "closed_at IS NOT NULL AND closed_at < created_at",
        "closed_at",
        "closed_at precedes created_at",
        "a deal cannot close before it was created; correct either timestamp",
    ),
    (
        "leads",
        "first_touch_at IS NOT NULL AND first_touch_at < created_at",
        "first_touch_at",
        "first_touch_at precedes created_at",
        "a lead cannot be touched before it exists; correct either timestamp",
    ),
    (
        "targets",
        "period_end < period_start",
        "period_end",
        "period_end precedes period_start",
        "swap the two dates",
    ),
    (
        "targets",
        "scope <> 'company' AND scope_id IS NULL",
        "scope_id",
        "a team or person target needs a scope_id",
        "set scope_id to the team_id or person_id the target belongs to",
    ),
    (
        "obstacles",
        "resolved_at IS NOT NULL AND resolved_at < raised_at",
        "resolved_at",
        "resolved_at precedes raised_at",
        "an obstacle cannot be resolved before it was raised; correct either timestamp",
    ),
]


#: Tables derived from the canonical ones and kept by every writer of their sources (``salesvelocity.derived``):
#: what each report would otherwise recompute. Never imported or exported; rebuilt by ``salesvelocity rebuild``.
DERIVED: dict[str, Table] = {
    "stage_visits": Table(
        "stage_visits",
        # one row per stage change, with the deal's facts and the next change of the same deal (NULL: the
        # deal's last visit) — the LEAD window over every stage change, done once by the import
        (
            _r("deal_id"),
            _c("owner_id"),
            _c("pipeline"),
            _c("status"),
            _c("created_at", "timestamp"),
            _c("closed_at", "timestamp"),
            _r("stage"),
            _r("entered_at", "timestamp"),
            _c("next_at", "timestamp"),
            # the deal may have entered one of its stages more than once (false: each of its visits is its
            # only one in that stage), so time in stage adds up only these deals' visits per stage
            _c("reentry", "boolean"),
        ),
        key=("deal_id", "stage", "entered_at"),
    ),
}


#: The web app's own tables (accounts, sessions, API tokens, the audit log, the inbox, saved views). Not canonical data:
#: never imported or exported; created beside the canonical tables (DuckDB and PostgreSQL alike).
APP_TABLES: dict[str, str] = {
    "app_users": """CREATE TABLE IF NOT EXISTS app_users (
  user_id VARCHAR PRIMARY KEY, name VARCHAR NOT NULL, email VARCHAR NOT NULL, role VARCHAR NOT NULL,
  person_id VARCHAR, password_hash VARCHAR, language VARCHAR, invite_hash VARCHAR, invite_expires TIMESTAMP,
  created_at TIMESTAMP NOT NULL, disabled_at TIMESTAMP)""",
    "app_sessions": """CREATE TABLE IF NOT EXISTS app_sessions (
  session_hash VARCHAR PRIMARY KEY, user_id VARCHAR NOT NULL, csrf VARCHAR NOT NULL,
  created_at TIMESTAMP NOT NULL, expires_at TIMESTAMP NOT NULL)""",
    "app_tokens": """CREATE TABLE IF NOT EXISTS app_tokens (
  token_hash VARCHAR PRIMARY KEY, token_id VARCHAR NOT NULL, user_id VARCHAR NOT NULL, name VARCHAR NOT NULL,
  created_at TIMESTAMP NOT NULL, revoked_at TIMESTAMP)""",
    "app_audit": """CREATE TABLE IF NOT EXISTS app_audit (
  done_at TIMESTAMP NOT NULL, user_id VARCHAR, action VARCHAR NOT NULL, target VARCHAR, detail VARCHAR)""",
    "app_inbox": """CREATE TABLE IF NOT EXISTS app_inbox (
  message_id VARCHAR PRIMARY KEY, person_id VARCHAR NOT NULL, sent_at TIMESTAMP NOT NULL, kind VARCHAR NOT NULL,
  text VARCHAR NOT NULL, link VARCHAR, read_at TIMESTAMP)""",
    "app_views": """CREATE TABLE IF NOT EXISTS app_views (
  view_id VARCHAR PRIMARY KEY, user_id VARCHAR NOT NULL, name VARCHAR NOT NULL, path VARCHAR NOT NULL,
  query VARCHAR NOT NULL, created_at TIMESTAMP NOT NULL)""",
}
