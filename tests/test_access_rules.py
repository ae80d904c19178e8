"""Every URL pattern's view declares who may reach it (shequ.accounts.decorators), so a new
page or endpoint cannot forget its access rule."""

from __future__ import annotations

from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver

from shequ.accounts.decorators import ACCESS_ATTR

KNOWN_RULES = {"public", "signed_in"}

# The resident portal and Open311: public by design; what they let out is tested in
# shequ/portal/tests (no staff names, notes or reporter) and shequ/open311/tests.
PORTAL_PUBLIC = [
    "portal/",
    "portal/report/",
    "portal/t/",
    "portal/t/<str:code>/",
    "portal/t/<str:code>/rate/",
    "portal/t/<str:code>/photos/<int:pk>/",
    "portal/account/new/",
    "portal/account/login/",
    "portal/account/logout/",
    "portal/mine/",
    "portal/replies/",
    "portal/replies/<int:pk>/",
    r"open311/^v2/discovery\.(?P<fmt>\w+)$",
    r"open311/^v2/services\.(?P<fmt>\w+)$",
    r"open311/^v2/services/(?P<code>[^/.]{1,20})\.(?P<fmt>\w+)$",
    r"open311/^v2/requests\.(?P<fmt>\w+)$",
    r"open311/^v2/requests/(?P<number>[^/.]{1,20})\.(?P<fmt>\w+)$",
    r"open311/^v2/tokens/(?P<value>[^/.]{1,20})\.(?P<fmt>\w+)$",
    "open311/v2/media/<int:pk>/<str:digest>",
]


def _walk(patterns: list[Any], prefix: str = "") -> list[tuple[str, Any]]:
    found: list[tuple[str, Any]] = []
    for entry in patterns:
        if isinstance(entry, URLResolver):
            found += _walk(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            found.append((prefix + str(entry.pattern), entry.callback))
    return found


def _rule(callback: Any) -> str | None:
    rule = getattr(callback, ACCESS_ATTR, None)
    view_class = getattr(callback, "view_class", None) or getattr(callback, "cls", None)
    if rule is None and view_class is not None:
        rule = getattr(view_class, ACCESS_ATTR, None)
    return rule


def test_every_url_declares_an_access_rule() -> None:
    missing = [
        route for route, callback in _walk(get_resolver().url_patterns) if _rule(callback) is None
    ]
    assert missing == [], f"views without an access rule: {missing}"


def test_access_rules_are_known() -> None:
    rules = {route: _rule(callback) for route, callback in _walk(get_resolver().url_patterns)}
    unknown = {
        route: rule
        for route, rule in rules.items()
        if rule not in KNOWN_RULES and not str(rule).startswith("perm:")
    }
    assert unknown == {}
    assert len(rules) > 20, "the walk found too few URL patterns to be trusted"


def test_public_views_are_only_the_intended_ones() -> None:
    public = sorted(
        route
        for route, callback in _walk(get_resolver().url_patterns)
        if _rule(callback) == "public"
    )
    assert public == sorted(
        [
            "health",
            "i18n/setlang/",
            "i18n/catalog.js",
            "accounts/login/",
            "accounts/logout/",
            "api/schema/",
            # a scanned household code: staff are sent on, anyone else sees the address only
            "h/<str:token>/",
            *PORTAL_PUBLIC,
        ]
    )
