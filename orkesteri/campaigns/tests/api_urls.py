"""The campaign router on an API of its own, for its tests: orkesteri/api/api.py registers it
separately (its tests must not depend on that line)."""

from django.urls import path
from ninja import NinjaAPI

from orkesteri.api.api import BearerToken, api
from orkesteri.api.campaigns import router

test_api = NinjaAPI(title="campaigns", urls_namespace="campaigns-test", auth=BearerToken())
for exception, handler in api._exception_handlers.items():
    test_api.add_exception_handler(exception, handler)
test_api.add_router("/workspaces", router)

urlpatterns = [path("api/v1/", test_api.urls)]
