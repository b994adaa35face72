"""Language of the case file.

The UI speaks the user's language (Danish by default, English on request), but texts *stored* in the case
file — timeline lines, status reasons written by the system — are written in the municipality's language
(settings.LANGUAGE_CODE, Danish), whatever language the acting user has chosen: the file is one shared
record read by every administration, and Danish is the language of Danish public administration.
"""

from django.conf import settings
from django.utils import translation


def record_language():
    """Context manager: evaluate translatable text for storage in the case file."""
    return translation.override(settings.LANGUAGE_CODE)
