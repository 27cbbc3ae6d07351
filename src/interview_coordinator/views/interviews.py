"""Interviews and rounds endpoints."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from rest_framework import viewsets

from interview_coordinator.models import Interview, InterviewRound
from interview_coordinator.serializers.interviews import (
    InterviewRoundSerializer,
    InterviewSerializer,
)
from interview_coordinator.views.base import PackageViewMixin


class InterviewViewSet(PackageViewMixin, viewsets.ModelViewSet[Interview]):
    serializer_class = InterviewSerializer
    lookup_value_regex = r"\d+"

    def get_queryset(self) -> QuerySet[Interview]:
        return Interview.objects.filter(user=self.request.user).order_by("-created_at", "-id")

    def perform_create(self, serializer: Any) -> None:
        serializer.save(user=self.request.user)


class InterviewRoundViewSet(PackageViewMixin, viewsets.ModelViewSet[InterviewRound]):
    serializer_class = InterviewRoundSerializer
    lookup_value_regex = r"\d+"

    def get_queryset(self) -> QuerySet[InterviewRound]:
        return InterviewRound.objects.filter(interview__user=self.request.user)
