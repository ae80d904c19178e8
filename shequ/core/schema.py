"""The OpenAPI schema's view of every endpoint: the answers each view declares, plus the
error answers every endpoint can give in the one error shape (shequ.core.api), so that a
client — and schemathesis in CI — can rely on the schema for the 4xx too."""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema

from shequ.core.api import ERRORS

# Why each code can happen, to pick the ones an operation can really give.
_ALWAYS = ("403",)  # not logged in, or without the permission
_WITH_INPUT = ("400",)  # a query parameter or a body that does not validate
_WITH_LOOKUP = ("404",)  # an id (in the path, the query or the body) or a list cursor that
# names something missing or not yours
_WITH_BODY = ("413", "415")  # a body that is too big, or not JSON / a form / a file


class AutoSchema(SpectacularAutoSchema):
    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        bodies: dict[str, Any] = super()._get_response_bodies(direction)
        if direction != "response":
            return bodies
        codes = list(_ALWAYS)
        has_body = self.method in {"POST", "PUT", "PATCH"}
        paginated = bool(self._get_pagination_parameters())  # type: ignore[no-untyped-call]
        has_query = paginated or any(p.get("in") == "query" for p in self._get_parameters())
        if has_body or has_query:
            codes += _WITH_INPUT
        if "{" in self.path or has_body or has_query:
            codes += _WITH_LOOKUP
        if has_body:
            codes += _WITH_BODY
        for code in codes:
            if code not in bodies:
                bodies[code] = self._get_response_for_code(  # type: ignore[no-untyped-call]
                    ERRORS, code, direction=direction
                )
        return bodies
