"""The job seeker's data: applications, their interview rounds, and profile settings."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser


class InterviewType(models.TextChoices):
    PHONE = "phone", _("Phone")
    TECHNICAL = "technical", _("Technical")
    BEHAVIORAL = "behavioral", _("Behavioral")
    FINAL = "final", _("Final")


class InterviewStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


class Location(models.TextChoices):
    ONSITE = "onsite", _("On-site")
    REMOTE = "remote", _("Remote")
    HYBRID = "hybrid", _("Hybrid")


class InterviewStage(models.TextChoices):
    APPLIED = "applied", _("Applied")
    SCREENING = "screening", _("Screening")
    TECHNICAL = "technical", _("Technical")
    ONSITE = "onsite", _("On-site")
    FINAL = "final", _("Final")
    COMPLETED = "completed", _("Completed")


class ApplicationStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", _("In progress")
    OFFER = "offer", _("Offer")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class RoundStage(models.TextChoices):
    SCREENING = "screening", _("Screening")
    TECHNICAL = "technical", _("Technical")
    ONSITE = "onsite", _("On-site")
    FINAL = "final", _("Final")


class RoundOutcome(models.TextChoices):
    PENDING = "pending", _("Pending")
    PASSED = "passed", _("Passed")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


class Interview(models.Model):
    """One application at one company."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="interview_coordinator_interviews",
        verbose_name=_("user"),
    )
    company_name = models.CharField(_("company name"), max_length=200)
    position = models.CharField(_("position"), max_length=200)
    interview_date = models.DateTimeField(_("next interview"), null=True, blank=True)
    interview_type = models.CharField(
        _("interview type"), max_length=20, choices=InterviewType.choices, null=True, blank=True
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=InterviewStatus.choices,
        default=InterviewStatus.SCHEDULED,
        null=True,
        blank=True,
    )
    location = models.CharField(
        _("location"), max_length=20, choices=Location.choices, null=True, blank=True
    )
    interview_stage = models.CharField(
        _("interview stage"),
        max_length=20,
        choices=InterviewStage.choices,
        default=InterviewStage.APPLIED,
    )
    application_status = models.CharField(
        _("application status"),
        max_length=20,
        choices=ApplicationStatus.choices,
        default=ApplicationStatus.IN_PROGRESS,
    )
    application_date = models.DateField(_("application date"), default=timezone.localdate)
    notes = models.TextField(_("notes"), blank=True, default="")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("interview")
        verbose_name_plural = _("interviews")
        indexes = [
            models.Index(fields=["user", "-created_at"], name="ic_interview_user_created"),
            models.Index(fields=["user", "interview_date"], name="ic_interview_user_date"),
        ]

    def __str__(self) -> str:
        return f"{self.company_name} — {self.position}"


class InterviewRound(models.Model):
    """One round of an application's interview process; the rounds are its history."""

    interview = models.ForeignKey(
        Interview, on_delete=models.CASCADE, related_name="rounds", verbose_name=_("interview")
    )
    stage = models.CharField(_("stage"), max_length=20, choices=RoundStage.choices)
    scheduled_date = models.DateTimeField(_("scheduled date"), null=True, blank=True)
    completed_date = models.DateTimeField(_("completed date"), null=True, blank=True)
    duration_minutes = models.PositiveSmallIntegerField(
        _("duration in minutes"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(480)],
    )
    notes = models.TextField(_("notes"), blank=True, default="")
    outcome = models.CharField(
        _("outcome"), max_length=20, choices=RoundOutcome.choices, default=RoundOutcome.PENDING
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("interview round")
        verbose_name_plural = _("interview rounds")
        indexes = [
            models.Index(fields=["interview", "scheduled_date"], name="ic_round_interview_date"),
        ]

    def __str__(self) -> str:
        return f"{self.interview} — {self.get_stage_display()}"


def default_timezone_name() -> str:
    """The site's TIME_ZONE, read when a profile is created rather than at import."""
    return str(settings.TIME_ZONE or "UTC")


class ProfileManager(models.Manager["Profile"]):
    def for_user(self, user: AbstractBaseUser | Any) -> Profile:
        """The user's profile, created on first need.

        Users that existed before the package was installed have none yet, so
        every reader goes through here rather than a post_save signal.
        """
        profile, _created = self.get_or_create(user=user)
        return profile


class Profile(models.Model):
    """A user's reminder preferences and timezone."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="interview_coordinator_profile",
        verbose_name=_("user"),
    )
    email_notifications_enabled = models.BooleanField(_("email reminders"), default=True)
    reminder_days_before = models.PositiveSmallIntegerField(
        _("days before"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(7)],
    )
    reminder_time = models.TimeField(_("reminder time"), default=datetime.time(9, 0))
    timezone = models.CharField(_("timezone"), max_length=64, default=default_timezone_name)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ProfileManager()

    class Meta:
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")

    def __str__(self) -> str:
        return str(self.user)
