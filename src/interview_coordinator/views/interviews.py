"""Interviews and rounds endpoints: each user's own rows, read lean, written atomically.

- Isolation: querysets hold only the requesting user's rows, so another
  user's id is simply not found and answers the same 404 as a missing one;
  that case is told apart (one ``exists()`` on the 404 path only) to log it.
- Reads: lists are one ``.values_list()`` query (plus ``COUNT`` when paginated)
  reshaped by ``rows.Rendering``, so their cost does not include a
  serializer field per cell or a query per row. Every query of a user's rows
  reads the owner's timezone along (``timezones.OWNER_TIMEZONE``), so that
  printing the rows in it costs no query of its own.
- Writes run in one transaction together with the rules of ``pipeline`` and
  whatever the ``post_save`` signals plan, so a failure leaves nothing behind.
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from django.db import router, transaction
from django.db.models import Model, QuerySet
from django.http import Http404
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from interview_coordinator.filters import InterviewFilter, InterviewRoundFilter
from interview_coordinator.ids import ID_PATTERN
from interview_coordinator.models import (
    ApplicationEvent,
    Interview,
    InterviewRound,
    lock_owner_profile,
)
from interview_coordinator.pagination import ArrayOrPagePagination, PagesAlways
from interview_coordinator.pipeline import check_interview_cap, check_round_cap
from interview_coordinator.prepared import Prepared, fits_bigint
from interview_coordinator.rows import (
    ROUND_ORDER,
    Rendering,
    detail_values,
    interview_values,
    render_detail,
    round_values,
)
from interview_coordinator.schema import PackageAutoSchema
from interview_coordinator.security import log_event
from interview_coordinator.serializers.interviews import (
    InterviewListSerializer,
    InterviewRoundSerializer,
    InterviewSerializer,
)
from interview_coordinator.serializers.timeline import (
    COLUMNS,
    ApplicationEventSerializer,
    entries,
)
from interview_coordinator.timezones import (
    OWNER_TIMEZONE,
    remember_timezone,
    timezone_name_of,
    zone_named,
)
from interview_coordinator.views.base import PackageViewMixin

ModelT = TypeVar("ModelT", bound=Model)
RowT = TypeVar("RowT")


class TimelineSchema(PackageAutoSchema):
    """The timeline is a list (paged) read through one application's id, with no filters.

    Set on the action rather than through ``extend_schema``, which on a method
    would build on the host's ``DEFAULT_SCHEMA_CLASS`` instead of this one.
    """

    def _is_list_view(self, serializer: Any = None) -> bool:
        return True

    def get_filter_backends(self) -> list[Any]:
        return []


class OwnedRowsViewSet(PackageViewMixin, viewsets.ModelViewSet[ModelT], Generic[ModelT]):
    """What the interviews and rounds endpoints share: bounded input, filters, pages, 404s."""

    lookup_value_regex = ID_PATTERN
    pagination_class = ArrayOrPagePagination
    filter_backends = [DjangoFilterBackend]

    def filter_queryset(self, queryset: QuerySet[ModelT, RowT]) -> QuerySet[ModelT, RowT]:
        """Filters, search and ordering shape lists; a detail is looked up by id alone.

        A list's malformed filters and page parameters are refused in one
        answer that names them all, not one by one across retries.
        """
        if self.action != "list":
            return queryset
        errors = self.page_parameter_errors()
        try:
            queryset = super().filter_queryset(queryset)
        except ValidationError as error:
            if not isinstance(error.detail, dict):
                raise
            raise ValidationError({**error.detail, **errors}) from error
        if errors:
            raise ValidationError(errors)
        return queryset

    def page_parameter_errors(self) -> dict[str, Any]:
        paginator = self.paginator
        if isinstance(paginator, ArrayOrPagePagination):
            return paginator.parameter_errors(self.request)
        return {}

    def get_object(self) -> ModelT:
        try:
            instance = super().get_object()
        except Http404:
            self.log_if_foreign()
            raise
        # Read along with the row: the serializer's fields and rendering use it.
        remember_timezone(self.request, zone_named(getattr(instance, OWNER_TIMEZONE)))
        return instance

    def owned(self, queryset: QuerySet[ModelT]) -> QuerySet[ModelT]:
        """``queryset`` with the requesting user's timezone name read along with each row."""
        annotated: QuerySet[ModelT] = queryset.annotate(
            **{OWNER_TIMEZONE: timezone_name_of(self.request.user.pk)}
        )
        return annotated

    def log_if_foreign(self) -> None:
        """Log a request for another user's row; the response stays the plain 404."""
        object_id = self.kwargs.get(self.lookup_url_kwarg or self.lookup_field)
        model = self.get_queryset().model
        if model._default_manager.filter(pk=object_id).exists():
            log_event(
                "object_access_denied",
                self.request,
                object_type=model._meta.label,
                object_id=object_id,
            )

    def perform_update(self, serializer: serializers.BaseSerializer[ModelT]) -> None:
        with transaction.atomic():
            serializer.save()

    def perform_destroy(self, instance: ModelT) -> None:
        with transaction.atomic():
            instance.delete()


