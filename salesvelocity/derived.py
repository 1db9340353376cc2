"""Derived tables (``schema.DERIVED``): what every report would otherwise recompute, kept by the writers.

``stage_visits`` is the base of every stage metric: each stage change with its deal's facts (owner,
pipeline, status, created, closed), the time the deal entered its next stage (``next_at``, NULL for
the deal's last visit) — the ``LEAD`` window over all stage changes that a report used to sort anew on
every run — and whether the deal may have entered one of its stages more than once (``reentry``: time
in stage adds up only such deals' visits per stage; every other visit is its own sum). Its rows depend
only on one deal's row and that deal's stage changes, so a write that touches some deals recomputes just
their rows:

- an import, inside its transaction, for the deals it adds or changes and the deals whose stage
  changes it adds or changes (``refresh`` with the touched ids);
- the demo loader and a schema migration rebuild it whole (``rebuild``);
- ``salesvelocity rebuild`` rebuilds it whole, for a database edited by hand.

Timestamps are stored as UTC, like their sources; durations are taken at read time from the reporting
zone's wall clock (``Store.table``), so figures are exactly what the window over ``stage_changes`` gave.
The SQL is plain (a window, a join, ``IN``), so DuckDB and PostgreSQL run it alike.
"""

from __future__ import annotations

from salesvelocity.schema import DERIVED

#: Derived table → the canonical tables it is computed from.
SOURCES: dict[str, tuple[str, ...]] = {"stage_visits": ("deals", "stage_changes")}

#: ``refresh``'s word for "every stored deal is new" (a first import): rebuilt whole, nothing to list.
EVERY_DEAL = "every deal"

#: Above this share of the stored deals, recomputing every row is cheaper than deleting and re-adding some.
WHOLE_SHARE = 0.3

_VISITS = """
SELECT c.deal_id, d.owner_id, d.pipeline, d.status, d.created_at, d.closed_at, c.stage, c.entered_at, c.next_at,
       {reentry} AS reentry
FROM (
    SELECT deal_id, stage, entered_at,
           LEAD(entered_at) OVER (PARTITION BY deal_id ORDER BY entered_at, stage) AS next_at{per_deal}
    FROM stage_changes {where}
) AS c
JOIN deals AS d ON d.deal_id = c.deal_id
"""

# ``reentry``: may the deal have entered one of its stages more than once? DuckDB answers per deal in the
# window the LEAD already partitions by deal: a 64-bit mask with one bit per stage name (by its hash)
# holds fewer bits than the deal has changes. Two names on one bit only say yes wrongly, and a wrong yes
# costs nothing but time (the deal's visits are added up per stage, and a lone visit's sum is itself).
# +0.1–0.2 s on 3.9M changes, where an exact GROUP BY (deal, stage) cost +0.9 s and a count(DISTINCT)
# window +3.3 s. PostgreSQL (only a schema migration rebuilds there) gets the exact, portable test.
_REENTRY = {
    "duckdb": (
        ",\n           bit_count(bit_or(1::UBIGINT << (hash(stage) % 64)) OVER (PARTITION BY deal_id))"
        " < count(*) OVER (PARTITION BY deal_id) AS _reentry",
        "c._reentry",
    ),
    "postgres": (
        "",
        "c.deal_id IN (SELECT deal_id FROM stage_changes GROUP BY deal_id, stage HAVING count(*) > 1)",
    ),
}


def _visits(store, where: str = "") -> str:
    per_deal, reentry = _REENTRY[getattr(store, "kind", "duckdb")]
    return _VISITS.format(where=where, per_deal=per_deal, reentry=reentry)


def _columns() -> str:
    return ", ".join(f'"{c}"' for c in DERIVED["stage_visits"].column_names)


def rebuild(store) -> None:
    """Recompute every derived row from the canonical tables (inside the caller's transaction, if any)."""
    store.sql('DELETE FROM "stage_visits"')
    store.sql(f'INSERT INTO "stage_visits" ({_columns()}) {_visits(store)}')


def refresh(store, touched: str | None) -> None:
    """Recompute the derived rows of the deals listed by the query ``touched`` (one column, ``deal_id``;
    None: no deal was touched; ``EVERY_DEAL``: all of them). Deals gone from ``deals`` lose their rows; a
    large share is rebuilt whole.
    """
    if touched is None:
        return
    if touched == EVERY_DEAL:
        rebuild(store)
        return
    store.sql(f'CREATE TEMP TABLE "_sv_touched" AS SELECT DISTINCT deal_id FROM ({touched}) AS t')
    try:
        count = store.sql('SELECT count(*) FROM "_sv_touched"').fetchone()[0]
        if not count:
            return
        stored = store.sql('SELECT count(*) FROM "deals"').fetchone()[0]
        if count >= WHOLE_SHARE * stored:
            rebuild(store)
            return
        within = 'deal_id IN (SELECT deal_id FROM "_sv_touched")'
        store.sql(f'DELETE FROM "stage_visits" WHERE {within}')
        store.sql(f'INSERT INTO "stage_visits" ({_columns()}) {_visits(store, "WHERE " + within)}')
    finally:
        store.sql('DROP TABLE IF EXISTS "_sv_touched"')


def derived_from(tables) -> list[str]:
    """The derived tables to write again when ``tables`` (canonical names) were written."""
    written = set(tables)
    return [name for name, sources in SOURCES.items() if written & set(sources)]
