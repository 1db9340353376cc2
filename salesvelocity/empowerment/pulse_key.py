"""The pulse key: the secret that makes respondent tokens, kept outside the database (design.md §5).

Whoever holds the database file must not be able to map an answer back to a person, so the key lives
in an environment variable (``SALESVELOCITY_PULSE_KEY``, any string) or in a key file beside the
settings (``pulse_key_file``, default ``salesvelocity-pulse.key`` in the working folder, mode 0600),
never in the database. The database keeps only a *key id* (a keyed hash of a constant), so a missing or
wrong key is a clear error instead of silently making tokens that no longer match.

A token is made per person **and period** — answers cannot be linked across periods — and carries a
tag that only the key can make, so tokens typed into an import by hand are recognised as not made by
this key (they all count together as one respondent).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from datetime import date
from pathlib import Path

from salesvelocity.errors import StoreError


class PulseKeyError(StoreError):
    """The pulse key is missing, damaged, readable by others, or not this database's key."""


KEY_ENV = "SALESVELOCITY_PULSE_KEY"
DEFAULT_KEY_FILE = "salesvelocity-pulse.key"
META_KEY_ID = "pulse_key_id"
_TOKEN_PART, _TAG_PART = 20, 12


def key_file() -> Path:
    """Where the key file is: the ``pulse_key_file`` setting (a path), relative to the working folder."""
    from salesvelocity.config import load_settings

    return Path(load_settings().pulse_key_file)


def key_id(key: bytes) -> str:
    """What the database keeps to recognise its key; it reveals nothing about the key."""
    return hmac.new(key, b"salesvelocity pulse key id", hashlib.sha256).hexdigest()[:16]


def _stored_id(store) -> str | None:
    return store.meta(META_KEY_ID)


def _read_key() -> tuple[bytes | None, str]:
    """The key from the environment or the key file, and where it came from (for messages)."""
    env = os.environ.get(KEY_ENV)
    if env:
        return hashlib.sha256(env.encode("utf-8")).digest(), f"the environment variable {KEY_ENV}"
    path = key_file()
    if not path.exists():
        return None, str(path)
    mode = path.stat().st_mode & 0o777
    if mode & 0o077:
        raise PulseKeyError(
            f"the pulse key file {path} can be read by other users (mode {mode:o})",
            hint=f"run `chmod 600 {path}`: whoever reads the key can link pulse answers to people",
        )
    try:
        return bytes.fromhex(path.read_text(encoding="ascii").strip()), str(path)
    except (ValueError, UnicodeDecodeError) as exc:
        raise PulseKeyError(
            f"the pulse key file {path} is damaged", hint="restore it from your backup of the key file"
        ) from exc


def _create_key_file(path: Path) -> bytes:
    key = secrets.token_bytes(32)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(key.hex() + "\n")
    return key


def load_key(store, create: bool = False) -> bytes | None:
    """The pulse key for ``store``; None when no key exists yet and none is needed.

    With ``create`` (recording an answer, migrating old tokens) a missing key file is created on first
    use and its id written to the database. A database whose answers were made with a key refuses to
    go on without that key.
    """
    key, where = _read_key()
    stored = _stored_id(store)
    if key is None:
        if stored is not None:
            raise PulseKeyError(
                f"the pulse key is missing: this database's pulse answers were made with a key kept outside it, "
                f"looked for in {where} and in {KEY_ENV}",
                hint="copy the key file back beside salesvelocity.toml (or set pulse_key_file to its path, or "
                f"{KEY_ENV}); without it pulse answers cannot be recorded or counted",
            )
        if not create:
            return None
        key, where = _create_key_file(Path(where)), where
    if stored is not None and stored != key_id(key):
        raise PulseKeyError(
            f"the pulse key in {where} is not the one this database's pulse answers were made with",
            hint="use the key file (or SALESVELOCITY_PULSE_KEY) that belongs to this database",
        )
    if stored is None and create:
        store.set_meta(META_KEY_ID, key_id(key))
    return key


def make_token(key: bytes, person_id: str, period_start: date) -> str:
    """The respondent token of one person in one period: the same within a period, unlinkable across."""
    message = f"{person_id}\x1f{period_start.isoformat()}".encode()
    token = hmac.new(key, message, hashlib.sha256).hexdigest()[:_TOKEN_PART]
    return token + _tag(key, token)


def is_genuine(key: bytes | None, token: str | None) -> bool:
    """Whether ``token`` was made with ``key`` (a hand-typed or foreign token is not)."""
    if key is None or not token or len(token) != _TOKEN_PART + _TAG_PART:
        return False
    return hmac.compare_digest(token[_TOKEN_PART:], _tag(key, token[:_TOKEN_PART]))


def _tag(key: bytes, token: str) -> str:
    return hmac.new(key, b"tag\x1f" + token.encode("ascii", "replace"), hashlib.sha256).hexdigest()[:_TAG_PART]
