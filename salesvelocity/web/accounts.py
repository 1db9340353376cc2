"""Accounts of the team edition: users (argon2 password hashes), invitations, sessions, API tokens, the audit log.

A user is a login with a role (rep, manager, exec, admin) and, for everyone but a pure administrator, the
person of the people table they are — which decides what they see (``salesvelocity.scope``). Secrets are
never stored: sessions, invitations and API tokens are random tokens kept as their SHA-256; passwords as
argon2id hashes.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from salesvelocity import clock
from salesvelocity.errors import SalesVelocityError
from salesvelocity.scope import ROLES, find_person
from salesvelocity.store import Store

SESSION_DAYS = 14
INVITE_DAYS = 7
MIN_PASSWORD = 10
_hasher = PasswordHasher()
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class AccountError(SalesVelocityError):
    """A mistake in an account request: named, with the fix."""


@dataclass(frozen=True)
class User:
    user_id: str
    name: str
    email: str
    role: str
    person_id: str | None
    language: str | None

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(
            f"a password needs at least {MIN_PASSWORD} characters", hint="a few words in a row make a good one"
        )


def add_user(
    store: Store,
    name: str,
    email: str,
    role: str,
    person: str | None = None,
    password: str | None = None,
    by: str | None = None,
) -> tuple[User, str | None]:
    """Create an account; returns it and, without ``password``, an invitation token (valid INVITE_DAYS days)
    with which the person sets their own password. A rep, manager or exec must be a person of the people
    table (what they see follows from that person); an admin may be one."""
    name, email = name.strip(), email.strip().lower()
    if not name:
        raise AccountError("a user needs a name")
    if not _EMAIL.match(email):
        raise AccountError(f"{email!r} is not an e-mail address", hint="give the address the person signs in with")
    if role not in ROLES:
        raise AccountError(f"unknown role {role!r}", hint=f"roles are: {', '.join(ROLES)}")
    person_id = find_person(store, person)["person_id"] if person else None
    if person_id is None and role != "admin":
        raise AccountError(
            f"a {role} account belongs to a person of the people table",
            hint="give --person with their id or name (what they see follows from it)",
        )
    if store.sql("SELECT count(*) FROM app_users WHERE email = ?", [email]).fetchone()[0]:
        raise AccountError(f"there is already an account for {email}")
    if person_id and store.sql("SELECT count(*) FROM app_users WHERE person_id = ?", [person_id]).fetchone()[0]:
        raise AccountError(f"person {person} already has an account")
    invite = None
    hashed = None
    if password is not None:
        check_password(password)
        hashed = _hasher.hash(password)
    else:
        invite = secrets.token_urlsafe(24)
    user_id = f"U-{uuid.uuid4().hex[:10]}"
    now = clock.now()
    with store.transaction():
        store.sql(
            "INSERT INTO app_users (user_id, name, email, role, person_id, password_hash, invite_hash, invite_expires,"
            " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                user_id,
                name,
                email,
                role,
                person_id,
                hashed,
                digest(invite) if invite else None,
                now + timedelta(days=INVITE_DAYS) if invite else None,
                now,
            ],
        )
        audit(store, by, "user added", email, f"role {role}")
    return User(user_id, name, email, role, person_id, None), invite


def users(store: Store) -> list[dict]:
    """Every account with its person's name, by name."""
    return [
        dict(zip(("user_id", "name", "email", "role", "person_id", "person", "active", "invited"), row, strict=True))
        for row in store.sql(
            "SELECT u.user_id, u.name, u.email, u.role, u.person_id, p.name, u.disabled_at IS NULL,"
            " u.password_hash IS NULL FROM app_users u LEFT JOIN people p ON p.person_id = u.person_id"
            " ORDER BY lower(u.name), u.email"
        ).fetchall()
    ]


