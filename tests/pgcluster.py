"""A throw-away PostgreSQL cluster for the tests, from Debian's `postgresql` package.

Started once per test run in a temporary folder, listening on 127.0.0.1 and a socket in
that folder only, with fsync off (nothing in it outlives the run), and stopped at the end.
PostgreSQL refuses to run as root, so under root (CI) the server runs as the package's
`postgres` user. Each test gets a database of its own, dropped afterwards.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

USER = "komek"


class ClusterUnavailable(RuntimeError):
    """PostgreSQL is not installed here, or its server would not start."""


def _bin_dir() -> Path:
    """Debian keeps the server programs off PATH, in /usr/lib/postgresql/<major>/bin."""
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).resolve().parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"),
                        key=lambda p: int(Path(p).parent.parent.name))
    if not candidates:
        raise ClusterUnavailable("PostgreSQL is not installed (apt-get install postgresql)")
    return Path(candidates[-1]).parent


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Cluster:
    folder: Path
    port: int
    bin_dir: Path
    as_user: list[str]

    @classmethod
    def start(cls) -> Cluster:
        bin_dir = _bin_dir()
        folder = Path(tempfile.mkdtemp(prefix="komek-pg-"))
        as_user: list[str] = []
        if os.geteuid() == 0:
            runuser = shutil.which("runuser")
            if runuser is None:
                raise ClusterUnavailable("running as root, and runuser is missing")
            as_user = [runuser, "-u", "postgres", "--"]
            shutil.chown(folder, "postgres", "postgres")
        cluster = cls(folder, _free_port(), bin_dir, as_user)
        cluster._run("initdb", "--pgdata", str(folder / "data"), "--username", USER,
                     "--auth", "trust", "--encoding", "UTF8", "--locale", "C.UTF-8",
                     "--no-sync")
        options = (f"-c listen_addresses=127.0.0.1 -c port={cluster.port} "
                   f"-c unix_socket_directories={folder} -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
        cluster._run("pg_ctl", "--pgdata", str(folder / "data"), "--log",
                     str(folder / "server.log"), "--options", options, "--wait", "start")
        return cluster

    def _run(self, program: str, *args: str) -> None:
        command = [*self.as_user, str(self.bin_dir / program), *args]
        result = subprocess.run(command, capture_output=True, text=True, timeout=120,
                                check=False)
        if result.returncode != 0:
            log = self.folder / "server.log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise ClusterUnavailable(f"{program} failed: {result.stderr.strip()} {tail}")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{USER}@127.0.0.1:{self.port}/{database}"

    def psql(self, database: str, sql: str) -> str:
        psql = shutil.which("psql") or str(self.bin_dir / "psql")
        result = subprocess.run(
            [psql, "--no-psqlrc", "--quiet", "--tuples-only", "--no-align",
             "--set", "ON_ERROR_STOP=1", "--command", sql, self.url(database)],
            capture_output=True, text=True, timeout=60, check=True)
        return result.stdout

    def dump(self, database: str) -> bytes:
        """pg_dump's plain SQL of a database: every row it holds."""
        result = subprocess.run(
            [str(self.bin_dir / "pg_dump"), "--no-owner", self.url(database)],
            capture_output=True, timeout=120, check=True)
        return result.stdout

    def new_database(self) -> str:
        name = f"t_{uuid.uuid4().hex[:12]}"
        self.psql("postgres", f"CREATE DATABASE {name}")
        return name

    def drop_database(self, name: str) -> None:
        self.psql("postgres", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "--pgdata", str(self.folder / "data"), "--mode", "immediate",
                      "--wait", "stop")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)


__all__ = ["Cluster", "ClusterUnavailable"]
