"""Throwaway PostgreSQL and Redis servers for the tests: loopback only, a free non-default port, a
temporary folder, stopped when the test session ends.

The servers are real (Debian's ``postgresql`` and ``redis-server`` packages); when a binary is
missing the fixture fails and says how to install it, because a storage test that silently skips
proves nothing. Each test gets a database of its own (a new PostgreSQL database, a new Redis
database index), so tests never see each other's studies. ``stop()`` and ``start()`` let fault
tests take a server away for a while and bring it back with its data.
"""

from __future__ import annotations

import glob
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

INSTALL_HINT = "install it with `apt-get install -y postgresql redis-server` (`make test` does this)"
_START_TIMEOUT_S = 30.0


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _run(args: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(args, capture_output=True, text=True, timeout=120, **kwargs)  # type: ignore[call-overload]
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed ({result.returncode}): {result.stderr or result.stdout}")
    return result


class PostgresServer:
    """A PostgreSQL cluster in a temporary folder, run by the ``postgres`` user (initdb refuses root)."""

    def __init__(self) -> None:
        bins = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: [int(x) for x in
                                                                            Path(p).parent.name.split(".")])
        if not bins or not os.path.exists(os.path.join(bins[-1], "pg_ctl")):
            raise RuntimeError(f"PostgreSQL's server binaries (/usr/lib/postgresql/*/bin) are missing: {INSTALL_HINT}")
        if shutil.which("runuser") is None:
            raise RuntimeError("`runuser` is missing (util-linux): it starts PostgreSQL as the postgres user")
        self._bin = bins[-1]
        self.port = free_port()
        self._dir = tempfile.mkdtemp(prefix="parzen-pg-")
        shutil.chown(self._dir, "postgres", "postgres")
        self._data = os.path.join(self._dir, "data")
        self._as_postgres([f"{self._bin}/initdb", "-D", self._data, "-U", "postgres", "--auth=trust", "--no-sync"])
        self._names = itertools.count()
        self.start()

    def _as_postgres(self, args: list[str]) -> subprocess.CompletedProcess[str]:
        return _run(["runuser", "-u", "postgres", "--", *args], cwd=self._dir)

    def start(self) -> None:
        options = (f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self._dir} -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off -c max_connections=300")
        self._as_postgres([f"{self._bin}/pg_ctl", "-D", self._data, "-l", os.path.join(self._dir, "server.log"),
                           "-w", "-t", str(int(_START_TIMEOUT_S)), "start", "-o", options])

    def stop(self) -> None:
        self._as_postgres([f"{self._bin}/pg_ctl", "-D", self._data, "-m", "fast", "-w", "stop"])

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def new_url(self) -> str:
        """The URL of a new, empty database."""
        import psycopg

        name = f"t{os.getpid()}_{next(self._names)}"
        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres",
                             autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def close(self) -> None:
        try:
            self.stop()
        finally:
            shutil.rmtree(self._dir, ignore_errors=True)


class RedisServer:
    """A redis-server without persistence to disk except on ``stop()``, which saves for ``start()``."""

    DATABASES = 4096

    def __init__(self) -> None:
        self._server = shutil.which("redis-server")
        self._cli = shutil.which("redis-cli")
        if self._server is None or self._cli is None:
            raise RuntimeError(f"redis-server or redis-cli is missing: {INSTALL_HINT}")
        self.port = free_port()
        self._dir = tempfile.mkdtemp(prefix="parzen-redis-")
        self._indexes = itertools.count(1)
        self.start()

    def _ping(self) -> bool:
        result = subprocess.run([str(self._cli), "-p", str(self.port), "ping"], capture_output=True, text=True,
                                timeout=10)
        return result.stdout.strip() == "PONG"

    def start(self) -> None:
        _run([str(self._server), "--port", str(self.port), "--bind", "127.0.0.1", "--daemonize", "yes",
              "--save", "", "--appendonly", "no", "--dir", self._dir, "--databases", str(self.DATABASES),
              "--pidfile", os.path.join(self._dir, "redis.pid"), "--logfile", os.path.join(self._dir, "redis.log")])
        deadline = time.monotonic() + _START_TIMEOUT_S
        while not self._ping():
            if time.monotonic() > deadline:
                raise RuntimeError(f"redis-server did not answer on port {self.port}; see {self._dir}/redis.log")
            time.sleep(0.05)

    def _shutdown(self, how: str) -> None:
        subprocess.run([str(self._cli), "-p", str(self.port), "shutdown", how], capture_output=True, timeout=30)
        deadline = time.monotonic() + _START_TIMEOUT_S
        while self._ping() and time.monotonic() < deadline:
            time.sleep(0.05)

    def stop(self) -> None:
        """Stop the server, saving its data so that ``start()`` brings it back."""
        self._shutdown("save")

    def new_url(self) -> str:
        """The URL of a database index no other test uses."""
        index = next(self._indexes)
        if index >= self.DATABASES:
            raise RuntimeError(f"more than {self.DATABASES - 1} Redis databases were asked for in one session")
        return f"redis://127.0.0.1:{self.port}/{index}"

    def close(self) -> None:
        try:
            self._shutdown("nosave")
        finally:
            shutil.rmtree(self._dir, ignore_errors=True)