def change_user(
    store: Store,
    user_id: str,
    *,
    role: str | None = None,
    person: str | None = None,
    active: bool | None = None,
    by: str | None = None,
) -> None:
    """Change an account's role, person or whether it may sign in. A disabled account is signed out at once
    (its sessions end; its API tokens stop working); the last active admin can be neither disabled nor
    demoted, so that someone can always manage the accounts."""
    row = store.sql("SELECT email, role, person_id, disabled_at IS NULL FROM app_users WHERE user_id = ?", [user_id])
    found = row.fetchone()
    if found is None:
        raise AccountError(f"no account {user_id!r}", hint="reload the admin page: the account may have been removed")
    email, old_role, old_person, was_active = found
    role = role or old_role
    if role not in ROLES:
        raise AccountError(f"unknown role {role!r}", hint=f"roles are: {', '.join(ROLES)}")
    person_id = old_person
    if person is not None and person.strip() not in (old_person, _person_name(store, old_person)):
        person_id = find_person(store, person.strip())["person_id"] if person.strip() else None
    if person_id is None and role != "admin":
        raise AccountError(
            f"a {role} account belongs to a person of the people table",
            hint="give the person's id or full name (what they see follows from it)",
        )
    if person_id and person_id != old_person:
        taken = store.sql("SELECT email FROM app_users WHERE person_id = ? AND user_id <> ?", [person_id, user_id])
        if (other := taken.fetchone()) is not None:
            raise AccountError(f"that person already has an account ({other[0]})")
    active = was_active if active is None else active
    if old_role == "admin" and was_active and (role != "admin" or not active):
        admins = store.sql("SELECT count(*) FROM app_users WHERE role = 'admin' AND disabled_at IS NULL").fetchone()[0]
        if admins <= 1:
            raise AccountError(
                f"{email} is the last active admin", hint="make another account an admin first, then change this one"
            )
    changes = [
        f"{label} {old} → {new}"
        for label, old, new in (
            ("role", old_role, role),
            ("person", old_person, person_id),
            ("active", was_active, active),
        )
        if old != new
    ]
    if not changes:
        return
    with store.transaction():
        store.sql(
            "UPDATE app_users SET role = ?, person_id = ?, disabled_at = ? WHERE user_id = ?",
            [role, person_id, None if active else clock.now(), user_id],
        )
        if not active:
            store.sql("DELETE FROM app_sessions WHERE user_id = ?", [user_id])
        audit(store, by, "user changed", email, "; ".join(changes))


def _person_name(store: Store, person_id: str | None) -> str | None:
    if person_id is None:
        return None
    row = store.sql("SELECT name FROM people WHERE person_id = ?", [person_id]).fetchone()
    return row[0] if row else None


def reinvite(store: Store, user_id: str, by: str | None = None) -> tuple[str, str, str]:
    """A new sign-in link for an account (a lost password, an expired invitation): (e-mail, name, token).
    Setting a password through it ends the account's sessions; the old password works until then."""
    row = store.sql("SELECT email, name FROM app_users WHERE user_id = ? AND disabled_at IS NULL", [user_id]).fetchone()
    if row is None:
        raise AccountError("no active account to send a link to", hint="enable the account first")
    token = secrets.token_urlsafe(24)
    with store.transaction():
        store.sql(
            "UPDATE app_users SET invite_hash = ?, invite_expires = ? WHERE user_id = ?",
            [digest(token), clock.now() + timedelta(days=INVITE_DAYS), user_id],
        )
        audit(store, by, "sign-in link made", row[0])
    return row[0], row[1], token


def find_user(store: Store, email: str) -> User:
    row = store.sql(
        "SELECT user_id, name, email, role, person_id, language FROM app_users WHERE email = ?", [email.strip().lower()]
    ).fetchone()
    if row is None:
        raise AccountError(f"no account for {email}", hint="`salesvelocity user list` shows the accounts")
    return User(*row)


def set_password(store: Store, email: str, password: str, by: str | None = None) -> None:
    user = find_user(store, email)
    check_password(password)
    with store.transaction():
        store.sql(
            "UPDATE app_users SET password_hash = ?, invite_hash = NULL, invite_expires = NULL WHERE user_id = ?",
            [_hasher.hash(password), user.user_id],
        )
        store.sql("DELETE FROM app_sessions WHERE user_id = ?", [user.user_id])  # signed out everywhere
        audit(store, by or user.user_id, "password set", user.email)


