"""CPR numbers at rest: Fernet encryption for the value, a keyed HMAC for exact lookup.

The hash key and the encryption key are separate secrets (HELHED_HASH_KEY, HELHED_FIELD_KEY), so the
lookup column alone does not let anyone test guesses without the key.
"""

from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet
from django.conf import settings


@lru_cache(maxsize=4)
def _fernet(key: str) -> Fernet:
    return Fernet(key.encode())


def encrypt(number: str) -> str:
    return _fernet(settings.FIELD_ENCRYPTION_KEY).encrypt(number.encode()).decode()


def decrypt(token: str) -> str:
    return _fernet(settings.FIELD_ENCRYPTION_KEY).decrypt(token.encode()).decode()


def lookup_hash(number: str) -> str:
    return hmac.new(settings.CPR_HASH_KEY.encode(), number.encode(), hashlib.sha256).hexdigest()
