"""The settings object: defaults, host overrides, unknown keys."""

import pytest
from django.test import override_settings
from rest_framework.permissions import IsAuthenticated

from interview_coordinator.conf import DEFAULTS, app_settings


def test_defaults_apply_without_host_settings():
    assert DEFAULTS["PAGE_SIZE_MAX"] == app_settings.PAGE_SIZE_MAX


def test_host_value_wins_and_override_settings_reaches_it():
    with override_settings(INTERVIEW_COORDINATOR={"PAGE_SIZE_MAX": 7}):
        assert app_settings.PAGE_SIZE_MAX == 7
    assert DEFAULTS["PAGE_SIZE_MAX"] == app_settings.PAGE_SIZE_MAX


def test_dotted_paths_are_imported():
    assert [IsAuthenticated] == app_settings.PERMISSION_CLASSES


def test_unknown_setting_is_an_attribute_error():
    with pytest.raises(AttributeError, match="NOT_A_SETTING"):
        app_settings.NOT_A_SETTING  # noqa: B018
