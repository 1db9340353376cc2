"""Regional conventions in exported values: decimal commas, thousands separators, currency marks,
and day/month order in dates — detected from the data, never silently guessed.

Everything here writes SQL that turns source text into canonical text (plain decimals with a dot; ISO
timestamps), so the canonical validation then types and checks the result. Detection counts evidence
over the whole file in one query per kind.
"""

from __future__ import annotations

from dataclasses import dataclass

from salesvelocity.errors import Problem
from salesvelocity.store import Store

DATE_ORDERS = ("ymd", "dmy", "mdy")
SAMPLE_ROWS = 20_000
#: A day/month/year date at the start of a value: groups day-or-month, month-or-day, year, rest.
DMY_PATTERN = r"^\s*(\d{1,2})[./-](\d{1,2})[./-](\d{2,4})(.*)$"


def q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


@dataclass
class Conventions:
    """How the values of one file are written. ``None`` means: detect from the data."""

    decimal: str | None = None  # "," or "."
    date_order: str | None = None  # "ymd" | "dmy" | "mdy"
    date_format: str | None = None  # an explicit strptime format wins over everything
    timezone: str | None = None  # zone of timestamps written without an offset (default UTC)


#: A number in E-notation, as spreadsheets write large or small values: 1.5E+06, 1,5E+06, -2e-3.
SCIENTIFIC = r"^\s*[-+]?([0-9]+([.,][0-9]*)?|[.,][0-9]+)[eE][-+]?[0-9]{1,3}\s*$"


def clean_number_sql(text: str) -> str:
    """Strip currency symbols and codes, spaces (also non-breaking) and apostrophes; keep digits, , . -

    A value in E-notation keeps only its mantissa (1,5E+06 → 1,5): that is what tells its decimal mark.
    """
    exponent = f"regexp_replace({text}, '[eE][-+]?[0-9]+\\s*$', '')"
    return _strip_marks(f"coalesce(CASE WHEN {_maybe_scientific(text)} THEN {exponent} END, {text})")


def _strip_marks(text: str) -> str:
    return f"regexp_replace({text}, '[^0-9,.\\-]', '', 'g')"


def _maybe_scientific(text: str) -> str:
    # `contains` first: it is far cheaper than the regular expression, and few amounts have an e at all.
    return f"((contains({text}, 'E') OR contains({text}, 'e')) AND regexp_matches({text}, {lit(SCIENTIFIC)}))"


def number_sql(text: str, decimal: str) -> str:
    """SQL turning a number as written into a plain decimal with a dot ('1.234,56 €' → '1234.56').

    E-notation (Excel writes 1500000 as 1.5E+06) is read as the number it stands for; one that no
    decimal can hold is kept as written, so the validation reports it.
    """
    cleaned = _strip_marks(text)
    if decimal == ",":
        plain = f"NULLIF(replace(replace({cleaned}, '.', ''), ',', '.'), '')"
    else:
        plain = f"NULLIF(replace({cleaned}, ',', ''), '')"
    mark = "','" if decimal == "," else "'.'"
    scientific = (
        f"coalesce(CAST(TRY_CAST(TRY_CAST(replace(trim({text}), {mark}, '.') AS DOUBLE) "
        f"AS DECIMAL(38, 6)) AS VARCHAR), {text})"
    )
    # coalesce(CASE … END, plain), not CASE … ELSE plain: DuckDB ran the cleaning twice as slowly as an ELSE
    # branch (1M amounts: 0.85 against 0.45 s); the E-notation branch is never NULL, so the two agree.
    return f"coalesce(CASE WHEN {_maybe_scientific(text)} THEN {scientific} END, {plain})"


def detect_decimal(
    store: Store, view: str, columns: list[str], file: str, delimiter: str | None
) -> tuple[str, list[Problem]]:
    """The decimal separator of the numeric ``columns``: evidence is a separator followed by other than
    exactly three digits, or both separators in one value (the last one is the decimal)."""
    if not columns:
        return ".", []
    for limit in (f"LIMIT {SAMPLE_ROWS}", ""):
        decimal, problems, conclusive = _decimal(store, view, columns, file, delimiter, limit)
        if conclusive:
            break
    return decimal, problems


