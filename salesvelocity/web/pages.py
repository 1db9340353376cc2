"""The pages of the team edition and their JSON twins: one view model per page, built from the services.

Each page's view model is a ``Result`` built once per request by a ``*_view`` function; the page renders it
and ``/api/v1/<page>`` returns its dump (its OpenAPI shape is the model's). Forms post to small endpoints
that call a service and redirect back (htmx boosts them into in-page updates; without JavaScript they
still work).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from salesvelocity.context import Context
from salesvelocity.errors import SalesVelocityError
from salesvelocity.i18n import _, speaking
from salesvelocity.report.build import Report, complete_model, names
from salesvelocity.report.forecast_view import ForecastResult
from salesvelocity.report.trend import Trend
from salesvelocity.results import Result
from salesvelocity.services import (
    changes,
    coaching,
    deals,
    forecast,
    funnel,
    health,
    inbox,
    obstacles,
    one_on_ones,
    pulse,
    recognition,
    trend,
)
from salesvelocity.web import accounts, admin
from salesvelocity.web.accounts import User
from salesvelocity.web.app import COOKIE, HOME, browser_language, csrf_checked, page, require, server_of

complete_model()
router = APIRouter(include_in_schema=False)
api = APIRouter(tags=["pages"])
Field = Annotated[str, Form()]
Signed = Annotated[User, Depends(csrf_checked)]
RepOrManager = Annotated[User, Depends(require("rep", "manager"))]
Manager = Annotated[User, Depends(require("manager"))]
ExecOrManager = Annotated[User, Depends(require("exec", "manager"))]
Optional = Annotated[str | None, Form()]


# -- view models: one per page, the JSON twin is its dump ---------------------------------------------------
class MyWeek(Result):
    """A rep's week: own deals against their stage's P85, own velocity against own baseline, kudos, pulse,
    own obstacles and their answers, 1:1s and the next agenda."""

    name: str
    deals: deals.OpenDeals
    velocity: Trend | None
    kudos: recognition.Kudos
    colleagues: dict[str, str]  # whom one may thank: person_id → name
    pulse_questions: dict[str, str]
    pulse_answered: list[str]
    obstacles: obstacles.Mine
    one_on_ones: one_on_ones.OneOnOnes
    agenda: coaching.Agenda | None


class WhereToHelp(Result):
    """A manager's page: the headline, obstacles to answer, unthanked wins, early warnings, 1:1s, changes and
    pulse — for the people and teams they manage."""

    report: Report
    obstacles: obstacles.Obstacles
    health: health.Health
    one_on_ones: one_on_ones.OneOnOnes
    people: dict[str, str]
    changes: changes.Changes
    pulse: pulse.PulseResults
    teams: dict[str, str]  # the teams one may filter by: id → name
    choices: dict[str, list[str]]  # pipeline, segment, product, source → the values one may slice by


class Teams(Result):
    """Every team side by side (no person ranked), the forecast against target, the balance."""

    report: Report
    health: health.Health
    forecast: ForecastResult | None
    teams: dict[str, str]  # the teams one may filter by: id → name
    choices: dict[str, list[str]]  # pipeline, segment, product, source → the values one may slice by


def my_week(ctx: Context) -> MyWeek:
    me = ctx.actor.person_id
    velocity = None
    if me:
        try:
            velocity = trend.trend(ctx.own(), "won_amount", "week", by="person")
        except SalesVelocityError:
            velocity = None
    people = ctx.store.table("people")
    mates = ctx.store.execute(
        people.filter(people.person_id != (me or "")).select("person_id", name=people.name.fill_null(people.person_id))
    )
    return MyWeek(
        name=ctx.actor.name,
        deals=deals.open_deals(ctx.own()),
        velocity=velocity,
        kudos=recognition.kudos(ctx, person=me) if me else recognition.kudos(ctx),
        colleagues=dict(
            sorted(
                zip(mates["person_id"].to_pylist(), mates["name"].to_pylist(), strict=True),
                key=lambda kv: kv[1].lower(),
            )
        ),
        pulse_questions=pulse.questions(ctx),
        pulse_answered=sorted(pulse.answered(ctx)),
        obstacles=obstacles.mine(ctx),
        one_on_ones=one_on_ones.held(ctx, me) if me else one_on_ones.held(ctx),
        agenda=coaching.agenda(ctx, me) if me else None,
    )


def sliceable(build):
    """A page view that also takes the slice filters of the URL (pipeline, segment, product, source): the
    view gets the context narrowed to that slice, and the choices one may slice by (from the whole)."""

    import inspect

    takes = inspect.signature(build).parameters
    grouped = "by" in takes  # only the report is grouped by choice (`?by=`)
    offers = "choices" in takes  # pages with a filter form offer the values to slice by (one query)

    def view(
        ctx: Context,
        team: str | None = None,
        pipeline: str | None = None,
        segment: str | None = None,
        product: str | None = None,
        source: str | None = None,
        by: str | None = None,
    ):
        more = {"choices": slice_choices(ctx)} if offers else {}
        if grouped and by:
            more["by"] = by
        narrowed = ctx.sliced(pipeline=pipeline, segment=segment, product=product, source=source)
        return build(narrowed, team, **more)

    view.__name__, view.__doc__ = build.__name__, build.__doc__  # the cache key and the twin's description
    return view


@sliceable
def where_to_help(ctx: Context, team: str | None, choices: dict[str, list[str]]) -> WhereToHelp:
    report = funnel.report(ctx, by="team", team=team)
    judged = report.over_time.judgments if report.over_time else []  # the report judged every change already
    return WhereToHelp(
        report=report,
        obstacles=obstacles.overview(ctx, team),
        health=health.health(ctx, team),
        one_on_ones=one_on_ones.held(ctx),
        people={k: v for k, v in names(ctx.store.detail(), "people").items() if k != ctx.actor.person_id},
        changes=changes.Changes(as_of=report.end.date(), cadence="week", changes=judged),
        pulse=pulse.results(ctx),
        teams=names(ctx.store, "teams"),
        choices=choices,
    )


@sliceable
def teams_view(ctx: Context, team: str | None, choices: dict[str, list[str]]) -> Teams:
    try:
        ahead = forecast.forecast(ctx, target=True, metric="amount", team=team)
    except SalesVelocityError:
        ahead = None
    report = funnel.report(ctx, by="team", team=team, over_time=False)
    return Teams(
        report=report,
        health=health.health(ctx, team),
        forecast=ahead,
        teams=names(ctx.store, "teams"),
        choices=choices,
    )


def slice_choices(ctx: Context) -> dict[str, list[str]]:
    """The values a page may be sliced by (pipeline, segment, product, source) among the deals one sees —
    one query; a column the company leaves empty offers nothing."""
    from salesvelocity.scope import SLICES

    deals_ = ctx.store.table("deals")
    found = ctx.store.execute(deals_.aggregate(**{c: deals_[c].collect(distinct=True) for c in SLICES}))
    row = found.to_pylist()[0] if found.num_rows else {}
    return {c: sorted(v for v in (row.get(c) or []) if v) for c in SLICES}


# -- sign in and out ------------------------------------------------------------------------------------------
@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/", said: str = "") -> str:  # noqa: A002
    return page(request, "login.html", next=_local(next), said=said, lang=browser_language(request))


@router.post("/login")
def login(request: Request, email: Field, password: Field, next: Field = "/"):  # noqa: A002
    server = server_of(request)
    address = request.client.host if request.client else "?"
    keys = (f"ip:{address}", f"user:{email.strip().lower()}")
    if server.too_many(*keys):
        return _login_again(
            request, next, _("Too many failed sign-ins: wait a quarter of an hour, or ask your admin."), 429
        )
    with server.lock:
        user = accounts.authenticate(server.store, email, password)
        if user is None:
            server.failed(*keys)
            accounts.audit(server.store, None, "sign-in failed", email.strip().lower()[:200])
            return _login_again(request, next, _("That e-mail address and password do not match an account."), 401)
        token, _csrf = accounts.start_session(server.store, user)
    response = RedirectResponse(_local(next) if next not in ("", "/") else HOME[user.role], status_code=303)
    response.set_cookie(
        COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        max_age=accounts.SESSION_DAYS * 86400,
        path="/",
    )
    return response


def _login_again(request: Request, next: str, said: str, status: int) -> HTMLResponse:  # noqa: A002
    return HTMLResponse(page(request, "login.html", next=_local(next), said=said), status_code=status)


@router.post("/logout")
def logout(request: Request, user: Signed):
    server = server_of(request)
    with server.lock:
        accounts.end_session(server.store, request.cookies.get(COOKIE))
        accounts.audit(server.store, user.user_id, "signed out")
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response


@router.get("/invite/{token}", response_class=HTMLResponse)
def invite_form(request: Request, token: str) -> str:
    return page(request, "invite.html", token=token, lang=browser_language(request), said="")


@router.post("/invite/{token}")
def invite(request: Request, token: str, password: Field, again: Field):
    server = server_of(request)
    if password != again:
        return HTMLResponse(
            page(
                request, "invite.html", token=token, lang=browser_language(request), said=_("The two passwords differ.")
            ),
            status_code=400,
        )
    try:
        with server.lock:
            user = accounts.accept_invite(server.store, token, password)
    except SalesVelocityError as exc:
        return HTMLResponse(
            page(
                request,
                "invite.html",
                token=token,
                lang=browser_language(request),
                said=exc.message + (f" — {exc.hint}" if exc.hint else ""),
            ),
            status_code=400,
        )
    return RedirectResponse(f"/login?said={quote(_('Your password is set: sign in.'))}&email={user.email}", 303)


@router.get("/")
def home(request: Request, user: Signed):
    return RedirectResponse(HOME[user.role] if user.person_id or user.role == "admin" else "/admin", 303)


@router.post("/language")
def choose_language(request: Request, user: Signed, language: Field, back: Field = "/"):
    from salesvelocity.i18n import language_code

    server = server_of(request)
    with server.lock:
        accounts.set_language(server.store, user, language_code(language))
    return RedirectResponse(_local(back), 303)


# -- pages and their JSON twins -----------------------------------------------------------------------------
def _view(request: Request, user: User, build, template: str | None = None, **values):
    """The page (``template``) or the view model of ``build`` for this user and the URL's filters. Views are
    cached until the next change (``Server.cached``); so is a page's HTML unless it carries a message."""
    server = server_of(request)
    browser = browser_language(request)
    start, end, options = _filtered(request, build)
    spoken = user.language or browser or server.settings.language
    key = (getattr(build, "__name__", repr(build)), user.user_id, user.role, spoken, start, end)
    key += tuple(sorted(options.items()))

    def made():
        with server.context(user, browser) as ctx:
            return build(ctx.asking(start=start, end=end), **options)

    model = server.cached(key, made)
    if template == "json":  # the JSON twin: serialised once per view
        body = server.cached((*key, "json"), lambda: model.model_dump_json(by_alias=True))
        return Response(body, media_type="application/json")
    if template is None:
        return model
    said = values.pop("said", None) or request.query_params.get("said", "")

    def shown() -> str:
        return page(request, template, view=model, k=server.settings.pulse_min_respondents, said=said, **values)

    own = (*key, template, request.state.csrf)  # the HTML carries this session's CSRF token
    return HTMLResponse(shown() if said or values else server.cached(own, shown))


