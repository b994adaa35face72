"""WSGI entry point for gunicorn: `gunicorn helhed.wsgi`."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helhed.settings")
application = get_wsgi_application()
