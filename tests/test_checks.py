"""Every system check id, triggered and silent."""

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings

LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


def test_check_passes_on_the_test_settings():
    call_command("check")


@override_settings(USE_TZ=False)
def test_use_tz_off_is_an_error():
    with pytest.raises(SystemCheckError, match=r"interview_coordinator\.E001"):
        call_command("check")


def test_missing_rest_framework_is_an_error(settings):
    from interview_coordinator.checks import check_dependencies

    settings.INSTALLED_APPS = [a for a in settings.INSTALLED_APPS if a != "rest_framework"]
    assert [m.id for m in check_dependencies(None)] == ["interview_coordinator.E002"]


@override_settings(RATELIMIT_USE_CACHE="nope")
def test_unknown_ratelimit_cache_is_an_error():
    with pytest.raises(SystemCheckError, match=r"interview_coordinator\.E003"):
        call_command("check")


@override_settings(CACHES=LOCMEM, DEBUG=False)
def test_per_process_cache_warns_when_debug_is_off():
    from interview_coordinator.checks import check_shared_cache

    assert [m.id for m in check_shared_cache(None)] == ["interview_coordinator.W001"]


@override_settings(CACHES=LOCMEM, DEBUG=True)
def test_per_process_cache_is_fine_in_debug():
    from interview_coordinator.checks import check_shared_cache

    assert check_shared_cache(None) == []


def test_missing_token_blacklist_is_an_error(settings):
    settings.INSTALLED_APPS = [
        a for a in settings.INSTALLED_APPS if a != "rest_framework_simplejwt.token_blacklist"
    ]
    from interview_coordinator.accounts.checks import check_accounts

    assert [m.id for m in check_accounts(None)] == ["interview_coordinator_accounts.E001"]


@override_settings(INTERVIEW_COORDINATOR={"BLACKLIST_ON_LOGOUT": False})
def test_token_blacklist_not_needed_when_disabled(settings):
    settings.INSTALLED_APPS = [
        a for a in settings.INSTALLED_APPS if a != "rest_framework_simplejwt.token_blacklist"
    ]
    from interview_coordinator.accounts.checks import check_accounts

    assert check_accounts(None) == []


@override_settings(INTERVIEW_COORDINATOR={"TEST_EMAIL_RATE": "three per hour"})
def test_malformed_test_email_rate_is_an_error():
    with pytest.raises(SystemCheckError, match=r"interview_coordinator\.E004"):
        call_command("check")


@override_settings(INTERVIEW_COORDINATOR={"CALENDAR_FEED_RATE": "hourly"})
def test_malformed_calendar_feed_rate_is_an_error():
    with pytest.raises(SystemCheckError, match=r"interview_coordinator\.E004"):
        call_command("check")


@override_settings(INTERVIEW_COORDINATOR={"PAGE_SIZE_MAXIMUM": 50})
def test_misspelt_setting_warns():
    from interview_coordinator.checks import check_setting_names

    messages = check_setting_names(None)

    assert [m.id for m in messages] == ["interview_coordinator.W002"]
    assert "PAGE_SIZE_MAXIMUM" in messages[0].msg


def test_removed_setting_is_an_error(monkeypatch, settings):
    from interview_coordinator import checks

    monkeypatch.setattr(checks, "REMOVED_SETTINGS", {"OLD_KEY": "Use NEW_KEY instead."})
    settings.INTERVIEW_COORDINATOR = {"OLD_KEY": 1}

    (message,) = checks.check_setting_names(None)
    assert message.id == "interview_coordinator.E005"
    assert message.hint == "Remove it. Use NEW_KEY instead."


def test_the_removed_rate_limit_cache_names_the_setting_that_replaces_it(settings):
    from interview_coordinator import checks

    settings.INTERVIEW_COORDINATOR = {"RATELIMIT_CACHE": "default"}

    (message,) = checks.check_setting_names(None)
    assert message.id == "interview_coordinator.E005"
    assert "RATELIMIT_USE_CACHE" in message.hint


def test_missing_django_filters_is_an_error(settings):
    from interview_coordinator.checks import check_dependencies

    settings.INSTALLED_APPS = [a for a in settings.INSTALLED_APPS if a != "django_filters"]
    messages = check_dependencies(None)

    assert [m.id for m in messages] == ["interview_coordinator.E002"]
    assert "django_filters" in messages[0].msg


@pytest.fixture
def host_celery_app(monkeypatch):
    """A Celery app made as a host makes it, from Django settings; the suite's again after."""
    from celery import Celery

    from tests.celery_app import app as suite_app

    monkeypatch.delenv("CELERY_BROKER_URL", raising=False)
    app = Celery("host")
    app.config_from_object("django.conf:settings", namespace="CELERY")
    yield app
    suite_app.set_current()


@override_settings(CELERY_BROKER_URL=None, CELERY_TASK_ALWAYS_EAGER=False)
def test_no_celery_broker_warns(host_celery_app):
    with pytest.raises(SystemCheckError, match=r"interview_coordinator\.W003") as raised:
        call_command("check", fail_level="WARNING")
    assert "send_due_reminders" in str(raised.value)


