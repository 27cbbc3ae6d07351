"""Test helpers for follow-up nudges: an application quiet since a given time, nudges on."""

import datetime

from django.utils import timezone

from interview_coordinator.models import ApplicationEvent, Interview, Profile
from interview_coordinator.reminders.digests import plan_digest

DAY = datetime.timedelta(days=1)


def go_quiet(interview, days=None, since=None):
    """Make the application's last event ``days`` ago (or at ``since``), as if nothing happened.

    Written with ``update()``, which records no event and plans nothing: the
    caller re-plans (or turns nudges on afterwards, which plans).
    """
    since = since or timezone.now() - days * DAY
    Interview.objects.filter(pk=interview.pk).update(last_event_at=since)
    ApplicationEvent.objects.filter(interview_id=interview.pk).update(created_at=since)
    return since


def nudges_on(user, days=7, time=datetime.time(0, 0), zone="UTC", **fields):
    """Turn the user's nudges on (which plans their digest); return the profile."""
    profile = Profile.objects.for_user(user)
    profile.follow_up_after_days = days
    profile.reminder_time = time
    profile.timezone = zone
    for name, value in fields.items():
        setattr(profile, name, value)
    profile.save()
    return profile


def replan(user):
    plan_digest(user.pk)
