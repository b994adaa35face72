"""`helhed audit verify`, `helhed audit seal`, `helhed audit purge [--days N]`."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from helhed.core import audit
from helhed.core.context import channel


class Command(BaseCommand):
    help = "The audit log: verify the hash chain, seal pending events, purge events past retention."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("verify", help="Check the hash chain; report the first broken link.")
        sub.add_parser("seal", help="Seal events not yet in the chain (normally done right after each request).")
        p = sub.add_parser("purge", help="Delete events older than the retention period (itself audited).")
        p.add_argument("--days", type=int, default=None, help="Override HELHED_AUDIT_RETENTION_DAYS.")

    def handle(self, *args, action, **opts):
        with channel("cli"):
            if action == "seal":
                self.stdout.write(f"Forseglet: {audit.seal_pending()}")
            elif action == "purge":
                if opts["days"] is not None and opts["days"] < 1:
                    raise CommandError("--days skal være mindst 1.")
                self.stdout.write(f"Slettet: {audit.purge(actor=None, older_than_days=opts['days'])}")
            else:
                audit.seal_pending()
                result = audit.verify()
                if result.ok:
                    self.stdout.write(
                        self.style.SUCCESS(
                            f"Loggen er intakt: {result.checked} hændelser kontrolleret"
                            + (f", {result.unsealed} endnu ikke forseglet" if result.unsealed else "")
                            + "."
                        )
                    )
                else:
                    raise CommandError(
                        f"Loggen er brudt ved hændelse nr. {result.first_broken_seq}: {result.problem} "
                        f"({result.checked} hændelser var i orden før)."
                    )
