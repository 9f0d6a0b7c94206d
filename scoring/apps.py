from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScoringConfig(AppConfig):
    name = "scoring"
    verbose_name = _("Scoring")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from accounts.signals import ledger_converted, ledger_imported
        from scoring import receivers

        ledger_imported.connect(receivers.recompute_after_import, dispatch_uid="scoring-import")
        ledger_converted.connect(
            receivers.recompute_after_conversion, dispatch_uid="scoring-conversion"
        )
