"""A throwaway Postgres server for tests, from the Debian `postgresql` package: initdb into a temp dir, pg_ctl start
on a free loopback port (no Unix socket), trust auth, stopped and deleted at the end. Each test gets a fresh
database on it (`new_database`), so tests never see each other's rows.

    with PostgresServer() as pg:          # pg.url("db1") -> "postgresql://postgres@127.0.0.1:PORT/db1"
        url = pg.new_database()

Postgres refuses to run as root; as root (CI) the server runs as the `postgres` user the package creates.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path

from conftest import free_port


def pg_bindir() -> Path | None:
    """The newest installed server's bin folder (Debian keeps it off PATH: /usr/lib/postgresql/<major>/bin)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).resolve().parent if initdb else None


class PostgresServer:
    def __init__(self) -> None:
        bindir = pg_bindir()
        if bindir is None:
            raise FileNotFoundError("initdb not found: install Debian's postgresql package (make test does)")
        self.bindir, self.port = bindir, free_port()
        self.tmp = Path(tempfile.mkdtemp(prefix="interviewer-pg-"))
        self.datadir = self.tmp / "data"
        self._as: list[str] = []
        if os.geteuid() == 0:
            user = pwd.getpwnam("postgres")
            os.chown(self.tmp, user.pw_uid, user.pw_gid)
            self._as = ["runuser", "-u", "postgres", "--"]

    def _run(self, *args: str) -> None:
        proc = subprocess.run([*self._as, *args], capture_output=True, text=True, timeout=120, cwd=self.tmp)
        if proc.returncode:
            raise RuntimeError(f"{args[0]} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")

    def start(self) -> "PostgresServer":
        self._run(str(self.bindir / "initdb"), "-D", str(self.datadir), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -c unix_socket_directories='' -c fsync=off"
        log = self.tmp / "server.log"
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "-l", str(log), "-o", options, "-w", "start")
        return self

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        import psycopg

        name = f"t_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        return self.url(name)

    def stop(self) -> None:
        try:
            self._run(str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.tmp, ignore_errors=True)

    def __enter__(self) -> "PostgresServer":
        try:
            return self.start()
        except BaseException:
            shutil.rmtree(self.tmp, ignore_errors=True)
            raise

    def __exit__(self, *exc: object) -> None:
        self.stop()
