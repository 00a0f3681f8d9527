from __future__ import annotations

import logging
import time

from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from huey.contrib.djhuey import HUEY

from orkesteri.core.tasks import last_heartbeat

WORKER_STALE_AFTER_S = 150
logger = logging.getLogger(__name__)


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness for load balancers and monitors: 200 when the database and queue answer.

    Public, so errors name only their kind; the details (hosts, users) go to the log.
    """
    body: dict[str, object] = {}
    ok = True
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        body["database"] = {"status": "ok", "backend": connection.vendor}
    except Exception as e:  # any driver error means "down"; the message says which
        ok = False
        logger.error("healthz: database check failed: %s", e)
        body["database"] = {"status": "error", "error": type(e).__name__}
    try:
        seen = last_heartbeat()
        age = None if seen is None else round(time.time() - seen, 1)
        body["queue"] = {
            "status": "ok",
            "backend": type(HUEY).__name__,
            "pending": HUEY.pending_count(),
            "scheduled": HUEY.scheduled_count(),
            "worker": "running" if age is not None and age < WORKER_STALE_AFTER_S else "not seen",
            "worker_seen_seconds_ago": age,
        }
    except Exception as e:
        ok = False
        logger.error("healthz: queue check failed: %s", e)
        body["queue"] = {"status": "error", "error": type(e).__name__}
    body["status"] = "ok" if ok else "error"
    return JsonResponse(body, status=200 if ok else 503)