def test_no_celery_app_at_all_warns(monkeypatch):
    """A host that never made a Celery app gets Celery's default one, with no broker."""
    from celery import Celery

    from interview_coordinator.checks import check_celery_broker
    from tests.celery_app import app as suite_app

    monkeypatch.delenv("CELERY_BROKER_URL", raising=False)
    Celery("default")
    try:
        assert [m.id for m in check_celery_broker(None)] == ["interview_coordinator.W003"]
    finally:
        suite_app.set_current()


@override_settings(CELERY_BROKER_URL="redis://127.0.0.1:6379/0", CELERY_TASK_ALWAYS_EAGER=False)
def test_a_celery_broker_is_enough(host_celery_app):
    call_command("check", fail_level="WARNING")


@override_settings(CELERY_BROKER_URL=None, CELERY_TASK_ALWAYS_EAGER=True)
def test_tasks_run_eagerly_need_no_broker(host_celery_app):
    call_command("check", fail_level="WARNING")


# kombu's MongoDB transport imports pymongo when it is loaded, and pymongo is
# not installed here: the broker's scheme names a transport that cannot load,
# as redis:// does where celery[redis] was not installed.
UNLOADABLE_BROKER = "mongodb://127.0.0.1:27017/broker"


@override_settings(CELERY_BROKER_URL=UNLOADABLE_BROKER, CELERY_TASK_ALWAYS_EAGER=False)
def test_a_broker_whose_transport_cannot_be_imported_is_an_error(host_celery_app):
    with pytest.raises(ImportError):
        __import__("pymongo")
    with pytest.raises(SystemCheckError, match=r"interview_coordinator\.E006") as raised:
        call_command("check")
    assert "pymongo" in str(raised.value)
    assert "django-interview-coordinator[redis]" in str(raised.value)


@override_settings(CELERY_BROKER_URL="nosuchbroker://x", CELERY_TASK_ALWAYS_EAGER=False)
def test_a_broker_of_an_unknown_scheme_is_an_error(host_celery_app):
    with pytest.raises(SystemCheckError, match=r"interview_coordinator\.E006"):
        call_command("check")


@override_settings(INTERVIEW_COORDINATOR={"PAGE_SIZE_MAX": "ten"})
def test_a_setting_of_the_wrong_type_is_an_error():
    with pytest.raises(SystemCheckError, match=r"interview_coordinator\.E007") as raised:
        call_command("check")
    assert "INTERVIEW_COORDINATOR['PAGE_SIZE_MAX'] must be a whole number" in str(raised.value)
    assert "'ten'" in str(raised.value)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("PAGE_SIZE_MAX", 0),
        ("MAX_INTERVIEWS_PER_USER", 10.0),
        ("TRUSTED_PROXY_COUNT", -1),
        ("TRUSTED_PROXY_COUNT", True),
        ("BLACKLIST_ON_LOGOUT", "yes"),
        ("RATELIMIT_FAIL_OPEN", 1),
        ("REMINDER_MAX_ATTEMPTS", 0),
        ("SMTP_TIMEOUT_SECONDS", 0),
        ("BROKER_TIMEOUT_SECONDS", float("nan")),
        ("REMINDER_RETRY_BACKOFF_SECONDS", "60"),
        ("AUTHENTICATION_CLASSES", "rest_framework.authentication.SessionAuthentication"),
        ("RENDERER_CLASSES", [42]),
        ("PASSWORD_VALIDATORS", ["django.contrib.auth.password_validation.MinimumLengthValidator"]),
        ("PASSWORD_RESET_URL", 42),
        ("CALENDAR_PAST_DAYS", None),
        ("AUTH_RATE", 5),
    ],
)
def test_each_setting_refuses_values_of_another_type_or_range(settings, name, value):
    from interview_coordinator.checks import check_setting_values

    settings.INTERVIEW_COORDINATOR = {name: value}
    messages = check_setting_values(None)
    assert [m.id for m in messages] == ["interview_coordinator.E007"]
    assert repr(name) in messages[0].msg


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("REMINDER_MAX_ATTEMPTS", 3),
        ("SMTP_TIMEOUT_SECONDS", 2.5),
        ("REMINDER_RETRY_BACKOFF_SECONDS", 30),
        ("PASSWORD_VALIDATORS", []),
        ("AUTHENTICATION_CLASSES", ("rest_framework.authentication.SessionAuthentication",)),
        ("TRUSTED_PROXY_COUNT", 2),
        ("ID_DOMAIN", "example.com"),
        ("RATELIMIT_FAIL_OPEN", True),
    ],
)
def test_values_of_the_documented_type_pass(settings, name, value):
    from interview_coordinator.checks import check_setting_values

    settings.INTERVIEW_COORDINATOR = {name: value}
    assert check_setting_values(None) == []


def test_every_setting_has_a_kind_that_its_default_passes():
    from interview_coordinator.conf import DEFAULTS, KINDS

    assert set(KINDS) == set(DEFAULTS)
    assert {name: KINDS[name].problem(value) for name, value in DEFAULTS.items()} == dict.fromkeys(
        DEFAULTS
    )


@override_settings(INTERVIEW_COORDINATOR=[("PAGE_SIZE_MAX", 10)])
def test_settings_that_are_not_a_dict_are_an_error():
    with pytest.raises(SystemCheckError, match=r"interview_coordinator\.E007") as raised:
        call_command("check")
    assert "INTERVIEW_COORDINATOR must be a dict, not list" in str(raised.value)
