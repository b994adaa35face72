from django.conf import settings

from .permissions import Perm, perms_for_user


def helhed(request):
    user = getattr(request, "user", None)
    perms: frozenset = frozenset()
    roles: frozenset = frozenset()
    if user is not None and user.is_authenticated:
        from helhed.organisation.selectors import actor_profile

        roles = actor_profile(user).roles
        perms = perms_for_user(user)
    return {
        "DEMO_MODE": settings.DEMO_MODE,
        "helhed_perms": {p.value: (p in perms) for p in Perm},
        "helhed_roles": roles,
    }