def deals_view(
    ctx: Context,
    team: str | None = None,
    person: str | None = None,
    status: str | None = None,
    stage: str | None = None,
    pipeline: str | None = None,
    segment: str | None = None,
    product: str | None = None,
    source: str | None = None,
) -> DealsPage:
    filters = dict(team=team, person=person, status=status, stage=stage, pipeline=pipeline, segment=segment)
    listed = deals.deal_list(ctx, **filters, product=product, source=source)
    people = names(ctx.store.detail(), "people")
    return DealsPage(deals=listed, teams=names(ctx.store, "teams"), people=people)


class DealsPage(Result):
    """The deals behind a figure (drill-down), with what one may filter by."""

    deals: deals.DealList
    teams: dict[str, str]
    people: dict[str, str]


def _wall(ctx: Context) -> recognition.Kudos:
    return recognition.kudos(ctx, wall=True)


#: path → (who may open it, the view it shows, its template). Each is a page and, under /api/v1, its JSON twin.
PAGES = {
    "/me": (require("rep", "manager"), my_week, "me.html"),
    "/help": (require("manager"), where_to_help, "help.html"),
    "/teams": (require("exec", "manager"), teams_view, "teams.html"),
    "/admin": (require("admin"), admin.admin_view, "admin.html"),
    "/admin/settings": (require("admin"), admin.settings_view, "settings.html"),
    "/inbox": (csrf_checked, inbox.inbox, "inbox.html"),
    "/kudos": (csrf_checked, _wall, "kudos.html"),
    "/deals": (csrf_checked, deals_view, "deals.html"),
}


