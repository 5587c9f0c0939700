from django.apps import AppConfig


class DressdbConfig(AppConfig):
    name = "dressdb"
    verbose_name = "dressdb core: sites, staff, audit"

    def ready(self) -> None:
        from dressdb import audit, db_roles, lockout, security_log  # noqa: F401  (receivers)
