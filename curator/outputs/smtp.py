"""The only smtplib code: hand one message to the configured SMTP server.

Failures become `DeliveryError`: `permanent` for 5xx answers (retrying cannot help), temporary for
4xx answers and network trouble. The transaction is driven step by step (MAIL, RCPT, DATA) rather
than through `sendmail` so that a failure is classified by where it happened: once the DATA
content has been handed over, a lost connection leaves the outcome unknown
(`DeliveryInDoubt`), and the outbox must not blindly retry it or the digest could arrive twice.
"""

from __future__ import annotations

import contextlib
import functools
import smtplib
import socket
import ssl
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import getaddresses, parseaddr

from curator.errors import ConfigError, DeliveryError, DeliveryInDoubt
from curator.i18n import N_, Message
from curator.types import SmtpSettings

SECURITY = ("starttls", "ssl", "none")


def send(
    message: EmailMessage,
    settings: SmtpSettings,
    *,
    context: ssl.SSLContext | None = None,
) -> None:
    """Deliver `message` to its To/Cc recipients. `context` lets tests trust a local certificate."""
    if settings.security not in SECURITY:
        raise ConfigError(
            Message(
                N_("unknown security {security} (expected one of {choices})"),
                security=repr(settings.security),
                choices=", ".join(SECURITY),
            ),
            field="smtp.security",
        )
    recipients = [
        addr
        for _, addr in getaddresses(message.get_all("To", []) + message.get_all("Cc", []))
        if addr
    ]
    if not recipients:
        raise ConfigError(Message(N_("the message has no recipient")), field="digest.to")
    sender = parseaddr(settings.sender)[1] or settings.sender
    # SMTP wants CRLF line endings and lines under 998 octets; the SMTP policy guarantees both.
    data = message.as_bytes(policy=SMTP_POLICY)
    if context is None and settings.security != "none":
        context = _default_context()

    try:
        client = _connect(settings, context)
    except smtplib.SMTPResponseException as e:
        raise _answer_error("connect", e.smtp_code, e.smtp_error) from e
    except (OSError, smtplib.SMTPException) as e:
        raise DeliveryError(
            Message(
                N_("cannot reach {host}:{port}: {error}"),
                host=settings.host,
                port=settings.port,
                error=e,
            ),
            permanent=False,
        ) from e
    try:
        _transaction(client, settings, context, sender, recipients, data)
    finally:
        try:
            client.quit()
        except (OSError, smtplib.SMTPException):
            # The server already has (or refused) the message; a failing QUIT changes nothing.
            client.close()


@functools.cache
def _default_context() -> ssl.SSLContext:
    # Loading the system CA store costs tens of milliseconds: once per process is enough.
    return ssl.create_default_context()


def _connect(settings: SmtpSettings, context: ssl.SSLContext | None) -> smtplib.SMTP:
    client: smtplib.SMTP
    if settings.security == "ssl":
        client = smtplib.SMTP_SSL(
            settings.host, settings.port, timeout=settings.timeout_seconds, context=context
        )
    else:
        client = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout_seconds)
    # smtplib writes each command separately; with Nagle's algorithm and delayed ACKs every
    # small write after the first waits ~40 ms for an ACK (measured: 80 ms per message on
    # loopback). SMTP is request/response, so there is nothing to coalesce.
    if client.sock is not None:
        with contextlib.suppress(OSError):
            client.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return client


def _transaction(
    client: smtplib.SMTP,
    settings: SmtpSettings,
    context: ssl.SSLContext | None,
    sender: str,
    recipients: list[str],
    data: bytes,
) -> None:
    step = "EHLO"
    try:
        client.ehlo()
        if settings.security == "starttls":
            step = "STARTTLS"
            if not client.has_extn("starttls"):
                raise DeliveryError(
                    Message(
                        N_("{host} does not offer STARTTLS; set smtp.security"), host=settings.host
                    ),
                    permanent=True,
                )
            code, reply = client.starttls(context=context)
            if code != 220:
                raise _answer_error(step, code, reply)
            client.ehlo()
        if settings.user:
            step = "AUTH"
            if settings.password is None:
                raise ConfigError(
                    Message(N_("smtp.user is set but CURATOR_SMTP_PASSWORD is not")),
                    field="smtp.user",
                )
            client.login(settings.user, settings.password)
        step = "MAIL FROM"
        code, reply = client.mail(sender)
        if code != 250:
            raise _answer_error(step, code, reply)
        step = "RCPT TO"
        for rcpt in recipients:
            code, reply = client.rcpt(rcpt)
            if code not in (250, 251):
                # All or nothing: a digest reaching only some recipients would be recorded as
                # sent for all of them.
                _reset(client)
                raise _answer_error(f"RCPT TO {rcpt}", code, reply)
        step = "DATA"
    except smtplib.SMTPResponseException as e:
        raise _answer_error(step, e.smtp_code, e.smtp_error) from e
    except smtplib.SMTPNotSupportedError as e:
        raise DeliveryError(f"{step}: {e}", permanent=True) from e
    except (OSError, smtplib.SMTPException) as e:
        # Nothing was handed over yet: safe to retry.
        raise DeliveryError(
            Message(N_("{step} failed: {error}"), step=step, error=e), permanent=False
        ) from e

    try:
        code, reply = client.data(data)
    except smtplib.SMTPDataError as e:
        raise _answer_error("DATA", e.smtp_code, e.smtp_error) from e
    except (OSError, smtplib.SMTPException) as e:
        raise DeliveryInDoubt(
            Message(
                N_(
                    "connection lost during DATA, the server may have accepted the message: {error}"
                ),
                error=e,
            )
        ) from e
    if code != 250:  # pragma: no cover - smtplib raises SMTPDataError for these
        raise _answer_error("DATA", code, reply)


def _reset(client: smtplib.SMTP) -> None:
    with contextlib.suppress(OSError, smtplib.SMTPException):
        client.rset()


def _answer_error(step: str, code: int, reply: bytes | str) -> DeliveryError:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
    text = " ".join(text.split())
    return DeliveryError(f"{step}: {code} {text}".strip(), permanent=500 <= code < 600, code=code)
