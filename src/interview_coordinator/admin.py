"""Django admin: support staff find a user's rows quickly.

Owners are chosen by id (``raw_id_fields``) and joined in the changelist
(``list_select_related``), so pages stay fast with many users.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.db import router
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError

from interview_coordinator.conf import app_settings
from interview_coordinator.history import recorded_as
from interview_coordinator.models import (
    FIRST_STAGE,
    ROUND_OWN_FIELDS,
    ApplicationEvent,
    EventSource,
    FollowUpNudge,
    Interview,
    InterviewRound,
    Profile,
    ReminderDelivery,
    RoundCapReached,
    lock_owner_profile,
    lock_owner_profiles,
)
from interview_coordinator.pipeline import (
    check_round_cap,
    rounds_entered,
    stage_round_due,
)
from interview_coordinator.portability.csv_export import CONTENT_TYPE, csv_lines
from interview_coordinator.portability.csv_import import (
    FileTooLarge,
    ImportingFor,
    decode,
    import_csv,
    too_large,
)

# Django's admin classes are generic only in the type stubs, not at run time.
if TYPE_CHECKING:
    RoundInlineBase = admin.TabularInline[InterviewRound, Interview]
    RoundFormSetBase = forms.BaseInlineFormSet[
        InterviewRound, Interview, forms.ModelForm[InterviewRound]
    ]
    RoundFormBase = forms.ModelForm[InterviewRound]
    EventInlineBase = admin.TabularInline[ApplicationEvent, Interview]
    InterviewAdminBase = admin.ModelAdmin[Interview]
    MixinBase = admin.ModelAdmin[Any]
    RoundAdminBase = admin.ModelAdmin[InterviewRound]
    ProfileAdminBase = admin.ModelAdmin[Profile]
    DeliveryAdminBase = admin.ModelAdmin[ReminderDelivery]
    NudgeAdminBase = admin.ModelAdmin[FollowUpNudge]
else:
    RoundInlineBase = EventInlineBase = admin.TabularInline
    RoundFormSetBase = forms.BaseInlineFormSet
    RoundFormBase = forms.ModelForm
    MixinBase = object
    InterviewAdminBase = RoundAdminBase = ProfileAdminBase = admin.ModelAdmin
    DeliveryAdminBase = NudgeAdminBase = admin.ModelAdmin


def user_search_fields(prefix: str) -> tuple[str, ...]:
    """The user's name and email lookups, as the host's user model calls them.

    A custom user model need not have ``username`` or ``email`` fields.
    """
    user_model = get_user_model()
    names = (user_model.USERNAME_FIELD, user_model.get_email_field_name())
    present = {field.name for field in user_model._meta.get_fields()}
    return tuple(f"{prefix}{name}" for name in dict.fromkeys(names) if name in present)


class RecordedAsAdmin(MixinBase):
    """The admin's writes (forms, deletions, list edits and actions) are recorded as the admin's."""

    def changeform_view(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        with recorded_as(str(EventSource.ADMIN)):
            return super().changeform_view(request, *args, **kwargs)

    def delete_view(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        with recorded_as(str(EventSource.ADMIN)):
            return super().delete_view(request, *args, **kwargs)

    def changelist_view(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        with recorded_as(str(EventSource.ADMIN)):
            return super().changelist_view(request, *args, **kwargs)


class RoundInlineFormSet(RoundFormSetBase):
    """The inline rounds, refused past ``MAX_ROUNDS_PER_INTERVIEW`` as the API refuses them.

    The rounds typed in, less those deleted, plus the round the interview's
    stage advance records, are counted against the stored ones before
    anything is saved, so a refusal writes nothing. The count is taken under
    the locks of a round's create in the API (the owner's profile, then the
    interview), held by the admin's transaction until the save.
    """

    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        added = [form for form in self.extra_forms if self.is_entered(form)]
        if not added:
            return
        removed = [form for form in self.initial_forms if form in self.deleted_forms]
        adding = len(added) - len(removed) + int(self.advance_records_round())
        interview = self.instance
        if interview.pk is not None:
            lock_owner_profile(interview.user_id, router.db_for_write(Interview))
        try:
            check_round_cap(interview, NON_FIELD_ERRORS, adding=adding)
        except RoundCapReached as error:
            raise forms.ValidationError(error.messages, code="limit") from error

    def is_entered(self, form: forms.ModelForm[InterviewRound]) -> bool:
        """Whether the form is a round typed in to be saved (not left blank, not deleted)."""
        return form.has_changed() and form not in self.deleted_forms

    def advance_records_round(self) -> bool:
        """Whether the interview's save will record a round for its stage advance too."""
        interview = self.instance
        stored = Interview.objects.filter(pk=interview.pk).values_list("interview_stage", flat=True)
        previous = stored.first() if interview.pk is not None else FIRST_STAGE
        if previous is None:
            return False
        with rounds_entered(entered_round_stages([self])):
            return stage_round_due(interview, previous)


