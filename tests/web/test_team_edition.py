"""The team edition in a real Chromium against a real server (`salesvelocity serve`) on the demo company:
each role signs in and walks its flows; the trust rules hold on pages and in the JSON twins; forms need
their CSRF token; sign-ins are rate-limited; pages fit a phone and a desktop.

People of the demo company (seed 7): Umar Rossi (P0003) manages Benelux, where Greta Svensson (P0023)
and Noah García (P0027) sell; Xenia Svensson (P0001) signs in as an exec.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import duckdb
import pytest

import salesvelocity as sv
from salesvelocity import clock
from salesvelocity.demo import generate, load_demo
from salesvelocity.web.accounts import add_user
from tests.report.test_pages_in_browser import PROBLEMS, browser  # noqa: F401  (the Chromium fixture)

PASSWORD = "a long enough password"
PEOPLE = {
    "admin": ("Ada Admin", "ada@example.com", "admin", None),
    "manager": ("Umar Rossi", "umar@example.com", "manager", "P0003"),
    "greta": ("Greta Svensson", "greta@example.com", "rep", "P0023"),
    "noah": ("Noah García", "noah@example.com", "rep", "P0027"),
    "exec": ("Xenia Svensson", "xenia@example.com", "exec", "P0001"),
}
pytestmark = pytest.mark.browser


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("web")
    db = folder / "team.duckdb"
    with sv.connect(db) as store:
        load_demo(store, generate(2000, 7, clock.today()))
        for name, email, role, person in PEOPLE.values():
            add_user(store, name, email, role, person, password=PASSWORD)
    port = _free_port()
    env = dict(os.environ, SALESVELOCITY_PULSE_KEY="test pulse key")
    process = subprocess.Popen(
        [sys.executable, "-m", "salesvelocity.cli", "--db", str(db), "serve", "--port", str(port)],
        cwd=folder,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(base + "/healthz", timeout=2)
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                said = process.stdout.read() if process.stdout else ""
                raise RuntimeError("the server did not start: " + said) from None
            time.sleep(0.3)
    yield base, db
    process.terminate()
    process.wait(timeout=20)


def sign_in(browser, base: str, who: str, width: int = 1280):  # noqa: F811
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.goto(base + "/login")
    page.fill("input[name=email]", PEOPLE[who][1])
    page.fill("input[name=password]", PASSWORD)
    page.click("button.primary")
    page.wait_for_load_state("networkidle")
    return page


def submit(page, button) -> str:
    """Press a form's button and wait for the page to say how it went (htmx swaps the page in place)."""
    page.evaluate("document.querySelectorAll('p.said, p.error').forEach(e => e.remove())")
    button.click()
    said = page.wait_for_selector("p.said, p.error", timeout=120_000)
    return said.inner_text()


def test_a_rep_gives_kudos_and_the_receiver_sees_it(server, browser):  # noqa: F811
    base, _db = server
    greta = sign_in(browser, base, "greta")
    assert greta.url.endswith("/me")
    greta.select_option("#kudos select[name=to]", label="Noah García")
    greta.fill("#kudos textarea[name=message]", "Thanks for covering my demo on Tuesday")
    submit(greta, greta.locator("#kudos button.primary"))
    assert "Thank you sent." in greta.inner_text("main")
    greta.close()
    noah = sign_in(browser, base, "noah")
    noah.goto(base + "/inbox")
    assert "Greta Svensson thanked you: Thanks for covering my demo on Tuesday" in noah.inner_text("#messages")
    noah.goto(base + "/kudos")
    assert "Thanks for covering my demo on Tuesday" in noah.inner_text("#wall")
    noah.close()


def test_an_obstacle_is_raised_answered_and_the_rep_reads_the_answer(server, browser):  # noqa: F811
    base, _db = server
    greta = sign_in(browser, base, "greta")
    greta.fill("#obstacles input[name=title]", "Procurement wants a second security review")
    submit(greta, greta.locator("#obstacles button.primary"))
    greta.close()
    umar = sign_in(browser, base, "manager")
    assert umar.url.endswith("/help")
    item = umar.locator("#obstacles li", has_text="Procurement wants a second security review")
    item.locator("textarea[name=message]").fill("I will call their CISO tomorrow morning")
    submit(umar, item.locator("button.primary"))
    assert "Answer sent." in umar.inner_text("main")
    umar.close()
    greta = sign_in(browser, base, "greta")
    mine = greta.inner_text("#obstacles")
    assert "Umar Rossi: I will call their CISO tomorrow morning" in mine
    greta.goto(base + "/inbox")
    assert "Umar Rossi answered “Procurement wants a second security review”" in greta.inner_text("#messages")
    greta.close()


