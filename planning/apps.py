from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlanningConfig(AppConfig):
    name = "planning"
    verbose_name = _("Planning")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_delete

        from accounts.signals import client_reassigned
        from planning import receivers
        from planning.models import Report

        client_reassigned.connect(receivers.plans_follow_kam, dispatch_uid="planning-kam")
        post_delete.connect(
            receivers.report_file_follows_row, sender=Report, dispatch_uid="planning-report-file"
        )
