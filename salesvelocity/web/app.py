"""The team edition: `salesvelocity serve` — one page per role on the same services as the CLI.

Every page is built from the services (``salesvelocity.services``) through the signed-in user's Context,
so a page shows exactly what the CLI's ``--as`` shows for that person. Every page has a JSON twin under
``/api/v1/`` (the services' result models, described in OpenAPI at ``/api/v1/openapi.json``).

Security: argon2 password hashes; a random session token in an HttpOnly, SameSite=Lax cookie (Secure
behind https); a CSRF token in every form (and in htmx's header) checked on every state-changing request;
failed sign-ins limited per address and account; an audit log of every change; personal API tokens an
admin can revoke. The database connection is one per server, used by one request at a time.
"""

from __future__ import annotations

import threading
import time as timer
from collections import defaultdict, deque
from contextlib import contextmanager
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import quote

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, PackageLoader, select_autoescape

import salesvelocity
from salesvelocity.config import CONFIG_FILE
from salesvelocity.context import Context
from salesvelocity.errors import SalesVelocityError
from salesvelocity.i18n import LANGUAGES, _, language_code, speaking
from salesvelocity.output import fmt_number
from salesvelocity.scope import SLICES
from salesvelocity.web import accounts
from salesvelocity.web.accounts import User

if TYPE_CHECKING:
    from collections.abc import Iterator

    from salesvelocity.config import Settings
    from salesvelocity.store import Store

COOKIE = "sv_session"
LOGIN_TRIES = {"user": 5, "ip": 30}  # failed sign-ins per account, and per address (an office shares one) …
LOGIN_WINDOW = 15 * 60  # … within this many seconds
CACHE_SECONDS = 60.0
CACHE_SECONDS_ALONE = 600.0
CACHE_VIEWS = 256
HOME = {"rep": "/me", "manager": "/help", "exec": "/teams", "admin": "/admin"}
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": "default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; "
    "style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'",
}

_env = Environment(loader=PackageLoader("salesvelocity.web", "templates"), autoescape=select_autoescape(["html"]))
_env.globals["_"] = _
_env.filters["num"] = fmt_number


def _money(value: object, currency: str | None = None) -> str:
    """An amount with its currency (``€ 1.234`` in Dutch); none: the number alone; no value: "no data"."""
    from salesvelocity.i18n import money
    from salesvelocity.output import clean

    value = clean(value)
    return fmt_number(value, "money") if value is None else money(float(value), currency)


_env.filters["money"] = _money


class Charts:
    """Charts for the pages: the same plotly figures as the HTML reports, drawn with the served plotly.js."""

    @staticmethod
    def trend(trend) -> str:
        from salesvelocity.report.flow_html import trend_charts

        return "".join(trend_charts(trend))

    @staticmethod
    def quadrant(teams) -> str:
        from salesvelocity.report.empowerment_html import quadrant_chart

        return quadrant_chart(teams)


_env.globals["charts"] = Charts


class Server:
    """What every request shares: the settings, the one store, and the lock that gives it to one at a time."""

    def __init__(self, settings: Settings, store: Store, config_file: Path | None = None) -> None:
        self.settings = settings
        self.store = store
        #: the settings file the admin's settings page writes (the one the server read)
        self.config_file = config_file or Path(CONFIG_FILE).resolve()
        self.lock = threading.RLock()
        self.failures: dict[str, deque[float]] = defaultdict(deque)
        #: page views computed lately: (page, user, language) → (data version, when, view). Every change made
        #: through this server bumps the version, so what someone records shows at once; changes made
        #: beside it (another program on a PostgreSQL server) show within CACHE_SECONDS.
        self.views: dict[tuple, tuple[int, float, Any]] = {}
        self.building: dict[tuple, threading.Lock] = {}
        self.version = 0
        # A DuckDB file is this server's alone (nobody can change it beside it): only the clock ages a view.
        self.cache_seconds = CACHE_SECONDS if store.kind != "duckdb" else CACHE_SECONDS_ALONE

    def changed(self) -> None:
        with self.lock:
            self.version += 1
            self.views.clear()

    def cached(self, key: tuple, build):
        """``build()``, or the view it gave for ``key`` since the last change (and within the cache's time).
        Requests that miss together wait for one build instead of each building it again."""
        hit = self._fresh(key)
        if hit is not None:
            return hit
        with self.building.setdefault(key, threading.Lock()):
            hit = self._fresh(key)
            if hit is not None:
                return hit
            version, view = self.version, build()
            if len(self.views) > CACHE_VIEWS:
                self.views.clear()
            self.views[key] = (version, timer.monotonic(), view)
        self.building.pop(key, None)
        return view

    def _fresh(self, key: tuple):
        hit = self.views.get(key)
        if hit and hit[0] == self.version and timer.monotonic() - hit[1] < self.cache_seconds:
            return hit[2]
        return None

    @contextmanager
    def context(self, user: User, browser: str | None = None) -> Iterator[Context]:
        """The user's Context, speaking their language (their choice, else their browser's), holding the store
        for this request."""
        spoken = user.language or browser or self.settings.language
        with self.lock:
            ctx = Context.of(self.store, self.settings, user.person_id, user.role if user.person_id else None)
            with speaking(spoken):
                yield ctx.asking(locale=spoken)

    def too_many(self, *keys: str) -> bool:
        now = timer.monotonic()
        for key in keys:
            tries = self.failures[key]
            while tries and now - tries[0] > LOGIN_WINDOW:
                tries.popleft()
            if len(tries) >= LOGIN_TRIES[key.split(":", 1)[0]]:
                return True
        return False

    def failed(self, *keys: str) -> None:
        for key in keys:
            self.failures[key].append(timer.monotonic())


