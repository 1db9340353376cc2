"""The admin in the browser's routes, saved views, slices of the deals and amounts with their currency.

The app runs in-process (FastAPI's TestClient over a real DuckDB file) on the hand-made company of
tests/test_scope.py; the settings file is a real TOML file in a temporary folder.
"""

from __future__ import annotations

import re
import shutil

import pytest
from fastapi.testclient import TestClient

import salesvelocity as sv
from salesvelocity import clock
from salesvelocity.config import ConfigError, Settings, parse_questions, save_settings
from salesvelocity.context import Context
from salesvelocity.demo import generate, load_demo
from salesvelocity.i18n import money, speaking
from salesvelocity.services import deals, funnel
from salesvelocity.web.accounts import AccountError, add_user, change_user, users
from salesvelocity.web.app import create_app
from tests.test_scope import company  # noqa: F401  (the hand-made company)
from tests.web.test_access import PASSWORD, USERS

SETTINGS_FILE = '# kept: a comment of the admin\ncurrency = "EUR"  # our books\nsmtp_host = "mail.example"\n'


@pytest.fixture
def app(company, tmp_path):  # noqa: F811
    db = tmp_path / "company.duckdb"
    shutil.copy(company.location, db)
    store = sv.connect(db)
    for name, email, role, person in USERS.values():
        add_user(store, name, email, role, person, password=PASSWORD)
    toml = tmp_path / "salesvelocity.toml"
    toml.write_text(SETTINGS_FILE)
    toml.chmod(0o600)
    yield create_app(Settings(db=str(db), pulse_min_respondents=3, smtp_host=None), store, toml), store, toml
    store.close()


def client_for(app, who: str) -> tuple[TestClient, str]:
    client = TestClient(app[0], raise_server_exceptions=False, follow_redirects=False)
    assert client.post("/login", data={"email": USERS[who][1], "password": PASSWORD}).status_code == 303
    page = client.get("/kudos")
    return client, re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)


def _user_id(store, email: str) -> str:
    return next(u["user_id"] for u in users(store) if u["email"] == email)


def test_only_an_admin_changes_accounts_settings_and_stages(app):
    _app, store, _toml = app
    ann_id = _user_id(store, "ann@example.com")
    for who in ("ann", "mona", "eve"):
        client, csrf = client_for(app, who)
        assert client.get("/admin/settings").status_code == 403
        assert client.get("/api/v1/admin/settings").status_code == 403
        for path, data in (
            (f"/admin/users/{ann_id}", {"role": "admin"}),
            (f"/admin/users/{ann_id}/link", {}),
            ("/admin/settings", {"pulse_min_respondents": "3"}),
            ("/admin/stages", {"pipeline": "default"}),
        ):
            assert client.post(path, data=data | {"csrf": csrf}).status_code == 403, (who, path)
    anonymous = TestClient(app[0], follow_redirects=False)
    assert anonymous.get("/admin/settings").status_code == 303
    assert anonymous.get("/api/v1/admin/settings").status_code == 401


def test_an_admin_disables_an_account_and_its_session_ends_at_once(app):
    _app, store, _toml = app
    ann, _ = client_for(app, "ann")
    assert ann.get("/me").status_code == 200
    admin, csrf = client_for(app, "admin")
    ann_id = _user_id(store, "ann@example.com")
    done = admin.post(f"/admin/users/{ann_id}", data={"csrf": csrf, "role": "rep", "person": "Ann"})
    assert done.status_code == 303  # the form sends the person's name back unchanged: nothing to do
    assert admin.post(f"/admin/users/{ann_id}", data={"csrf": csrf, "role": "rep", "person": "A1"}).status_code == 303
    assert ann.get("/me").status_code == 303  # signed out: back to the sign-in page
    assert TestClient(app[0]).post("/login", data={"email": "ann@example.com", "password": PASSWORD}).status_code == 401
    audit = admin.get("/api/v1/admin").json()["audit"]
    changed = [a for a in audit if a["action"] == "user changed"]
    assert [(a["who"], a["target"], a["detail"]) for a in changed] == [
        ("Ada", "ann@example.com", "active True → False")
    ]
    # back again, now as a manager of her own: the role decides the pages at the next request
    back = admin.post(f"/admin/users/{ann_id}", data={"csrf": csrf, "role": "manager", "person": "A1", "active": "1"})
    assert back.status_code == 303
    ann, _ = client_for(app, "ann")
    assert ann.get("/help").status_code == 200


def test_the_last_admin_stays_and_a_person_has_one_account(app):
    _app, store, _toml = app
    ada = _user_id(store, "ada@example.com")
    with pytest.raises(AccountError, match="last active admin"):
        change_user(store, ada, active=False)
    with pytest.raises(AccountError, match="last active admin"):
        change_user(store, ada, role="rep", person="A2")
    with pytest.raises(AccountError, match="already has an account"):
        change_user(store, _user_id(store, "max@example.com"), person="A1")
    with pytest.raises(AccountError, match="belongs to a person"):
        change_user(store, _user_id(store, "max@example.com"), person="")