def _decimal(
    store: Store, view: str, columns: list[str], file: str, delimiter: str | None, limit: str
) -> tuple[str, list[Problem], bool]:
    values = " UNION ALL ".join(f"(SELECT {clean_number_sql(q(c))} AS v FROM {view} {limit})" for c in columns)
    # A separator is a decimal when both appear and it comes last, or when it is followed by other than
    # exactly three digits (12,5 or 1234,567 — never the 1,234 of a thousands separator).
    comma_last, comma_alone = "'\\.[0-9]*,[0-9]+$'", "'^-?[0-9]*,([0-9]{1,2}|[0-9]{4,})$'"
    dot_last, dot_alone = "',[0-9]*\\.[0-9]+$'", "'^-?[0-9]*\\.([0-9]{1,2}|[0-9]{4,})$'"
    comma, dot = store.sql(
        f"""SELECT
              count(*) FILTER (WHERE regexp_matches(v, {comma_last}) OR regexp_matches(v, {comma_alone})),
              count(*) FILTER (WHERE regexp_matches(v, {dot_last}) OR regexp_matches(v, {dot_alone}))
            FROM ({values}) WHERE v IS NOT NULL AND v <> ''"""
    ).fetchone()
    if comma and dot:
        return (
            ",",
            [
                Problem(
                    file,
                    None,
                    ", ".join(columns),
                    None,
                    f"numbers are written both with a decimal comma ({comma} values) "
                    f"and a decimal point ({dot} values)",
                    'set decimal = "," or decimal = "." under [options] in the mapping',
                )
            ],
            not limit,
        )
    if comma:
        return ",", [], True
    if dot:
        return ".", [], True
    # Only whole numbers or 1,234-style values: the file's separator is the best remaining evidence.
    return ("," if delimiter == ";" else "."), [], not limit


def detect_date_order(store: Store, view: str, columns: list[str], file: str) -> tuple[str, list[Problem]]:
    """Day-first or month-first, from values like 13/02/2024 (day-first) or 02/13/2024 (month-first).

    Returns "ymd" when the dates are ISO. If every d/m/y value has both parts ≤ 12 the order cannot be
    told: that is reported, with the fix, instead of guessed.
    """
    if not columns:
        return "ymd", []
    # A sample usually settles it; only an undecided sample costs a full scan.
    for limit in (f"LIMIT {SAMPLE_ROWS}", ""):
        order, problems, conclusive = _date_order(store, view, columns, file, limit)
        if conclusive:
            break
    return order, problems


def _date_order(store: Store, view: str, columns: list[str], file: str, limit: str) -> tuple[str, list[Problem], bool]:
    values = " UNION ALL ".join(f"(SELECT {q(c)} AS v FROM {view} WHERE {q(c)} IS NOT NULL {limit})" for c in columns)
    slashed, first_big, second_big, sample = store.sql(
        f"""SELECT count(*),
                   count(*) FILTER (WHERE TRY_CAST(regexp_extract(v, '{DMY_PATTERN}', 1) AS INT) > 12),
                   count(*) FILTER (WHERE TRY_CAST(regexp_extract(v, '{DMY_PATTERN}', 2) AS INT) > 12),
                   any_value(v)
            FROM ({values}) WHERE regexp_matches(v, '{DMY_PATTERN}')"""
    ).fetchone()
    if not slashed:
        return "ymd", [], True
    where = ", ".join(columns)
    if first_big and second_big:
        return (
            "dmy",
            [
                Problem(
                    file,
                    None,
                    where,
                    sample,
                    "dates mix day-first and month-first values",
                    'export the dates in one format, or set date_format under [options] (e.g. "%d/%m/%Y")',
                )
            ],
            True,
        )
    if first_big:
        return "dmy", [], True
    if second_big:
        return "mdy", [], True
    return (
        "dmy",
        [
            Problem(
                file,
                None,
                where,
                sample,
                f"the day/month order of {slashed} dates cannot be told (no day above 12)",
                'set date_order = "dmy" or "mdy" (or date_format) under [options] in the mapping',
            )
        ],
        not limit,
    )


