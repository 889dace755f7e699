"""The bytes the worker sends are the message `build_message` describes: same headers, same
parts, same text once decoded, CRLF line ends and no line over SMTP's 998 characters."""

import email
import email.policy

import pytest

from engagement.notifications.sending import (
    CRLF_POLICY,
    OutgoingMail,
    build_message,
    message_bytes,
)

SENDER = "The Independent Ledger <newsroom@example.org>"
BODIES = [
    pytest.param("Hello Ada,\n\nA new “report” — see\n", "<p>“six”</p>\n", id="non-ascii"),
    pytest.param("trailing blank \nand tab\t\n.\n.leading dot\n", "<b>b</b>", id="blanks-dots"),
    pytest.param(
        "x" * 300 + "\n" + "=3D stays =\n",
        "<div>" + "y" * 300 + "</div>\n",
        id="long-lines-and-equals",
    ),
    pytest.param("windows\r\nline\rends\n", "\n\n\n", id="cr-and-crlf"),
    pytest.param("ü" * 500, "", id="no-final-newline"),
]


def _parsed(raw: bytes):
    return email.message_from_bytes(raw, policy=email.policy.default)


@pytest.mark.parametrize(
    "recipients", [("ada@example.org",), tuple(f"editor{n}@example.org" for n in range(12))]
)
@pytest.mark.parametrize(("text", "html"), BODIES)
def test_the_wire_bytes_read_as_the_built_message(text, html, recipients):
    mail = OutgoingMail(
        7,
        "correction:7:new",
        recipients,
        "Виправлення: “a passage” " * 3,
        text,
        html,
        0,
        "correction_new",
    )
    raw = message_bytes(mail, SENDER)
    assert b"\n" not in raw.replace(b"\r\n", b"")
    assert max(len(line) for line in raw.split(b"\r\n")) <= 998
    sent, built = _parsed(raw), _parsed(build_message(mail, SENDER).as_bytes(policy=CRLF_POLICY))
    for name in ("Subject", "From", "To", "Message-ID", "Auto-Submitted", "MIME-Version"):
        assert str(sent[name]) == str(built[name])
    assert sent["Date"]
    assert [part.get_content_type() for part in sent.iter_parts()] == ["text/plain", "text/html"]
    for ours, theirs in zip(sent.iter_parts(), built.iter_parts(), strict=True):
        assert ours.get_content() == theirs.get_content()
        assert ours.get_content_charset() == "utf-8"