def test_a_new_sign_in_link_is_shown_once_and_sets_a_password(app):
    _app, store, _toml = app
    admin, csrf = client_for(app, "admin")
    ann_id = _user_id(store, "ann@example.com")
    page = admin.post(f"/admin/users/{ann_id}/link", data={"csrf": csrf})
    assert page.status_code == 200 and "New sign-in link made." in page.text
    link = re.search(r'<code id="invite-link">([^<]+)</code>', page.text).group(1)
    assert link.startswith("http://testserver/invite/") and link not in admin.get("/admin").text
    other = TestClient(app[0], follow_redirects=False)
    token = link.rsplit("/", 1)[1]
    fresh = "a brand new long password"
    assert other.post(f"/invite/{token}", data={"password": fresh, "again": fresh}).status_code == 303
    assert other.post("/login", data={"email": "ann@example.com", "password": fresh}).status_code == 303


def test_settings_are_saved_to_the_file_with_its_comments_and_used_at_once(app):
    _app, store, toml = app
    admin, csrf = client_for(app, "admin")
    page = admin.get("/admin/settings")
    assert page.status_code == 200 and str(toml) in page.text and "appreciation: I feel appreciated" in page.text
    questions = "support: I get the help I need (1–5)\nenps: Would you recommend us? (0–10)"
    form = {"csrf": csrf, "pulse_min_respondents": "6", "timezone": "Europe/Amsterdam", "currency": "usd"}
    done = admin.post("/admin/settings", data=form | {"language": "nl", "pulse_questions": questions})
    assert done.status_code == 303 and "Settings saved" in admin.get(done.headers["location"]).text
    text = toml.read_text()
    assert text.startswith('# kept: a comment of the admin\ncurrency = "USD"  # our books\n')
    assert 'smtp_host = "mail.example"' in text and "pulse_min_respondents = 6" in text
    assert 'timezone = "Europe/Amsterdam"' in text and "[pulse_questions]" in text
    assert toml.stat().st_mode & 0o777 == 0o600  # the file may hold a mail password: as private as it was
    settings = admin.get("/api/v1/admin/settings").json()["values"]
    assert settings["pulse_questions"] == {
        "support": "I get the help I need (1–5)",
        "enps": "Would you recommend us? (0–10)",
    }
    assert store.zone == "Europe/Amsterdam"
    # a wrong value: named, and nothing written
    before = toml.read_text()
    wrong = admin.post("/admin/settings", data=form | {"timezone": "Mars/Olympus", "pulse_questions": questions})
    assert wrong.status_code == 400 and "Mars/Olympus" in wrong.text and toml.read_text() == before
    wrong = admin.post("/admin/settings", data=form | {"pulse_questions": "Support? yes"})
    assert wrong.status_code == 400 and "line 1" in wrong.text and "id: text" in wrong.text


def test_a_setting_fixed_by_the_environment_is_shown_not_changed(app, monkeypatch, tmp_path):
    monkeypatch.setenv("SALESVELOCITY_CURRENCY", "GBP")
    current = Settings(db="x", currency="GBP")
    with pytest.raises(ConfigError, match="SALESVELOCITY_CURRENCY"):
        save_settings(current, {"currency": "EUR"}, tmp_path / "s.toml")
    assert not (tmp_path / "s.toml").exists()
    admin, _csrf = client_for(app, "admin")
    page = admin.get("/admin/settings").text
    assert re.search(r'name="currency"[^>]*disabled', page) and "set by SALESVELOCITY_CURRENCY" in page


def test_pulse_questions_are_read_one_per_line():
    assert parse_questions("support: Help?\n\nEnps :  Recommend?  ") == {"support": "Help?", "enps": "Recommend?"}
    for text, said in (
        ("support Help", "no text"),
        ("2x: no", "not a question id"),
        ("a: x\na: y", "twice"),
        ("", "no"),
    ):
        with pytest.raises(ConfigError, match=said):
            parse_questions(text)


