"""Create (or refresh) the demo account with sample data and print its credentials."""

import secrets
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from interview_coordinator.models import Interview, InterviewRound, Profile

SAMPLES = [
    # company, position, stage, status, days from now of the next interview
    ("Acme Robotics", "Backend Engineer", "technical", "in_progress", 2),
    ("Globex", "Platform Engineer", "screening", "in_progress", 5),
    ("Initech", "Data Engineer", "applied", "in_progress", None),
    ("Umbrella Labs", "Site Reliability Engineer", "final", "offer", None),
    ("Hooli", "Python Developer", "onsite", "rejected", None),
]


class Command(BaseCommand):
    help = "Create the demo account (username 'demo') with sample interviews."

    def add_arguments(self, parser):
        parser.add_argument("--password", help="Password to set (random when omitted).")

    @transaction.atomic
    def handle(self, *args, **options):
        password = options["password"] or secrets.token_urlsafe(12)
        user, created = get_user_model().objects.get_or_create(
            username="demo", defaults={"email": "demo@example.com"}
        )
        user.set_password(password)
        user.save()
        Profile.objects.for_user(user)
        if created or not Interview.objects.filter(user=user).exists():
            self._create_samples(user)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo account ready — username: demo  password: {password}\n"
                "  API:    http://127.0.0.1:8000/api/\n"
                "  Docs:   http://127.0.0.1:8000/api/docs/\n"
                "  Admin:  http://127.0.0.1:8000/admin/ (same credentials; staff)"
            )
        )
        user.is_staff = True
        user.is_superuser = True
        user.save(update_fields=["is_staff", "is_superuser"])

    def _create_samples(self, user):
        now = timezone.now()
        for company, position, stage, status, days in SAMPLES:
            date = now + timedelta(days=days) if days is not None else None
            interview = Interview.objects.create(
                user=user,
                company_name=company,
                position=position,
                interview_stage=stage,
                application_status=status,
                interview_date=date,
                status="scheduled" if date else None,
                interview_type="technical" if date else None,
                location="remote",
                application_date=(now - timedelta(days=14)).date(),
            )
            if stage in {"screening", "technical", "onsite", "final"}:
                InterviewRound.objects.create(
                    interview=interview, stage=stage, scheduled_date=date, duration_minutes=60
                )
