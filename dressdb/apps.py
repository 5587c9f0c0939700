from django.apps import AppConfig


class DressdbConfig(AppConfig):
    name = "dressdb"
    verbose_name = "dressdb core: sites, staff, audit"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from dressdb import audit, db_roles, lockout, security_log  # noqa: F401  (receivers)
        from dressdb.i18n import remember_language
        from dressdb.middleware import stamp_session_on_login

        user_logged_in.connect(remember_language, dispatch_uid="dressdb_language")
        user_logged_in.connect(stamp_session_on_login, dispatch_uid="dressdb_session_stamp")
