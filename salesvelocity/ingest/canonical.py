"""Writing validated staging tables: classify rows as new / updated / unchanged, then upsert.

Re-importing the same files changes nothing; a newer export updates the rows that changed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from salesvelocity.derived import EVERY_DEAL
from salesvelocity.schema import TABLES
from salesvelocity.store import Store

Progress = Callable[[str], None]


@dataclass
class TableCounts:
    table: str
    files: list[str] = field(default_factory=list)
    read: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    compared: bool = True  # False for a first import: nothing to compare with, every row is new


def _key_join(table: str, left: str, right: str) -> str:
    return " AND ".join(f'{left}."{k}" IS NOT DISTINCT FROM {right}."{k}"' for k in TABLES[table].key)


def classify(store: Store, table: str, staging: str) -> TableCounts:
    """Mark each staged row new / updated / unchanged against the store, and count them."""
    cols = TABLES[table].column_names
    same = " AND ".join(f's."{c}" IS NOT DISTINCT FROM t."{c}"' for c in cols)
    if not store.sql(f'SELECT EXISTS (SELECT 1 FROM "{table}")').fetchone()[0]:
        # A first import: every row is new, no need to compare with anything (upsert inserts them all).
        count = store.sql(f'SELECT count(*) FROM "{staging}"').fetchone()[0]
        return TableCounts(table, read=count, new=count, compared=False)
    store.sql(
        f"""
        CREATE OR REPLACE TEMP TABLE "{staging}_c" AS
        SELECT s.*, CASE WHEN t._present IS NULL THEN 'new' WHEN {same} THEN 'unchanged' ELSE 'updated' END
               AS _change
        FROM "{staging}" AS s LEFT JOIN (SELECT *, true AS _present FROM "{table}") AS t
             ON {_key_join(table, "s", "t")}
        """
    )
    store.sql(f'DROP TABLE "{staging}"')
    store.sql(f'ALTER TABLE "{staging}_c" RENAME TO "{staging}"')
    counts = dict(store.sql(f'SELECT _change, count(*) FROM "{staging}" GROUP BY 1').fetchall())
    return TableCounts(
        table,
        read=sum(counts.values()),
        new=counts.get("new", 0),
        updated=counts.get("updated", 0),
        unchanged=counts.get("unchanged", 0),
    )


def upsert(store: Store, table: str, staging: str, compared: bool = True) -> None:
    """Write staged rows classified by ``classify``; ``compared=False`` (a first import) inserts them all."""
    cols = ", ".join(f'"{c}"' for c in TABLES[table].column_names)
    if not compared:
        store.sql(f'INSERT INTO "{table}" ({cols}) SELECT {cols} FROM "{staging}"')
        return
    store.sql(
        f"""DELETE FROM "{table}" AS t USING "{staging}" AS s
            WHERE s._change = 'updated' AND {_key_join(table, "s", "t")}"""
    )
    store.sql(f'INSERT INTO "{table}" ({cols}) SELECT {cols} FROM "{staging}" WHERE _change <> \'unchanged\'')


def touched_deals(staged: dict[str, str], counts: dict[str, TableCounts]) -> str | None:
    """A query of the deal ids whose row or stage changes this import adds or changes (for the derived
    tables; None when there are none; ``EVERY_DEAL`` when the deals table was empty, so every stored deal is
    new); rows found unchanged are left out."""
    if "deals" in staged and not counts["deals"].compared:
        return EVERY_DEAL
    parts = []
    for table in ("deals", "stage_changes"):
        if table not in staged or not (counts[table].new or counts[table].updated):
            continue
        changed = " WHERE _change <> 'unchanged'" if counts[table].compared else ""
        parts.append(f'SELECT deal_id FROM "{staged[table]}"{changed}')
    return " UNION ALL ".join(parts) or None
