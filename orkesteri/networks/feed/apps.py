from django.apps import AppConfig


class FeedConfig(AppConfig):
    name = "orkesteri.networks.feed"
    label = "feed"
    default_auto_field = "django.db.models.BigAutoField"
