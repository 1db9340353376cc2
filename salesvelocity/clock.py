"""The one clock. Stored times are UTC without a zone (schema.py); "now" and "today" come from here, never
from the machine's local zone, so a `TZ=Europe/Amsterdam` shell stores the same instant as a UTC server."""

from __future__ import annotations

from datetime import UTC, date, datetime


def now() -> datetime:
    """This moment in UTC, to the second, as the naive timestamp the tables store."""
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


def today() -> date:
    """Today's date in UTC, the reporting day until a reporting time zone is configured."""
    return datetime.now(UTC).date()


def to_utc(moment: datetime) -> datetime:
    """A given moment as stored: one with a zone is converted to UTC; a naive one is taken as UTC."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None)
