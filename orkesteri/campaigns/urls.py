"""Campaigns: /w/<workspace>/campaigns/ (mounted in orkesteri/urls.py)."""

from django.urls import URLPattern, URLResolver, path

from orkesteri.campaigns import import_views, views

C = "<int:campaign_id>/"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.campaign_list, name="campaign_list"),
    path("new/", views.campaign_create, name="campaign_create"),
    path("campaigns.csv", views.campaigns_csv, name="campaigns_csv"),
    path("import/<slug:kind>/", import_views.import_page, name="campaigns_import"),
    path(
        "import/<slug:kind>/confirm/",
        import_views.import_confirm,
        name="campaigns_import_confirm",
    ),
    path(
        "import/<slug:kind>/example.csv",
        import_views.import_example,
        name="campaign_import_example",
    ),
    path(C, views.campaign_detail, name="campaign_detail"),
    path(C + "edit/", views.campaign_edit, name="campaign_edit"),
    path(C + "delete/", views.campaign_delete, name="campaign_delete"),
    path(C + "spend/new/", views.spend_add, name="spend_add"),
    path(C + "spend/<int:spend_id>/delete/", views.spend_delete, name="spend_delete"),
    path(C + "results/new/", views.result_add, name="result_add"),
    path(C + "results/<int:result_id>/delete/", views.result_delete, name="result_delete"),
    path(C + "import/<slug:kind>/", import_views.import_page, name="campaign_import"),
    path(
        C + "import/<slug:kind>/confirm/",
        import_views.import_confirm,
        name="campaign_import_confirm",
    ),
    path(C + "<slug:table>.csv", views.campaign_csv, name="campaign_csv"),
]