def test_a_second_pulse_answer_in_a_period_replaces_the_first(server, browser):  # noqa: F811
    base, db = server
    greta = sign_in(browser, base, "greta")
    for score in ("2", "5"):
        form = greta.locator("#pulse form", has=greta.locator("input[value=support]"))
        form.locator("select[name=score]").select_option(score)
        submit(greta, form.locator("button"))
    assert "(answered)" in greta.locator("#pulse form", has=greta.locator("input[value=support]")).inner_text()
    greta.close()
    day = clock.today()
    month = day.replace(day=1)
    rows = _query(
        base,
        db,
        "SELECT score FROM pulse_responses WHERE question_id = 'support' AND answered_at >= ? AND team_id = 'T03'",
        [month],
    )
    assert rows == [(5,)]  # one answer of Greta's this month: the last


def test_1on1_notes_are_for_the_two_people_only(server, browser):  # noqa: F811
    base, _db = server
    umar = sign_in(browser, base, "manager")
    umar.select_option("#one-on-ones select[name=person]", label="Greta Svensson")
    umar.fill("#one-on-ones textarea[name=notes]", "Talked about the Acme renewal plan")
    umar.fill("#one-on-ones textarea[name=actions]", "Greta drafts the proposal by Friday")
    submit(umar, umar.locator("#one-on-ones button.primary"))
    umar.close()
    greta = sign_in(browser, base, "greta")
    assert "Talked about the Acme renewal plan" in greta.inner_text("#one-on-ones")
    greta.close()
    for who in ("noah", "exec"):
        page = sign_in(browser, base, who)
        for path in ("/api/v1/me", "/api/v1/teams", "/api/v1/help"):
            response = page.request.get(base + path)
            assert "Acme renewal" not in response.text(), (who, path)
        page.close()


def test_each_role_opens_only_its_pages(server, browser):  # noqa: F811
    base, _db = server
    allowed = {
        "greta": {"/me": 200, "/help": 403, "/teams": 403, "/admin": 403},
        "manager": {"/me": 200, "/help": 200, "/teams": 200, "/admin": 403},
        "exec": {"/help": 403, "/teams": 200, "/admin": 403},
        "admin": {"/admin": 200},
    }
    for who, paths in allowed.items():
        page = sign_in(browser, base, who)
        for path, status in paths.items():
            assert page.request.get(base + path).status == status, (who, path)
        page.close()
    exec_view = sign_in(browser, base, "exec")
    teams = exec_view.request.get(base + "/api/v1/teams").json()
    assert {t["name"] for t in teams["health"]["teams"]} == {"Nordics", "DACH", "Benelux"}
    assert teams["health"]["people"] == []  # an exec sees teams, nobody one by one
    exec_view.close()


def test_forms_need_their_csrf_token_and_sign_ins_are_limited(server, browser):  # noqa: F811
    base, _db = server
    greta = sign_in(browser, base, "greta")
    forged = greta.request.post(base + "/kudos", form={"to": "P0027", "message": "forged"})
    assert forged.status == 403
    greta.close()
    page = browser.new_page()
    statuses = []
    wrong = {"email": "nobody@example.com", "password": "wrong password"}
    for _attempt in range(6):
        statuses.append(page.request.post(base + "/login", form=wrong).status)
    assert statuses[:5] == [401] * 5 and statuses[5] == 429
    page.close()


