"""Real processes for the fault tests: a Redis, an SMTP sink, Celery workers and beats, all of the test's own.

Every process runs in its own process group and is killed with it when the test ends, whatever happened.
The worker and beat see the test's PostgreSQL database (the test commits its data: `transaction=True`).
"""

import asyncio
import contextlib
import email
import email.message
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote

import pytest
import redis
from aiosmtpd.controller import Controller
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
# As smops/Procfile and deploy/systemd/smops-worker.service run the worker: without the broadcast-based mingle and
# gossip steps, which a Redis restart can leave hanging (the worker reconnects, then takes no task).
WORKER_FLAGS = ("--without-mingle", "--without-gossip")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(condition, *, timeout: float, interval: float = 0.2, what: str = "condition"):
    """Poll `condition` until it returns something true; its value, or a failure naming `what`."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"{what}: not reached within {timeout:.0f} s")
        time.sleep(interval)


def _kill_group(process: subprocess.Popen) -> None:
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)


# --- Redis ------------------------------------------------------------------------------------------


class RedisServer:
    """`redis-server` on a free loopback port, without persistence: a kill loses every queued message."""

    def __init__(self, folder: Path):
        self.port, self.folder = free_port(), folder
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        log = open(self.folder / "redis.log", "ab")  # noqa: SIM115 - the process writes it until killed
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            cwd=self.folder,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        client = redis.Redis(port=self.port, socket_connect_timeout=1)
        wait_until(lambda: self._pong(client), timeout=20, what="redis-server answering PING")

    @staticmethod
    def _pong(client) -> bool:
        try:
            return client.ping()
        except redis.RedisError:
            return False

    def kill(self) -> None:
        """As a crash: SIGKILL, nothing saved."""
        if self.process is not None:
            _kill_group(self.process)


@pytest.fixture
def redis_server(tmp_path):
    if shutil.which("redis-server") is None:
        message = "redis-server is not installed (.ci/run installs it)"
        pytest.fail(message) if os.environ.get("CI") else pytest.skip(message)
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.kill()


# --- SMTP ---------------------------------------------------------------------------------------------


class SmtpSink:
    """An SMTP server on loopback that keeps every message it accepts, with its envelope recipients.

    `hold_next()` makes it store the next message and then keep the client waiting for its "250" until
    `release()`: the moment a sender can die after the server has the message but before it knows.
    """

    def __init__(self):
        self.port = free_port()
        self.received: list[tuple[tuple[str, ...], email.message.Message]] = []
        self.lock = threading.Lock()
        self.controller: Controller | None = None
        self._hold = False
        self.held = threading.Event()
        self._released = threading.Event()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        message = email.message_from_bytes(envelope.content)
        with self.lock:
            self.received.append((tuple(envelope.rcpt_tos), message))
            hold, self._hold = self._hold, False
        if hold:
            self.held.set()
            while not self._released.is_set():
                await asyncio.sleep(0.05)
        return "250 Message accepted for delivery"

    def hold_next(self) -> None:
        self.held.clear()
        self._released.clear()
        self._hold = True

    def release(self) -> None:
        self._released.set()

    def messages(self) -> list[tuple[tuple[str, ...], email.message.Message]]:
        with self.lock:
            return list(self.received)

    @property
    def running(self) -> bool:
        return self.controller is not None

    def start(self) -> None:
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        """Refuse connections from now on (what a crashed mail server looks like to a sender)."""
        self.release()
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp_sink():
    sink = SmtpSink()
    sink.start()
    yield sink
    sink.stop()


# --- Celery ------------------------------------------------------------------------------------------


class CeleryProcesses:
    """`celery worker` and `celery beat` of the project, started by name, killed by name or all at the end.

    Supervised as production runs them (deploy/systemd: `Restart=always`, smops/Procfile: a restart loop): a process
    that exits by itself (kombu's Redis transport can still die on a connection it already closed) is started again
    after two seconds; one the test kills stays down. `restarts` lists what was restarted, for the failure message.
    """

    def __init__(self, env: dict, folder: Path):
        self.env, self.folder = env, folder
        self.processes: dict[str, subprocess.Popen] = {}
        self.commands: dict[str, tuple[str, ...]] = {}
        self.killed: set[str] = set()
        self.restarts: list[str] = []
        self._stop = threading.Event()
        self._supervisor = threading.Thread(target=self._supervise, daemon=True)
        self._supervisor.start()

    def _supervise(self) -> None:
        while not self._stop.wait(2):
            for name, process in list(self.processes.items()):
                if process.poll() is not None and name not in self.killed and not self._stop.is_set():
                    self.restarts.append(f"{name} exited ({process.returncode}), restarted")
                    self._start(name, *self.commands[name])

    def _start(self, name: str, *args: str) -> subprocess.Popen:
        assert name not in self.processes or self.processes[name].poll() is not None, f"{name} is running"
        self.commands[name] = args
        self.killed.discard(name)
        log = open(self.folder / f"{name}.log", "ab")  # noqa: SIM115 - the process writes it until killed
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "smops", *args],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: a kill reaches the pool's children too
        )
        self.processes[name] = process
        return process

    def worker(self, name: str) -> subprocess.Popen:
        return self._start(
            name, "worker", "--loglevel", "INFO", "--concurrency", "2", "--hostname", f"{name}@%h", *WORKER_FLAGS
        )

    def beat(self, name: str) -> subprocess.Popen:
        return self._start(name, "beat", "--loglevel", "INFO", "--pidfile", str(self.folder / f"{name}.pid"))

    def kill(self, name: str) -> None:
        """SIGKILL to the whole group: no warm shutdown, no restoring of messages, connections cut. It stays down."""
        self.killed.add(name)
        _kill_group(self.processes[name])

    def alive(self, name: str) -> bool:
        return self.processes[name].poll() is None

    def kill_all(self) -> None:
        self._stop.set()
        self._supervisor.join(timeout=10)
        for process in self.processes.values():
            _kill_group(process)

    def logs(self, lines: int = 40) -> str:
        """The end of every process's log, for a failure message."""
        parts = [f"--- restarts: {self.restarts or 'none'}"]
        for path in sorted(self.folder.glob("*.log")):
            tail = path.read_text(errors="replace").splitlines()[-lines:]
            parts.append(f"--- {path.name} (last {len(tail)} lines) ---\n" + "\n".join(tail))
        return "\n".join(parts)


def database_url() -> str:
    """The test database (test_…), which the subprocesses must use: the test commits its rows there."""
    db = connection.settings_dict
    credentials = quote(db["USER"] or "") + (f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else "")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def celery_processes(on_postgres, transactional_db, redis_server, smtp_sink, tmp_path):
    """Set up after the database (and so torn down before its flush): no process outlives the test."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "smops.settings",
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": redis_server.url,
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_sink.port}",
        "EMAIL_TIMEOUT": "5",
        # Seconds instead of minutes, so that the scenarios fit in a test run; the logic is the same.
        "SCAN_INTERVAL_SECONDS": "1",
        "OUTBOX_BACKOFF_BASE_SECONDS": "1",
        # A claim left by a killed worker lapses in seconds (longer than EMAIL_TIMEOUT, so a live send keeps it).
        "OUTBOX_SENDING_TIMEOUT": "15",
        "CONN_MAX_AGE": "0",
        "PYTHONUNBUFFERED": "1",
        "LOG_LEVEL": "INFO",
    }
    processes = CeleryProcesses(env, tmp_path)
    yield processes
    processes.kill_all()
    connection.close()
