"""Per-request context the audit log needs (request id, channel), carried in context variables so that
services deep in the call stack can record it without every function passing it on."""

from __future__ import annotations

import contextvars
from contextlib import contextmanager
from dataclasses import dataclass, field

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("helhed_request_id", default="")
channel_var: contextvars.ContextVar[str] = contextvars.ContextVar("helhed_channel", default="system")


@dataclass
class RequestAudit:
    """Audit work of one web request. Reads outside a transaction are buffered and written in one
    transaction before the response leaves (`flush`); the chain is sealed once, after the response."""

    buffer: list = field(default_factory=list)
    needs_seal: bool = False


request_audit_var: contextvars.ContextVar[RequestAudit | None] = contextvars.ContextVar(
    "helhed_request_audit", default=None
)


@contextmanager
def channel(name: str):
    token = channel_var.set(name)
    try:
        yield
    finally:
        channel_var.reset(token)
