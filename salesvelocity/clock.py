"""The one clock. Stored times are UTC without a zone (schema.py); "now" and "today" come from here, never
from the machine's local zone, so a `TZ=Europe/Amsterdam` shell stores the same instant as a UTC server.

The reporting time zone (setting ``timezone``, design.md §4) decides where a day starts: "today", a day
given on the command line and every day or period a report cuts are days in that zone.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

UTC_NAME = "UTC"


def zone_name(name: str) -> str:
    """``name`` checked as an IANA time zone (``Europe/Amsterdam``); ValueError names the fix."""
    text = (name or "").strip()
    if text.upper() in ("UTC", "Z", "ETC/UTC", "GMT"):
        return UTC_NAME
    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"{name!r} is not a time zone name; use an IANA name such as Europe/Amsterdam, America/New_York or UTC"
        ) from None
    return text


def now() -> datetime:
    """This moment in UTC, to the second, as the naive timestamp the tables store."""
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


def stamp() -> str:
    """When an output was made, for its footer: this minute in UTC, saying so."""
    return f"{now():%Y-%m-%d %H:%M} UTC"


def local_now(zone: str = UTC_NAME) -> datetime:
    """This moment as the wall clock of ``zone`` shows it (naive), to the second."""
    moment = now()  # the one "now": a test that fixes it fixes every zone's wall clock too
    if zone == UTC_NAME:
        return moment
    return moment.replace(tzinfo=UTC).astimezone(ZoneInfo(zone)).replace(tzinfo=None)


def today(zone: str = UTC_NAME) -> date:
    """Today's date in ``zone`` (the reporting time zone; UTC by default)."""
    return local_now(zone).date()


def to_utc(moment: datetime | date, zone: str = UTC_NAME) -> datetime:
    """A given moment as stored. One with a zone is converted to UTC; a naive one (or a day, taken at its
    start) is read as the wall clock of ``zone``."""
    if not isinstance(moment, datetime):
        moment = datetime.combine(moment, time.min)
    if moment.tzinfo is None:
        if zone == UTC_NAME:
            return moment
        moment = moment.replace(tzinfo=ZoneInfo(zone))
    return moment.astimezone(UTC).replace(tzinfo=None)
