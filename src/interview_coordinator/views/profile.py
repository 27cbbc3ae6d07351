"""Profile settings and the test-email endpoint."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from interview_coordinator.conf import app_settings
from interview_coordinator.models import Profile
from interview_coordinator.queueing import BrokerUnavailable, broker_configured, publish
from interview_coordinator.ratelimit import enforce
from interview_coordinator.reminders.emails import send, test_email, user_email
from interview_coordinator.serializers.profile import (
    ProfileSerializer,
    TestEmailQueuedSerializer,
    TestEmailSentSerializer,
)
from interview_coordinator.tasks import send_test_email
from interview_coordinator.views.base import PackageViewMixin

logger = logging.getLogger(__name__)

TEST_EMAIL_SCOPE = "test-email"


# On the classes rather than the methods: a method-level extend_schema would build
# on the host's DEFAULT_SCHEMA_CLASS instead of the package's own AutoSchema.
@extend_schema(request=ProfileSerializer, responses=ProfileSerializer, tags=["profile"])
class ProfileView(PackageViewMixin, APIView):
    """The user's reminder preferences and timezone; saving re-plans the reminders."""

    serializer_class = ProfileSerializer

    def get_object(self) -> Profile:
        user = self.request.user
        assert user.is_authenticated, "guaranteed by the permission classes"
        profile: Profile = Profile.objects.for_user(user)
        # The user is at hand: spare the query that loading it again would cost.
        profile.user = user
        return profile

    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(ProfileSerializer(self.get_object()).data)

    def put(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.update(request, partial=False)

    def patch(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.update(request, partial=True)

    def update(self, request: Request, *, partial: bool) -> Response:
        """Validate and save under a lock of the profile's row.

        Without the lock, two concurrent writes would both read the old row
        and the second would put back what the first changed; the serializer
        also writes only the fields the request carries.
        """
        user = request.user
        assert user.is_authenticated, "guaranteed by the permission classes"
        with transaction.atomic():
            profile = Profile.objects.locked_for_user(user)
            profile.user = user
            serializer = ProfileSerializer(profile, data=request.data, partial=partial)
            serializer.is_valid(raise_exception=True)
            serializer.save()
        return Response(serializer.data)


@extend_schema(
    request=None,
    responses={202: TestEmailQueuedSerializer, 200: TestEmailSentSerializer},
    tags=["profile"],
)
class TestEmailView(PackageViewMixin, APIView):
    """Queue a test email to the user, so they can see that reminders reach them.

    On a site without a Celery broker (nor eager tasks) nothing would ever run
    the task, so the email is sent within the request instead, bounded by the
    SMTP timeout, and the answer says whether the mail server took it.
    """

    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        user = self.request.user
        assert user.is_authenticated, "guaranteed by the permission classes"
        recipient = user_email(user)
        if not recipient:
            raise ValidationError(
                {"email": [_("Your account has no email address; add one to receive emails.")]}
            )
        rate = str(app_settings.TEST_EMAIL_RATE)
        enforce(request, TEST_EMAIL_SCOPE, str(user.pk), rate, _("for test emails"))
        if not broker_configured(send_test_email.app):
            return self.send_now(recipient, user.get_username())
        try:
            task_id = publish(send_test_email, user.pk)
        except BrokerUnavailable as exc:
            logger.warning("Test email not queued, the broker is unavailable: %s", exc)
            return unavailable(
                _(
                    "Emails cannot be queued right now because the task queue is "
                    "unreachable. Please try again in a few minutes."
                )
            )
        return Response(
            {
                "status": "queued",
                "message": _("A test email is on its way to %(email)s.") % {"email": recipient},
                "task_id": task_id,
            },
            status=status.HTTP_202_ACCEPTED,
        )

    def send_now(self, recipient: str, username: str) -> Response:
        try:
            send(test_email(recipient, username))
        except OSError as exc:  # smtplib's errors included
            logger.warning("Test email not sent, the mail server failed: %s", type(exc).__name__)
            return unavailable(
                _(
                    "The email could not be sent because the mail server could not be "
                    "reached. Please try again in a few minutes."
                )
            )
        return Response(
            {
                "status": "sent",
                "message": _("A test email was sent to %(email)s.") % {"email": recipient},
            },
            status=status.HTTP_200_OK,
        )


def unavailable(detail: str) -> Response:
    """A 503 that tells the client when to try again, whichever part is down."""
    return Response(
        {"status": "unavailable", "detail": detail},
        status=status.HTTP_503_SERVICE_UNAVAILABLE,
        headers={"Retry-After": "60"},
    )
