"""Load an area tree from a GeoJSON file on the server: how a new installation gets its
city, districts and streets before anyone can log in."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from shequ.areas.services import area_tree_import
from shequ.core.actors import SYSTEM
from shequ.core.errors import ServiceError


class Command(BaseCommand):
    help = "Create or update areas from a GeoJSON FeatureCollection (properties: code, name, level, parent_code)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["path"]
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        try:
            summary = area_tree_import(actor=SYSTEM, payload=path.read_bytes())
        except ServiceError as exc:
            for error in exc.errors:
                self.stderr.write(f"{error.location or 'file'} · {error.field}: {error.message}")
            raise CommandError("nothing was imported") from None
        for warning in summary.warnings:
            self.stdout.write(
                self.style.WARNING(f"{warning.location} · {warning.field}: {warning.message}")
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"{summary.created} created, {summary.updated} updated, {summary.unchanged} unchanged"
            )
        )
