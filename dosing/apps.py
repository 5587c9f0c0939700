from django.apps import AppConfig


class DosingConfig(AppConfig):
    name = "dosing"

    def ready(self) -> None:
        # Human labels for the dosing codes in the participant audit trail (issue 16).
        from dosing.protocol import BLOCK_LABELS, OUTCOME_LABELS, label_of
        from enrollment.audit import register_value_labels

        for record in ("Assessment", "Order", "Regimen"):
            register_value_labels(record, "block", lambda v: label_of(v, BLOCK_LABELS))
        register_value_labels("Regimen", "current block", lambda v: label_of(v, BLOCK_LABELS))
        register_value_labels(
            "Assessment", "result", lambda v: label_of(v, OUTCOME_LABELS, BLOCK_LABELS)
        )
