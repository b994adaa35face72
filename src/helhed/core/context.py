"""Per-request context the audit log needs (request id, channel), carried in context variables so that
services deep in the call stack can record it without every function passing it on."""

from __future__ import annotations

import contextvars
from contextlib import contextmanager

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("helhed_request_id", default="")
channel_var: contextvars.ContextVar[str] = contextvars.ContextVar("helhed_channel", default="system")


@contextmanager
def channel(name: str):
    token = channel_var.set(name)
    try:
        yield
    finally:
        channel_var.reset(token)
