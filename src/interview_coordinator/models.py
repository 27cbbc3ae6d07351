"""The job seeker's data: applications, their interview rounds, and profile settings."""

from __future__ import annotations

import datetime
import functools
import zoneinfo
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, router, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from interview_coordinator.conf import app_settings
from interview_coordinator.sanitize import (
    clean_html_once,
    remove_control_characters,
    validate_plain_text,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser


class InterviewType(models.TextChoices):
    PHONE = "phone", _("Phone Screen")
    TECHNICAL = "technical", _("Technical")
    BEHAVIORAL = "behavioral", _("Behavioral")
    FINAL = "final", _("Final Round")


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
    SCREENING = "screening", _("Phone Screening")
    TECHNICAL = "technical", _("Technical Interview")
    ONSITE = "onsite", _("Onsite Interview")
    FINAL = "final", _("Final Round")
    COMPLETED = "completed", _("Completed")


class ApplicationStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", _("In Progress")
    OFFER = "offer", _("Offer Received")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class RoundStage(models.TextChoices):
    SCREENING = "screening", _("Phone Screening")
    TECHNICAL = "technical", _("Technical Interview")
    ONSITE = "onsite", _("Onsite Interview")
    FINAL = "final", _("Final Round")


class RoundOutcome(models.TextChoices):
    PENDING = "pending", _("Pending")
    PASSED = "passed", _("Passed")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


COMPLETED_BEFORE_SCHEDULED = _("A round cannot be completed before its scheduled date.")


def completed_before_scheduled(
    scheduled: datetime.datetime | None, completed: datetime.datetime | None
) -> bool:
    """Whether a round's dates contradict each other (either one missing is fine)."""
    return scheduled is not None and completed is not None and completed < scheduled


# Longest notes accepted, in characters after cleaning.
NOTES_MAX_LENGTH = 10_000

# Application statuses that are offers: they end the process, so the stage
# becomes "completed", and the dashboard counts them as successes.
OFFER_STATUSES: frozenset[str] = frozenset(
    {str(ApplicationStatus.OFFER), str(ApplicationStatus.ACCEPTED)}
)
# Application statuses that close it: its rounds still to come will not take place.
CLOSED_STATUSES: frozenset[str] = frozenset(
    {
        str(ApplicationStatus.REJECTED),
        str(ApplicationStatus.DECLINED),
        str(ApplicationStatus.WITHDRAWN),
    }
)
COMPLETED_STAGE = "completed"
FIRST_STAGE = "applied"

# The order in which an application moves through its stages.
STAGE_ORDER = tuple(InterviewStage.values)


def is_advance(previous_stage: str, stage: str) -> bool:
    """Whether ``stage`` comes after ``previous_stage`` in an application's life."""
    return STAGE_ORDER.index(stage) > STAGE_ORDER.index(previous_stage)


def bump_sequence(instance: Interview | InterviewRound, save_kwargs: dict[str, Any]) -> None:
    """Count a change of a stored row, so that calendars subscribed to it take the update.

    RFC 5545 clients keep an event whose SEQUENCE has not grown. Counted in
    SQL (``sequence + 1``), so a save of an instance read before another
    change still raises the stored number; a save with ``update_fields``
    writes it too.
    """
    if instance._state.adding:
        return
    instance.sequence = models.F("sequence") + 1
    update_fields = save_kwargs.get("update_fields")
    if update_fields is not None:
        save_kwargs["update_fields"] = {*update_fields, "sequence"}


class Interview(models.Model):
    """One application at one company."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="interview_coordinator_interviews",
        verbose_name=_("user"),
    )
    company_name = models.CharField(
        _("company name"), max_length=200, validators=[validate_plain_text]
    )
    position = models.CharField(_("position"), max_length=200, validators=[validate_plain_text])
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
    notes = models.TextField(_("notes"), blank=True, default="", max_length=NOTES_MAX_LENGTH)
    sequence = models.PositiveIntegerField(
        _("revision"),
        default=0,
        editable=False,
        help_text=_("Grows on every save: the SEQUENCE of its calendar event."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    last_event_at = models.DateTimeField(
        _("last event at"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("When the latest event of its timeline was recorded."),
    )

    class Meta:
        verbose_name = _("interview")
        verbose_name_plural = _("interviews")
        # One per way the API reads a user's interviews: the default order, the
        # date filters and orderings, and the stage/status filters.
        indexes = [
            models.Index(fields=["user", "-created_at"], name="ic_interview_user_created"),
            models.Index(fields=["user", "interview_date"], name="ic_interview_user_date"),
            models.Index(fields=["user", "application_date"], name="ic_interview_user_applied"),
            models.Index(fields=["user", "interview_stage"], name="ic_interview_user_stage"),
            models.Index(fields=["user", "application_status"], name="ic_interview_user_status"),
            # Applications gone quiet, across users: the latest event of each.
            models.Index(fields=["last_event_at"], name="ic_interview_last_event"),
        ]

    def __str__(self) -> str:
        return f"{self.company_name} — {self.position}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Store clean text and a consistent stage whatever the entry path (API, admin, shell).

        One transaction, even in autocommit: the row, its events and what
        the signals keep in step with it are written together or not at all.
        """
        self.company_name = remove_control_characters(self.company_name)
        self.position = remove_control_characters(self.position)
        self.notes = clean_html_once(self.notes or "")
        if self.application_status in OFFER_STATUSES:
            self.interview_stage = COMPLETED_STAGE
        bump_sequence(self, kwargs)
        using = kwargs.get("using") or router.db_for_write(type(self))
        with transaction.atomic(using=using, savepoint=False):
            lock_owner_profile(self.user_id, using)
            super().save(*args, **kwargs)

    def clean(self) -> None:
        """The admin's forms refuse a stage advance whose round the round cap would refuse.

        The save records that round and raises the API's 400 past the cap;
        a form shows it on the stage instead.
        """
        stage = self.interview_stage
        if self.pk is None or stage not in RoundStage.values:
            return
        stored = Interview.objects.filter(pk=self.pk).values_list("interview_stage", flat=True)
        previous = stored.first()
        if previous is None or not is_advance(previous, stage):
            return
        if not InterviewRound.objects.filter(interview_id=self.pk, stage=stage).exists():
            check_round_count(self.pk, "interview_stage")


class RoundCapReached(ValidationError):
    """An interview past ``MAX_ROUNDS_PER_INTERVIEW``: Django's error, on one field.

    Django's, because the rule is the model's: a save in a shell raises the
    error Django code expects, and the admin's forms show it on the field.
    The API's exception handler answers it with the same 400 as its own.
    """


def check_round_count(interview_id: int | None, field: str, adding: int = 1) -> None:
    """Refuse on ``field`` when ``adding`` rounds would take the interview past the cap.

    The one statement of the cap and its message; writers that must not
    race lock the interview first (``pipeline.check_round_cap``). An
    interview still being created has no rounds.
    """
    stored = 0
    if interview_id is not None:
        stored = InterviewRound.objects.filter(interview_id=interview_id).count()
    limit = int(app_settings.MAX_ROUNDS_PER_INTERVIEW)
    if stored + adding > limit:
        raise RoundCapReached(
            {
                field: [
                    _("This interview has reached the limit of %(limit)d rounds.")
                    % {"limit": limit}
                ]
            },
            code="limit",
        )


def lock_owner_profile(user_id: Any, using: str) -> None:
    """Lock the owner's profile before the first lock or write of their applications.

    Every writer of a user's data takes its locks in one order: the profile,
    then the application, its rounds, and the user's dashboard row that the
    triggers bump. A profile write locks the profile, then bumps the
    dashboard and inserts reminders that reference the applications; an
    application's writer plans reminders under the profile's lock, so it
    takes that lock first and waits for a profile write instead of
    deadlocking with it.
    """
    if user_id is not None:
        Profile.objects.db_manager(using).locked_for_user(user_id)


def lock_owner_profiles(using: str, *user_ids: Any) -> None:
    """Lock the profiles of every owner a write touches, the lowest id first.

    A round moved from one user's application to another's writes both
    users' data; two such moves the opposite way take the two profiles in
    the same order and cannot deadlock.
    """
    for user_id in sorted({user_id for user_id in user_ids if user_id is not None}):
        lock_owner_profile(user_id, using)


# What a user writes of a round, in the order its admin page shows them:
# saving any of them is an edit.
ROUND_OWN_FIELDS = (
    "interview",
    "stage",
    "scheduled_date",
    "completed_date",
    "duration_minutes",
    "notes",
    "outcome",
)


def owners_of_interviews(interview_ids: set[int]) -> dict[int, Any]:
    """The owner of each interview, in one query."""
    return dict(Interview.objects.filter(pk__in=interview_ids).values_list("pk", "user_id"))


def interview_owner(round_: InterviewRound) -> Any:
    """The owner of the round's interview: the interview read with the round, or one query."""
    if InterviewRound.interview.is_cached(round_) and round_.interview.pk == round_.interview_id:
        return round_.interview.user_id
    return owners_of_interviews({round_.interview_id}).get(round_.interview_id)


class InterviewRoundQuerySet(models.QuerySet["InterviewRound"]):
    def bulk_create(self, objs: Any, *args: Any, **kwargs: Any) -> list[InterviewRound]:
        """Rounds inserted in bulk carry their interview's owner too (one query for all)."""
        rounds = list(objs)
        unread = {
            round_.interview_id
            for round_ in rounds
            if not InterviewRound.interview.is_cached(round_)
            or round_.interview.pk != round_.interview_id
        }
        owners = owners_of_interviews(unread) if unread else {}
        for round_ in rounds:
            round_.user_id = (
                owners[round_.interview_id]
                if round_.interview_id in unread
                else round_.interview.user_id
            )
        return super().bulk_create(rounds, *args, **kwargs)


class InterviewRound(models.Model):
    """One round of an application's interview process; the rounds are its history."""

    interview = models.ForeignKey(
        Interview, on_delete=models.CASCADE, related_name="rounds", verbose_name=_("interview")
    )
    # The interview's owner, copied so that reading a user's rounds needs no
    # join through the interviews. Kept equal in the same transaction: by
    # ``save`` and ``bulk_create`` here, and on PostgreSQL and SQLite by
    # triggers (see the migration adding it) for every other way of writing,
    # an interview changing hands included.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        db_index=False,
        editable=False,
        related_name="interview_coordinator_rounds",
        verbose_name=_("user"),
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
    notes = models.TextField(_("notes"), blank=True, default="", max_length=NOTES_MAX_LENGTH)
    outcome = models.CharField(
        _("outcome"), max_length=20, choices=RoundOutcome.choices, default=RoundOutcome.PENDING
    )
    sequence = models.PositiveIntegerField(
        _("revision"),
        default=0,
        editable=False,
        help_text=_("Grows on every save: the SEQUENCE of its calendar event."),
    )
    follows_interview = models.BooleanField(
        _("follows its interview"),
        default=False,
        editable=False,
        help_text=_(
            "Recorded by a stage change and not edited since: it keeps its interview's date."
        ),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    # The interview the round had when it was read from the database.
    loaded_interview_id: int | None = None

    objects = InterviewRoundQuerySet.as_manager()

    class Meta:
        verbose_name = _("interview round")
        verbose_name_plural = _("interview rounds")
        # A user's rounds by date (rounds list, dashboard, reminder planning,
        # calendar feed), an interview's by date (detail) and by stage (the
        # pending round recorded when the stage advances).
        indexes = [
            models.Index(fields=["user", "scheduled_date", "id"], name="ic_round_user_date"),
            models.Index(fields=["interview", "scheduled_date"], name="ic_round_interview_date"),
            models.Index(fields=["interview", "stage"], name="ic_round_interview_stage"),
        ]

    def __str__(self) -> str:
        return f"{self.interview} — {self.get_stage_display()}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Store clean notes and the interview's owner whatever the entry path (API, admin, shell).

        A stored round saved with any of its own fields is the user's from
        then on: it stops following its interview's date.
        """
        self.notes = clean_html_once(self.notes or "")
        update_fields = kwargs.get("update_fields")
        using = kwargs.get("using") or router.db_for_write(type(self))
        # One transaction with its events, as for an interview, and the same lock order.
        with transaction.atomic(using=using, savepoint=False):
            left_owner = self.read_stored_interview(update_fields, using)
            if self.owner_may_change(update_fields):
                self.user_id = interview_owner(self)
                if update_fields is not None:
                    update_fields = kwargs["update_fields"] = {*update_fields, "user"}
            edited = update_fields is None or not set(update_fields).isdisjoint(ROUND_OWN_FIELDS)
            if self.follows_interview and not self._state.adding and edited:
                self.follows_interview = False
                if update_fields is not None:
                    kwargs["update_fields"] = {*update_fields, "follows_interview"}
            bump_sequence(self, kwargs)
            lock_owner_profiles(using, self.user_id, left_owner)
            super().save(*args, **kwargs)

    def read_stored_interview(self, update_fields: Any, using: str) -> Any:
        """Where a save that may move the round finds it stored; the owner there (else None).

        Another writer may have moved the round since this instance was read:
        the move starts from the interview it is stored on now, which becomes
        ``loaded_interview_id``, so that its owner's profile is locked, its
        timeline records the move and its reminders are re-planned.
        """
        if self._state.adding or (
            update_fields is not None and not {"interview", "interview_id"} & set(update_fields)
        ):
            return None
        stored = (
            InterviewRound.objects.using(using)
            .filter(pk=self.pk)
            .values_list("interview_id", "user_id")
            .first()
        )
        if stored is None:
            return None
        self.loaded_interview_id, owner = stored
        return owner

    def owner_may_change(self, update_fields: Any) -> bool:
        """Whether this save may write another owner than the stored one.

        A round read from the database and still on its interview keeps the
        owner it was read with, without a query: the triggers changed it in
        the database if the interview changed hands since.
        """
        if update_fields is not None and not {"interview", "interview_id"} & set(update_fields):
            return False
        moved = self.interview_id != self.loaded_interview_id
        return self._state.adding or moved or self.user_id is None

    def clean(self) -> None:
        """The admin's forms refuse what the API refuses: a completion before the schedule."""
        if completed_before_scheduled(self.scheduled_date, self.completed_date):
            raise ValidationError(
                {"completed_date": COMPLETED_BEFORE_SCHEDULED}, code="before_scheduled"
            )

    @classmethod
    def from_db(cls, *args: Any, **kwargs: Any) -> Any:
        round_ = super().from_db(*args, **kwargs)
        # Remembered so that saving a round moved to another interview can
        # re-plan the reminders of the one it left.
        round_.loaded_interview_id = round_.__dict__.get("interview_id")
        return round_


class EventKind(models.TextChoices):
    CREATED = "created", _("Application created")
    INTERVIEW_STAGE = "interview_stage", _("Stage changed")
    APPLICATION_STATUS = "application_status", _("Application status changed")
    INTERVIEW_DATE = "interview_date", _("Next interview moved")
    STATUS = "status", _("Interview status changed")
    ROUND_CREATED = "round_created", _("Round added")
    ROUND_RESCHEDULED = "round_rescheduled", _("Round rescheduled")
    ROUND_OUTCOME = "round_outcome", _("Round outcome changed")
    ROUND_DELETED = "round_deleted", _("Round deleted")


class EventSource(models.TextChoices):
    API = "api", _("API")
    ADMIN = "admin", _("Admin")
    IMPORT = "import", _("CSV import")
    OTHER = "other", _("Other (shell, scripts, tasks)")


class ApplicationEvent(models.Model):
    """One change of an application or of one of its rounds: what, from what to what, when, how.

    Written in the transaction of the change it records (see ``history``),
    never edited afterwards. ``user`` repeats the application's owner so that
    a user's events are read without a join; ``stage`` is the application's
    stage once the change was made, and ``round_stage`` names the round even
    after the round is deleted. Values are machine values as text (choice
    values; datetimes in ISO 8601, UTC); null is "none".
    """

    interview = models.ForeignKey(
        Interview, on_delete=models.CASCADE, related_name="events", verbose_name=_("interview")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="interview_coordinator_events",
        verbose_name=_("user"),
    )
    kind = models.CharField(_("what changed"), max_length=20, choices=EventKind.choices)
    old_value = models.TextField(_("from"), null=True, blank=True)
    new_value = models.TextField(_("to"), null=True, blank=True)
    stage = models.CharField(
        _("stage after the change"), max_length=20, choices=InterviewStage.choices
    )
    round = models.ForeignKey(
        InterviewRound,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="events",
        verbose_name=_("round"),
    )
    round_stage = models.CharField(
        _("round stage"), max_length=20, choices=RoundStage.choices, null=True, blank=True
    )
    source = models.CharField(
        _("made through"), max_length=10, choices=EventSource.choices, default=EventSource.OTHER
    )
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("application event")
        verbose_name_plural = _("application events")
        # An application's timeline, newest first.
        indexes = [
            models.Index(fields=["interview", "-created_at"], name="ic_event_interview_created"),
        ]

    def __str__(self) -> str:
        return f"{self.interview_id} {self.kind} @ {self.created_at:%Y-%m-%d %H:%M}"


def _user_relation(model: type[models.Model]) -> models.ForeignObjectRel:
    """The reverse side of ``model.user``: where a user caches the row read with it."""
    relation = model._meta.get_field("user").remote_field
    assert isinstance(relation, models.ForeignObjectRel), "user is a relation"
    return relation


# Set by the package's authentication on the user it reads: the accessors of
# the one-to-one rows read in the same query. Only those are trusted: a row
# cached on a user object by other means (assigning ``Profile(user=user)``
# caches it too) may be older than the database.
JOINED_ROWS = "_interview_coordinator_joined_rows"


def is_joined(user: Any, model: type[models.Model]) -> bool:
    """Whether ``user`` was read with its one-to-one ``model`` row in this request."""
    relation = _user_relation(model)
    return relation.get_accessor_name() in getattr(user, JOINED_ROWS, ()) and relation.is_cached(
        user
    )


def joined_row(user: Any, model: type[models.Model]) -> Any:
    """The one-to-one ``model`` row read with ``user``; None if not joined or not found.

    Callers then read (or create) it, which keeps them right whichever way
    the user was loaded.
    """
    return _user_relation(model).get_cached_value(user) if is_joined(user, model) else None


def rejoin(user: Any, model: type[models.Model], row: models.Model) -> None:
    """Make ``row``, read again or created, the one joined to ``user`` for the rest of the request.

    Otherwise a later reader in the same request would get the row as it
    was when the user was authenticated.
    """
    if is_joined(user, model):
        _user_relation(model).set_cached_value(user, row)


def default_timezone_name() -> str:
    """The site's TIME_ZONE, read when a profile is created rather than at import."""
    return str(settings.TIME_ZONE or "UTC")


# Files of a system's zone directory that are not IANA zones: "localtime" is
# the machine's own setting, "posixrules" a rules template, and "Factory" the
# database's placeholder for "no zone set".
NOT_IANA_ZONES = frozenset({"localtime", "posixrules", "Factory"})


@functools.cache
def known_timezones() -> frozenset[str]:
    """IANA names, read once: looking names up here also keeps "../x" out of ZoneInfo."""
    return frozenset(zoneinfo.available_timezones()) - NOT_IANA_ZONES


def validate_timezone_name(value: str) -> None:
    if value not in known_timezones():
        raise ValidationError(
            _("%(value)r is not a known IANA timezone name, e.g. 'Europe/Berlin'."),
            code="unknown_timezone",
            params={"value": value[:64]},
        )


# Bounds of a profile's follow_up_after_days.
FOLLOW_UP_MIN_DAYS = 3
FOLLOW_UP_MAX_DAYS = 60


class ProfileManager(models.Manager["Profile"]):
    def for_user(self, user: AbstractBaseUser | Any) -> Profile:
        """The user's profile, created on first need; ``user`` is a user or its pk.

        Users that existed before the package was installed have none yet, so
        every reader goes through here rather than a post_save signal.
        """
        joined: Profile | None = joined_row(user, Profile)
        if joined is not None:
            return joined
        profile, _created = self.get_or_create(user_id=getattr(user, "pk", user))
        rejoin(user, Profile, profile)
        return profile

    def locked_for_user(self, user: AbstractBaseUser | Any) -> Profile:
        """The user's profile, row-locked until the transaction ends (created on first need)."""
        profile: Profile | None = (
            self.select_for_update().filter(user_id=getattr(user, "pk", user)).first()
        )
        if profile is None:
            return self.for_user(user)
        rejoin(user, Profile, profile)
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
    timezone = models.CharField(
        _("timezone"),
        max_length=64,
        default=default_timezone_name,
        validators=[validate_timezone_name],
    )
    follow_up_after_days = models.PositiveSmallIntegerField(
        _("follow up after days"),
        null=True,
        blank=True,
        validators=[
            MinValueValidator(FOLLOW_UP_MIN_DAYS),
            MaxValueValidator(FOLLOW_UP_MAX_DAYS),
        ],
        help_text=_("Days without news after which an open application is nudged; empty: off."),
    )
    follow_up_digest_enabled = models.BooleanField(_("follow-up digest"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ProfileManager()

    class Meta:
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")

    def __str__(self) -> str:
        return str(self.user)


class DeliveryKind(models.TextChoices):
    REMINDER = "reminder", _("Reminder")
    DIGEST = "digest", _("Follow-up digest")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    CLAIMED = "claimed", _("Claimed")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


# Deliveries the dispatch scan looks at: pending ones once due, and claimed or
# sending ones whose claim expired (their task was lost, or died mid-send).
DISPATCHABLE_STATUSES = (DeliveryStatus.PENDING, DeliveryStatus.CLAIMED, DeliveryStatus.SENDING)
# Deliveries that planning may still delete or replace: none is with a mail
# server. A sending one is left to finish, as a sent one is kept.
REPLANNABLE_STATUSES = (DeliveryStatus.PENDING, DeliveryStatus.CLAIMED)


class ReminderDelivery(models.Model):
    """One planned email: a reminder of a scheduled moment, or a user's follow-up digest.

    The row is what makes these emails exact and exactly once: planning writes
    it when a moment is scheduled or moved (or an application goes quiet),
    the dispatch scan claims it through the partial index on ``due_at`` once
    due, and the send task marks it sent under a row lock, so a second worker
    or a second scan can never send it again. ``due_at`` is the next time the
    scan acts on the row: the send time, then the retry time after a failure,
    or the expiry of a claim.

    A reminder names its interview and the moment. A digest names its user
    and the user's local date it belongs to (one per day at most, by
    constraint); its ``moment`` is the next day's digest time, past which it
    is given up, as that day's digest lists the same applications.
    """

    kind = models.CharField(
        _("kind"), max_length=10, choices=DeliveryKind.choices, default=DeliveryKind.REMINDER
    )
    interview = models.ForeignKey(
        Interview,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reminder_deliveries",
        verbose_name=_("interview"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="interview_coordinator_digests",
        verbose_name=_("user"),
    )
    digest_date = models.DateField(_("digest of"), null=True, blank=True)
    moment = models.DateTimeField(_("scheduled moment"))
    send_at = models.DateTimeField(_("planned send time"))
    due_at = models.DateTimeField(_("due at"))
    status = models.CharField(
        _("status"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=500, blank=True, default="")
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("reminder delivery")
        verbose_name_plural = _("reminder deliveries")
        constraints = [
            # One reminder per moment, whatever its send time: a re-plan racing a
            # send cannot add a second row for a moment that was just reminded.
            models.UniqueConstraint(
                fields=["interview", "moment"], name="ic_delivery_one_per_moment"
            ),
            # One digest per user and local day, whatever its send time.
            models.UniqueConstraint(
                fields=["user", "digest_date"],
                condition=models.Q(kind=DeliveryKind.DIGEST),
                name="ic_delivery_one_digest_per_day",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(
                        kind=DeliveryKind.REMINDER,
                        interview__isnull=False,
                        user__isnull=True,
                        digest_date__isnull=True,
                    )
                    | models.Q(
                        kind=DeliveryKind.DIGEST,
                        interview__isnull=True,
                        user__isnull=False,
                        digest_date__isnull=False,
                    )
                ),
                name="ic_delivery_kind_fields",
            ),
        ]
        indexes = [
            models.Index(
                fields=["due_at"],
                name="ic_delivery_due",
                condition=models.Q(status__in=DISPATCHABLE_STATUSES),
            ),
        ]

    def __str__(self) -> str:
        if self.kind == str(DeliveryKind.DIGEST):
            return f"digest {self.user_id} @ {self.digest_date} ({self.status})"
        return f"{self.interview_id} @ {self.moment:%Y-%m-%d %H:%M} ({self.status})"


class FollowUpNudge(models.Model):
    """An application listed in a sent digest, for the quiet period that began at ``quiet_since``.

    An application is nudged once per quiet period: its next event starts a
    new period (a new ``quiet_since``), which may be nudged again. Written in
    the transaction that marks the digest sent.
    """

    interview = models.ForeignKey(
        Interview,
        on_delete=models.CASCADE,
        related_name="follow_up_nudges",
        verbose_name=_("interview"),
    )
    quiet_since = models.DateTimeField(_("quiet since"))
    created_at = models.DateTimeField(_("nudged at"), auto_now_add=True)

    class Meta:
        verbose_name = _("follow-up nudge")
        verbose_name_plural = _("follow-up nudges")
        constraints = [
            models.UniqueConstraint(
                fields=["interview", "quiet_since"], name="ic_nudge_once_per_quiet_period"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.interview_id} quiet since {self.quiet_since:%Y-%m-%d %H:%M}"


class CalendarFeed(models.Model):
    """A user's calendar subscription: the hash of its secret URL token.

    Only the SHA-256 of the token is stored, so a copy of the database does
    not give anyone the feeds; issuing a new token replaces the hash, and
    deleting the row turns the feed off.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="interview_coordinator_calendar_feed",
        verbose_name=_("user"),
    )
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("issued at"), default=timezone.now)
    # Deleting an event changes the feed without leaving a row to date it.
    changed_at = models.DateTimeField(_("last deletion"), default=timezone.now)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self) -> str:
        return str(self.user)


class DashboardSnapshot(models.Model):
    """A user's last dashboard answer, and what must hold for it to still be the answer.

    Database triggers (installed by the migration that creates this table)
    add one to ``generation`` in the transaction of every insert, update or
    delete of the user's interviews, rounds and profile, whatever issued it:
    the API, the admin, ``bulk_create``, ``QuerySet.update()``, raw SQL. An
    answer is stored with the generation read *before* its data, and only if
    the generation has not moved since, so a write that commits during a
    computation can never leave a stale answer behind. What depends on the
    clock is bounded by ``local_date`` (days, weeks and the 7-day window move
    at the user's midnight) and ``valid_through`` (the first upcoming moment:
    once it passes it leaves the upcoming list for the needs-review one).
    """

    # No database constraint: the triggers may touch the row of a user whose
    # deletion is under way, and the row must not make that deletion fail.
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        db_constraint=False,
        related_name="interview_coordinator_dashboard",
        verbose_name=_("user"),
    )
    generation = models.BigIntegerField(_("generation"), default=0)
    body = models.TextField(_("answer as JSON"), null=True, blank=True)
    body_generation = models.BigIntegerField(_("generation of the answer"), null=True)
    computed_at = models.DateTimeField(_("computed at"), null=True)
    valid_through = models.DateTimeField(_("first upcoming moment"), null=True)
    local_date = models.DateField(_("user's date"), null=True)
    timezone = models.CharField(_("user's timezone"), max_length=64, null=True)

    class Meta:
        verbose_name = _("dashboard snapshot")
        verbose_name_plural = _("dashboard snapshots")

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.generation}"
