from django.urls import path

from orkesteri.analytics import views

urlpatterns = [
    path("", views.overview, name="analytics"),
    path("content/", views.content, name="analytics_content"),
    path("best-time/", views.best_time, name="analytics_best_time"),
    path("channels/<int:channel_id>/", views.channel, name="analytics_channel"),
    path(
        "channels/<int:channel_id>/accept-slots/", views.accept_slots, name="analytics_accept_slots"
    ),
    path("posts/<int:delivery_id>/", views.post, name="analytics_post"),
]
