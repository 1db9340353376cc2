"""English and Dutch: the words people read, and numbers and dates as their locale writes them.

Text goes through ``_()``: the English text is the message id; ``salesvelocity/locale/<lang>.po`` (GNU
gettext PO format, so translators use their usual tools) holds the translations. A message with
``{name}`` placeholders is filled after translation, so word order can change per language. A message
missing from a catalog falls back to English — never to an empty string.

Numbers: English writes ``1,234.5`` and ``53.5 %``; Dutch writes ``1.234,5`` and ``53,5 %``. Dates: ISO
``2026-12-31`` in English, ``31-12-2026`` in Dutch. CSV for Dutch Excel (``--csv-locale nl``) uses ``;``
between fields and decimal commas.

Kept light (standard library only): the CLI sets the language before any heavy module loads.
"""

from __future__ import annotations

import ast
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator

LANGUAGES = ("en", "nl")
LOCALE_DIR = Path(__file__).parent / "locale"
# Per thread and per task: a web server answers people in different languages at the same time.
_language: ContextVar[str] = ContextVar("language", default="en")
_csv_locale: ContextVar[str] = ContextVar("csv_locale", default="en")


def language_code(lang: str | None) -> str:
    """``en`` or ``nl`` for ``lang`` (``nl_NL``, ``nl-BE`` and the like count as ``nl``; None is ``en``)."""
    from salesvelocity.errors import ConfigError

    code = (lang or "en").strip().lower().replace("-", "_").split("_")[0].split(".")[0]
    if code not in LANGUAGES:
        raise ConfigError(f"unknown language {lang!r}", hint=f"use one of: {', '.join(LANGUAGES)}")
    return code


def set_language(lang: str | None) -> str:
    """Use ``lang`` from now on (in this thread or task)."""
    code = language_code(lang)
    _language.set(code)
    return code


@contextmanager
def speaking(lang: str | None) -> Iterator[str]:
    """Words made inside the block are in ``lang``; the language before comes back after it."""
    token = _language.set(language_code(lang))
    try:
        yield _language.get()
    finally:
        _language.reset(token)


def language() -> str:
    return _language.get()


def set_csv_locale(lang: str | None) -> str:
    """CSV as ``lang``'s spreadsheet reads it: ``nl`` → ``;`` between fields and decimal commas."""
    code = language_code(lang)
    _csv_locale.set(code)
    return code


def csv_locale() -> str:
    return _csv_locale.get()


def _(text: str, **values: object) -> str:
    """``text`` in the current language, with ``{placeholders}`` filled from ``values``."""
    translated = catalog(language()).get(text, text) if language() != "en" else text
    return translated.format(**values) if values else translated


def N_(text: str) -> str:
    """Mark ``text`` for translation where it is defined; ``_()`` translates it where it is shown."""
    return text


#: Words the code picks at run time (a grouping, a pulse question id): marked here so catalogs carry them.
VOCABULARY = (
    N_("rep"),
    N_("appreciation"),
    N_("autonomy"),
    N_("happiness"),
    N_("support"),
    N_("workload"),
    N_("enps"),
)


@cache
def catalog(lang: str) -> dict[str, str]:
    """msgid → msgstr of ``locale/<lang>.po`` (empty translations are left out, so English shows)."""
    path = LOCALE_DIR / f"{lang}.po"
    if not path.exists():
        return {}
    return read_po(path.read_text(encoding="utf-8"))


def read_po(text: str) -> dict[str, str]:
    """The messages of a PO file: ``msgid``/``msgstr`` pairs, each possibly continued over several quoted
    lines; comments, blank lines and the header entry (empty msgid) are skipped."""
    messages: dict[str, str] = {}
    entry: dict[str, list[str]] = {}
    field = None

    def keep() -> None:
        msgid, msgstr = "".join(entry.get("msgid", [])), "".join(entry.get("msgstr", []))
        if msgid and msgstr:
            messages[msgid] = msgstr

    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("msgid "):
            keep()
            field, entry = "msgid", {"msgid": [ast.literal_eval(line[6:])]}
        elif line.startswith("msgstr "):
            field = "msgstr"
            entry["msgstr"] = [ast.literal_eval(line[7:])]
        elif line.startswith('"') and field:
            entry[field].append(ast.literal_eval(line))
    keep()
    return messages


def number(value: float, decimals: int = 0) -> str:
    """``value`` with thousands grouped and ``decimals`` places, as the current language writes it."""
    text = f"{value:,.{decimals}f}"
    if language() == "nl":
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text


#: Symbols of the currencies people meet most; any other code is written before the amount as it is.
CURRENCY_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "JPY": "¥", "INR": "₹", "CNY": "¥", "KRW": "₩"}


def money(value: float, currency: str | None, decimals: int = 0) -> str:
    """An amount with its currency as the current language writes it: ``€1,234`` in English, ``€ 1.234`` in
    Dutch; an unknown code goes before the amount (``CHF 1,234``); no currency (or a mix): the number only."""
    amount = number(value, decimals)
    code = (currency or "").strip().upper()
    if len(code) != 3 or not code.isalpha():
        return amount
    symbol = CURRENCY_SYMBOLS.get(code)
    if symbol is None or language() == "nl":
        return f"{symbol or code}\u00a0{amount}"
    return f"-{symbol}{amount[1:]}" if amount.startswith("-") else f"{symbol}{amount}"


def day(value: date | datetime) -> str:
    """A date as the current language writes it (ISO in English, day-month-year in Dutch)."""
    if isinstance(value, datetime):
        value = value.date()
    return f"{value:%d-%m-%Y}" if language() == "nl" else value.isoformat()


def messages_in_source(root: Path | None = None) -> list[str]:
    """Every message the package marks for translation: literal first arguments of ``_()`` and ``N_()``
    in the Python modules, and of ``_()`` in the HTML templates. (For ``salesvelocity.i18n`` checks and
    for making a new catalog; not used at run time.)"""
    import re

    root = root or Path(__file__).parent
    found: dict[str, None] = {}
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in ("_", "N_")
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                found[node.args[0].value] = None
    call = re.compile(r"""_\(\s*(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")""")
    for path in sorted(root.rglob("templates/*.html")):  # the report pages and the web app
        for single, double in call.findall(path.read_text(encoding="utf-8")):
            found[single or double] = None
    return list(found)
