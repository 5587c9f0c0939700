from django.apps import AppConfig


class DataManagementConfig(AppConfig):
    name = "datamanagement"
    verbose_name = "Data management and monitoring"

    def ready(self) -> None:
        from datamanagement.selectors import register_grid_state

        register_grid_state()