def _register(path: str, who, build, template: str) -> None:
    name = path.strip("/")

    def html(request: Request) -> HTMLResponse:
        extra = admin.settings_extras(request) if template == "settings.html" else {}
        return _view(request, request.state.user, build, template, **extra)

    def twin(request: Request) -> Response:
        return _twin(request, build)

    twin.__doc__ = (build.__doc__ or "").strip().split("\n\n")[0]
    guard = [Depends(who)]
    router.add_api_route(path, html, methods=["GET"], response_class=HTMLResponse, dependencies=guard, name=name)
    api.add_api_route(path, twin, methods=["GET"], dependencies=guard, name=f"{name}_json", response_model=None)


for _path, (_who, _build, _template) in PAGES.items():
    _register(_path, _who, _build, _template)


@router.get("/report", response_class=HTMLResponse)
def report_page(request: Request, user: ExecOrManager):
    """The full funnel report (the same page `report --format html` writes), as the user sees it."""
    from salesvelocity.report.html import render_html

    report = _view(request, user, report_of)
    with speaking(user.language or browser_language(request)):
        return HTMLResponse(render_html(report))


@api.get("/report", response_model=None)
def report_json(request: Request, user: ExecOrManager) -> Response:
    return _twin(request, report_of)


@sliceable
def report_of(ctx: Context, team: str | None, by: str = "team") -> Report:
    return funnel.report(ctx, by=None if by == "none" else by, team=team)