def test_api_tokens_work_and_an_admin_revokes_them(server, browser):  # noqa: F811
    import json

    base, _db = server
    umar = sign_in(browser, base, "manager")
    umar.goto(base + "/account")
    umar.fill("input[name=name]", "weekly script")
    submit(umar, umar.locator("#tokens button.primary"))
    token = umar.inner_text("#new-token").strip()
    umar.close()
    assert token.startswith("sv_")

    def get(path: str):
        request = urllib.request.Request(base + path, headers={"Authorization": f"Bearer {token}"})
        return urllib.request.urlopen(request, timeout=120)

    doc = json.load(get("/api/v1/help"))
    assert doc["report"]["viewer"].startswith("as Umar Rossi sees it")
    openapi = json.load(urllib.request.urlopen(base + "/api/v1/openapi.json", timeout=10))
    assert "/api/v1/help" in openapi["paths"]
    admin = sign_in(browser, base, "admin")
    admin.goto(base + "/admin")
    submit(admin, admin.locator("#tokens tr", has_text="weekly script").locator("button"))
    admin.close()
    with pytest.raises(urllib.error.HTTPError) as refused:
        get("/api/v1/help")
    assert refused.value.code == 401


def test_an_admin_imports_in_the_browser_with_a_dry_run_and_a_quarantine(server, browser, tmp_path):  # noqa: F811
    base, _db = server
    deals = tmp_path / "deals.csv"
    deals.write_text(
        "deal_id,owner_id,created_at,status,stage,amount,closed_at,pipeline\n"
        "W1,P0023,2026-11-02,open,Proposal,1200,,new-business\n"
        "W2,P0023,2026-11-03,open,Proposal,12;5,,new-business\n",
        encoding="utf-8",
    )
    admin = sign_in(browser, base, "admin")
    admin.goto(base + "/admin/import")
    admin.set_input_files("input[name=files]", str(deals))
    admin.click("#upload button.primary")
    admin.wait_for_selector("#problems")
    problems = admin.inner_text("#problems")
    assert "nothing was written" in problems and "deals.csv" in problems and "amount" in problems
    admin.goto(base + "/admin/import")
    admin.set_input_files("input[name=files]", str(deals))
    admin.check("input[name=quarantine]")
    admin.click("#upload button.primary")
    admin.wait_for_selector("#dry-run")
    assert "set aside" in admin.inner_text("#dry-run")
    admin.click("#dry-run button.primary")
    admin.wait_for_selector("text=Download the quarantined rows")
    with admin.expect_download() as download:
        admin.click("text=Download the quarantined rows")
    kept = download.value.path().read_text(encoding="utf-8")
    assert "W2" in kept and "W1" not in kept
    audit = admin.request.get(base + "/api/v1/admin").json()["audit"]
    assert any(a["action"] == "import" for a in audit)
    greta = admin.request.get(base + "/api/v1/report").json()
    assert greta  # the import shows in the next page built
    admin.close()


def test_pages_speak_the_browsers_language_until_the_user_picks_one(server, browser):  # noqa: F811
    base, _db = server
    context = browser.new_context(locale="nl-NL")
    page = context.new_page()
    page.goto(base + "/login")
    assert page.inner_text("h1") == "Aanmelden"
    page.fill("input[name=email]", PEOPLE["noah"][1])
    page.fill("input[name=password]", PASSWORD)
    page.click("button.primary")
    page.wait_for_selector("text=Mijn week, Noah García")
    page.select_option("select[name=language]", "en")  # the choice is kept with the account
    page.wait_for_selector("text=My week, Noah García")
    page.goto(base + "/kudos")
    assert page.inner_text("h1") == "Kudos wall"
    context.close()


def test_filters_live_in_the_url(server, browser):  # noqa: F811
    base, _db = server
    admin = sign_in(browser, base, "admin")
    admin.goto(base + "/teams")
    admin.select_option("form.filters select[name=team]", label="Nordics")
    admin.fill("form.filters input[name=from]", "2026-06-01")
    admin.fill("form.filters input[name=to]", "2026-09-01")
    admin.click("form.filters button")
    admin.wait_for_url("**/teams?team=T01&from=2026-06-01&to=2026-09-01")
    admin.wait_for_selector("#velocity")
    assert [r.inner_text() for r in admin.locator("#velocity td.text").all()] == ["Nordics"]
    assert "2026-06-01 – 2026-08-31" in admin.inner_text("#velocity h2")
    twin = admin.request.get(base + "/api/v1/teams?team=T01&from=2026-06-01&to=2026-09-01").json()
    assert twin["report"]["team"] == "T01" and twin["report"]["window"] == {"from": "2026-06-01", "to": "2026-09-01"}
    wrong = admin.request.get(base + "/teams?from=June")
    assert wrong.status == 400 and "is not a date" in wrong.text() and "YYYY-MM-DD" in wrong.text()
    admin.close()


