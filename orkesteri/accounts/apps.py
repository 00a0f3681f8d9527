from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "orkesteri.accounts"
    label = "accounts"
