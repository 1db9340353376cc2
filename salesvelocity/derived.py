"""Derived tables (``schema.DERIVED``): what every report would otherwise recompute, kept by the writers.

``stage_visits`` is the base of every stage metric: each stage change with its deal's facts (owner,
pipeline, status, created, closed), the time the deal entered its next stage (``next_at``, NULL for
the deal's last visit) — the ``LEAD`` window over all stage changes that a report used to sort anew on
every run — and whether the deal entered that stage more than once (``revisited``: time in stage adds up
only those visits per deal and stage; the others are their own sum). Its rows depend only on one deal's
row and that deal's stage changes, so a write that touches some deals recomputes just their rows:

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

# ``revisited`` by a grouping joined back, not a second window (PARTITION BY deal, stage): one more sort of
# every stage change cost about twice as much (3.9M changes: +0.4–1.1 s against +1.2–1.7 s).
_VISITS = """
SELECT c.deal_id, d.owner_id, d.pipeline, d.status, d.created_at, d.closed_at, c.stage, c.entered_at, c.next_at,
       r.deal_id IS NOT NULL AS revisited
FROM (
    SELECT deal_id, stage, entered_at,
           LEAD(entered_at) OVER (PARTITION BY deal_id ORDER BY entered_at, stage) AS next_at
    FROM stage_changes {where}
) AS c
JOIN deals AS d ON d.deal_id = c.deal_id
LEFT JOIN (
    SELECT deal_id, stage FROM stage_changes {where} GROUP BY deal_id, stage HAVING count(*) > 1
) AS r ON r.deal_id = c.deal_id AND r.stage = c.stage
"""


def _columns() -> str:
    return ", ".join(f'"{c}"' for c in DERIVED["stage_visits"].column_names)


def rebuild(store) -> None:
    """Recompute every derived row from the canonical tables (inside the caller's transaction, if any)."""
    store.sql('DELETE FROM "stage_visits"')
    store.sql(f'INSERT INTO "stage_visits" ({_columns()}) {_VISITS.format(where="")}')


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
        store.sql(f'INSERT INTO "stage_visits" ({_columns()}) {_VISITS.format(where="WHERE " + within)}')
    finally:
        store.sql('DROP TABLE IF EXISTS "_sv_touched"')


def derived_from(tables) -> list[str]:
    """The derived tables to write again when ``tables`` (canonical names) were written."""
    written = set(tables)
    return [name for name, sources in SOURCES.items() if written & set(sources)]
