"""/w/<workspace>/links/: the workspace's short links and their clicks."""

from django.urls import URLPattern, URLResolver, path

from orkesteri.links import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.link_list, name="links"),
    path("export/", views.link_export, name="links_export"),
]
