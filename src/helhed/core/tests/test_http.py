"""The client's address behind trusted proxies (core/http.py)."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from helhed.core.http import client_address


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "203.0.113.5", "127.0.0.1"),  # no trusted proxy: the header is the client's word, ignored
        (1, "203.0.113.5", "203.0.113.5"),
        (1, "198.51.100.1, 203.0.113.5", "203.0.113.5"),  # the left entry came from the client
        (2, "198.51.100.1, 203.0.113.5, 10.0.0.2", "203.0.113.5"),  # load balancer, then nginx
        (2, "203.0.113.5", "127.0.0.1"),  # fewer entries than proxies: misconfigured, one shared key
        (1, "ikke-en-adresse", "127.0.0.1"),
        (1, "", "127.0.0.1"),
        (1, " 2001:db8::1 ", "2001:db8::1"),
    ],
)
def test_the_client_is_the_entry_the_outermost_trusted_proxy_added(settings, proxies, forwarded, expected):
    settings.HELHED_TRUSTED_PROXIES = proxies
    request = RequestFactory().get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_address(request) == expected


def test_the_login_lockout_uses_the_same_address(settings):
    from axes.helpers import get_client_ip_address

    settings.HELHED_TRUSTED_PROXIES = 1
    request = RequestFactory().get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.5")
    assert get_client_ip_address(request) == "203.0.113.5"
