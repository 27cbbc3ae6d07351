"""A custom user model, so that every test run proves AUTH_USER_MODEL is honoured."""

from django.contrib.auth.models import AbstractUser
from django.db import models


class Member(AbstractUser):
    display_name = models.CharField(max_length=100, blank=True)

    class Meta:
        db_table = "testapp_member"