def _twin(request: Request, build) -> Response:
    """A page's JSON twin: the view model's dump, serialised once per view and served from the cache."""
    return _view(request, request.state.user, build, "json")


def _filtered(request: Request, build) -> tuple[date | None, date | None, dict]:
    """The filters in the URL (so a view can be bookmarked and shared): ``from`` and ``to`` set the window;
    ``team`` and ``by`` go to the pages that take them."""
    import inspect

    query = request.query_params

    def day(name: str) -> date | None:
        text = query.get(name) or None
        if text is None:
            return None
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise SalesVelocityError(f"{name}={text!r} is not a date", hint="write it as YYYY-MM-DD") from None

    takes = inspect.signature(build).parameters
    named = ("by", *deals.FILTERS)
    return day("from"), day("to"), {k: query[k] for k in named if k in takes and query.get(k)}


# -- recording: every form posts here and returns to its page ---------------------------------------------
def _act(request: Request, user: User, back: str, done: str, act) -> RedirectResponse:
    server = server_of(request)
    with server.context(user, browser_language(request)) as ctx:
        with ctx.store.store.transaction():
            act(ctx)
        ctx.send_outbox(wait=False)  # e-mail and chat only once it is committed
    server.changed()
    return RedirectResponse(f"{_local(back)}?said={quote(done)}", 303)


@router.post("/kudos")
def give_kudos(request: Request, user: Signed, to: Field, message: Field, deal: Optional = None, back: Field = "/me"):
    def act(ctx: Context) -> None:
        given = recognition.give(ctx, to, message, deal or None)
        accounts.audit(ctx.store.store, user.user_id, "kudos given", given)

    return _act(request, user, back, _("Thank you sent."), act)


@router.post("/pulse")
def answer_pulse(request: Request, user: Signed, question: Field, score: Annotated[int, Form()]):
    def act(ctx: Context) -> None:
        pulse.answer(ctx, question, score)  # the person is never written down: no audit line names the answer

    return _act(request, user, "/me", _("Answer recorded anonymously — thank you."), act)


