"""Turning an outbox row into an SMTP message, and deciding what an SMTP failure means.

The worker (worker.py) claims rows and calls these; nothing here touches the database.
"""

from __future__ import annotations

import binascii
import functools
import hashlib
import random
import smtplib
import sys
from dataclasses import dataclass
from datetime import timedelta
from email.charset import BASE64, QP, Charset
from email.header import Header
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import compat32
from email.utils import formatdate

from flask import current_app
from flask_mail import Connection

# The first retry comes 15-45 s after a failure, then the wait doubles (with jitter) up to a cap.
RETRY_BASE_SECONDS = 30
RETRY_CAP_SECONDS = 6 * 3600

# Our own UTF-8 charset (Flask-Mail changes the global one): RFC 2047 base64 for headers,
# quoted-printable bodies, so the message is 7-bit clean for any relay.
UTF8 = Charset("utf-8")
UTF8.header_encoding = BASE64
UTF8.body_encoding = QP
# SMTP wants CRLF line ends; smtplib leaves a bytes message as it is.
CRLF_POLICY = compat32.clone(linesep="\r\n")


@dataclass(frozen=True)
class OutgoingMail:
    """What the worker needs of one claimed row to send it."""

    id: int
    dedupe_key: str
    recipients: tuple[str, ...]
    subject: str
    text_body: str
    html_body: str
    attempts: int
    kind: str = ""
    language: str = ""


@dataclass(frozen=True)
class SendFailure:
    """Why one mail was not accepted; `permanent` failures are not retried automatically."""

    error: str
    permanent: bool = False
    connection_lost: bool = False


def retry_delay(attempts: int, rng: random.Random | None = None) -> timedelta:
    """How long to wait before the next try after `attempts` failed ones (>= 1), with jitter."""
    rng = rng or random
    exponent = max(attempts, 1) - 1
    base = min(RETRY_CAP_SECONDS, RETRY_BASE_SECONDS * 2 ** min(exponent, 20))
    return timedelta(seconds=base * rng.uniform(0.5, 1.5))


def message_id(mail: OutgoingMail, sender: str) -> str:
    """A Message-ID fixed per outbox row: a resent copy carries the same one (receivers dedupe)."""
    domain = sender.rpartition("@")[2].strip(" >") or "localhost"
    digest = hashlib.sha256(mail.dedupe_key.encode("utf-8")).hexdigest()[:16]
    return f"<outbox.{mail.id}.{digest}@{domain}>"


def build_message(mail: OutgoingMail, sender: str) -> MIMEMultipart:
    """A multipart/alternative message: the text part first, then the HTML part (UTF-8).

    Built with the compat32 MIME classes: several times faster than EmailMessage's header
    registry, which matters when a batch is sent back to back.
    """
    message = MIMEMultipart("alternative")
    message["Subject"] = Header(mail.subject, UTF8)
    message["From"] = sender
    message["To"] = ", ".join(mail.recipients)
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = message_id(mail, sender)
    message["Auto-Submitted"] = "auto-generated"
    message.attach(MIMEText(mail.text_body, "plain", UTF8))
    message.attach(MIMEText(mail.html_body, "html", UTF8))
    return message


def _header(name: str, value: str) -> str:
    line = f"{name}: {value}"
    if len(line) <= 78 and value.isascii():
        return line
    return f"{name}: " + Header(value, header_name=name).encode(linesep="\n")


def _qp_part(subtype: str, body: str) -> bytes:
    # binascii's quoted-printable (C): trailing blanks and a lone dot encoded, lines <= 76.
    body = body.replace("\r\n", "\n").replace("\r", "\n")
    encoded = binascii.b2a_qp(body.encode("utf-8"), istext=True)
    return (
        f'Content-Type: text/{subtype}; charset="utf-8"\nMIME-Version: 1.0\n'
        "Content-Transfer-Encoding: quoted-printable\n\n"
    ).encode("ascii") + encoded


@functools.lru_cache(maxsize=512)
def _subject_header(subject: str) -> str:
    # Mails of one kind often share their subject (digests, notices): encoded once.
    return "Subject: " + Header(subject, UTF8).encode(linesep="\n")


