"""Create (or refresh) the demo account with sample data and print its credentials.

The password is kept in ``settings.DEMO_PASSWORD_FILE`` (beside the project,
ignored by git), so every run prints, and keeps, the same credentials until
``--new-password`` or ``--password`` asks for others.
"""

import secrets
from datetime import timedelta
from pathlib import Path

from django.conf import settings
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
        parser.add_argument("--password", help="Password to set and keep from now on.")
        parser.add_argument(
            "--new-password",
            action="store_true",
            help="Replace the kept password with a new random one.",
        )
        parser.add_argument(
            "--base-url",
            default="http://127.0.0.1:8000",
            help="Where the server listens, for the printed links.",
        )

    def handle(self, *args, **options):
        password = self._password(options)
        with transaction.atomic():
            user = self._account(password)
        # Kept once the account has it: if anything failed before, the next
        # run sets the kept password again.
        self._keep(password)
        base = options["base_url"].rstrip("/")
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo account ready — username: {user.get_username()}  password: {password}\n"
                "  (the same on every run; `python3 dev.py demo --new-password` makes a new one)\n"
                f"  API:    {base}/api/\n"
                f"  Docs:   {base}/api/docs/\n"
                f"  Admin:  {base}/admin/ (same credentials; staff)"
            )
        )

    def _password(self, options):
        if options["password"]:
            return options["password"]
        path = Path(settings.DEMO_PASSWORD_FILE)
        kept = path.read_text().strip() if path.exists() else ""
        if kept and not options["new_password"]:
            return kept
        return secrets.token_urlsafe(12)

    def _keep(self, password):
        path = Path(settings.DEMO_PASSWORD_FILE)
        if path.exists() and path.read_text().strip() == password:
            return
        path.write_text(password + "\n")
        path.chmod(0o600)

    def _account(self, password):
        user, created = get_user_model().objects.get_or_create(
            username="demo", defaults={"email": "demo@example.com"}
        )
        # Hashing again would sign out the admin sessions of an unchanged password.
        if created or not user.check_password(password):
            user.set_password(password)
        user.is_staff = True
        user.is_superuser = True
        user.save()
        Profile.objects.for_user(user)
        if created or not Interview.objects.filter(user=user).exists():
            self._create_samples(user)
        return user

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
