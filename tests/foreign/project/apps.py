from django.apps import AppConfig


class ForeignProjectConfig(AppConfig):
    name = "tests.foreign.project"
    label = "foreign_project"
    default_auto_field = "django.db.models.BigAutoField"
