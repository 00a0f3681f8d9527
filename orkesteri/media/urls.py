"""The media library's pages, under /w/<workspace>/media/."""

from django.urls import path

from orkesteri.media import views

urlpatterns = [
    path("", views.library, name="media_library"),
    path("<int:asset_id>/", views.asset_page, name="media_asset"),
    path("<int:asset_id>/file", views.asset_file, name="media_file"),
    path("<int:asset_id>/render/", views.asset_render, name="media_render"),
    path("<int:asset_id>/focal/", views.asset_focal, name="media_focal"),
    path("<int:asset_id>/alt-text/", views.asset_alt_text, name="media_alt_text"),
    path("<int:asset_id>/delete/", views.asset_delete, name="media_delete"),
]
