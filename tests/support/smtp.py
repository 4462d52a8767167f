"""A real SMTP server on 127.0.0.1 (aiosmtpd) whose answers a test can script.

    with smtp_server(data=["451 4.3.0 try later", "250 OK"]) as server:
        ...  # the first DATA is refused with 451, the second accepted
        server.messages  # the accepted messages, parsed

Answers are consumed one per command; when a script is exhausted the server accepts. Only
accepted messages are recorded, which is what "exactly one message arrived" means.
"""

from __future__ import annotations

import email
import email.policy
import shutil
import ssl
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

DROP = "drop"  # scripted answer: close the connection without replying


@dataclass
class ScriptedHandler:
    data: list[str] = field(default_factory=list)  # answers to DATA, in order
    rcpt: list[str] = field(default_factory=list)  # answers to RCPT TO, in order
    messages: list[EmailMessage] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)
    data_attempts: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        with self.lock:
            answer = self.rcpt.pop(0) if self.rcpt else "250 OK"
        if answer.startswith("250"):
            envelope.rcpt_tos.append(address)
        return answer

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.data_attempts += 1
            answer = self.data.pop(0) if self.data else "250 OK"
        if answer == DROP:
            # The content was received but no answer comes: the client cannot know the outcome.
            server.transport.close()
            return "250 OK"
        if answer.startswith("250"):
            message = email.message_from_bytes(envelope.content, policy=email.policy.default)
            assert isinstance(message, EmailMessage)
            with self.lock:
                self.messages.append(message)
                self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return answer


class _Controller(Controller):  # type: ignore[misc]
    """Binds port 0 and learns the port the system picked, so parallel runs never collide."""

    def _trigger_server(self) -> None:
        assert self.server is not None
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


@dataclass
class SmtpServer:
    host: str
    port: int
    handler: ScriptedHandler

    @property
    def messages(self) -> list[EmailMessage]:
        return self.handler.messages


def _server_context(pem: Path) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(str(pem))
    return context


def _authenticator(user: str, password: str) -> Any:
    def check(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        ok = (
            isinstance(data, LoginPassword)
            and data.login.decode() == user
            and data.password.decode() == password
        )
        return AuthResult(success=ok, handled=False)

    return check


def make_certificate(directory: Path) -> Path | None:
    """A self-signed certificate for 127.0.0.1 (cert and key in one PEM); None without openssl."""
    openssl = shutil.which("openssl")
    if openssl is None:
        return None
    pem = directory / "smtp-127.0.0.1.pem"
    key = directory / "smtp-127.0.0.1.key"
    args = ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1"]
    san = ["-addext", "subjectAltName=IP:127.0.0.1"]
    subprocess.run(
        [openssl, *args, *san, "-keyout", str(key), "-out", str(pem)],
        check=True,
        capture_output=True,
    )
    pem.write_text(pem.read_text() + key.read_text())
    return pem


def client_context(pem: Path) -> ssl.SSLContext:
    """What a client that trusts only this test certificate uses."""
    return ssl.create_default_context(cafile=str(pem))


@contextmanager
def smtp_server(
    *,
    data: list[str] | None = None,
    rcpt: list[str] | None = None,
    user: str | None = None,
    password: str | None = None,
    starttls: Path | None = None,
    implicit_tls: Path | None = None,
) -> Iterator[SmtpServer]:
    """`starttls`/`implicit_tls`: a PEM from `make_certificate` to offer STARTTLS or speak TLS."""
    handler = ScriptedHandler(data=list(data or []), rcpt=list(rcpt or []))
    kwargs: dict[str, Any] = {}
    if starttls is not None:
        kwargs.update(tls_context=_server_context(starttls), require_starttls=True)
    if implicit_tls is not None:
        kwargs.update(ssl_context=_server_context(implicit_tls))
    if user is not None:
        kwargs.update(
            authenticator=_authenticator(user, password or ""),
            auth_require_tls=False,
            auth_required=True,
        )
    controller = _Controller(handler, hostname="127.0.0.1", port=0, **kwargs)
    controller.start()
    try:
        yield SmtpServer(host="127.0.0.1", port=controller.port, handler=handler)
    finally:
        controller.stop()
