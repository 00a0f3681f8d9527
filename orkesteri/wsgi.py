from django.core.wsgi import get_wsgi_application

from orkesteri import settings

settings.activate()
application = get_wsgi_application()
