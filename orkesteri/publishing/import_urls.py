"""Bulk import from CSV: /w/<workspace>/import/ (upload and preview) and its confirm step."""

from django.urls import path

from orkesteri.publishing import import_views

urlpatterns = [
    path("", import_views.import_page, name="import"),
    path("confirm/", import_views.import_confirm, name="import_confirm"),
]
