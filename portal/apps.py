from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "portal: home per role, participant page"