def test_a_headline_figure_opens_the_deals_behind_it(server, browser):  # noqa: F811
    base, _db = server
    umar = sign_in(browser, base, "manager")
    tile = umar.locator(".tile", has_text="Won per day")
    tile.locator("text=the deals behind it").click()
    umar.wait_for_selector("#deals h2")
    assert "status=won" in umar.url and "from=" in umar.url
    statuses = {s.inner_text() for s in umar.locator("#deals tr td:nth-child(4)").all()}
    teams = {t.inner_text() for t in umar.locator("#deals tr td:nth-child(3)").all()}
    umar.close()
    assert statuses == {"won"} and teams == {"Benelux"}  # won deals of the manager's own team only


_POINT = """() => {
  const gd = document.querySelector('.drill .js-plotly-plot');
  const d = gd._fullData.find(t => t.mode && t.mode.includes('lines'));
  const i = d.y.findIndex(v => v > 0);
  const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis, box = gd.getBoundingClientRect();
  return {x: box.left + xa._offset + xa.d2p(d.x[i]), y: box.top + ya._offset + ya.d2p(d.y[i]), value: d.y[i]};
}"""


def test_a_chart_point_opens_the_deals_of_its_week(server, browser):  # noqa: F811
    base, _db = server
    greta = sign_in(browser, base, "greta")
    greta.locator(".drill").scroll_into_view_if_needed()
    point = greta.evaluate(_POINT)
    greta.mouse.click(point["x"], point["y"])  # a real click on the plotted point
    greta.wait_for_url("**/deals?status=won&person=P0023&from=*&to=*")
    greta.wait_for_selector("#deals h2")
    rows = greta.locator("#deals tr:has(td)").all()
    amounts = [float(re.sub(r"[^0-9.]", "", r.locator("td:nth-child(6)").inner_text())) for r in rows]
    owners = {r.locator("td:nth-child(2)").inner_text() for r in rows}
    greta.close()
    assert owners == {"Greta Svensson"} and sum(amounts) == pytest.approx(point["value"])  # the week's won amount


def test_a_manager_saves_a_view_and_opens_it_again(server, browser):  # noqa: F811
    base, _db = server
    umar = sign_in(browser, base, "manager")
    umar.goto(base + "/help")
    umar.select_option("form.filters select[name=segment]", "SMB")
    umar.click("form.filters button")
    umar.wait_for_url("**/help?*segment=SMB*")
    assert "targets are left out" in umar.inner_text("main")
    umar.click("text=Save this view")
    umar.fill(".views input[name=name]", "Benelux SMB")
    assert "View saved" in submit(umar, umar.locator(".views button.primary"))
    umar.goto(base + "/account")
    umar.click("#views >> text=Benelux SMB")
    umar.wait_for_url("**/help?*segment=SMB*")
    assert umar.locator("form.filters select[name=segment]").input_value() == "SMB"
    umar.close()


@pytest.mark.parametrize("width", [390, 1440])
@pytest.mark.parametrize(
    ("who", "path"),
    [
        ("greta", "/me"),
        ("manager", "/help"),
        ("exec", "/teams"),
        ("manager", "/deals"),
        ("admin", "/admin"),
        ("admin", "/admin/settings"),
        ("manager", "/account"),
    ],
)
def test_pages_fit_phone_and_desktop(server, browser, who, path, width):  # noqa: F811
    base, _db = server
    page = sign_in(browser, base, who, width)
    page.goto(base + path)
    page.wait_for_load_state("networkidle")
    problems = page.evaluate(PROBLEMS)
    for _ in range(6):  # plotly may still be laying a chart out on a busy machine: only lasting problems count
        if not problems:
            break
        page.wait_for_timeout(500)
        problems = page.evaluate(PROBLEMS)
    page.close()
    assert problems == []


def _query(base: str, db, sql: str, params: list) -> list[tuple]:
    """Read the server's database through a copy (the running server holds the file)."""
    import shutil
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        copy = os.path.join(folder, "copy.duckdb")
        shutil.copy(db, copy)
        wal = f"{db}.wal"
        if os.path.exists(wal):
            shutil.copy(wal, copy + ".wal")
        with duckdb.connect(copy) as con:
            return con.execute(sql, params).fetchall()