@router.post("/obstacles")
def raise_obstacle(request: Request, user: Signed, title: Field, category: Field = "internal", deal: Optional = None):
    def act(ctx: Context) -> None:
        made = obstacles.raise_(ctx, title, category, deal or None)
        accounts.audit(ctx.store.store, user.user_id, "obstacle raised", made)

    return _act(request, user, "/me", _("Obstacle raised: your manager sees it now."), act)


@router.post("/obstacles/{obstacle_id}/respond")
def respond_obstacle(request: Request, user: Manager, obstacle_id: str, message: Field, resolve: Optional = None):
    def act(ctx: Context) -> None:
        obstacles.respond(
            ctx, obstacle_id, resolve=bool(resolve), resolution=message if resolve else None, message=message
        )
        accounts.audit(
            ctx.store.store, user.user_id, "obstacle resolved" if resolve else "obstacle answered", obstacle_id
        )

    return _act(request, user, "/help", _("Answer sent."), act)


@router.post("/one-on-ones")
def log_one_on_one(
    request: Request, user: Manager, person: Field, held_on: Optional = None, notes: Field = "", actions: Field = ""
):
    def act(ctx: Context) -> None:
        day = date.fromisoformat(held_on) if held_on else None
        one_on_ones.log(ctx, person, day, notes, actions)
        accounts.audit(ctx.store.store, user.user_id, "1:1 logged", person)

    return _act(request, user, "/help", _("1:1 logged; only the two of you see its notes."), act)


@router.post("/changes")
def record_change(request: Request, user: Manager, label: Field, at: Optional = None, team: Optional = None):
    def act(ctx: Context) -> None:
        done = changes.record(ctx, label, date.fromisoformat(at) if at else None, team or None)
        accounts.audit(ctx.store.store, user.user_id, "change recorded", done.annotation_id, label)

    return _act(request, user, "/help", _("Change recorded; the patience guard says when it can be judged."), act)


@router.post("/inbox/read")
def read_inbox(request: Request, user: Signed):
    return _act(request, user, "/inbox", _("All read."), inbox.mark_read)


@router.get("/account", response_class=HTMLResponse)
def account_page(request: Request, user: Signed):
    server = server_of(request)
    with server.lock:
        mine = [t for t in accounts.tokens(server.store) if t["user"] == user.name]
    said = request.query_params.get("said", "")
    return HTMLResponse(page(request, "account.html", tokens=mine, new="", said=said))


@router.post("/views")
def save_view(request: Request, user: Signed, name: Field, path: Field, query: Field = ""):
    """Save the page one is on, with its filters, under a name (the filters form's companion)."""
    from urllib.parse import parse_qsl, urlencode

    kept = urlencode([(k, v) for k, v in parse_qsl(query) if k != "said" and v])
    back = _local(path)
    server = server_of(request)
    with server.lock:
        accounts.save_view(server.store, user, name, path, kept)
    server.changed()
    joined = "&" if kept else ""
    return RedirectResponse(f"{back}?{kept}{joined}said={quote(_('View saved: find it beside the filters.'))}", 303)


@router.post("/views/{view_id}/delete")
def delete_view(request: Request, user: Signed, view_id: str):
    server = server_of(request)
    with server.lock:
        accounts.delete_view(server.store, user, view_id)
    server.changed()
    return RedirectResponse(f"/account?said={quote(_('Saved view deleted.'))}#views", 303)


@router.post("/account/tokens")
def make_token(request: Request, user: Signed, name: Field):
    server = server_of(request)
    with server.lock:
        token = accounts.add_token(server.store, user, name)
        mine = [t for t in accounts.tokens(server.store) if t["user"] == user.name]
    server.changed()
    # shown once, in this response only (never in a URL, where logs and history would keep it)
    return HTMLResponse(page(request, "account.html", tokens=mine, new=token, said=_("Token made: copy it now.")))


def _local(path: str | None) -> str:
    """Only a path on this site (never another site's address) is a place to return to."""
    if not path or not path.startswith("/") or path.startswith("//") or "\\" in path:
        return "/"
    return path
