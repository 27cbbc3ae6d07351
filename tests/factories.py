"""Test data with factory-boy: users, interviews and rounds that look like real ones."""

from datetime import timedelta

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from interview_coordinator.models import Interview, InterviewRound


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    password = factory.django.Password("correct-horse-battery")


class InterviewFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Interview

    user = factory.SubFactory(UserFactory)
    company_name = factory.Sequence(lambda n: f"Company {n}")
    position = factory.Iterator(["Backend Engineer", "Data Engineer", "SRE", "Engineering Manager"])
    interview_date = factory.LazyFunction(lambda: timezone.now() + timedelta(days=3))
    interview_type = "technical"
    status = "scheduled"
    location = "remote"
    interview_stage = "applied"
    application_status = "in_progress"
    application_date = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=10))
    notes = ""


class RoundFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InterviewRound

    interview = factory.SubFactory(InterviewFactory)
    stage = factory.Iterator(["screening", "technical", "onsite", "final"])
    scheduled_date = factory.LazyFunction(lambda: timezone.now() + timedelta(days=5))
    duration_minutes = 60
    outcome = "pending"


def bulk_interviews(user, count, rounds_each=3):
    """Seed many rows fast (no signals): for query-count tests and benchmarks."""
    interviews = Interview.objects.bulk_create(
        InterviewFactory.build(user=user, company_name=f"Bulk {i}") for i in range(count)
    )
    InterviewRound.objects.bulk_create(
        RoundFactory.build(interview=interview)
        for interview in interviews
        for _ in range(rounds_each)
    )
    return interviews
