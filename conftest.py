from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from shequ.core import audit_guard, memo
from shequ.core.testing import Personas, Tree, build_personas, build_tree


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: Any, django_db_blocker: Any) -> None:
    """Let Django empty the audit table between transactional tests (see audit_guard); the
    immutability tests switch the guard back on inside their own transaction."""
    with django_db_blocker.unblock():
        audit_guard.set_maintenance(connection, enabled=True, reason="test suite")


@pytest.fixture
def tree(db: Any) -> Tree:
    return build_tree()


@pytest.fixture
def personas(tree: Tree) -> Personas:
    return build_personas(tree)


@pytest.fixture(autouse=True)
def _fresh_memos() -> Any:
    """What one test read into the process's memos is not another test's database."""
    memo.clear_all()
    yield
    memo.clear_all()


@pytest.fixture(autouse=True)
def _plain_static_files(settings: Any) -> None:
    """Pages render without a collectstatic run; the manifest storage has its own test."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    """Argon2 is deliberately slow; tests that are about hashing switch it back on."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _second_factor_off(settings: Any) -> None:
    """Personas log in with a password only; the second-factor tests turn it back on."""
    settings.SHEQU_OTP_REQUIRED_ROLES = []


@pytest.fixture
def register(tree: Tree) -> Any:
    from shequ.registry.testing import build_register  # noqa: PLC0415

    return build_register(tree)
