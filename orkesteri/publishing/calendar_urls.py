"""The calendar, at /w/<workspace>/calendar/ (the public iCalendar feed is in ical.py)."""

from django.urls import path

from orkesteri.publishing import calendar_views as views

urlpatterns = [
    path("", views.calendar, name="calendar"),
    path("move/", views.calendar_move, name="calendar_move"),
    path("subscribe/reset/", views.calendar_token_reset, name="calendar_token_reset"),
]
