"""In-place migrations from older schema versions; each step takes version n to n + 1.

Version 1 was the first layout: it had no ``annotations`` table and no ``deals.lost_reason``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from salesvelocity.errors import StoreError
from salesvelocity.schema import SCHEMA_VERSION, TABLES

if TYPE_CHECKING:
    from salesvelocity.store import Store


def _v1_to_v2(store: Store) -> None:
    store.sql(TABLES["annotations"].ddl())
    store.sql('ALTER TABLE deals ADD COLUMN IF NOT EXISTS "lost_reason" VARCHAR')


STEPS = {1: _v1_to_v2}


def v1_ddl() -> list[str]:
    """The DDL of schema version 1, kept so that tests can build an old database and migrate it."""
    statements = []
    for name, table in TABLES.items():
        if name == "annotations":
            continue
        ddl = table.ddl()
        if name == "deals":
            ddl = ddl.replace(',\n  "lost_reason" VARCHAR', "")
        statements.append(ddl)
    return statements


def migrate(store: Store, found: int) -> None:
    """Run every step from ``found`` up to the current version (inside the caller's transaction)."""
    for version in range(found, SCHEMA_VERSION):
        step = STEPS.get(version)
        if step is None:
            raise StoreError(f"no migration from schema version {version}", hint="this is a bug; please report it")
        step(store)
