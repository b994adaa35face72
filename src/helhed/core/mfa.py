"""TOTP second factor (django-otp)."""

from __future__ import annotations

from django_otp.plugins.otp_totp.models import TOTPDevice

from .permissions import MFA_REQUIRED_ROLES


def has_confirmed_device(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def mfa_required(user) -> bool:
    from helhed.organisation.selectors import actor_profile

    return bool(actor_profile(user).roles & MFA_REQUIRED_ROLES) or user.is_superuser


def totp_device_pending(*, user) -> TOTPDevice:
    """The user's unconfirmed TOTP device being set up (created on first visit to the setup page)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Helhed", confirmed=False)
    return device


def totp_device_confirm(*, user, device: TOTPDevice, token: str) -> bool:
    """Confirm the device when the user proves it works with a current code. Audited."""
    if device.user_id != user.pk or not device.verify_token(token):
        return False
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    from . import audit
    from .models import AuditAction

    audit.record(
        actor=user,
        action=AuditAction.UPDATE,
        object_type="otp_totp.totpdevice",
        object_id=device.pk,
        detail={"second_factor": "confirmed"},
    )
    return True


def totp_verify(*, user, token: str) -> TOTPDevice | None:
    """The confirmed device that accepts this code, or None."""
    for device in TOTPDevice.objects.filter(user=user, confirmed=True):
        if device.verify_token(token):
            return device
    return None