def create_app(settings: Settings, store: Store, config_file: Path | None = None) -> FastAPI:
    """The web app over an open, writable store; ``config_file``: where the admin's settings are saved (the
    settings file in the working folder, which the server read)."""
    server = Server(settings, store, config_file)
    app = FastAPI(
        title="salesvelocity",
        version=salesvelocity.__version__,
        docs_url="/api/v1/docs",
        redoc_url=None,
        openapi_url="/api/v1/openapi.json",
    )
    app.state.server = server
    app.mount("/static", StaticFiles(directory=str(files("salesvelocity.web") / "static")), name="static")

    @app.middleware("http")
    async def headers(request: Request, call_next):
        response = await call_next(request)
        for key, value in SECURITY_HEADERS.items():
            response.headers.setdefault(key, value)
        if request.url.path.startswith(("/api/", "/me", "/help", "/teams", "/admin", "/inbox", "/kudos", "/account")):
            response.headers["Cache-Control"] = "no-store"
        return response

    @app.exception_handler(SalesVelocityError)
    async def said(request: Request, exc: SalesVelocityError):
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": exc.message, "hint": exc.hint}, status_code=400)
        text = exc.message + (f" — {exc.hint}" if exc.hint else "")
        shown = page(request, "message.html", title=_("Something needs a fix"), text=text)
        # htmx swaps in only a successful answer: a boosted form gets the page that says what to fix
        return HTMLResponse(shown, status_code=200 if request.headers.get("HX-Request") else 400)

    from salesvelocity.web import admin, imports, pages

    app.include_router(pages.router)
    app.include_router(admin.router)
    app.include_router(imports.router)
    app.include_router(pages.api, prefix="/api/v1")

    @app.get("/plotly.js", include_in_schema=False)
    def plotly_js() -> Response:
        from plotly.offline import get_plotlyjs

        return Response(get_plotlyjs(), media_type="application/javascript", headers={"Cache-Control": "max-age=86400"})

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> PlainTextResponse:
        return PlainTextResponse("ok")

    return app


def page(request: Request, template: str, **values: Any) -> str:
    """A page in the reader's language: their choice, else their browser's."""
    user = getattr(request.state, "user", None)
    values.setdefault("lang", (user.language if user else None) or browser_language(request))

    def saved_views() -> list[dict]:
        if user is None:
            return []
        server = server_of(request)
        with server.lock:
            return accounts.saved_views(server.store, user)

    with speaking(values["lang"]):
        return _env.get_template(template).render(
            user=user,
            saved_views=saved_views,
            currency=server_of(request).settings.currency,
            csrf=getattr(request.state, "csrf", ""),
            path=request.url.path,
            request_query=request.query_params,
            request_query_string=str(request.query_params),
            # the slice of the deals in the URL, to carry into the links that drill down: "&segment=SMB…"
            sliced="".join(f"&{k}={quote(v)}" for k in SLICES if (v := request.query_params.get(k))),
            version=salesvelocity.__version__,
            languages=LANGUAGES,
            **values,
        )


# -- who is asking -----------------------------------------------------------------------------------------
def server_of(request: Request) -> Server:
    return request.app.state.server


def signed_in(request: Request) -> User:
    """The user of this request: a session cookie (pages, htmx) or a personal API token (``Bearer``).

    A state-changing request on a session must carry the session's CSRF token (form field ``csrf`` or header
    ``X-CSRF-Token``); a token request carries no cookie, so it needs none.
    """
    server = server_of(request)
    bearer = request.headers.get("Authorization", "")
    with server.lock:
        if bearer.lower().startswith("bearer "):
            user = accounts.token_user(server.store, bearer[7:].strip())
            if user is None:
                raise HTTPException(401, "unknown or revoked API token")
            request.state.user, request.state.csrf, request.state.token = user, "", True
            return user
        found = accounts.session_user(server.store, request.cookies.get(COOKIE))
    if found is None:
        if request.url.path.startswith("/api/"):
            raise HTTPException(401, "sign in first, or send a personal API token")
        raise HTTPException(303, headers={"Location": f"/login?next={request.url.path}"})
    request.state.user, request.state.csrf, request.state.token = found[0], found[1], False
    return found[0]


async def csrf_checked(request: Request, user: Annotated[User, Depends(signed_in)]) -> User:
    if request.method in ("POST", "PUT", "PATCH", "DELETE") and not request.state.token:
        given = request.headers.get("X-CSRF-Token")
        if given is None:
            form = await request.form()
            given = form.get("csrf")
        if not given or not _same(str(given), request.state.csrf):
            raise HTTPException(403, "the form is out of date or not from this site: reload the page and try again")
    return user


def _same(a: str, b: str) -> bool:
    import hmac

    return hmac.compare_digest(a.encode(), b.encode())


def require(*roles: str):
    """A dependency: the signed-in user, if their role is one of ``roles`` (admins may open every page)."""

    def check(user: Annotated[User, Depends(csrf_checked)]) -> User:
        if user.role not in roles and user.role != "admin":
            raise HTTPException(403, f"this page is for: {', '.join(roles)}")
        return user

    return check


def browser_language(request: Request) -> str:
    for part in request.headers.get("Accept-Language", "").split(","):
        try:
            return language_code(part.split(";")[0].strip() or None)
        except SalesVelocityError:
            continue
    return "en"
