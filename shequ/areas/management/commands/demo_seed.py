"""``manage.py demo_seed [--scale N] [--seed S] [--register F]``: seed the deterministic demo
(see shequ.demo), the population and housing register included. Running it again when the
demo street exists does nothing."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from shequ.areas.models import Area, Level
from shequ.demo import (
    DEFAULT_SEED,
    DEMO_PASSWORD,
    MAX_SCALE,
    DemoSeedError,
    SeedSummary,
    StreetPlan,
    generate,
)
from shequ.demo.cases import DAYS_BACK, DEMO_CASES, seed_cases


class Command(BaseCommand):
    help = (
        "Seed the demo: a fictional street of Chenggong (龙湖街道) with communities, grids, "
        "departments, organizations, grid staff, one demo login per role and the population "
        "and housing register. --scale N seeds N streets. Does nothing for streets that "
        "already exist."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", type=int, default=1, help="number of streets (default 1)")
        parser.add_argument(
            "--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})"
        )
        parser.add_argument(
            "--cases",
            type=int,
            default=DEMO_CASES,
            help=f"cases to seed on the demo street (default {DEMO_CASES}; 0: none)",
        )
        parser.add_argument(
            "--register",
            type=float,
            default=1.0,
            metavar="F",
            help="share of the planned households and residents to write, 0 to 1 "
            "(default 1; 0 writes no register)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.SHEQU_DEMO:
            msg = (
                "demo_seed creates accounts for every role with a published password: "
                "it runs only with SHEQU_DEMO=1 (make demo sets it), never on a real site"
            )
            raise CommandError(msg)
        scale: int = options["scale"]
        seed: int = options["seed"]
        if not 1 <= scale <= MAX_SCALE:
            msg = f"--scale must be between 1 and {MAX_SCALE}"
            raise CommandError(msg)
        register: float = options["register"]
        if not 0 <= register <= 1:
            msg = "--register must be between 0 and 1"
            raise CommandError(msg)
        self._verbosity: int = options["verbosity"]
        verbose = self._verbosity >= 2
        try:
            summary = generate(
                scale=scale,
                seed=seed,
                register=register,
                progress=self._progress if verbose or scale > 1 else None,
            )
        except DemoSeedError as exc:
            raise CommandError(str(exc)) from exc
        self._report(summary)
        self._cases(summary, seed, options["cases"])

    def _cases(self, summary: SeedSummary, seed: int, count: int) -> None:
        first = summary.first_street
        if first is None or count <= 0:
            return
        street = Area.objects.current().filter(code=first.code).first()
        if street is None:
            return
        started = time.monotonic()
        made = seed_cases(street, seed=seed, count=count)
        if made:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Cases: {made} on {street.name} over the last {DAYS_BACK} days "
                    f"({time.monotonic() - started:.1f} s)."
                )
            )

    def _progress(self, plan: StreetPlan, created: bool) -> None:
        done = plan.index + 1
        if self._verbosity >= 2 or done % 10 == 0:
            state = "seeded" if created else "exists"
            self.stdout.write(f"  street {done}: {plan.code} {plan.name} ({state})")

    def _report(self, summary: SeedSummary) -> None:
        out = self.stdout.write
        first = summary.first_street
        if not summary.created:
            where = f"{first.name} ({first.code})" if first else "the demo street"
            others = len(summary.streets_skipped) - 1
            also = f" and {others} more street(s)" if others > 0 else ""
            out(self.style.WARNING(f"Demo street {where}{also} already exists: nothing to do."))
        else:
            out(
                self.style.SUCCESS(
                    f"Seeded {len(summary.streets_created)} street(s) (seed {summary.seed}) "
                    f"in {summary.seconds:.1f} s."
                )
            )
            if summary.streets_skipped:
                out(f"Skipped {len(summary.streets_skipped)} street(s) that already existed.")
            levels = ", ".join(
                f"{Level(level).name.lower()} {count}"
                for level, count in sorted(summary.areas.items())
            )
            out(f"Areas: {levels} ({sum(summary.areas.values())} in all)")
            out(
                f"Departments {summary.departments}, organizations {summary.organizations}, "
                f"users {summary.users}, memberships {summary.memberships}."
            )
            if first is not None and summary.communities:
                share = summary.register_factor
                scaled = f", register at {share:.0%} of them" if share != 1 else ""
                out(f"Communities of {first.name} (register targets{scaled}):")
                for c in summary.communities:
                    large = "  large (Hongkang size)" if c.large else ""
                    r = c.register
                    written = (
                        f" (written {r['households']:,} and {r['residents']:,})"
                        if share != 1
                        else ""
                    )
                    out(
                        f"  {c.code} {c.name}  {c.grids} grids, {c.subgrids} subgrids, "
                        f"{c.households_planned:,} households, {c.residents_planned:,} residents"
                        f"{written}; {r['buildings']:,} buildings, {r['houses']:,} houses"
                        f"{large}"
                    )
            r = summary.register
            out(
                f"Register: {r['households']:,} households, {r['residents']:,} residents "
                f"(targets {summary.households:,} and {summary.residents:,}), "
                f"{r['buildings']:,} buildings ({r['building_heads']:,} with a head), "
                f"{r['houses']:,} houses, {r['units']:,} units and shops, "
                f"{r['care_tags']:,} care tags, {r['party_centers']:,} party-member central "
                "households."
            )
        if summary.demo_logins:
            out(f"Demo logins (password {DEMO_PASSWORD}):")
            out(f"  {'username':<13} {'role':<19} where")
            for row in summary.demo_logins:
                out(f"  {row.username:<13} {row.role.value:<19} {row.where}")
