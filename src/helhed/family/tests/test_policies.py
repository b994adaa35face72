"""The pure rules of the parents' view, without a database."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest

from helhed.family import policies
from helhed.family.policies import LinkState

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
LATER = NOW + timedelta(hours=1)


def _state(*, expires=LATER, used=None, revoked=None, now=NOW):
    return policies.link_state(expires_at=expires, used_at=used, revoked_at=revoked, now=now)


def test_a_new_link_is_active_until_it_expires():
    assert _state() == LinkState.ACTIVE
    assert _state(now=LATER) == LinkState.EXPIRED
    assert _state(now=LATER + timedelta(seconds=1)) == LinkState.EXPIRED


def test_used_and_revoked_win_over_expiry():
    assert _state(used=NOW, now=LATER + timedelta(days=30)) == LinkState.USED
    assert _state(used=NOW, revoked=NOW) == LinkState.REVOKED
    assert _state(revoked=NOW, now=LATER + timedelta(days=1)) == LinkState.REVOKED


def test_only_a_used_link_gives_access_and_only_live_links_can_be_revoked():
    assert [s for s in LinkState if policies.gives_access(s)] == [LinkState.USED]
    assert {s for s in LinkState if policies.can_revoke(s)} == {LinkState.ACTIVE, LinkState.USED}


def test_the_link_lives_72_hours():
    assert policies.expires_at(NOW) - NOW == timedelta(hours=72)


def test_only_the_hash_of_the_token_is_kept():
    assert policies.token_digest("abc") == hashlib.sha256(b"abc").hexdigest()
    assert len(policies.token_digest("x" * 43)) == 64


@pytest.mark.parametrize("token", ["", None, "x", "kort", "a" * 129, "ab/cd" * 10, "æøå" * 10, "a b" * 10])
def test_a_token_that_cannot_be_one_is_refused_before_any_lookup(token):
    assert not policies.well_formed(token)


def test_a_real_token_is_well_formed():
    import secrets

    assert policies.well_formed(secrets.token_urlsafe(policies.TOKEN_BYTES))


@pytest.mark.parametrize(
    ("state", "code", "words"),
    [
        (LinkState.USED, "link_used", "allerede brugt"),
        (LinkState.EXPIRED, "link_expired", "udløbet"),
        (LinkState.REVOKED, "link_revoked", "trukket linket tilbage"),
    ],
)
def test_a_link_that_cannot_log_in_gets_a_danish_410(state, code, words):
    refusal = policies.login_refusal(state)
    assert refusal is not None
    assert refusal.status_code == 410
    assert refusal.code == code
    assert words in str(refusal.message)
    assert "kontaktperson" in str(refusal.message)


def test_an_active_link_is_not_refused_and_an_unknown_one_is_404():
    assert policies.login_refusal(LinkState.ACTIVE) is None
    assert policies.unknown_link().status_code == 404
    assert policies.no_longer_valid().status_code == 410


def test_every_state_has_a_danish_label():
    assert set(policies.STATE_LABELS) == set(LinkState)