def _own_interview(user_id: Any, pk: int) -> QuerySet[Interview, tuple[Any, ...]]:
    """One of the user's interviews joined to its rounds, with the owner's timezone name."""
    own = Interview.objects.filter(user_id=user_id, pk=pk)
    return detail_values(own.annotate(**{OWNER_TIMEZONE: timezone_name_of(user_id)}))


DETAIL = Prepared(Interview, _own_interview, arity=2)


class InterviewViewSet(OwnedRowsViewSet[Interview]):
    """The user's applications; the detail embeds the rounds."""

    serializer_class = InterviewSerializer
    filterset_class = InterviewFilter

    def get_serializer_class(self) -> type[serializers.BaseSerializer[Any]]:
        """List entries carry no rounds; the schema learns the shape from here."""
        if self.action == "timeline":
            return ApplicationEventSerializer
        return InterviewListSerializer if self.action == "list" else InterviewSerializer

    def get_queryset(self) -> QuerySet[Interview]:
        own = Interview.objects.filter(user_id=self.request.user.pk)
        return self.owned(own.order_by("-created_at", "-id"))

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """The interview and its rounds in one query (the serializer's shape, same bytes).

        The query's SQL is compiled once per process (``prepared``): compiling
        it cost more than running it.
        """
        pk = int(self.kwargs[self.lookup_field])
        data = render_detail(DETAIL.rows(request.user.pk, pk)) if fits_bigint(pk) else None
        if data is None:
            self.log_if_foreign()
            raise Http404
        return Response(data)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        rows = interview_values(self.filter_queryset(self.get_queryset()))
        page = self.paginate_queryset(rows)
        if page is not None:
            return self.get_paginated_response(Rendering.of_rows(page).interviews(page))
        everything = list(rows)
        return Response(Rendering.of_rows(everything).interviews(everything))

    @action(detail=True, methods=["get"], pagination_class=PagesAlways, schema=TimelineSchema())
    def timeline(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """The application's events, newest first, a page at a time; read-only.

        The application (with its owner's timezone), the count and the page:
        three queries, whatever the number of events.
        """
        interview = self.get_object()
        events = (
            ApplicationEvent.objects.filter(interview_id=interview.pk, user_id=request.user.pk)
            .order_by("-created_at", "-id")
            .values(*COLUMNS)
        )
        page = self.paginate_queryset(events)
        assert page is not None, "the timeline always pages"
        zone = zone_named(getattr(interview, OWNER_TIMEZONE))
        serializer = self.get_serializer(entries(page, zone), many=True)
        return self.get_paginated_response(serializer.data)

    def perform_create(self, serializer: serializers.BaseSerializer[Interview]) -> None:
        with transaction.atomic():
            check_interview_cap(self.request.user)
            serializer.save(user=self.request.user)


class InterviewRoundViewSet(OwnedRowsViewSet[InterviewRound]):
    """The rounds of the user's applications."""

    serializer_class = InterviewRoundSerializer
    filterset_class = InterviewRoundFilter

    def get_queryset(self) -> QuerySet[InterviewRound]:
        own = InterviewRound.objects.filter(user_id=self.request.user.pk)
        return self.owned(own.order_by(*ROUND_ORDER))

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        rows = round_values(self.filter_queryset(self.get_queryset()))
        page = self.paginate_queryset(rows)
        if page is not None:
            return self.get_paginated_response(Rendering.of_rows(page).rounds(page))
        everything = list(rows)
        return Response(Rendering.of_rows(everything).rounds(everything))

    def perform_create(self, serializer: serializers.BaseSerializer[InterviewRound]) -> None:
        with transaction.atomic():
            lock_owner_profile(self.request.user.pk, router.db_for_write(InterviewRound))
            check_round_cap(serializer.validated_data["interview"], "interview")
            serializer.save()

    def perform_update(self, serializer: serializers.BaseSerializer[InterviewRound]) -> None:
        """Lock the owner's profile before the cap locks the target application.

        Every writer of the user's data takes the profile first; a profile
        write, holding it, inserts reminders that reference the application.
        """
        with transaction.atomic():
            lock_owner_profile(self.request.user.pk, router.db_for_write(InterviewRound))
            target = serializer.validated_data.get("interview")
            instance = serializer.instance
            assert instance is not None, "an update has its instance"
            if target is not None and target.pk != instance.interview_id:
                check_round_cap(target, "interview")
            serializer.save()
