"""Who may do what in the team edition: every route × every role × an object of their own team and of
another; nothing leaks a pulse answer, another team's people or a 1:1 note; no session → sign in first;
CSRF on every change; a session is never fixed by whoever set the cookie; accounts and their secrets.

The app runs in-process (FastAPI's TestClient drives the real ASGI app over a real DuckDB file); the hand-made
company of tests/test_scope.py: Mona (M1) manages Alpha (Ann A1, Abe A2), Max (M2) manages Beta (Bea B1,
Ben B2), Vera (V1) manages both managers, Eve (E1) signs in as an exec.
"""

from __future__ import annotations

import re
import shutil

import pytest
from fastapi.testclient import TestClient

import salesvelocity as sv
from salesvelocity.config import Settings
from salesvelocity.web import accounts
from salesvelocity.web.accounts import AccountError, add_user
from salesvelocity.web.app import COOKIE, create_app
from tests.test_scope import company  # noqa: F401  (the hand-made company)

PASSWORD = "a long enough password"
USERS = {
    "ann": ("Ann", "ann@example.com", "rep", "A1"),
    "mona": ("Mona", "mona@example.com", "manager", "M1"),
    "max": ("Max", "max@example.com", "manager", "M2"),
    "eve": ("Eve", "eve@example.com", "exec", "E1"),
    "admin": ("Ada", "ada@example.com", "admin", None),
}
SECRET_NOTE = "private words between Mona and Ann"


@pytest.fixture(scope="module")
def app(company, tmp_path_factory):  # noqa: F811
    db = tmp_path_factory.mktemp("access") / "company.duckdb"
    shutil.copy(company.location, db)
    store = sv.connect(db)
    for name, email, role, person in USERS.values():
        add_user(store, name, email, role, person, password=PASSWORD)
    store.sql("UPDATE one_on_ones SET notes = ? WHERE person_id = 'A1' AND manager_id = 'M1'", [SECRET_NOTE])
    tokens = [r[0] for r in store.sql("SELECT respondent_token FROM pulse_responses").fetchall() if r[0]]
    yield create_app(Settings(db=str(db), pulse_min_respondents=3), store), tokens
    store.close()


def client_for(app, who: str | None) -> tuple[TestClient, str]:
    """A signed-in client (or an anonymous one) and its CSRF token."""
    client = TestClient(app[0], raise_server_exceptions=False, follow_redirects=False)
    if who is None:
        return client, ""
    done = client.post("/login", data={"email": USERS[who][1], "password": PASSWORD})
    assert done.status_code == 303, done.text
    page = client.get("/kudos")
    return client, re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)


PAGES = ["/me", "/help", "/teams", "/admin", "/inbox", "/kudos", "/account", "/report", "/admin/import", "/deals"]
PAGES += ["/admin/settings"]
TWINS = ["/api/v1/me", "/api/v1/help", "/api/v1/teams", "/api/v1/admin", "/api/v1/inbox", "/api/v1/kudos"]
TWINS += ["/api/v1/report", "/api/v1/deals", "/api/v1/admin/settings"]
ALLOWED = {  # who may open which page (admins every one); everyone signed in: inbox, kudos, account
    "ann": {"/me"},
    "mona": {"/me", "/help", "/teams", "/report"},
    "max": {"/me", "/help", "/teams", "/report"},
    "eve": {"/teams", "/report"},
    "admin": set(PAGES),
}


@pytest.mark.parametrize("who", list(USERS))
def test_every_page_and_twin_is_allowed_or_denied_by_role(app, who):
    client, _csrf = client_for(app, who)
    for path in PAGES + TWINS:
        page = path.replace("/api/v1", "")
        allowed = page in ALLOWED[who] or page in ("/inbox", "/kudos", "/account", "/deals")
        got = client.get(path)
        assert got.status_code == (200 if allowed else 403), (who, path, got.status_code, got.text[:200])