def accept_invite(store: Store, token: str, password: str) -> User:
    row = store.sql(
        "SELECT email FROM app_users WHERE invite_hash = ? AND invite_expires > ? AND disabled_at IS NULL",
        [digest(token), clock.now()],
    ).fetchone()
    if row is None:
        raise AccountError("this invitation is unknown or has expired", hint="ask your admin for a new one")
    set_password(store, row[0], password)
    return find_user(store, row[0])


def authenticate(store: Store, email: str, password: str) -> User | None:
    """The user whose password this is, or None (the same answer, and about the same time, for an unknown
    address as for a wrong password)."""
    row = store.sql(
        "SELECT user_id, name, email, role, person_id, language, password_hash FROM app_users"
        " WHERE email = ? AND disabled_at IS NULL",
        [email.strip().lower()],
    ).fetchone()
    hashed = row[6] if row and row[6] else _DUMMY
    try:
        _hasher.verify(hashed, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    if row is None or not row[6]:
        return None
    return User(*row[:6])


_DUMMY = _hasher.hash(secrets.token_hex(8))


def set_language(store: Store, user: User, language: str) -> None:
    store.sql("UPDATE app_users SET language = ? WHERE user_id = ?", [language, user.user_id])


# -- sessions ---------------------------------------------------------------------------------------------
def start_session(store: Store, user: User) -> tuple[str, str]:
    """A new session: (the cookie's token, the CSRF token of its forms)."""
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
    now = clock.now()
    with store.transaction():
        store.sql("DELETE FROM app_sessions WHERE expires_at < ?", [now])
        store.sql(
            "INSERT INTO app_sessions VALUES (?, ?, ?, ?, ?)",
            [digest(token), user.user_id, csrf, now, now + timedelta(days=SESSION_DAYS)],
        )
        audit(store, user.user_id, "signed in")
    return token, csrf


def session_user(store: Store, token: str | None) -> tuple[User, str] | None:
    """The user and CSRF token of a live session, or None."""
    if not token:
        return None
    row = store.sql(
        "SELECT u.user_id, u.name, u.email, u.role, u.person_id, u.language, s.csrf FROM app_sessions s"
        " JOIN app_users u ON u.user_id = s.user_id WHERE s.session_hash = ? AND s.expires_at > ?"
        " AND u.disabled_at IS NULL",
        [digest(token), clock.now()],
    ).fetchone()
    return (User(*row[:6]), row[6]) if row else None


def end_session(store: Store, token: str | None) -> None:
    if token:
        store.sql("DELETE FROM app_sessions WHERE session_hash = ?", [digest(token)])


# -- API tokens -------------------------------------------------------------------------------------------
def add_token(store: Store, user: User, name: str) -> str:
    """A personal API token (shown once); sent as ``Authorization: Bearer …``."""
    token = "sv_" + secrets.token_urlsafe(32)
    with store.transaction():
        store.sql(
            "INSERT INTO app_tokens VALUES (?, ?, ?, ?, ?, NULL)",
            [digest(token), f"T-{uuid.uuid4().hex[:8]}", user.user_id, name.strip() or "token", clock.now()],
        )
        audit(store, user.user_id, "API token made", name)
    return token


def token_user(store: Store, token: str) -> User | None:
    row = store.sql(
        "SELECT u.user_id, u.name, u.email, u.role, u.person_id, u.language FROM app_tokens t"
        " JOIN app_users u ON u.user_id = t.user_id WHERE t.token_hash = ? AND t.revoked_at IS NULL"
        " AND u.disabled_at IS NULL",
        [digest(token)],
    ).fetchone()
    return User(*row) if row else None


def tokens(store: Store) -> list[dict]:
    return [
        dict(zip(("token_id", "name", "user", "created_at", "revoked_at"), row, strict=True))
        for row in store.sql(
            "SELECT t.token_id, t.name, u.name, t.created_at, t.revoked_at FROM app_tokens t"
            " JOIN app_users u ON u.user_id = t.user_id ORDER BY t.created_at DESC"
        ).fetchall()
    ]


def revoke_token(store: Store, token_id: str, by: str | None) -> None:
    with store.transaction():
        store.sql(
            "UPDATE app_tokens SET revoked_at = ? WHERE token_id = ? AND revoked_at IS NULL", [clock.now(), token_id]
        )
        audit(store, by, "API token revoked", token_id)


# -- audit ------------------------------------------------------------------------------------------------
def audit(store: Store, user_id: str | None, action: str, target: str | None = None, detail: str | None = None) -> None:
    """Who changed what, when (kept in the database; shown to admins)."""
    store.sql("INSERT INTO app_audit VALUES (?, ?, ?, ?, ?)", [clock.now(), user_id, action, target, detail])


def audit_log(store: Store, limit: int = 200) -> list[dict]:
    return [
        dict(zip(("at", "who", "action", "target", "detail"), row, strict=True))
        for row in store.sql(
            "SELECT a.done_at, coalesce(u.name, 'command line'), a.action, a.target, a.detail FROM app_audit a"
            " LEFT JOIN app_users u ON u.user_id = a.user_id ORDER BY a.done_at DESC LIMIT ?",
            [limit],
        ).fetchall()
    ]


def stamp(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment else ""


DEMO_PASSWORD = "demo-password"


def demo_accounts(store: Store) -> list[User]:
    """Accounts for a demo company, all with DEMO_PASSWORD (a demo database only): an admin; the manager of
    the first team; their rep with the most open deals; and, as the exec, the manager of the last team."""
    with store.transaction():
        for table in ("app_sessions", "app_tokens", "app_users", "app_inbox", "app_views"):
            store.sql(f"DELETE FROM {table}")
        managers = store.sql(
            "SELECT t.manager_id, p.name FROM teams t JOIN people p ON p.person_id = t.manager_id ORDER BY t.team_id"
        ).fetchall()
        if not managers:
            return []
        rep = store.sql(
            "SELECT p.person_id, p.name FROM people p"
            " LEFT JOIN deals d ON d.owner_id = p.person_id AND d.status = 'open'"
            " WHERE p.manager_id = ? GROUP BY 1, 2 ORDER BY count(d.deal_id) DESC, 1 LIMIT 1",
            [managers[0][0]],
        ).fetchone()
        made = []
        for name, email, role, person in (
            ("Demo Admin", "admin@demo.example", "admin", None),
            (managers[0][1], "manager@demo.example", "manager", managers[0][0]),
            (rep[1], "rep@demo.example", "rep", rep[0]),
            (managers[-1][1], "exec@demo.example", "exec", managers[-1][0]),
        ):
            made.append(add_user(store, name, email, role, person, password=DEMO_PASSWORD)[0])
    return made


# -- saved views --------------------------------------------------------------------------------------------
MAX_VIEWS = 50


def save_view(store: Store, user: User, name: str, path: str, query: str) -> str:
    """Keep a page and its URL filters under a name of the user's choosing; saving a name again replaces it."""
    name = " ".join(name.split())[:80]
    if not name:
        raise AccountError("a saved view needs a name", hint="e.g. “Alpha, this quarter”")
    if not path.startswith("/") or path.startswith("//") or "\\" in path:
        raise AccountError(f"{path!r} is not a page of this site")
    with store.transaction():
        store.sql("DELETE FROM app_views WHERE user_id = ? AND name = ?", [user.user_id, name])
        if store.sql("SELECT count(*) FROM app_views WHERE user_id = ?", [user.user_id]).fetchone()[0] >= MAX_VIEWS:
            raise AccountError(f"you have {MAX_VIEWS} saved views already", hint="delete one you no longer use")
        view_id = f"V-{uuid.uuid4().hex[:10]}"
        store.sql(
            "INSERT INTO app_views VALUES (?, ?, ?, ?, ?, ?)", [view_id, user.user_id, name, path, query, clock.now()]
        )
    return view_id


def saved_views(store: Store, user: User) -> list[dict]:
    """The user's saved views, by name: name, the link (path and filters), the page it opens."""
    return [
        {"view_id": v, "name": n, "link": p + (f"?{q}" if q else ""), "path": p}
        for v, n, p, q in store.sql(
            "SELECT view_id, name, path, query FROM app_views WHERE user_id = ? ORDER BY lower(name)", [user.user_id]
        ).fetchall()
    ]


def delete_view(store: Store, user: User, view_id: str) -> None:
    """Delete one of the user's own saved views (another user's is not found)."""
    store.sql("DELETE FROM app_views WHERE view_id = ? AND user_id = ?", [view_id, user.user_id])
