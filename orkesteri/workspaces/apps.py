from django.apps import AppConfig


class WorkspacesConfig(AppConfig):
    name = "orkesteri.workspaces"
    label = "workspaces"
