"""Per-request context the audit log needs (request id, channel), carried in context variables so that
services deep in the call stack can record it without every function passing it on."""

from __future__ import annotations

import contextvars
from contextlib import contextmanager

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("helhed_request_id", default="")
channel_var: contextvars.ContextVar[str] = contextvars.ContextVar("helhed_channel", default="system")
# Inside a web request: a one-element list set to True when the request recorded audit events, so the
# request seals them once, after the response has been sent. None outside requests (seal on commit).
seal_request_var: contextvars.ContextVar[list[bool] | None] = contextvars.ContextVar("helhed_seal", default=None)


@contextmanager
def channel(name: str):
    token = channel_var.set(name)
    try:
        yield
    finally:
        channel_var.reset(token)