def message_bytes(mail: OutgoingMail, sender: str) -> bytes:
    """`build_message(...)` as the bytes sent (CRLF), written directly: the same headers and
    parts, several times cheaper than the email package's generator."""
    boundary = f"==============={random.randrange(sys.maxsize):019d}=="
    head = "\n".join(
        [
            f'Content-Type: multipart/alternative;\n boundary="{boundary}"',
            "MIME-Version: 1.0",
            _subject_header(mail.subject),
            _header("From", sender),
            _header("To", ", ".join(mail.recipients)),
            "Date: " + formatdate(usegmt=True),
            _header("Message-ID", message_id(mail, sender)),
            "Auto-Submitted: auto-generated",
        ]
    )
    separator = f"\n--{boundary}\n".encode("ascii")
    message = (
        head.encode("ascii")
        + b"\n"
        + separator
        + _qp_part("plain", mail.text_body)
        + separator
        + _qp_part("html", mail.html_body)
        + f"\n--{boundary}--\n".encode("ascii")
    )
    return message.replace(b"\n", b"\r\n")


class TimedConnection(Connection):
    """Flask-Mail's connection, with the MAIL_TIMEOUT it does not pass to smtplib itself."""

    def configure_host(self) -> smtplib.SMTP:
        """Connect (TLS and login as configured) with a timeout, so a dead server cannot hang us."""
        timeout = current_app.config["MAIL_TIMEOUT"]
        mail = self.mail
        if mail.use_ssl:
            host = smtplib.SMTP_SSL(mail.server, mail.port, timeout=timeout)
        else:
            host = smtplib.SMTP(mail.server, mail.port, timeout=timeout)
        if mail.use_tls:
            host.starttls()
        if mail.username and mail.password:
            host.login(mail.username, mail.password)
        return host

    def close(self) -> None:
        """Say QUIT if the server still listens; a server that vanished is no error here."""
        if self.host is None:
            return
        try:
            self.host.quit()
        except (smtplib.SMTPException, OSError):
            self.host.close()
        self.host = None


def open_connection() -> TimedConnection:
    """One SMTP connection for a batch (raises OSError/SMTPException when the server is down)."""
    connection = TimedConnection(current_app.extensions["mail"])
    connection.__enter__()
    return connection


def send_one(connection: TimedConnection, mail: OutgoingMail, sender: str) -> SendFailure | None:
    """Send one mail over the open connection; None when the server accepted it."""
    if connection.host is None:  # MAIL_SUPPRESS_SEND: accepted without leaving the process
        return None
    try:
        refused = connection.host.sendmail(
            sender, list(mail.recipients), message_bytes(mail, sender)
        )
    except smtplib.SMTPRecipientsRefused as exc:
        return _refused(exc.recipients)
    except smtplib.SMTPResponseException as exc:
        return _response_failure(exc)
    except (smtplib.SMTPServerDisconnected, OSError) as exc:
        return SendFailure(f"connection lost: {exc}", connection_lost=True)
    except smtplib.SMTPException as exc:
        return SendFailure(f"SMTP error: {exc}")
    if refused:
        current_app.logger.warning("mail %s: some recipients refused: %s", mail.id, refused)
    return None


def _refused(recipients: dict) -> SendFailure:
    codes = [code for code, _ in recipients.values()]
    detail = "; ".join(
        f"{address}: {code} {_text(reply)}" for address, (code, reply) in recipients.items()
    )
    return SendFailure(f"recipient refused: {detail}", permanent=all(c >= 500 for c in codes))


def _response_failure(exc: smtplib.SMTPResponseException) -> SendFailure:
    detail = f"{exc.smtp_code} {_text(exc.smtp_error)}"
    if isinstance(exc, smtplib.SMTPDataError) and exc.smtp_code >= 500:
        return SendFailure(f"message refused: {detail}", permanent=True)
    if exc.smtp_code in (421, -1):  # the server is closing the connection
        return SendFailure(f"connection lost: {detail}", connection_lost=True)
    return SendFailure(f"SMTP error: {detail}")


def _text(reply) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