def test_an_admin_declares_a_pipelines_stages(app):
    _app, store, _toml = app
    admin, csrf = client_for(app, "admin")
    catalog = admin.get("/api/v1/admin/settings").json()["catalog"]["pipelines"]
    assert catalog[0]["declared"] is False  # the company's stages are inferred from its deals
    assert [s["stage"] for s in catalog[0]["stages"]] == ["Proposal"]
    stages = ["Proposal", "Negotiation", "Won", "Lost"]  # the form may name stages no deal has reached yet
    form = {"csrf": csrf, "pipeline": "default", "stage": stages, "kind": ["open", "open", "won", "lost"]}
    form |= {"position": ["1", "2", "3", "4"], "probability": ["50", "", "100", "0"]}
    clash = admin.post("/admin/stages", data=form | {"position": ["1", "1", "3", "4"]})
    assert clash.status_code == 400 and "both have position 1" in clash.text
    wrong = admin.post("/admin/stages", data=form | {"probability": ["fifty", "", "100", "0"]})
    assert wrong.status_code == 400 and "is not a number" in wrong.text
    assert store.count("stages") == 0  # nothing written
    assert admin.post("/admin/stages", data=form).status_code == 303
    declared = store.sql("SELECT stage, position, kind, probability FROM stages ORDER BY position").fetchall()
    assert declared == [
        ("Proposal", 1, "open", 0.5),
        ("Negotiation", 2, "open", None),
        ("Won", 3, "won", 1.0),
        ("Lost", 4, "lost", 0.0),
    ]
    assert admin.get("/api/v1/admin/settings").json()["catalog"]["pipelines"][0]["declared"] is True


def test_saved_views_are_each_users_own(app):
    mona, csrf = client_for(app, "mona")
    done = mona.post(
        "/views", data={"csrf": csrf, "name": "Alpha  Q1", "path": "/help", "query": "team=T1&said=x&from="}
    )
    assert done.status_code == 303 and done.headers["location"].startswith("/help?team=T1&said=")
    page = mona.get("/help?team=T1").text
    assert '<a href="/help?team=T1">Alpha Q1</a>' in page
    max_, max_csrf = client_for(app, "max")
    assert "Alpha Q1" not in max_.get("/help").text
    view_id = re.search(r'action="/views/([^/]+)/delete"', mona.get("/account").text).group(1)
    assert max_.post(f"/views/{view_id}/delete", data={"csrf": max_csrf}).status_code == 303
    assert "Alpha Q1" in mona.get("/account").text  # another user's view is not theirs to delete
    assert mona.post("/views", data={"csrf": csrf, "name": "x", "path": "//evil.example"}).status_code == 400
    assert mona.post(f"/views/{view_id}/delete", data={"csrf": csrf}).status_code == 303
    assert "Alpha Q1" not in mona.get("/account").text


@pytest.fixture(scope="module")
def demo():
    store = sv.connect(":memory:")
    load_demo(store, generate(1500, 7, clock.today()))
    yield store
    store.close()


def test_a_slice_of_the_deals_is_what_its_figures_count(demo):
    ctx = Context.of(demo, Settings(db="x"))
    deals_ = demo.table("deals")
    smb = ctx.sliced(segment="SMB", source="Inbound")
    report = funnel.report(smb, by=None, over_time=False)
    row = report.sections["velocity"].to_pylist()[0]
    window = report.window
    won = deals_.filter(
        (deals_.segment == "SMB")
        & (deals_.source == "Inbound")
        & (deals_.status == "won")
        & (deals_.closed_at >= window["from"])
        & (deals_.closed_at < window["to"])
    )
    expected = demo.execute(won.aggregate(n=won.count(), amount=won.amount.sum())).to_pylist()[0]
    assert expected["n"] > 5  # a slice with something in it
    assert row["won"] == expected["n"] and row["won_amount"] == pytest.approx(float(expected["amount"]))
    # the drill-down of "won" lists exactly those deals (won: closed in the window)
    listed = deals.deal_list(
        smb.asking(start=window["from"], end=window["to"]), limit=10_000, status="won", segment="SMB", source="Inbound"
    )
    assert listed.total == expected["n"]
    assert smb.store.value(smb.store.table("targets").count()) == 0  # a team's target is no yardstick for a slice
    assert "left out of a slice" in report.no_data["coverage"]
    assert ctx.sliced(segment=None, product="") is ctx


def test_amounts_carry_their_currency_in_the_readers_language():
    assert money(1234.4, "EUR") == "€1,234" and money(-5, "USD") == "-$5" and money(10, "CHF") == "CHF\u00a010"
    with speaking("nl"):
        assert money(1234.56, "EUR", 2) == "€\u00a01.234,56"
    assert money(3, "mixed EUR/USD") == "3" and money(3, None) == "3"


def test_settings_refuse_a_currency_that_is_not_a_code():
    with pytest.raises(ValueError, match="not a currency code"):
        Settings(db="x", currency="euro")
    assert Settings(db="x", currency="usd").currency == "USD"


def test_settings_file_written_fresh_when_there_is_none(tmp_path):
    path = tmp_path / "salesvelocity.toml"
    updated = save_settings(Settings(db="x"), {"pulse_min_respondents": "7"}, path)
    assert updated.pulse_min_respondents == 7 and path.read_text() == "pulse_min_respondents = 7\n"
