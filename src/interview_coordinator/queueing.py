"""Queueing a Celery task from a request without letting a dead broker hang it.

Celery's defaults retry a failed publish for seconds and a Redis transport
retries its connection on top of that; a request would hang and the API
worker with it. Here a request publishes once, on its own connection, with
connect and read timeouts of ``BROKER_TIMEOUT_SECONDS``, and a broker that
does not answer becomes ``BrokerUnavailable``; so does a publish that fails
for any other reason (a transport whose library is not installed, a
malformed broker URL), so that the caller answers 503 rather than 500.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import Celery, Task
from kombu.exceptions import KombuError

from interview_coordinator.conf import app_settings

logger = logging.getLogger(__name__)


class BrokerUnavailable(Exception):
    """The task queue could not be reached in time."""


def broker_configured(app: Celery) -> bool:
    """Whether ``app``'s tasks reach a worker (a broker is set) or run in-process (eager).

    Neither means a site without Celery: publishing would go to Celery's
    default ``amqp://localhost``, where nothing may listen and nothing sends.
    """
    return bool(app.conf.task_always_eager or app.conf.broker_url)


def publish(task: Task[Any, Any], *args: Any) -> str:
    """Queue ``task(*args)`` (or run it, when the app is eager); return the task id."""
    app = task.app
    timeout = float(app_settings.BROKER_TIMEOUT_SECONDS)
    transport_options = {
        **(app.conf.broker_transport_options or {}),
        "socket_connect_timeout": timeout,
        "socket_timeout": timeout,
        "max_retries": 0,
    }
    try:
        with app.connection_for_write(
            connect_timeout=timeout, transport_options=transport_options
        ) as connection:
            # ``connection`` is passed through to the producer; celery-types omits it.
            result = task.apply_async(
                args=args,
                connection=connection,  # type: ignore[call-arg]
                retry=False,
            )
    except (KombuError, OSError) as exc:
        raise BrokerUnavailable(str(exc)) from exc
    except Exception as exc:
        # An ImportError of the transport, a ValueError of its URL...: not an
        # outage but a configuration to fix, so its traceback is logged.
        logger.exception("Publishing %s failed", task.name)
        raise BrokerUnavailable(f"{type(exc).__name__}: {exc}") from exc
    return str(result.id)
