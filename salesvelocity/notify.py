"""Messages beyond the inbox: e-mail (SMTP) to the person, and kudos to a team chat (Slack or Microsoft Teams
incoming webhook). Both optional (settings ``smtp_*`` and ``webhook_url``); sent only after what they tell
about is committed, and never able to undo it — a failure is reported, not raised.

Only kudos go to the webhook: a thank-you is public by nature, while answers to obstacles and 1:1 actions
are for one person and go only to their inbox and e-mail.
"""

from __future__ import annotations

import json
import smtplib
import sys
import threading
import urllib.request
from dataclasses import dataclass
from email.message import EmailMessage
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from salesvelocity.config import Settings

PUBLIC_KINDS = ("kudos",)
TIMEOUT = 10


@dataclass(frozen=True)
class Message:
    person_id: str
    email: str | None
    kind: str
    text: str
    link: str | None = None


def send(settings: Settings, messages: list[Message]) -> list[str]:
    """Send ``messages`` as the settings allow; returns what could not be sent, in words."""
    problems: list[str] = []
    if settings.smtp_host:
        for m in messages:
            if not m.email:
                continue
            try:
                _mail(settings, m)
            except (OSError, smtplib.SMTPException) as exc:
                problems.append(f"e-mail to {m.email} not sent: {exc}")
    if settings.webhook_url:
        for m in messages:
            if m.kind not in PUBLIC_KINDS:
                continue
            try:
                _post(settings.webhook_url, m)
            except (OSError, ValueError) as exc:
                problems.append(f"chat message not sent: {exc}")
    return problems


def send_later(settings: Settings, messages: list[Message]) -> None:
    """Send in the background (a web request does not wait for a mail server); problems go to stderr."""
    if not messages or not (settings.smtp_host or settings.webhook_url):
        return

    def run() -> None:
        for problem in send(settings, messages):
            print(f"salesvelocity: {problem}", file=sys.stderr)

    threading.Thread(target=run, name="salesvelocity-notify", daemon=True).start()


def _mail(settings: Settings, m: Message) -> None:
    mail = EmailMessage()
    mail["From"] = settings.smtp_from
    mail["To"] = m.email
    mail["Subject"] = f"salesvelocity: {m.text[:70]}"
    body = m.text
    if m.link and settings.base_url:
        body += f"\n\n{settings.base_url.rstrip('/')}{m.link}"
    mail.set_content(body)
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=TIMEOUT) as smtp:
        if settings.smtp_starttls:
            smtp.starttls()
        if settings.smtp_user:
            smtp.login(settings.smtp_user, settings.smtp_password or "")
        smtp.send_message(mail)


def _post(url: str, m: Message) -> None:
    """Slack and Microsoft Teams incoming webhooks both take ``{"text": …}``."""
    if not url.startswith(("https://", "http://")):
        raise ValueError(f"webhook_url {url!r} is not an http(s) address")
    body = json.dumps({"text": m.text}).encode()
    request = urllib.request.Request(url, body, {"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310  (the admin's own URL)
        response.read()
