import gc

from django.core.wsgi import get_wsgi_application

from orkesteri import settings

settings.activate()
application = get_wsgi_application()


def settle() -> None:
    """Move what start-up loaded (Django, the app, matplotlib: over a million objects) out
    of the garbage collector's way: a full collection during a request then looks at that
    request's objects only, instead of pausing it for a tenth of a second
    (https://docs.python.org/3/library/gc.html#gc.freeze)."""
    gc.collect()
    gc.freeze()


settle()
