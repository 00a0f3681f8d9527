"""Publishing pages under /w/<workspace>/: composer, posts, calendar, CSV import, queues."""

from django.urls import include, path

from orkesteri.publishing import views

urlpatterns = [
    path("compose/", views.compose, name="compose"),
    path("compose/check/", views.compose_check, name="compose_check"),
    path("compose/autosave/", views.compose_autosave, name="compose_autosave"),
    path("posts/<int:post_id>/", views.post_edit, name="post_edit"),
    path("posts/<int:post_id>/duplicate/", views.post_duplicate, name="post_duplicate"),
    path("posts/<int:post_id>/cancel/", views.post_cancel, name="post_cancel"),
    path("posts/<int:post_id>/delete/", views.post_delete, name="post_delete"),
    path("posts/<int:post_id>/approve/", views.post_approve, name="post_approve"),
    path("posts/<int:post_id>/changes/", views.post_request_changes, name="post_changes"),
    path("posts/<int:post_id>/approval-link/", views.post_approval_link, name="post_link"),
    path("channels/<int:channel_id>/queue/", views.channel_queue, name="channel_queue"),
    path("calendar/", include("orkesteri.publishing.calendar_urls")),
    path("import/", include("orkesteri.publishing.import_urls")),
]
