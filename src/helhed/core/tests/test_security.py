"""Security baseline: login, lockout, second factor, CSP, request ids, password hashing, production settings."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from axes.utils import reset as axes_reset
from django.conf import settings
from django.test import Client, override_settings
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from helhed.core.models import AuditAction, AuditEvent

PASSWORD = "Hemmelig-kode-123"  # the factories' password for every synthetic user
LOGIN = "/login/"


@pytest.fixture(autouse=True)
def _clean_axes(db):
    """No lockout state leaks between tests (the attempts live in the database, but be explicit)."""
    axes_reset()
    yield
    axes_reset()


def _login(client: Client, username: str, password: str = PASSWORD, **extra):
    return client.post(LOGIN, {"username": username, "password": password, **extra})


def _token_for(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):0{device.digits}d}"


# -- login ---------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_login_page_is_danish_and_public(client):
    response = client.get(LOGIN)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'lang="da"' in html
    assert "Brugernavn" in html and "Adgangskode" in html
    assert 'name="csrfmiddlewaretoken"' in html


@pytest.mark.django_db
def test_login_with_the_right_password_goes_to_my_cases_and_is_audited(client, town):
    response = _login(client, town.caseworker.username)
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:home")
    assert client.get(reverse("cases:home")).status_code == 200
    assert AuditEvent.objects.filter(actor=town.caseworker, action=AuditAction.LOGIN).exists()


@pytest.mark.django_db
def test_wrong_password_gives_a_danish_error_and_400(client, town):
    response = _login(client, town.caseworker.username, "forkert-kode")
    assert response.status_code == 400
    assert "Forkert brugernavn eller adgangskode" in response.content.decode()
    assert "_auth_user_id" not in client.session
    failed = AuditEvent.objects.get(action=AuditAction.LOGIN_FAILED)
    assert failed.detail["username"] == town.caseworker.username
    assert failed.actor is None


@pytest.mark.django_db
def test_unknown_user_gets_the_same_answer_as_a_wrong_password(client, town):
    unknown = _login(client, "findes-ikke", "forkert-kode")
    wrong = _login(Client(), town.caseworker.username, "forkert-kode")
    assert unknown.status_code == wrong.status_code == 400
    assert "Forkert brugernavn eller adgangskode" in unknown.content.decode()


@pytest.mark.django_db
def test_inactive_user_cannot_log_in(client, town):
    town.caseworker.is_active = False
    town.caseworker.save(update_fields=["is_active"])
    assert _login(client, town.caseworker.username).status_code == 400


@pytest.mark.django_db
@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "/\\evil.example"])
def test_login_never_redirects_off_site(client, town, target):
    response = _login(client, town.caseworker.username, next=target)
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert not location.netloc
    assert response["Location"].startswith("/") and not response["Location"].startswith("//")


@pytest.mark.django_db
def test_login_follows_a_local_next(client, town, open_case):
    target = reverse("cases:detail", args=[open_case.pk])
    response = _login(client, town.caseworker.username, next=target)
    assert response["Location"] == target


@pytest.mark.django_db
def test_logout_needs_post_and_ends_the_session(client, town):
    _login(client, town.caseworker.username)
    assert client.get("/logout/").status_code == 405
    response = client.post("/logout/")
    assert response.status_code == 302 and response["Location"] == LOGIN
    after = client.get(reverse("cases:home"))
    assert after.status_code == 302 and urlsplit(after["Location"]).path == LOGIN
    assert AuditEvent.objects.filter(actor=town.caseworker, action=AuditAction.LOGOUT).exists()


# -- lockout (django-axes) ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_account_is_locked_after_the_failure_limit(client, town):
    limit = settings.AXES_FAILURE_LIMIT
    assert limit >= 3
    for _ in range(limit - 1):
        assert _login(client, town.caseworker.username, "forkert-kode").status_code == 400
    # The limit-th failure locks; after that even the right password is refused.
    locked = _login(client, town.caseworker.username, "forkert-kode")
    assert locked.status_code in (403, 429)
    response = _login(client, town.caseworker.username)
    assert response.status_code in (403, 429)
    assert "spærret" in response.content.decode()
    assert "_auth_user_id" not in client.session
    # Another account from the same address is not affected (lockout is per username and address).
    assert _login(Client(), town.caseworker2.username).status_code == 302
    # An administrator's reset lifts the lock.
    axes_reset(username=town.caseworker.username)
    assert _login(client, town.caseworker.username).status_code == 302


@pytest.mark.django_db
def test_failures_below_the_limit_are_forgotten_after_a_good_login(client, town):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _login(client, town.caseworker.username, "forkert-kode")
    assert _login(client, town.caseworker.username).status_code == 302
    client.post("/logout/")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _login(client, town.caseworker.username, "forkert-kode").status_code == 400
    assert _login(client, town.caseworker.username).status_code == 302


@pytest.mark.django_db
@override_settings(AXES_FAILURE_LIMIT=2)
def test_lockout_limit_comes_from_settings(client, town):
    _login(client, town.caseworker.username, "forkert-kode")
    _login(client, town.caseworker.username, "forkert-kode")
    assert _login(client, town.caseworker.username).status_code in (403, 429)


# -- second factor (TOTP) -------------------------------------------------------------------------------


@pytest.mark.django_db
@override_settings(DEMO_MODE=False)
def test_leader_without_device_must_set_up_totp_outside_demo_mode(client, town):
    assert _login(client, town.leader.username).status_code == 302
    response = client.get(reverse("cases:home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("core:totp_setup")
    # Every page, not just the start page, and the API session too.
    assert client.get(reverse("cases:search")).status_code == 302
    assert client.get("/api/v1/cases").status_code == 401

    setup = client.get(reverse("core:totp_setup"))
    assert setup.status_code == 200
    assert "<svg" in setup.content.decode()  # the QR code
    device = TOTPDevice.objects.get(user=town.leader, confirmed=False)
    wrong = client.post(reverse("core:totp_setup"), {"token": "000000" if _token_for(device) != "000000" else "111111"})
    assert wrong.status_code == 400
    assert "Koden passer ikke" in wrong.content.decode()
    device.refresh_from_db()
    device.throttle_reset()  # a person takes longer than django-otp's one-second throttle to type again
    done = client.post(reverse("core:totp_setup"), {"token": _token_for(device)})
    assert done.status_code == 302 and done["Location"] == reverse("cases:home")
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(reverse("cases:home")).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["dpo", "administrator"])
@override_settings(DEMO_MODE=False)
def test_other_mfa_roles_must_set_up_totp_too(client, town, role):
    _login(client, getattr(town, role).username)
    response = client.get(reverse("cases:home"))
    assert response.status_code == 302 and response["Location"] == reverse("core:totp_setup")


@pytest.mark.django_db
@override_settings(DEMO_MODE=False)
def test_caseworker_without_device_is_not_asked_for_a_second_factor(client, town):
    _login(client, town.caseworker.username)
    assert client.get(reverse("cases:home")).status_code == 200


@pytest.fixture
def confirmed_device(town):
    return TOTPDevice.objects.create(user=town.caseworker, name="telefon", confirmed=True)


@pytest.mark.django_db
def test_user_with_a_device_must_verify_and_a_correct_code_lets_them_in(client, town, confirmed_device):
    _login(client, town.caseworker.username)
    response = client.get(reverse("cases:home"))
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert location.path == reverse("core:totp_verify")
    assert "next=/" in response["Location"]
    # Nothing else is reachable until the code is given, the API included.
    assert client.get(reverse("cases:search")).status_code == 302
    assert client.get("/api/v1/cases").status_code == 401

    verified = client.post(reverse("core:totp_verify"), {"token": _token_for(confirmed_device), "next": "/soeg/"})
    assert verified.status_code == 302
    assert verified["Location"] == "/soeg/"
    assert client.get(reverse("cases:home")).status_code == 200
    assert client.get("/api/v1/cases").status_code == 200


@pytest.mark.django_db
def test_wrong_code_is_refused_in_danish(client, town, confirmed_device):
    _login(client, town.caseworker.username)
    right = _token_for(confirmed_device)
    wrong = f"{(int(right) + 1) % 10**6:06d}"
    response = client.post(reverse("core:totp_verify"), {"token": wrong})
    assert response.status_code == 400
    assert "Koden er forkert eller udløbet" in response.content.decode()
    assert client.get(reverse("cases:home")).status_code == 302
    # Malformed input is a form error too, never a 500.
    assert client.post(reverse("core:totp_verify"), {"token": "abc"}).status_code == 400


@pytest.mark.django_db
def test_a_used_code_cannot_be_replayed(town, confirmed_device):
    first = Client()
    _login(first, town.caseworker.username)
    token = _token_for(confirmed_device)
    assert first.post(reverse("core:totp_verify"), {"token": token}).status_code == 302
    second = Client()
    _login(second, town.caseworker.username)
    assert second.post(reverse("core:totp_verify"), {"token": token}).status_code == 400


@pytest.mark.django_db
@override_settings(DEMO_MODE=True)
def test_demo_mode_lets_a_leader_in_without_a_device(client, town):
    _login(client, town.leader.username)
    assert client.get(reverse("cases:home")).status_code == 200


@pytest.mark.django_db
@override_settings(DEMO_MODE=True)
def test_demo_mode_still_asks_users_who_have_a_device(client, town):
    TOTPDevice.objects.create(user=town.leader, name="telefon", confirmed=True)
    _login(client, town.leader.username)
    response = client.get(reverse("cases:home"))
    assert response.status_code == 302
    assert urlsplit(response["Location"]).path == reverse("core:totp_verify")


# -- headers --------------------------------------------------------------------------------------------


def _csp(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    out = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            out[words[0]] = words[1:]
    return out


@pytest.mark.django_db
def test_strict_csp_on_pages(client, town, open_case):
    pages = [client.get(LOGIN)]
    client.force_login(town.caseworker, backend="helhed.core.auth.HelhedModelBackend")
    pages += [client.get(reverse("cases:home")), client.get(reverse("cases:detail", args=[open_case.pk]))]
    for response in pages:
        assert response.status_code == 200
        csp = _csp(response)
        script_src = csp.get("script-src", csp.get("default-src"))
        assert script_src == ["'self'"], script_src
        for directive in ("script-src", "style-src", "default-src"):
            assert "'unsafe-inline'" not in csp.get(directive, [])
            assert "'unsafe-eval'" not in csp.get(directive, [])
        assert csp["object-src"] == ["'none'"]
        assert csp["frame-ancestors"] == ["'none'"]
        # The pages keep to the policy: no inline script, no event-handler attributes.
        html = response.content.decode()
        assert "<script>" not in html and "<script type=" not in html
        assert " onclick=" not in html and " onload=" not in html


@pytest.mark.django_db
def test_other_security_headers(client):
    response = client.get(LOGIN)
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


@pytest.mark.django_db
def test_every_response_has_a_request_id(client, town):
    responses = [
        client.get(LOGIN),
        client.get(reverse("cases:home")),  # redirect to login
        client.get("/findes-ikke/"),
        client.get("/api/v1/cases"),  # 401
        client.get("/sundhed/"),
    ]
    ids = [r["X-Request-ID"] for r in responses]
    assert all(len(i) == 32 for i in ids)
    assert len(set(ids)) == len(ids)


def test_session_expires():
    assert settings.SESSION_COOKIE_AGE <= 8 * 3600
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE
    assert settings.SESSION_COOKIE_HTTPONLY


# -- production settings --------------------------------------------------------------------------------

_PROD_PROBE = """
import django
django.setup()
from django.conf import settings
from django.contrib.auth.hashers import make_password
print(settings.PASSWORD_HASHERS[0])
print(make_password("Hemmelig-kode-123").split("$")[0])
print(settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE, settings.DEBUG, settings.DEMO_MODE)
"""


def _production_env(tmp_path: Path) -> dict[str, str]:
    # Nothing of the test run's environment (HELHED_TESTING, the Makefile's DJANGO_ALLOW_ASYNC_UNSAFE, ...).
    dropped = {"DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {k: v for k, v in os.environ.items() if not k.startswith("HELHED_") and k not in dropped}
    env.update(
        DJANGO_SETTINGS_MODULE="helhed.settings",
        HELHED_DATA_DIR=str(tmp_path),
        HELHED_SECRET_KEY="prod-test-" + "k" * 60,
        HELHED_FIELD_KEY="Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0Z2FycGx5Zm8=",
        HELHED_HASH_KEY="hash-key-for-the-production-settings-test",
        HELHED_ALLOWED_HOSTS="helhed.kommune.example",
    )
    return env


def test_production_settings_hash_passwords_with_argon2(tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", _PROD_PROBE], env=_production_env(tmp_path), capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    hasher, prefix, flags = result.stdout.strip().splitlines()
    assert hasher == "django.contrib.auth.hashers.Argon2PasswordHasher"
    assert prefix == "argon2"
    assert flags == "True True False False"


def test_production_settings_refuse_to_start_without_secrets(tmp_path):
    env = _production_env(tmp_path)
    del env["HELHED_SECRET_KEY"]
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert "HELHED_SECRET_KEY must be set" in result.stderr


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "django", "check", "--deploy", "--fail-level", "WARNING"],
        env=_production_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