CLOCKS = ("", " %H:%M", " %H:%M:%S", " %I:%M %p", " %I:%M:%S %p", "T%H:%M:%S", "T%H:%M", " %H:%M:%S.%f")


def pick_format(store: Store, view: str, column: str, order: str) -> str | None:
    """The strptime format that reads most of a sample of ``column`` (day/month ``order`` known).

    One exact format parses ten times faster than trying a list, which matters for a million rows;
    values it does not read still go through the general path.
    """
    if order not in ("dmy", "mdy"):
        return None
    day_month = ("%d", "%m") if order == "dmy" else ("%m", "%d")
    candidates = [
        f"{day_month[0]}{sep}{day_month[1]}{sep}{year}{clock}"
        for sep in ("/", "-", ".")
        for year in ("%y", "%Y")
        for clock in CLOCKS
    ]
    counts = ", ".join(f"count(try_strptime(v, {lit(f)}))" for f in candidates)
    row = store.sql(
        f"SELECT {counts} FROM (SELECT trim(CAST({q(column)} AS VARCHAR)) AS v FROM {view} "
        f"WHERE {q(column)} IS NOT NULL LIMIT 2000)"
    ).fetchone()
    best = max(range(len(candidates)), key=lambda i: row[i])  # the first of equals: %y before %Y
    return candidates[best] if row[best] else None


def timestamp_sql(
    text: str, order: str, date_format: str | None, timezone: str | None, likely: str | None = None
) -> str:
    """SQL turning a date or timestamp as written into ISO text the canonical validation reads."""
    if date_format:
        parsed = f"coalesce(strftime(try_strptime({text}, {lit(date_format)}), '%Y-%m-%d %H:%M:%S'), {text})"
    elif order in ("dmy", "mdy"):
        day_month = "%d/%m" if order == "dmy" else "%m/%d"
        formats = [
            f"{day_month}/%Y{clock}" for clock in ("", " %H:%M", " %H:%M:%S", " %I:%M %p", " %I:%M:%S %p", "T%H:%M:%S")
        ]
        # 13.02.2024 and 13-02-2024 → 13/02/2024; a two-digit year is this century's (24 → 2024).
        slashes = f"regexp_replace(trim({text}), '^(\\d{{1,2}})[./-](\\d{{1,2}})[./-]', '\\1/\\2/')"
        unified = f"regexp_replace({slashes}, '^(\\d{{1,2}}/\\d{{1,2}}/)(\\d{{2}})(\\D|$)', '\\120\\2\\3')"
        listed = "[" + ", ".join(lit(f) for f in formats) + "]"
        # A value that does not parse (31-02-2024) stays as written, so the validation reports it.
        parsed = (
            f"CASE WHEN regexp_matches({text}, '{DMY_PATTERN}') "
            f"THEN coalesce(strftime(try_strptime({unified}, {listed}), '%Y-%m-%d %H:%M:%S'), {text}) ELSE {text} END"
        )
        if likely:
            # CASE evaluates the general path only for the rows the likely format did not read
            # (COALESCE would compute it for every row).
            fast = f"try_strptime(trim({text}), {lit(likely)})"
            parsed = f"CASE WHEN {fast} IS NOT NULL THEN strftime({fast}, '%Y-%m-%d %H:%M:%S') ELSE {parsed} END"
    else:
        parsed = text
    if timezone:
        # A value without an offset is in the given zone; the validation honours the zone name.
        tail = f"substr({parsed}, 11)"
        has_offset = f"(contains({tail}, '+') OR contains({tail}, '-') OR contains({tail}, 'Z'))"
        local = f"strftime(TRY_CAST({parsed} AS TIMESTAMP), '%Y-%m-%d %H:%M:%S')"
        return (
            f"CASE WHEN {parsed} IS NULL OR {has_offset} OR {local} IS NULL THEN {parsed} "
            f"ELSE {local} || ' ' || {lit(timezone)} END"
        )
    return parsed
