from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.servers.basehttp import ThreadedWSGIServer
from django.db import connection
from django.test.testcases import LiveServerThread

from tests.browser.chromium import chromium_path, launch

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
# between page actions are still plain synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if chromium_path() is None:
        if os.environ.get("CI"):
            pytest.fail("CI must run the browser tests: install Debian's chromium package")
        pytest.skip("Chromium is not installed (apt-get install chromium); browser tests skipped")
    from playwright.sync_api import sync_playwright  # noqa: PLC0415

    with sync_playwright() as playwright:
        browser = launch(playwright)
        yield browser
        browser.close()


# On SQLite the test database lives in memory, and Django hands the live server's request
# threads the test's own connection. A page that fires two requests at once (the map asks
# for its panel and its cases together) then runs two statements on one sqlite3 connection
# from two threads: "bad parameter or other API misuse" and a 500 that is not the app's.
# So, while a connection is shared, the live server answers one request at a time and the
# test thread's own queries wait for the request in progress. PostgreSQL needs none of it.
_SHARED_CONNECTION = threading.RLock()


class _OneRequestAtATimeWhenShared(ThreadedWSGIServer):
    def set_app(self, application: Any) -> None:
        if not self.connections_override:
            super().set_app(application)
            return

        def serialised(environ: dict[str, Any], start_response: Any) -> list[bytes]:
            with _SHARED_CONNECTION:
                result = application(environ, start_response)
                try:
                    return list(result)  # a streamed body reads the database too
                finally:
                    if hasattr(result, "close"):
                        result.close()

        super().set_app(serialised)


def _wait_for_request_in_progress(
    execute: Any, sql: str, params: Any, many: bool, context: Any
) -> Any:
    with _SHARED_CONNECTION:
        return execute(sql, params, many, context)


LiveServerThread.server_class = _OneRequestAtATimeWhenShared


@pytest.fixture(autouse=True)
def _share_the_connection_politely(request: pytest.FixtureRequest) -> Iterator[None]:
    if "live_server" not in request.fixturenames or connection.vendor != "sqlite":
        yield
        return
    with connection.execute_wrapper(_wait_for_request_in_progress):
        yield
