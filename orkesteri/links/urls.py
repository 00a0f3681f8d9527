"""/l/<code>: our short links (public, no login)."""

from django.urls import URLPattern, URLResolver, path

from orkesteri.links import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("<str:code>", views.follow, name="short_link"),
]