def test_without_a_session_every_path_but_sign_in_asks_to_sign_in(app):
    client, _ = client_for(app, None)
    for path in PAGES:
        got = client.get(path)
        assert got.status_code == 303 and got.headers["location"].startswith("/login"), path
    for path in TWINS:
        assert client.get(path).status_code == 401, path
    for path in ("/kudos", "/pulse", "/obstacles", "/obstacles/o1/respond", "/one-on-ones", "/changes", "/logout"):
        assert client.post(path, data={}).status_code in (303, 401), path
    assert client.get("/login").status_code == 200 and client.get("/healthz").status_code == 200


@pytest.mark.parametrize("who", list(USERS))
def test_no_json_leaks_a_pulse_answer_another_teams_people_or_a_1on1_note(app, who):
    client, _csrf = client_for(app, who)
    seen = " ".join(client.get(path).text for path in TWINS)
    assert not any(token in seen for token in app[1])  # pulse answers never leave the store
    assert (SECRET_NOTE in seen) == (who in ("ann", "mona"))  # the two people in the 1:1 only
    # Another team's people: never in figures or lists. (A thank-you names both people on the kudos wall —
    # Ann's kudos to Bea are on Alpha's wall — so the wall is left out of this check.)
    figures = " ".join(client.get(path).text for path in TWINS if path != "/api/v1/kudos")
    other = {"mona": ("Bea", "Ben"), "max": ("Ann", "Abe"), "eve": ("Ann", "Abe", "Bea", "Ben")}
    for name in other.get(who, ()):
        assert f'"{name}"' not in figures, (who, name)


@pytest.mark.parametrize(
    ("who", "seen"),
    [("ann", {"d1", "d2"}), ("mona", {"d1", "d2", "d3"}), ("max", {"d4", "d5"}), ("eve", set()), ("admin", None)],
)
def test_the_deals_behind_a_figure_are_only_those_one_sees(app, who, seen):
    client, _ = client_for(app, who)
    listed = {r["deal_id"] for r in client.get("/api/v1/deals").json()["deals"]["rows"]}
    assert listed == (seen if seen is not None else {"d1", "d2", "d3", "d4", "d5"})
    if who == "mona":
        won = client.get("/api/v1/deals?status=won&person=Ann").json()["deals"]
        assert [r["deal_id"] for r in won["rows"]] == ["d1"] and won["filters"] == {"status": "won", "person": "Ann"}
        assert client.get("/api/v1/deals?team=Beta").status_code == 400  # another team: outside what Mona sees


def test_objects_of_another_team_are_out_of_reach(app):
    mona, mona_csrf = client_for(app, "mona")
    max_, max_csrf = client_for(app, "max")
    ann, ann_csrf = client_for(app, "ann")
    # answering an obstacle: Mona (Ann's manager) may; Max (another team) is told it is unknown; Ann is a rep
    refused = max_.post("/obstacles/o1/respond", data={"csrf": max_csrf, "message": "hi"})
    assert refused.status_code == 400 and "unknown obstacle" in refused.text
    assert ann.post("/obstacles/o1/respond", data={"csrf": ann_csrf, "message": "hi"}).status_code == 403
    assert mona.post("/obstacles/o1/respond", data={"csrf": mona_csrf, "message": "on it"}).status_code == 303
    # a 1:1 is logged only with someone one sees one by one
    refused = mona.post("/one-on-ones", data={"csrf": mona_csrf, "person": "B1", "notes": "x"})
    assert refused.status_code == 400 and "no person &#39;B1&#39;" in refused.text
    assert mona.post("/one-on-ones", data={"csrf": mona_csrf, "person": "A2", "notes": "x"}).status_code == 303
    # a rep records only as themself: kudos and obstacles carry no "from" to fake
    assert ann.post("/kudos", data={"csrf": ann_csrf, "to": "B1", "message": "thanks!"}).status_code == 303
    kudos = ann.get("/api/v1/kudos").json()["rows"]
    assert kudos[0]["from_name"] == "Ann" and kudos[0]["to_name"] == "Bea"


