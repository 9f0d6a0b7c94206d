"""Celery tasks of the planning app: thin, each one service call."""

from kam import tasks


@tasks.task(tasks.EMAIL_NOTIFICATION, soft_time_limit=300, time_limit=360)
def meeting_reminders_send_task() -> int:
    """Daily (beat): email the reminders of meetings due soon or overdue, each only once."""
    from planning.services import reminders

    return reminders.meeting_reminders_send()


@tasks.task(tasks.EMAIL_NOTIFICATION)
def plan_review_notify_task(*, submission_id: int) -> int:
    """After a plan is submitted, approved or returned: email who must hear of it, once."""
    from planning.services import approval

    return approval.review_notify(submission_id=submission_id)


@tasks.task(tasks.EMAIL_NOTIFICATION)
def steering_decision_notify_task(*, decision_id: int) -> int:
    """After a steering committee decision commits: email it to the project's KAM, once."""
    from planning.services import projects

    return projects.steering_decision_notify(decision_id=decision_id)


@tasks.task(tasks.RENDER, soft_time_limit=900, time_limit=960)  # a zip of 50 plans or more
def report_render_task(*, report_id: int) -> None:
    """Make a stored report (a plan's PDF, the shortlist report, the year's zip) once: a second
    run, or a run after another finished it, is a no-op; a run after a worker died mid-render
    makes it again, over the same file."""
    from planning.services import reports

    reports.report_render(report_id=report_id)
