"""The admin's pages: accounts (invite, change role or person, disable, a new sign-in link), API tokens, the
audit log, teams with their managers, and the settings an admin keeps in the browser (k, time zone, currency,
default language, pulse questions, the stages of each pipeline).

Settings are written to the settings file the server read (``salesvelocity.toml``; comments and other keys
kept) and applied at once; a setting that an environment variable sets is shown, not editable. Stages go to
the ``stages`` table, the same one a stages file imports into.
"""

from __future__ import annotations

from functools import cache
from typing import Annotated
from urllib.parse import quote
from zoneinfo import available_timezones

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from salesvelocity.config import EDITABLE, parse_questions, save_settings, set_by_environment
from salesvelocity.context import Context
from salesvelocity.empowerment.pulse import DEFAULT_QUESTIONS
from salesvelocity.errors import SalesVelocityError
from salesvelocity.i18n import LANGUAGES, _
from salesvelocity.report.build import names
from salesvelocity.results import Result
from salesvelocity.services import stages
from salesvelocity.web import accounts
from salesvelocity.web.accounts import User
from salesvelocity.web.app import require, server_of

router = APIRouter(include_in_schema=False)
AdminUser = Annotated[User, Depends(require("admin"))]
Field = Annotated[str, Form()]
Optional = Annotated[str | None, Form()]


class Admin(Result):
    """Accounts, teams with their managers, API tokens and the audit log."""

    users: list[dict]
    teams: list[dict]  # team, manager, people, accounts
    people: dict[str, str]  # person id → name (to pick the person of an account)
    tokens: list[dict]
    audit: list[dict]


class SettingsPage(Result):
    """The settings an admin may change here, which of them an environment variable fixes, and the stages."""

    values: dict[str, object]
    fixed: dict[str, str]  # setting → the environment variable that sets it
    catalog: stages.Catalog


def admin_view(ctx: Context) -> Admin:
    store = ctx.store.store
    teams = store.sql(
        "SELECT t.team_id, coalesce(t.name, t.team_id), m.name, count(DISTINCT p.person_id),"
        " count(DISTINCT u.user_id) FROM teams t LEFT JOIN people m ON m.person_id = t.manager_id"
        " LEFT JOIN people p ON p.team_id = t.team_id AND p.left_on IS NULL"
        " LEFT JOIN app_users u ON u.person_id = p.person_id AND u.disabled_at IS NULL"
        " GROUP BY 1, 2, 3 ORDER BY lower(coalesce(t.name, t.team_id))"
    ).fetchall()
    return Admin(
        users=accounts.users(store),
        teams=[dict(zip(("team_id", "team", "manager", "people", "accounts"), t, strict=True)) for t in teams],
        people=dict(sorted(names(ctx.store, "people").items(), key=lambda kv: kv[1].lower())),
        tokens=accounts.tokens(store),
        audit=accounts.audit_log(store, 100),
    )


def settings_view(ctx: Context) -> SettingsPage:
    values = {key: getattr(ctx.settings, key) for key in EDITABLE}
    values["pulse_questions"] = values["pulse_questions"] or DEFAULT_QUESTIONS
    fixed = {key: var for key in EDITABLE if (var := set_by_environment(key))}
    return SettingsPage(values=values, fixed=fixed, catalog=stages.catalog(ctx))


def _admin_page(request: Request, said: str, **values) -> HTMLResponse:
    from salesvelocity.web.pages import _view

    return _view(request, request.state.user, admin_view, "admin.html", said=said, **values)


# -- accounts -------------------------------------------------------------------------------------------------
@router.post("/admin/users")
def add_user(request: Request, user: AdminUser, name: Field, email: Field, role: Field, person: Optional = None):
    server = server_of(request)
    with server.lock:
        made, token = accounts.add_user(server.store, name, email, role, person or None, by=user.user_id)
    server.changed()
    return _with_link(request, made.email, made.name, token, _("Account made."))


@router.post("/admin/users/{user_id}")
def change_user(
    request: Request, user: AdminUser, user_id: str, role: Field, person: Field = "", active: Optional = None
):
    server = server_of(request)
    with server.lock:
        accounts.change_user(server.store, user_id, role=role, person=person, active=bool(active), by=user.user_id)
    server.changed()
    return RedirectResponse(f"/admin?said={quote(_('Account changed.'))}#users", 303)


@router.post("/admin/users/{user_id}/link")
def new_link(request: Request, user: AdminUser, user_id: str):
    server = server_of(request)
    with server.lock:
        email, name, token = accounts.reinvite(server.store, user_id, by=user.user_id)
    server.changed()
    return _with_link(request, email, name, token, _("New sign-in link made."))


