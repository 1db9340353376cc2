"""Notifications beyond the inbox, against a real local SMTP server and a local HTTP receiver: kudos reach the
receiver's e-mail and the team chat; an answer to an obstacle reaches only the person's e-mail; nothing is
sent for a recording that failed; a mail server that is down is reported, and the recording stays."""

from __future__ import annotations

import http.server
import json
import shutil
import socketserver
import threading
from email import message_from_bytes

import pytest

import salesvelocity as sv
from salesvelocity.config import Settings
from salesvelocity.context import Context
from salesvelocity.errors import SalesVelocityError
from salesvelocity.services import obstacles, recognition
from salesvelocity.web.accounts import add_user
from tests.test_scope import company  # noqa: F401  (the hand-made company)


class _SMTP(socketserver.StreamRequestHandler):
    """Just enough SMTP for smtplib: greet, accept MAIL/RCPT/DATA, keep each message."""

    def handle(self) -> None:
        self.wfile.write(b"220 test ready\r\n")
        data, lines = False, []
        while line := self.rfile.readline():
            if data:
                if line.rstrip(b"\r\n") == b".":
                    self.server.mails.append(b"".join(lines))
                    data, lines = False, []
                    self.wfile.write(b"250 queued\r\n")
                else:
                    lines.append(line[1:] if line.startswith(b"..") else line)
                continue
            verb = line[:4].upper()
            if verb == b"DATA":
                data = True
                self.wfile.write(b"354 go on\r\n")
            elif verb == b"QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"250 ok\r\n")


class _Hook(http.server.BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.posts.append(json.loads(body))
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def receivers():
    smtp = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _SMTP)
    smtp.mails = []
    hook = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Hook)
    hook.posts = []
    for server in (smtp, hook):
        threading.Thread(target=server.serve_forever, daemon=True).start()
    yield smtp, hook
    for server in (smtp, hook):
        server.shutdown()
        server.server_close()


@pytest.fixture
def store(company, tmp_path):  # noqa: F811
    db = tmp_path / "copy.duckdb"
    shutil.copy(company.location, db)
    with sv.connect(db) as opened:
        add_user(opened, "Bea", "bea@example.com", "rep", "B1", password="a long password")
        add_user(opened, "Ann", "ann@example.com", "rep", "A1", password="a long password")
        yield opened


def settings_for(smtp, hook, **more) -> Settings:
    return Settings(
        db=":memory:",
        smtp_host="127.0.0.1",
        smtp_port=smtp.server_address[1],
        smtp_from="team@example.com",
        webhook_url=f"http://127.0.0.1:{hook.server_address[1]}/hook",
        base_url="https://sales.example.com",
        **more,
    )


def test_kudos_reach_the_receivers_mail_and_the_team_chat(store, receivers):
    smtp, hook = receivers
    ctx = Context.of(store, settings_for(smtp, hook), "Ann")
    recognition.give(ctx, "Bea", "Thanks for the intro to Delta")
    assert ctx.send_outbox() == []
    (mail,) = [message_from_bytes(m) for m in smtp.mails]
    assert mail["To"] == "bea@example.com" and mail["From"] == "team@example.com"
    assert "Ann thanked you: Thanks for the intro to Delta" in mail.get_payload()
    assert "https://sales.example.com/kudos" in mail.get_payload()
    assert hook.posts == [{"text": "Ann thanked you: Thanks for the intro to Delta"}]


def test_an_answer_to_an_obstacle_is_private_mail_never_chat(store, receivers):
    smtp, hook = receivers
    mona = Context.of(store, settings_for(smtp, hook), "Mona")
    obstacles.respond(mona, "o1", message="Legal has it since this morning")
    assert mona.send_outbox() == []
    (mail,) = [message_from_bytes(m) for m in smtp.mails]
    assert mail["To"] == "ann@example.com"
    assert "Legal has it since this morning" in mail.get_payload()
    assert hook.posts == []


def test_nothing_is_sent_for_a_recording_that_failed(store, receivers):
    smtp, hook = receivers
    ctx = Context.of(store, settings_for(smtp, hook), "Ann")
    with pytest.raises(SalesVelocityError), store.transaction():
        recognition.give(ctx, "Bea", "   ")  # an empty message is refused before anything is kept
    assert ctx.outbox == [] and smtp.mails == [] and hook.posts == []


def test_a_mail_server_that_is_down_is_reported_and_the_kudos_stay(store, receivers):
    _smtp, hook = receivers
    closed = socketserver.TCPServer(("127.0.0.1", 0), _SMTP)
    port = closed.server_address[1]
    closed.server_close()  # nobody listens there now
    settings = Settings(db=":memory:", smtp_host="127.0.0.1", smtp_port=port)
    ctx = Context.of(store, settings, "Ann")
    given = recognition.give(ctx, "Bea", "Thanks for the demo")
    problems = ctx.send_outbox()
    assert len(problems) == 1 and problems[0].startswith("e-mail to bea@example.com not sent")
    recs = store.table("recognitions")
    assert store.value(recs.filter(recs.recognition_id == given).count()) == 1