class InterviewRoundInline(RoundInlineBase):
    model = InterviewRound
    formset = RoundInlineFormSet
    extra = 0
    fields = ("stage", "scheduled_date", "completed_date", "duration_minutes", "outcome")


class ApplicationEventInline(EventInlineBase):
    """The application's timeline, newest first; read-only, as events are never edited."""

    model = ApplicationEvent
    extra = 0
    can_delete = False
    ordering = ("-created_at", "-id")
    fields = ("created_at", "kind", "old_value", "new_value", "stage", "round_stage", "source")
    readonly_fields = fields
    verbose_name_plural = _("timeline")

    def has_add_permission(self, request: HttpRequest, obj: Interview | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Interview | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Interview | None = None) -> bool:
        return False


class ImportForm(forms.Form):
    user = forms.CharField(label=_("User"), help_text=_("Whose applications these are."))
    file = forms.FileField(label=_("CSV file"))
    apply = forms.BooleanField(
        label=_("Apply"), required=False, help_text=_("Unticked: a dry run that writes nothing.")
    )

    def clean_user(self) -> Any:
        name = self.cleaned_data["user"]
        manager = get_user_model()._default_manager
        try:
            return manager.get(**{manager.model.USERNAME_FIELD: name})
        except manager.model.DoesNotExist as error:
            raise forms.ValidationError(_("No user %(name)s.") % {"name": name}) from error


def entered_round_stages(formsets: list[Any]) -> set[str]:
    """The stages of the rounds the admin's inline forms are about to save."""
    return {
        form.cleaned_data["stage"]
        for formset in formsets
        if formset.model is InterviewRound
        for form in formset.forms
        if form.has_changed()
        and form not in formset.deleted_forms
        and form.cleaned_data.get("stage")
    }


def read_upload(upload: Any) -> bytes:
    """The uploaded file, refused past ``IMPORT_MAX_BYTES`` as the API refuses it."""
    limit = int(app_settings.IMPORT_MAX_BYTES)
    raw = bytes(upload.read(limit + 1))
    if len(raw) > limit:
        raise too_large(limit)
    return raw


@admin.register(Interview)
class InterviewAdmin(RecordedAsAdmin, InterviewAdminBase):
    list_display = (
        "company_name",
        "position",
        "user",
        "interview_stage",
        "application_status",
        "interview_date",
        "application_date",
    )
    list_filter = (
        "interview_stage",
        "application_status",
        "status",
        "location",
        "interview_type",
        "application_date",
    )
    search_fields = ("company_name", "position", *user_search_fields("user__"))
    date_hierarchy = "application_date"
    raw_id_fields = ("user",)
    list_select_related = ("user",)
    readonly_fields = ("created_at", "updated_at")
    inlines = [InterviewRoundInline, ApplicationEventInline]
    actions = ["export_csv"]
    change_list_template = "admin/interview_coordinator/interview/change_list.html"

    def get_inlines(self, request: HttpRequest, obj: Interview | None) -> list[Any]:
        """A new application has no timeline to show yet."""
        if obj is None:
            return [InterviewRoundInline]
        return list(self.inlines)

    def save_model(
        self, request: HttpRequest, obj: Interview, form: forms.ModelForm[Interview], change: bool
    ) -> None:
        """Saved by ``save_related`` instead, once the inline rounds are known."""

    def save_related(
        self,
        request: HttpRequest,
        form: forms.ModelForm[Interview],
        formsets: list[Any],
        change: bool,
    ) -> None:
        """Save the interview, then its inline rounds, with no second round of its stage.

        A stage advance records a round of the new stage unless the form
        enters one of that stage itself: that one, with what the user typed,
        is the advance's round.
        """
        with rounds_entered(entered_round_stages(formsets)):
            super().save_model(request, form.instance, form, change)
        super().save_related(request, form, formsets, change)

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view(self.import_csv_view)
        name = "interview_coordinator_interview_import"
        return [path("import-csv/", view, name=name), *super().get_urls()]

    def import_csv_view(self, request: HttpRequest) -> HttpResponse:
        """The API's CSV import, for a user the staff member names; a dry run unless applied."""
        if not (self.has_add_permission(request) and self.has_change_permission(request)):
            raise PermissionDenied
        form = ImportForm(request.POST or None, request.FILES or None)
        report = None
        if request.method == "POST" and form.is_valid():
            try:
                text = decode(read_upload(form.cleaned_data["file"]))
                plan = import_csv(
                    text, ImportingFor(form.cleaned_data["user"]), commit=form.cleaned_data["apply"]
                )
            except (ValidationError, FileTooLarge) as error:
                detail = error.detail
                messages = detail.get("file", detail) if isinstance(detail, dict) else detail
                form.add_error("file", [str(message) for message in messages])
            except RoundCapReached as error:
                # A row's stage advance past the round cap: the whole import is refused.
                form.add_error("file", error.messages)
            else:
                report = plan.report()
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Import interviews from CSV"),
            "form": form,
            "report": report,
        }
        return TemplateResponse(request, "interview_coordinator/admin/import_csv.html", context)

    @admin.action(description=_("Export the selected interviews as CSV"))
    def export_csv(
        self, request: HttpRequest, queryset: QuerySet[Interview]
    ) -> StreamingHttpResponse:
        """The API's CSV (same columns, same neutralising), with each row's owner first."""
        owner = f"user__{get_user_model().USERNAME_FIELD}"
        zone = ZoneInfo(str(timezone.get_current_timezone()))
        response = StreamingHttpResponse(
            csv_lines(queryset, zone, owner_column=owner), content_type=CONTENT_TYPE
        )
        response["Content-Disposition"] = 'attachment; filename="interviews.csv"'
        return response


