"""E-mail out by SMTP: ``PARCOURS_SMTP_URL`` says where and how.

* ``smtp://host:25`` — plain (a local relay);
* ``smtp+starttls://user:password@host:587`` — STARTTLS then authentication;
* ``smtps://user:password@host:465`` — TLS from the first byte.

The sender address is ``PARCOURS_MAIL_FROM``. Messages are built with the standard library's
``email`` package (UTF-8 headers and bodies: accents in subjects stay accents).
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate
from urllib.parse import unquote, urlsplit

from parcours.channels.ports import DeliveryError, OutgoingEmail

SCHEMES = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}


class SmtpSender:
    def __init__(self, url: str, sender: str, *, timeout: float = 30) -> None:
        parts = urlsplit(url)
        if parts.scheme not in SCHEMES:
            raise ValueError(
                f"PARCOURS_SMTP_URL must start with {', '.join(s + '://' for s in SCHEMES)}, "
                f"not {parts.scheme or '(nothing)'}://"
            )
        if not parts.hostname:
            raise ValueError("PARCOURS_SMTP_URL needs a host, e.g. smtp://localhost:25")
        self.scheme, self.host = parts.scheme, parts.hostname
        self.port = parts.port or SCHEMES[parts.scheme]
        self.user = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        self.sender, self.timeout = sender, timeout

    def build(self, message: OutgoingEmail) -> EmailMessage:
        mail = EmailMessage()
        mail["From"] = self.sender
        mail["To"] = message.to
        mail["Subject"] = message.subject
        mail["Date"] = formatdate(localtime=False)
        mail["Message-ID"] = message.message_id
        for name, value in message.headers.items():
            mail[name] = value
        mail.set_content(message.body)
        return mail

    def send(self, message: OutgoingEmail) -> None:
        mail = self.build(message)
        try:
            if self.scheme == "smtps":
                context = ssl.create_default_context()
                with smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout,
                                      context=context) as smtp:  # fmt: skip
                    self._deliver(smtp, mail)
            else:
                with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                    if self.scheme == "smtp+starttls":
                        smtp.starttls(context=ssl.create_default_context())
                    self._deliver(smtp, mail)
        except (smtplib.SMTPException, OSError) as error:
            raise DeliveryError(f"{self.host}:{self.port}: {error}") from error

    def _deliver(self, smtp: smtplib.SMTP, mail: EmailMessage) -> None:
        if self.user:
            smtp.login(self.user, self.password or "")
        smtp.send_message(mail)
