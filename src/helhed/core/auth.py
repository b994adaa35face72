"""Authentication backend: Django's model backend, refusing inactive accounts."""

from django.contrib.auth.backends import ModelBackend


class HelhedModelBackend(ModelBackend):
    pass
