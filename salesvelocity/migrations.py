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


def _v2_to_v3(store: Store) -> None:
    """Pulse tokens made outside the database, per person and period; answers kept to the day.

    Version 2 kept the token key inside the database and one token per person for ever, so whoever held
    the file could link every answer to its person. Each old token that belongs to a known person is
    re-made with the key outside the database (``pulse_key``) for the month it was given in; tokens of no
    known person (imported) stay as they are and count as "not made by this key". The old key is dropped.
    """
    import hashlib
    import hmac

    import pyarrow as pa

    from salesvelocity.empowerment.pulse import CADENCE
    from salesvelocity.empowerment.pulse_key import load_key, make_token
    from salesvelocity.metrics.cadence import period_floor
    from salesvelocity.store import META_TABLE

    store.sql("UPDATE pulse_responses SET answered_at = date_trunc('day', answered_at)")
    row = store.sql(f"SELECT value FROM {META_TABLE} WHERE key = 'pulse_secret'").fetchone()
    if row is None:
        return
    old = bytes.fromhex(row[0])
    owner = {
        hmac.new(old, person.encode("utf-8"), hashlib.sha256).hexdigest()[:24]: person
        for (person,) in store.sql("SELECT person_id FROM people").fetchall()
    }
    pairs = store.sql(
        "SELECT DISTINCT respondent_token, CAST(answered_at AS DATE) FROM pulse_responses "
        "WHERE respondent_token IS NOT NULL"
    ).fetchall()
    known = [(token, day) for token, day in pairs if token in owner]
    if known:
        key = load_key(store, create=True)
        rekey = pa.table(
            {
                "old": [t for t, _ in known],
                "day": [d for _, d in known],
                "new": [make_token(key, owner[t], period_floor(d, CADENCE)) for t, d in known],
            }
        )
        store.raw.register("_sv_rekey", rekey)
        store.sql(
            "UPDATE pulse_responses SET respondent_token = k.new FROM _sv_rekey k "
            "WHERE respondent_token = k.old AND CAST(answered_at AS DATE) = k.day"
        )
        # One answer per person, question and month: the latest stays.
        store.sql(
            """DELETE FROM pulse_responses WHERE response_id IN (
                 SELECT response_id FROM (
                   SELECT response_id, row_number() OVER (
                     PARTITION BY respondent_token, question_id, date_trunc('month', answered_at)
                     ORDER BY answered_at DESC, response_id DESC) AS n
                   FROM pulse_responses WHERE respondent_token IN (SELECT new FROM _sv_rekey))
                 WHERE n > 1)"""
        )
        store.raw.unregister("_sv_rekey")
    store.sql(f"DELETE FROM {META_TABLE} WHERE key = 'pulse_secret'")


def _v3_to_v4(store: Store) -> None:
    """The team edition: an obstacle's answer carries a message and its author; a 1:1 keeps shared notes and
    agreed actions; the web app's accounts, sessions, tokens, audit log and inbox."""
    from salesvelocity.schema import APP_TABLES

    for table, column in (("obstacles", "response"), ("obstacles", "responded_by")):
        store.sql(f'ALTER TABLE {table} ADD COLUMN IF NOT EXISTS "{column}" VARCHAR')
    for column in ("notes", "actions"):
        store.sql(f'ALTER TABLE one_on_ones ADD COLUMN IF NOT EXISTS "{column}" VARCHAR')
    for ddl in APP_TABLES.values():
        store.sql(ddl)


def _v4_to_v5(store: Store) -> None:
    """Saved views of the team edition (a user's named page + filters)."""
    from salesvelocity.schema import APP_TABLES

    store.sql(APP_TABLES["app_views"])


def _v5_to_v6(store: Store) -> None:
    """Derived tables kept by the import (``salesvelocity.derived``): made here, filled by ``_v6_to_v7``,
    which always follows (the table already has its version-7 columns, so filling it twice would be waste)."""
    from salesvelocity.schema import DERIVED

    for table in DERIVED.values():
        store.sql(table.ddl())


def _v6_to_v7(store: Store) -> None:
    """Stage visits say whether their deal may have entered a stage more than once (``reentry``)."""
    from salesvelocity.derived import rebuild

    store.sql('ALTER TABLE "stage_visits" ADD COLUMN IF NOT EXISTS "reentry" BOOLEAN')
    rebuild(store)


STEPS = {1: _v1_to_v2, 2: _v2_to_v3, 3: _v3_to_v4, 4: _v4_to_v5, 5: _v5_to_v6, 6: _v6_to_v7}


def v1_ddl() -> list[str]:
    """The DDL of schema version 1, kept so that tests can build an old database and migrate it."""
    import dataclasses

    later = {"obstacles": ("response", "responded_by"), "one_on_ones": ("notes", "actions")}  # version 4
    statements = []
    for name, table in TABLES.items():
        if name == "annotations":
            continue
        kept = tuple(c for c in table.columns if c.name not in later.get(name, ()))
        ddl = dataclasses.replace(table, columns=kept).ddl()
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
