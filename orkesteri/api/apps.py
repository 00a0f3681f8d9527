from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "orkesteri.api"
    label = "api"
