"""The client's address behind the reverse proxies in front of Helhed.

Behind nginx every request comes from 127.0.0.1, so a throttle or lockout keyed on REMOTE_ADDR would treat all
citizens as one. Each trusted proxy appends the address it saw to X-Forwarded-For; with
`HELHED_TRUSTED_PROXIES = n` the client is the n-th entry from the right (what the outermost trusted proxy
saw). Entries further left come from the client and are never trusted. With 0 (the default: Helhed reached
directly, as in the demo) the header is ignored."""

from __future__ import annotations

import ipaddress

from django.conf import settings


def client_address(request) -> str:
    """The address the request came from (see the module doc); REMOTE_ADDR when the header is missing, too
    short or not an address, so a broken proxy configuration fails towards one shared key, never to a spoofed
    one."""
    remote = request.META.get("REMOTE_ADDR", "") or ""
    proxies = int(getattr(settings, "HELHED_TRUSTED_PROXIES", 0) or 0)
    if proxies <= 0:
        return remote
    entries = [e.strip() for e in (request.META.get("HTTP_X_FORWARDED_FOR", "") or "").split(",") if e.strip()]
    if len(entries) < proxies:
        return remote
    candidate = entries[-proxies]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


def absolute_link(path: str) -> str:
    """A link for an e-mail: absolute when the site's origin is known (the first of HELHED_CSRF_TRUSTED_ORIGINS),
    else the path."""
    origins = list(getattr(settings, "CSRF_TRUSTED_ORIGINS", []) or [])
    return f"{origins[0].rstrip('/')}{path}" if origins else path
