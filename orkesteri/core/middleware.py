from __future__ import annotations

import json
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse


class JsonApiErrors:
    """Under /api/, errors Django answers itself (no such route, wrong method) are JSON too."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code >= 400
            and request.path.startswith("/api/")
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            body = {"detail": response.reason_phrase, "errors": []}
            replaced = HttpResponse(
                json.dumps(body), status=response.status_code, content_type="application/json"
            )
            if "Allow" in response:
                replaced["Allow"] = response["Allow"]
            return replaced
        return response
