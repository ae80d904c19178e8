"""Who sees which case, and who may take which action on it.

A case is seen by those who hold ``case.view`` over its area (the street, the community, the
grid) and by the departments it was whistled to, and by no one else (fail closed).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from shequ.accounts.roles import Perm
from shequ.accounts.scope import scope_of
from shequ.cases.models import ACTIVE_ASSIGNMENT, Assignment, AssignmentRole, Case
from shequ.cases.workflow import Actor
from shequ.core.actors import is_system
from shequ.core.errors import NotAllowed
from shequ.core.paths import within


def department_ids(user: Any) -> frozenset[int]:
    """The departments ``user`` answers for (as a department handler)."""
    scope = scope_of(user)
    return scope.department_ids if scope.has(Perm.CASE_RESPOND) else frozenset()


def visible_cases(user: Any) -> QuerySet[Case]:
    if is_system(user):
        return Case.objects.all()
    scope = scope_of(user)
    condition = within("area_path", scope.paths_with(Perm.CASE_VIEW))
    departments = department_ids(user)
    if departments:
        condition |= Q(
            Exists(Assignment.objects.filter(case=OuterRef("pk"), department_id__in=departments))
        )
    return Case.objects.filter(condition)


def access_case(user: Any, pk: Any) -> Case:
    """The case if ``user`` may see it; NotAllowed (shown as 404) when missing or not theirs."""
    try:
        return (
            visible_cases(user)
            .select_related("area", "category", "lead_department")
            .get(pk=int(pk))
        )
    except (ValueError, TypeError, Case.DoesNotExist):
        raise NotAllowed(Perm.CASE_VIEW) from None


def access_case_by_number(user: Any, number: str) -> Case:
    try:
        return visible_cases(user).get(number=number)
    except Case.DoesNotExist:
        raise NotAllowed(Perm.CASE_VIEW) from None


def actor_kinds(user: Any, case: Case) -> frozenset[Actor]:
    """What ``user`` is to this case, in the workflow table's terms."""
    if is_system(user):
        return frozenset(Actor)
    scope = scope_of(user)
    kinds: set[Actor] = set()
    path = case.area_path
    if scope.allows(Perm.CASE_MANAGE, path):
        kinds.add(Actor.COMMUNITY)
    if scope.allows(Perm.CASE_HANDLE, path):
        kinds.add(Actor.GRID)
    if scope.allows(Perm.CASE_DISPATCH, path):
        kinds.add(Actor.STREET)
    departments = department_ids(user)
    if departments:
        for assignment in case.assignments.filter(
            department_id__in=departments, state__in=ACTIVE_ASSIGNMENT
        ):
            kinds.add(Actor.DEPARTMENT)
            if assignment.role == AssignmentRole.LEAD:
                kinds.add(Actor.LEAD)
    return frozenset(kinds)


def own_assignment(user: Any, case: Case) -> Assignment | None:
    """The active assignment of the actor's department on this case (the lead's first)."""
    departments = department_ids(user)
    if is_system(user):
        return case.assignments.filter(state__in=ACTIVE_ASSIGNMENT).order_by("-role", "id").first()
    if not departments:
        return None
    return (
        case.assignments.filter(department_id__in=departments, state__in=ACTIVE_ASSIGNMENT)
        .order_by("-role", "id")
        .first()
    )


def ensure_may_intake(user: Any, path: str) -> None:
    if is_system(user):
        return
    if not path or not scope_of(user).allows(Perm.CASE_INTAKE, path):
        raise NotAllowed(Perm.CASE_INTAKE)