def test_every_change_needs_the_sessions_csrf_token(app):
    ann, csrf = client_for(app, "ann")
    mona, _ = client_for(app, "mona")
    forged = csrf[:-1] + ("y" if csrf.endswith("x") else "x")  # one character off, never the token itself
    for path, data in (
        ("/kudos", {"to": "A2", "message": "thanks"}),
        ("/pulse", {"question": "support", "score": "4"}),
        ("/obstacles", {"title": "blocked"}),
        ("/inbox/read", {}),
        ("/account/tokens", {"name": "x"}),
        ("/language", {"language": "nl"}),
        ("/logout", {}),
    ):
        assert ann.post(path, data=data).status_code == 403, path
        assert ann.post(path, data=data | {"csrf": "not-the-token"}).status_code == 403, path
        assert ann.post(path, data=data, headers={"X-CSRF-Token": forged}).status_code == 403, path
    other = client_for(app, "mona")[1]
    assert ann.post("/kudos", data={"to": "A2", "message": "x", "csrf": other}).status_code == 403
    assert mona.get("/help").status_code == 200


def test_a_session_is_never_fixed_by_whoever_set_the_cookie(app):
    client = TestClient(app[0], raise_server_exceptions=False, follow_redirects=False)
    client.cookies.set(COOKIE, "chosen-by-an-attacker")
    done = client.post("/login", data={"email": USERS["ann"][1], "password": PASSWORD})
    issued = done.cookies.get(COOKIE)
    assert issued and issued != "chosen-by-an-attacker"
    attacker = TestClient(app[0], raise_server_exceptions=False, follow_redirects=False)
    attacker.cookies.set(COOKIE, "chosen-by-an-attacker")
    assert attacker.get("/me").status_code == 303  # the chosen value signs nobody in
    cookie = done.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    client.cookies.set(COOKIE, issued)
    csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/kudos").text).group(1)
    assert client.post("/logout", data={"csrf": csrf}).status_code == 303
    client.cookies.set(COOKIE, issued)
    assert client.get("/me").status_code == 303  # signed out means the token is gone


def test_accounts_refuse_what_would_go_wrong(app):
    store = app[0].state.server.store
    for args, said in (
        (("X", "not-an-address", "rep", "A1"), "is not an e-mail address"),
        (("X", "x@example.com", "boss", "A1"), "unknown role"),
        (("X", "x@example.com", "rep", None), "belongs to a person"),
        (("X", "ann@example.com", "rep", "A2"), "already an account"),
        (("X", "x@example.com", "rep", "A1"), "already has an account"),
    ):
        with pytest.raises(AccountError, match=said):
            add_user(store, *args, password=PASSWORD)
    with pytest.raises(AccountError, match="at least 10"):
        add_user(store, "X", "x@example.com", "rep", "B2", password="short")
    assert accounts.authenticate(store, "ann@example.com", "wrong") is None
    assert accounts.authenticate(store, "nobody@example.com", PASSWORD) is None
    assert accounts.authenticate(store, "ANN@example.com ", PASSWORD).name == "Ann"  # addresses in any case
    stored = store.sql("SELECT password_hash FROM app_users WHERE email = 'ann@example.com'").fetchone()[0]
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


def test_an_invitation_sets_a_password_once(app):
    store = app[0].state.server.store
    _user, token = add_user(store, "Ben", "ben@example.com", "rep", "B2")
    client = TestClient(app[0], raise_server_exceptions=False, follow_redirects=False)
    assert client.post(f"/invite/{token}", data={"password": "x" * 12, "again": "y" * 12}).status_code == 400
    assert client.post(f"/invite/{token}", data={"password": "x" * 12, "again": "x" * 12}).status_code == 303
    again = client.post(f"/invite/{token}", data={"password": "z" * 12, "again": "z" * 12})
    assert again.status_code == 400 and "unknown or has expired" in again.text
    assert accounts.authenticate(store, "ben@example.com", "x" * 12).name == "Ben"
    assert store.sql("SELECT count(*) FROM app_users WHERE invite_hash IS NOT NULL AND email = 'ben@example.com'")
