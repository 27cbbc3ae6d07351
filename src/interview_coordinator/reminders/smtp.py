"""Django's SMTP backend, telling a lost answer from a refused message.

Once the whole message has been sent after ``DATA``, the server may already
have it: a timeout or a closed connection while waiting for its answer is
not a failure like a refused connection or a 4xx reply, where the server
certainly has nothing. This backend raises ``AnswerLost`` for that case, and
waits for that one answer for ``SMTP_DATA_TIMEOUT_SECONDS`` (RFC 5321
4.5.3.2.6 recommends 10 minutes) instead of the ordinary command timeout, so
that a slow server is recorded as having accepted the message rather than
sent it again. Used in place of ``django.core.mail.backends.smtp.EmailBackend``
when that is the host's backend.
"""

from __future__ import annotations

import smtplib
import socket
from typing import Any

from django.core.mail.backends import smtp

from interview_coordinator.conf import app_settings


class AnswerLost(smtplib.SMTPException):
    """The whole message went to the server and its answer never came: it may have it."""


class SMTP(smtplib.SMTP):
    """Knows whether the message itself was sent when the connection fails."""

    in_data = False
    message_sent = False

    def send(self, s: Any) -> None:
        super().send(s)
        # Within DATA, the command goes as text and the message as bytes.
        if self.in_data and isinstance(s, bytes):
            self.message_sent = True
            if self.sock is not None:
                self.sock.settimeout(float(app_settings.SMTP_DATA_TIMEOUT_SECONDS))

    def data(self, msg: Any) -> tuple[int, bytes]:
        self.in_data, self.message_sent = True, False
        try:
            return super().data(msg)
        except smtplib.SMTPServerDisconnected as exc:
            if self.message_sent:
                raise AnswerLost(
                    f"No answer after the message was sent; the server may have it ({exc})"
                ) from exc
            raise
        finally:
            self.in_data = False
            # Later commands (QUIT) wait the ordinary timeout again.
            if self.sock is not None:
                ordinary = self.timeout
                # Without a timeout argument smtplib holds a sentinel, not a number.
                if not isinstance(ordinary, (int, float)):
                    ordinary = socket.getdefaulttimeout()
                self.sock.settimeout(ordinary)


class SMTPSSL(SMTP, smtplib.SMTP_SSL):
    pass


class EmailBackend(smtp.EmailBackend):
    @property
    def connection_class(self) -> type[smtplib.SMTP]:
        return SMTPSSL if self.use_ssl else SMTP
