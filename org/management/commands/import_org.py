import json

from django.core.management.base import BaseCommand, CommandError

from org.services import OrgImportError, org_import


class Command(BaseCommand):
    help = "Upsert districts, areas, groups, package areas, vendors and technicians from JSON (API.md)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="path to the organisation JSON file")

    def handle(self, *args, file, **options):
        try:
            with open(file, encoding="utf-8") as fh:
                data = json.load(fh)
        except OSError as exc:
            raise CommandError(f"cannot read {file}: {exc}") from exc
        except json.JSONDecodeError as exc:
            raise CommandError(f"{file} is not valid JSON: {exc}") from exc
        try:
            counts = org_import(data)
        except OrgImportError as exc:
            raise CommandError(f"nothing imported: {exc}") from exc
        for outcome in ("created", "updated", "unchanged"):
            bucket = getattr(counts, outcome)
            summary = ", ".join(f"{k} {v}" for k, v in bucket.items()) or "none"
            self.stdout.write(f"{outcome}: {summary}")
