from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "orkesteri.core"
    label = "core"
