"""Serializers of interviews and rounds."""

from __future__ import annotations

from rest_framework import serializers

from interview_coordinator.models import Interview, InterviewRound


class InterviewRoundSerializer(serializers.ModelSerializer[InterviewRound]):
    class Meta:
        model = InterviewRound
        fields = "__all__"


class InterviewSerializer(serializers.ModelSerializer[Interview]):
    class Meta:
        model = Interview
        exclude = ["user"]
