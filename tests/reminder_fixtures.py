"""Real parts for the reminder tests: an SMTP server the test controls, a broker, a worker.

- ``smtp_server``: aiosmtpd on a spare port; ``fail(n)`` makes the next ``n``
  messages fail with a temporary error, ``stop()``/``start()`` take it down and
  up (connections are then refused), ``answer_late(s)`` stores messages but
  answers them late, ``hold()``/``release()`` keep a sender waiting for its
  answer, ``messages`` holds what it accepted.
- ``broker``: a throwaway redis-server of the test's own.
- ``celery_workers``: two ``celery -A tests.celery_app worker --beat`` subprocesses
  (two workers, two beats) on the test's database, broker and SMTP server,
  stopped at the end.

Every wait is bounded and every process started here is stopped by its id.
"""

import asyncio
import email
import email.policy
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from django.db import connection

from interview_coordinator.mailers import mail_settings
from tests.celery_app import app as celery_app
from tests.servers import ThrowawayRedis, free_port

ROOT = Path(__file__).resolve().parent.parent
WORKER_START_TIMEOUT = 60
WORKER_STOP_TIMEOUT = 20
# Longest a held message waits for the test to release it.
HOLD_TIMEOUT = 60


class RecordingHandler:
    """Accepts messages, or refuses the next ``failures`` with a temporary error.

    ``recipient_answer`` and ``data_answer``, when set, refuse every
    recipient or every message with that reply instead.

    An accepted message is stored first and answered after ``answer_delay``
    seconds, and not before ``release`` is set: a server that has the message
    but answers late, or holds the sender while the test looks around.
    ``received`` is set once a message is stored.
    """

    def __init__(self):
        self.messages = []
        self.failures = 0
        self.refused = 0
        self.answer_delay = 0.0
        # A reply to every RCPT or DATA instead of accepting: a refusal.
        self.recipient_answer = None
        self.data_answer = None
        self.received = threading.Event()
        self.release = threading.Event()
        self.release.set()
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.recipient_answer is not None:
            return self.recipient_answer
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            if self.data_answer is not None:
                return self.data_answer
            if self.failures > 0:
                self.failures -= 1
                self.refused += 1
                return "451 4.3.0 Temporary failure, try again later"
            self.messages.append(
                email.message_from_bytes(envelope.content, policy=email.policy.default)
            )
        self.received.set()
        deadline = time.monotonic() + HOLD_TIMEOUT
        while not self.release.is_set() and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        if self.answer_delay:
            await asyncio.sleep(self.answer_delay)
        return "250 Message accepted"


class SMTPServer:
    def __init__(self):
        self.port = free_port()
        self.handler = RecordingHandler()
        self.controller = None

    @property
    def messages(self):
        return list(self.handler.messages)

    def fail(self, count):
        with self.handler.lock:
            self.handler.failures = count

    def refuse(self, *, recipient=None, data=None):
        """Answer every RCPT, or every DATA, with this reply (``"550 ..."``, ``"451 ..."``)."""
        self.handler.recipient_answer = recipient
        self.handler.data_answer = data

    def answer_late(self, seconds):
        """Store each message at once, but answer it only ``seconds`` later."""
        self.handler.answer_delay = seconds

    def hold(self):
        """Keep the next senders waiting for their answer until ``release()``."""
        self.handler.received.clear()
        self.handler.release.clear()

    def release(self):
        self.handler.release.set()

    def reset(self):
        with self.handler.lock:
            self.handler.messages.clear()
            self.handler.failures = 0
            self.handler.refused = 0
        self.handler.answer_delay = 0.0
        self.refuse()
        self.handler.received.clear()
        self.handler.release.set()

    def start(self):
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def wait_for_messages(self, count, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.handler.messages) >= count:
                return self.messages
            time.sleep(0.1)
        return self.messages


@pytest.fixture(scope="module")
def smtp_server():
    server = SMTPServer()
    server.start()
    yield server
    server.stop()


def use_smtp(settings, port, timeout):
    """Point Django's SMTP backend at the test server, as the running Django configures it."""
    for name, value in mail_settings(
        "django.core.mail.backends.smtp.EmailBackend",
        host="127.0.0.1",
        port=port,
        use_tls=False,
        timeout=timeout,
    ).items():
        setattr(settings, name, value)


@pytest.fixture
def smtp(smtp_server, settings):
    """The SMTP server, empty, with Django's SMTP backend pointed at it."""
    if smtp_server.controller is None:
        smtp_server.start()
    smtp_server.reset()
    use_smtp(settings, smtp_server.port, timeout=5)
    yield smtp_server
    smtp_server.reset()


@pytest.fixture(scope="module")
def broker():
    redis = ThrowawayRedis()
    redis.start()
    yield redis
    redis.stop()


@pytest.fixture
def celery_through(request):
    """Make the test process publish to a real broker URL instead of running eagerly."""
    celery_app.conf.task_always_eager  # noqa: B018 - loads the configuration before overriding it
    saved = (celery_app.conf.task_always_eager, celery_app.conf.broker_url)

    def point_at(url):
        celery_app.conf.task_always_eager = False
        celery_app.conf.broker_url = url

    yield point_at
    celery_app.conf.task_always_eager, celery_app.conf.broker_url = saved


@pytest.fixture(scope="module")
def celery_workers(django_db_setup, django_db_blocker, broker, smtp_server, tmp_path_factory):
    """Two real workers, each with its own embedded beat, on the test's database,
    broker and SMTP server: two scans and two senders race on every due reminder.
    """
    with django_db_blocker.unblock():
        database_name = connection.settings_dict["NAME"]
    workdir = tmp_path_factory.mktemp("celery")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.worker_settings",
        "IC_WORKER_DB_NAME": database_name,
        "IC_WORKER_BROKER_URL": f"{broker.url}/0",
        "IC_WORKER_SMTP_PORT": str(smtp_server.port),
        "PYTHONPATH": str(ROOT),
    }
    handles = []
    try:
        for name in ("first", "second"):
            handles.append(start_worker(name, workdir, env, f"{broker.url}/0"))
        for handle in handles:
            wait_for_log(handle.log_path, "ready.", handle.process, WORKER_START_TIMEOUT)
        yield handles
    finally:
        for handle in handles:
            stop_process_group(handle.process)


def start_worker(name, workdir, env, broker_url):
    log_path = workdir / f"{name}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "tests.celery_app",
                "worker",
                f"--hostname={name}@%h",
                "--beat",
                # In memory: the shelve file of Celery's default scheduler fails
                # with "locking protocol" under Python 3.13's dbm.sqlite3.
                "--scheduler=celery.beat:Scheduler",
                "--pool=solo",
                "--without-heartbeat",
                "--without-gossip",
                "--without-mingle",
                "--loglevel=INFO",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return WorkerHandle(process, log_path, broker_url)


class WorkerHandle:
    def __init__(self, process, log_path, broker_url):
        self.process = process
        self.log_path = log_path
        self.broker_url = broker_url

    def log(self):
        return self.log_path.read_text(errors="replace")


def wait_for_log(path, text, process, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if text in path.read_text(errors="replace"):
            return
        if process.poll() is not None:
            break
        time.sleep(0.2)
    raise RuntimeError(f"the Celery worker did not start:\n{path.read_text(errors='replace')}")


def stop_process_group(process):
    """Stop the worker and its embedded beat (its own session), by the worker's id."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        process.wait(timeout=WORKER_STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=WORKER_STOP_TIMEOUT)
