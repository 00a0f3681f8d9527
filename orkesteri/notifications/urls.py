"""/notifications/: the signed-in user's notifications (not under a workspace)."""

from django.urls import path

from orkesteri.notifications import views

urlpatterns = [
    path("", views.notification_list, name="notifications"),
    path("<int:notification_id>/open/", views.notification_open, name="notification_open"),
    path("read-all/", views.notifications_read_all, name="notifications_read_all"),
]
