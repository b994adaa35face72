from django.apps import AppConfig


class FamilyConfig(AppConfig):
    name = "helhed.family"
    label = "family"
    verbose_name = "Forældrevisning"

    def ready(self) -> None:
        # A parent account's only permission comes from here; core imports no domain app (ADR 0014).
        from helhed.core.permissions import register_principal_perms

        from .selectors import principal_perms

        register_principal_perms(principal_perms)
