"""TOTP second factor (django-otp)."""

from __future__ import annotations

from django_otp.plugins.otp_totp.models import TOTPDevice

from .permissions import MFA_REQUIRED_ROLES


def has_confirmed_device(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def mfa_required(user) -> bool:
    from helhed.organisation.selectors import actor_profile

    return bool(actor_profile(user).roles & MFA_REQUIRED_ROLES) or user.is_superuser