def _with_link(request: Request, email: str, name: str, token: str | None, done: str) -> HTMLResponse:
    """The admin page showing the invitation link once (never in a URL, where logs and history keep it), and
    the link e-mailed to the person when a mail server is set."""
    if token is None:
        return _admin_page(request, done)
    server = server_of(request)
    base = server.settings.base_url or str(request.base_url)
    link = f"{base.rstrip('/')}/invite/{token}"
    said = done
    if server.settings.smtp_host:
        from salesvelocity.notify import Message, send_later

        text = _("{name}, you are invited to salesvelocity. Set your password here (valid 7 days):", name=name)
        send_later(server.settings, [Message("", email, "invitation", f"{text}\n{link}")])
        said = f"{done} {_('The link is e-mailed to {email}.', email=email)}"
    return _admin_page(request, said, invite=link)


@router.post("/admin/tokens/{token_id}/revoke")
def revoke(request: Request, user: AdminUser, token_id: str):
    server = server_of(request)
    with server.lock:
        accounts.revoke_token(server.store, token_id, user.user_id)
    server.changed()
    return RedirectResponse(f"/admin?said={quote(_('Token revoked.'))}#tokens", 303)


# -- settings -------------------------------------------------------------------------------------------------
@cache
def _zones() -> list[str]:
    return sorted(available_timezones())  # read from the time zone files: once per process


def settings_extras(request: Request) -> dict:
    """What the settings page shows beside its view: the time zones to pick from and the file it writes."""
    return {
        "zones": _zones(),
        "languages_known": LANGUAGES,
        "file": server_of(request).config_file,
    }


@router.post("/admin/settings")
def save(
    request: Request,
    user: AdminUser,
    pulse_min_respondents: Optional = None,
    timezone: Optional = None,
    currency: Optional = None,
    language: Optional = None,
    pulse_questions: Optional = None,
):
    """Save the settings the form carries (a setting an environment variable fixes is not in the form)."""
    server = server_of(request)
    given = {
        "pulse_min_respondents": pulse_min_respondents,
        "timezone": timezone,
        "currency": currency,
        "language": language,
    }
    wanted: dict[str, object] = {k: v.strip() for k, v in given.items() if v is not None}
    if "currency" in wanted:
        wanted["currency"] = str(wanted["currency"]).upper()
    if pulse_questions is not None:
        questions = parse_questions(pulse_questions)
        if questions != (server.settings.pulse_questions or DEFAULT_QUESTIONS):
            wanted["pulse_questions"] = questions  # the built-in set, unchanged, is not written out
    with server.lock:
        before = server.settings
        server.settings = save_settings(before, wanted, server.config_file)
        changed = [k for k in wanted if getattr(before, k) != getattr(server.settings, k)]
        if server.settings.timezone != before.timezone:
            server.store.set_zone(server.settings.timezone)
        accounts.audit(server.store, user.user_id, "settings changed", ", ".join(changed) or "nothing")
    server.changed()
    return RedirectResponse(f"/admin/settings?said={quote(_('Settings saved.'))}", 303)


@router.post("/admin/stages")
async def declare_stages(request: Request, user: AdminUser):
    """One pipeline's stages from the form: ``stage``, ``position``, ``kind`` and ``probability`` (percent)
    repeated per stage, in the order of the form."""
    form = await request.form()
    pipeline = str(form.get("pipeline") or "")
    rows = []
    for stage, position, kind, chance in zip(
        form.getlist("stage"), form.getlist("position"), form.getlist("kind"), form.getlist("probability"), strict=True
    ):
        try:
            at = int(str(position))
            probability = float(str(chance).replace(",", ".")) / 100 if str(chance).strip() else None
        except ValueError:
            raise SalesVelocityError(
                f"stage {stage!r}: position {position!r} or probability {chance!r} is not a number",
                hint="a position is a whole number (1, 2, …); a probability a percentage (0–100) or empty",
            ) from None
        rows.append({"stage": str(stage), "position": at, "kind": str(kind), "probability": probability})
    server = server_of(request)
    with server.context(user) as ctx:
        count = stages.declare(ctx, pipeline, rows)
        accounts.audit(server.store, user.user_id, "stages declared", pipeline, f"{count} stages")
    server.changed()
    return RedirectResponse(f"/admin/settings?said={quote(_('Stages saved.'))}#stages", 303)
