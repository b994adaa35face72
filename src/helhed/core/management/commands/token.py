"""`helhed token create USERNAME [--name N]`, `helhed token list USERNAME`, `helhed token revoke PREFIX`."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from helhed.core import audit
from helhed.core.apiauth import token_create, token_revoke
from helhed.core.context import channel
from helhed.core.models import ApiToken, AuditAction


class Command(BaseCommand):
    help = "API tokens: create (prints the token once), list, revoke."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        c = sub.add_parser("create")
        c.add_argument("username")
        c.add_argument("--name", default="")
        ls = sub.add_parser("list")
        ls.add_argument("username")
        r = sub.add_parser("revoke")
        r.add_argument("prefix")

    def handle(self, *args, action, **opts):
        with channel("cli"):
            if action == "create":
                user = get_user_model().objects.filter(username=opts["username"]).first()
                if user is None:
                    raise CommandError(f"Der findes ingen bruger med brugernavnet '{opts['username']}'.")
                token, raw = token_create(user=user, name=opts["name"])
                audit.record(
                    actor=None, action=AuditAction.TOKEN, obj=token, detail={"user": user.username, "op": "create"}
                )
                self.stdout.write(raw)
            elif action == "list":
                for t in ApiToken.objects.filter(user__username=opts["username"]).order_by("created_at"):
                    state = "tilbagekaldt" if t.revoked_at else "aktiv"
                    self.stdout.write(f"{t.prefix}…  {t.name or '-'}  {t.created_at:%Y-%m-%d}  {state}")
            else:
                tokens = ApiToken.objects.filter(prefix=opts["prefix"], revoked_at__isnull=True)
                if not tokens:
                    raise CommandError("Ingen aktiv nøgle med det præfiks.")
                for t in tokens:
                    token_revoke(token=t)
                    audit.record(actor=None, action=AuditAction.TOKEN, obj=t, detail={"op": "revoke"})
                self.stdout.write(f"Tilbagekaldt: {len(tokens)}")
