"""A mail backend for tests that stands in for a relay refusing some addresses (the outside world, not Helhed's
code): like Django's locmem backend, but a message to an address ending in `.refused` raises the SMTP error a
real relay gives."""

from __future__ import annotations

import smtplib

from django.core.mail.backends.locmem import EmailBackend as LocmemBackend


class RefusingBackend(LocmemBackend):
    def send_messages(self, messages):
        for message in messages:
            refused = {a: (550, b"5.1.1 mailbox unavailable") for a in message.recipients() if a.endswith(".refused")}
            if refused:
                raise smtplib.SMTPRecipientsRefused(refused)
        return super().send_messages(messages)