class InterviewRoundForm(RoundFormBase):
    """A round's own page: a round added or moved to a full interview is refused on it."""

    class Meta:
        model = InterviewRound
        fields = ROUND_OWN_FIELDS

    def clean(self) -> dict[str, Any] | None:
        """Check the cap of the interview the round joins, under the API's locks.

        The owners' profiles first (the one the round leaves too, lowest id
        first, as the save takes them), then the interview; the admin's
        transaction holds them until the save.
        """
        cleaned = super().clean()
        target = self.cleaned_data.get("interview")
        stored = self.instance
        if target is None or (not stored._state.adding and target.pk == stored.interview_id):
            return cleaned
        leaving = None if stored._state.adding else stored.user_id
        lock_owner_profiles(router.db_for_write(InterviewRound), target.user_id, leaving)
        try:
            check_round_cap(target, "interview")
        except RoundCapReached as error:
            self.add_error(None, error)
        return cleaned


@admin.register(InterviewRound)
class InterviewRoundAdmin(RecordedAsAdmin, RoundAdminBase):
    form = InterviewRoundForm
    list_display = ("interview", "stage", "scheduled_date", "outcome", "duration_minutes")
    list_filter = ("stage", "outcome", "scheduled_date")
    search_fields = (
        "interview__company_name",
        "interview__position",
        *user_search_fields("user__"),
    )
    raw_id_fields = ("interview",)
    list_select_related = ("interview",)
    readonly_fields = ("created_at", "updated_at")


@admin.register(Profile)
class ProfileAdmin(ProfileAdminBase):
    list_display = (
        "user",
        "email_notifications_enabled",
        "reminder_days_before",
        "reminder_time",
        "timezone",
        "follow_up_after_days",
        "follow_up_digest_enabled",
    )
    list_filter = (
        "email_notifications_enabled",
        "reminder_days_before",
        "follow_up_digest_enabled",
    )
    search_fields = (*user_search_fields("user__"), "timezone")
    raw_id_fields = ("user",)
    list_select_related = ("user",)
    readonly_fields = ("created_at", "updated_at")


@admin.register(ReminderDelivery)
class ReminderDeliveryAdmin(DeliveryAdminBase):
    """Read-only: reminders and digests are planned and sent by the reminder engine alone.

    Editing one by hand could send an email twice or lose it, so staff may
    look (why did this reminder or digest fail?) but not change.
    """

    list_display = (
        "kind",
        "interview",
        "user",
        "digest_date",
        "moment",
        "send_at",
        "status",
        "attempts",
        "sent_at",
    )
    list_filter = ("kind", "status", "send_at")
    search_fields = (
        "interview__company_name",
        *user_search_fields("interview__user__"),
        *user_search_fields("user__"),
        "last_error",
    )
    list_select_related = ("interview", "user")
    date_hierarchy = "send_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(
        self, request: HttpRequest, obj: ReminderDelivery | None = None
    ) -> bool:
        # A sent delivery is the record that its moment was reminded: deleting
        # it would let the next re-plan remind the moment again.
        return False

    def has_change_permission(
        self, request: HttpRequest, obj: ReminderDelivery | None = None
    ) -> bool:
        return False


@admin.register(FollowUpNudge)
class FollowUpNudgeAdmin(NudgeAdminBase):
    """Read-only: which quiet period of which application a sent digest listed.

    Deleting one would nudge that quiet period again.
    """

    list_display = ("interview", "quiet_since", "created_at")
    date_hierarchy = "created_at"
    search_fields = ("interview__company_name", *user_search_fields("interview__user__"))
    list_select_related = ("interview",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: FollowUpNudge | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: FollowUpNudge | None = None) -> bool:
        return False
