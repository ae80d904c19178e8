"""Give a role on the server, outside the site: how the three administrators (三员) are
appointed, and how the first administrator of a new installation gets in."""

from __future__ import annotations

import getpass
import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from shequ.accounts.models import User
from shequ.accounts.roles import Role
from shequ.accounts.services import membership_end, membership_grant, user_create
from shequ.areas.models import Area, Department
from shequ.core.actors import SYSTEM
from shequ.core.errors import ServiceError


class Command(BaseCommand):
    help = "Give USERNAME the ROLE in the area with code AREA_CODE (or the department --department ID), creating the account if needed."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("role", choices=[r.value for r in Role])
        parser.add_argument(
            "area_code", nargs="?", help="the code of the area the role is bound to"
        )
        parser.add_argument(
            "--department", type=int, help="bind to this department id instead of an area"
        )
        parser.add_argument("--full-name", default="", help="for a new account")
        parser.add_argument(
            "--password-env",
            default="",
            help="read a new account's password from this environment variable instead of asking",
        )
        parser.add_argument("--end", action="store_true", help="end the role instead of giving it")

    def handle(self, *args: Any, **options: Any) -> None:
        area = department = None
        if options["department"]:
            department = Department.objects.filter(pk=options["department"]).first()
            if department is None:
                raise CommandError(f"no department with id {options['department']}")
        elif options["area_code"]:
            area = Area.objects.current().filter(code=options["area_code"]).first()
            if area is None:
                raise CommandError(f"no current area with code {options['area_code']}")
        else:
            raise CommandError("give an area code or --department")
        user = User.objects.filter(username__iexact=options["username"]).first()
        try:
            if options["end"]:
                if user is None:
                    raise CommandError("no such account")
                memberships = user.memberships.active().filter(
                    role=options["role"], area=area, department=department
                )
                for membership in memberships:
                    membership_end(actor=SYSTEM, membership=membership)
                self.stdout.write(f"ended {memberships.count()} role(s)")
                return
            if user is None:
                password = (
                    os.environ.get(options["password_env"], "") if options["password_env"] else ""
                )
                if not password:
                    password = getpass.getpass(
                        f"Password for the new account {options['username']}: "
                    )
                user = user_create(
                    actor=SYSTEM,
                    username=options["username"],
                    full_name=options["full_name"] or options["username"],
                    password=password,
                )
                self.stdout.write(f"created account {user.username}")
            membership = membership_grant(
                actor=SYSTEM, user=user, role=options["role"], area=area, department=department
            )
        except ServiceError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"{user.username}: {membership.get_role_display()} · {membership.bound_to}"
            )
        )
