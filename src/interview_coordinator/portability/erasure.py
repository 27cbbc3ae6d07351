"""Erasure of everything the core app holds about a user, for hosts and for account deletion."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from interview_coordinator.models import CalendarFeed, Interview, Profile, ReminderDelivery


def erase_user_data(user_id: Any) -> dict[str, int]:
    """Delete the user's applications (with rounds, reminders, nudges), digests, profile, feed.

    One transaction: all of it goes, or nothing. Answers the number of rows
    deleted per model label, as ``QuerySet.delete()`` counts them. The user
    row itself stays: deleting the account is the host's (or the accounts
    app's) decision, and deleting it cascades here anyway.
    """
    counts: dict[str, int] = {}
    with transaction.atomic():
        for queryset in (
            Interview.objects.filter(user_id=user_id),
            ReminderDelivery.objects.filter(user_id=user_id),
            Profile.objects.filter(user_id=user_id),
            CalendarFeed.objects.filter(user_id=user_id),
        ):
            _total, per_model = queryset.delete()
            for label, count in per_model.items():
                counts[label] = counts.get(label, 0) + count
    return counts
