"""English and Dutch: every message has a translation, numbers and dates follow the locale, and the report,
its HTML and its CSV read in Dutch when asked."""

from __future__ import annotations

import csv
import io
import re
from datetime import date

import pytest
from rich.console import Console

import salesvelocity as sv
from salesvelocity.demo import generate, load_demo
from salesvelocity.errors import ConfigError
from salesvelocity.i18n import _, catalog, day, messages_in_source, number, read_po, set_csv_locale, set_language
from salesvelocity.output import fmt_number, to_csv

TODAY = date(2026, 12, 1)


@pytest.fixture
def dutch():
    set_language("nl")
    yield
    set_language("en")


@pytest.fixture(scope="module")
def demo_report():
    from salesvelocity.report.build import build_report

    con = sv.connect(":memory:")
    load_demo(con, generate(1500, 7, TODAY))
    set_language("nl")
    try:
        yield build_report(con, today=TODAY)
    finally:
        set_language("en")
        con.close()


def test_every_marked_message_has_a_dutch_translation_with_the_same_placeholders():
    nl = catalog("nl")
    messages = messages_in_source()
    assert len(messages) > 300
    missing = [m for m in messages if m not in nl]
    assert missing == []
    for message in messages:
        assert set(re.findall(r"\{\w+\}", message)) == set(re.findall(r"\{\w+\}", nl[message])), message


def test_po_reader_joins_continued_lines_and_unescapes():
    text = 'msgid ""\nmsgstr "Language: nl\\n"\n\n# a comment\nmsgid "a \\"b\\" "\n"c"\nmsgstr "x "\n"y\\n"\n'
    assert read_po(text) == {'a "b" c': "x y\n"}


def test_numbers_and_dates_in_dutch(dutch):
    assert number(1234.5, 1) == "1.234,5"
    assert fmt_number(0.535, "percent") == "53,5\u00a0%"
    assert fmt_number(2329000, "money") == "2.329.000"
    assert fmt_number(1.5, "ratio") == "1,5×"
    assert fmt_number(30, "hours") == "30,0\u00a0u"
    assert day(date(2026, 12, 31)) == "31-12-2026"
    assert _("Sales velocity") == "Verkoopsnelheid"
    assert _("no such message") == "no such message"  # English, never an empty string


def test_unknown_language_is_a_clear_error():
    with pytest.raises(ConfigError, match="use one of: en, nl"):
        set_language("fr")
    assert set_language("nl_NL.UTF-8") == "nl"
    set_language("en")


def test_dutch_csv_uses_semicolons_and_decimal_commas():
    import pyarrow as pa

    set_csv_locale("nl")
    try:
        text = to_csv(pa.table({"team": ["Noord; Zuid"], "win_rate": [0.25], "won": [3]}))
    finally:
        set_csv_locale("en")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows == [["team", "win_rate", "won"], ["Noord; Zuid", "0,25", "3"]]
    assert to_csv(pa.table({"win_rate": [0.25]})) == "win_rate\n0.25\n"  # English stays as it was


def test_the_report_reads_in_dutch(demo_report):
    from salesvelocity.report.html import render_html
    from salesvelocity.report.terminal import render_terminal

    set_language("nl")
    try:
        console = Console(width=120, record=True)
        render_terminal(demo_report, console)
        text = console.export_text()
        page = render_html(demo_report)
    finally:
        set_language("en")
    for dutch in ("In één oogopslag", "Verkoopsnelheid", "Drie dingen die je nu nodig hebben", "Teamgezondheid"):
        assert dutch in text
    for english in ("At a glance", "Sales velocity", "Three things that need you now", "Time in stage"):
        assert english not in text
    assert re.search(r"\d{1,3}(\.\d{3})+ ", text) and re.search(r"\d+,\d\u00a0%", text)
    assert '<html lang="nl">' in page and "Hoe snel is de trechter" in page and "Sales velocity" not in page


def test_json_carries_labels_in_the_language(demo_report):
    set_language("nl")
    try:
        doc = demo_report.dump()
    finally:
        set_language("en")
    assert doc["language"] == "nl"
    assert doc["labels"]["win_rate"] == "winratio" and "win_rate" in doc["sections"]["velocity"][0]
