"""Email settings are read as the running Django expects them: MAILERS from 6.1, EMAIL_* before.

Sending through a real SMTP server with either configuration is covered by
the reminder and test-email tests (``tests.reminder_fixtures.smtp``); here,
which backend and options a host's settings lead to.
"""

import warnings

import django
import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend

from interview_coordinator import mailers
from interview_coordinator.reminders import emails
from interview_coordinator.reminders.smtp import EmailBackend as PackageSmtpBackend

SMTP = "django.core.mail.backends.smtp.EmailBackend"
LOCMEM = "django.core.mail.backends.locmem.EmailBackend"
NEW_DJANGO = django.VERSION >= (6, 1)


def configure(settings, backend, **options):
    for name, value in mailers.mail_settings(backend, **options).items():
        setattr(settings, name, value)


def test_mailers_are_used_from_django_6_1_on():
    assert mailers.MAILERS_SUPPORTED is NEW_DJANGO


def test_the_settings_of_a_backend_are_written_as_the_running_django_expects():
    written = mailers.mail_settings(SMTP, host="smtp.example.com", port=2525, timeout=7)
    if NEW_DJANGO:
        assert written == {
            "MAILERS": {
                "default": {
                    "BACKEND": SMTP,
                    "OPTIONS": {"host": "smtp.example.com", "port": 2525, "timeout": 7},
                }
            }
        }
    else:
        assert written == {
            "EMAIL_BACKEND": SMTP,
            "EMAIL_HOST": "smtp.example.com",
            "EMAIL_PORT": 2525,
            "EMAIL_TIMEOUT": 7,
        }


def test_every_option_of_the_smtp_backend_has_its_former_setting():
    legacy = mailers.mail_settings(
        SMTP,
        host="h",
        port=1,
        username="u",
        password="p",
        use_tls=True,
        use_ssl=False,
        timeout=2,
        ssl_certfile="c",
        ssl_keyfile="k",
    )
    if not NEW_DJANGO:
        assert legacy == {
            "EMAIL_BACKEND": SMTP,
            "EMAIL_HOST": "h",
            "EMAIL_PORT": 1,
            "EMAIL_HOST_USER": "u",
            "EMAIL_HOST_PASSWORD": "p",
            "EMAIL_USE_TLS": True,
            "EMAIL_USE_SSL": False,
            "EMAIL_TIMEOUT": 2,
            "EMAIL_SSL_CERTFILE": "c",
            "EMAIL_SSL_KEYFILE": "k",
        }
    else:
        assert legacy["MAILERS"]["default"]["OPTIONS"]["username"] == "u"


def test_djangos_smtp_backend_becomes_the_packages_with_the_configured_options(settings):
    configure(settings, SMTP, host="smtp.example.com", port=2525, use_tls=True, timeout=7)
    connection = mailers.connection(emails.SMTP_BACKEND, timeout=7.0)
    assert isinstance(connection, PackageSmtpBackend)
    assert (connection.host, connection.port, connection.use_tls, connection.timeout) == (
        "smtp.example.com",
        2525,
        True,
        7.0,
    )


def test_the_timeout_comes_from_the_configuration_else_from_the_package(settings):
    configure(settings, SMTP, host="smtp.example.com", timeout=7)
    assert mailers.configured_timeout() == 7.0
    assert emails.smtp_timeout() == 7.0
    configure(settings, SMTP, host="smtp.example.com")
    if not NEW_DJANGO:
        settings.EMAIL_TIMEOUT = None
    assert mailers.configured_timeout() is None
    settings.INTERVIEW_COORDINATOR = {"SMTP_TIMEOUT_SECONDS": 12}
    assert emails.smtp_timeout() == 12.0
    connection = mailers.connection(emails.SMTP_BACKEND, timeout=emails.smtp_timeout())
    assert connection.timeout == 12.0


def test_another_backend_is_used_as_configured(settings):
    configure(settings, LOCMEM)
    assert isinstance(mailers.connection(emails.SMTP_BACKEND, timeout=5.0), LocmemBackend)


def test_an_email_goes_out_through_the_configured_backend_without_any_warning(settings):
    configure(settings, LOCMEM)
    mail.outbox = []
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        emails.send(mail.EmailMessage("Subject", "Body", "from@example.com", ["to@example.com"]))
    assert [message.subject for message in mail.outbox] == ["Subject"]


def test_a_message_without_recipients_opens_no_connection(settings):
    configure(settings, SMTP, host="127.0.0.1", port=9, timeout=1)
    emails.send(mail.EmailMessage("Subject", "Body", "from@example.com", []))


@pytest.mark.skipif(not NEW_DJANGO, reason="MAILERS exists from Django 6.1 on")
def test_mailers_without_a_default_one_is_djangos_own_error(settings):
    settings.MAILERS = {"other": {"BACKEND": LOCMEM}}
    with pytest.raises(mail.MailerDoesNotExist):
        mailers.connection(emails.SMTP_BACKEND, timeout=5.0)


@pytest.mark.skipif(NEW_DJANGO, reason="before Django 6.1, MAILERS means nothing")
def test_mailers_is_ignored_by_a_django_that_does_not_know_it(settings):
    settings.MAILERS = {"default": {"BACKEND": SMTP, "OPTIONS": {"host": "ignored"}}}
    configure(settings, LOCMEM)
    assert mailers.mailers_setting() is None
    assert isinstance(mailers.connection(emails.SMTP_BACKEND, timeout=5.0), LocmemBackend)
