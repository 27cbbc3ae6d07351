"""Celery tasks of the accounts app, as ``shared_task`` so that the host's Celery app finds them."""

from __future__ import annotations

from celery import shared_task

from interview_coordinator.accounts.passwords import PasswordResetForm


@shared_task(ignore_result=True)
def send_password_reset(email: str, domain: str, use_https: bool) -> None:
    """Email a reset token to the address's active accounts; queued for unknown ones too."""
    form = PasswordResetForm({"email": email})
    if form.is_valid():
        form.save(domain_override=domain, use_https=use_https)
