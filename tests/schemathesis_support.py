"""What the schemathesis tests share. Schemathesis against the REST API (issue 5 §4): for every operation in the OpenAPI schema,
generated requests — valid and invalid — are sent through the real WSGI application as a
logged-in persona, and every answer must be declared by the schema (status code, content
type, body) and none may be a 5xx.

Each operation is a test of its own, on a fresh register and case world; every generated
request runs inside a savepoint that is rolled back, so POSTs are exercised (and succeed
when the data is right) without one example changing the ground of the next. Path ids are
mapped onto real objects most of the time, so that the handlers run past their 404.

Bounded for CI: a few examples per operation and persona, derandomized, no deadline. The
tests are in two modules (tests/test_schemathesis.py, tests/test_schemathesis_roles.py) so
that `pytest -n 2 --dist loadfile` runs them side by side."""

from __future__ import annotations

from typing import Any

import schemathesis
from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from django.middleware.csrf import _get_new_csrf_string  # type: ignore[attr-defined]
from django.test import Client
from drf_spectacular.generators import SchemaGenerator
from schemathesis.checks import (  # type: ignore[attr-defined]
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from shequ.core.testing import Personas, Tree

# The community's staff hold the most API permissions (register, import, export, cases):
# every operation gets the most examples as them; the street's dispatcher (cases across the
# street, the register read-only) and the administrator (areas, categories, calendar) fewer.
MAX_EXAMPLES = 25
MAX_EXAMPLES_OTHERS = 10
OTHER_PERSONAS = ("dispatcher", "administrator")


def _schema() -> Any:
    document = SchemaGenerator().get_schema(request=None, public=True)
    loaded = schemathesis.openapi.from_dict(document)
    loaded.app = WSGIHandler()
    return loaded


schema = _schema()


def build_world(
    tree: Tree, personas: Personas, register: Any, settings: Any, tmp_path: Any
) -> dict[str, Any]:
    """The register of grid A and a case world (categories, a case in grid A, a whistled
    case), so that ids point at something."""
    from shequ.cases.testing import build_case_world, new_case  # noqa: PLC0415

    settings.MEDIA_ROOT = tmp_path / "media"
    case_world = build_case_world(tree, personas)
    new_case(case_world)
    return {"tree": tree, "register": register, "cases": case_world}


def _known_ids() -> dict[str, list[int]]:
    """Ids of existing objects, by the path's first word after /api/v1/."""
    from shequ.accounts.models import User  # noqa: PLC0415
    from shequ.areas.models import Area  # noqa: PLC0415
    from shequ.cases.models import Case  # noqa: PLC0415
    from shequ.cases.models_notify import Notification, Webhook  # noqa: PLC0415
    from shequ.open311.models import ApiKey  # noqa: PLC0415
    from shequ.portal.models import PublicReply  # noqa: PLC0415
    from shequ.registry.models import Building, House, Household, ImportJob, Resident  # noqa: PLC0415

    models: dict[str, Any] = {
        "areas": Area,
        "buildings": Building,
        "cases": Case,
        "households": Household,
        "houses": House,
        "imports": ImportJob,
        "notifications": Notification,
        "open311-keys": ApiKey,
        "replies": PublicReply,
        "residents": Resident,
        "users": User,
        "webhooks": Webhook,
    }
    return {
        word: list(model.objects.order_by("pk").values_list("pk", flat=True))
        for word, model in models.items()
    }


def _login(user: Any) -> tuple[dict[str, str], dict[str, str]]:
    """Cookies and headers of a logged-in browser: the session and a CSRF token (DRF's
    session authentication checks CSRF on every unsafe method)."""
    client = Client()
    client.force_login(user)
    csrf = _get_new_csrf_string()
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    cookies = {settings.SESSION_COOKIE_NAME: session, settings.CSRF_COOKIE_NAME: csrf}
    return cookies, {"X-CSRFToken": csrf}


def _point_at_real_objects(case: Any, known: dict[str, list[int]]) -> None:
    raw = case.path_parameters or {}
    word = case.path.split("/")[3]
    for name, kind in (("id", word), ("case_pk", "cases"), ("membership_id", "")):
        ids = known.get(kind) or []
        # two in three examples use a real object; the rest keep the generated id (a 404)
        if isinstance(raw.get(name), int) and ids and raw[name] % 3:
            raw[name] = ids[raw[name] % len(ids)]


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def _check(case: Any, persona: str, world: Any, personas: Personas) -> None:
    # once per test (hypothesis calls the test once per example; the world is the test's)
    if persona not in world:
        world[persona] = _login(getattr(personas, persona))
        world.setdefault("known", _known_ids())
    cookies, headers = world[persona]
    _point_at_real_objects(case, world["known"])
    # As Django's test client does: the handler must not close the database connection at
    # the end of a request (it holds the test's transaction; PostgreSQL would lose it).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        with transaction.atomic():
            case.call_and_validate(headers=headers, cookies=cookies, checks=CHECKS)
            transaction.set_rollback(True)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
