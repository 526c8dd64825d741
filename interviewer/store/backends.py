"""The two databases the history runs on, behind one small interface: SQLite (a file, one app process) and Postgres
(shared by app replicas). Queries are written once, with `?` placeholders, and return rows as dicts.

    db = open_database("postgresql://..." or Path("history.sqlite3"))
    with db.read() as q:  q.all(sql, args) / q.one(sql, args)
    with db.write() as q: q.run(...) / q.many(...)       # one transaction
    with db.exclusive() as q: ...                        # a transaction no other process runs beside (migrations)
    with db.step_lock(session_id): ...                   # one step per session across every process; else Locked

Hand-written SQL, not an ORM: the schema is four small tables and a dozen queries, the SQL they need is the same in
both but for `?` vs `%s`, `REAL` (float4 in Postgres, so DDL says DOUBLE PRECISION there) and how an exclusive
transaction is taken. psycopg (3) with its pool talks to Postgres; it is imported only when a URL is given.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
import threading
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any, Iterator, Protocol, Sequence

from interviewer.errors import InterviewerError

Row = dict[str, Any]
MIGRATION_LOCK = 7_150_001  # the advisory lock key migrations take in Postgres (any constant of our own)


class StoreError(InterviewerError):
    """The history database is unreadable or unreachable, or a session id is unknown."""


class NotFound(StoreError):
    """No saved session with that id."""


class Locked(StoreError):
    """Another request (in this process or another replica) is running a step of this session."""


class Query:
    """A connection in use: `?` placeholders in, dict rows out."""

    def __init__(self, conn: Any, postgres: bool):
        self.conn, self.postgres = conn, postgres

    def _execute(self, sql: str, args: Sequence[Any]) -> Any:
        if self.postgres:  # psycopg: %s placeholders, and no parameters at all (None) for a query without any
            return self.conn.execute(sql.replace("?", "%s"), tuple(args) or None)
        return self.conn.execute(sql, tuple(args))

    def run(self, sql: str, args: Sequence[Any] = ()) -> None:
        self._execute(sql, args)

    def all(self, sql: str, args: Sequence[Any] = ()) -> list[Row]:
        return list(self._execute(sql, args).fetchall())

    def one(self, sql: str, args: Sequence[Any] = ()) -> Row | None:
        return self._execute(sql, args).fetchone()

    def many(self, sql: str, rows: list[tuple]) -> None:
        if rows:
            self.conn.cursor().executemany(sql.replace("?", "%s") if self.postgres else sql, rows)


class Database(Protocol):
    shared: bool  # other processes may use it at the same time (replicas)

    def hold_open(self) -> None: ...
    def read(self) -> Any: ...
    def write(self) -> Any: ...
    def exclusive(self) -> Any: ...
    def step_lock(self, session_id: str) -> Any: ...
    def ddl(self, sql: str) -> str: ...
    def close(self) -> None: ...


class _InProcessLocks:
    """Session ids with a step running in this process: a second one is refused at once, without asking the
    database (a flood of requests from one session costs nothing)."""

    def __init__(self) -> None:
        self._held: set[str] = set()
        self._guard = threading.Lock()

    @contextmanager
    def hold(self, key: str) -> Iterator[None]:
        with self._guard:
            if key in self._held:
                raise Locked(f"session {key} is running a step")
            self._held.add(key)
        try:
            yield
        finally:
            with self._guard:
                self._held.discard(key)


def _dict_row(cursor: sqlite3.Cursor, row: tuple) -> Row:
    return {col[0]: value for col, value in zip(cursor.description, row)}


_FILE_LOCKS: dict[Path, _InProcessLocks] = {}  # one set per database file: every Store on it in this process
_FILE_LOCKS_GUARD = threading.Lock()


class Sqlite:
    """One file, one app process. Each call opens its own connection (one Store serves every thread); one more
    stays open for the Store's lifetime: while any connection is open, closing the others doesn't checkpoint the
    WAL, which would cost an fsync (~20 ms) on every save."""

    shared = False

    def __init__(self, path: Path):
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with _FILE_LOCKS_GUARD:
            self._locks = _FILE_LOCKS.setdefault(path.resolve(), _InProcessLocks())
        self._anchor: sqlite3.Connection | None = None

    def hold_open(self) -> None:
        """Called once the schema exists."""
        self._anchor = sqlite3.connect(self.path, check_same_thread=False)
        self._anchor.execute("SELECT 1 FROM _migrations LIMIT 1").fetchall()  # opens the file and the WAL index

    def close(self) -> None:
        anchor, self._anchor = self._anchor, None
        if anchor is not None:
            anchor.close()

    def ddl(self, sql: str) -> str:
        return sql

    @contextmanager
    def read(self) -> Iterator[Query]:
        try:
            with closing(sqlite3.connect(self.path, timeout=15, isolation_level=None)) as conn:
                conn.row_factory = _dict_row
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=NORMAL")
                conn.execute("PRAGMA foreign_keys=ON")
                yield Query(conn, postgres=False)
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"history database {self.path}: {exc}. Move it aside to start a fresh history.") from exc

    @contextmanager
    def write(self) -> Iterator[Query]:
        with self.read() as q:
            q.run("BEGIN IMMEDIATE")  # the write lock up front: no deadlock upgrading a read lock
            try:
                yield q
            except BaseException:
                q.run("ROLLBACK")
                raise
            q.run("COMMIT")

    exclusive = write  # BEGIN IMMEDIATE already excludes every other writer, in any process

    def step_lock(self, session_id: str) -> Any:
        return self._locks.hold(session_id)


def _lock_key(session_id: str) -> int:
    """A signed 64-bit advisory lock key for a session id."""
    return int.from_bytes(hashlib.sha256(session_id.encode()).digest()[:8], "big", signed=True)


class Postgres:
    """A server shared by every replica. Queries use a connection pool; step locks are session-level advisory
    locks on one more connection of this process, so they are released the moment the process dies (SIGKILL
    included: the server sees the socket close) and never hold a pooled connection through a step."""

    shared = True

    def __init__(self, url: str, pool_size: int = 10):
        import psycopg
        from psycopg.rows import dict_row
        from psycopg_pool import ConnectionPool

        self._psycopg, self._url, self._dict_row = psycopg, url, dict_row
        self.pool = ConnectionPool(
            url,
            min_size=1,
            max_size=max(1, pool_size),
            kwargs={"row_factory": dict_row},
            check=ConnectionPool.check_connection,  # a server restart costs no request an error
            timeout=15,
            open=False,
            name="interviewer-history",
        )
        self._locks = _InProcessLocks()
        self._lock_conn: Any = None
        self._lock_guard = threading.Lock()
        try:  # one plain connection first: a wrong URL fails at once, with the server's own reason
            psycopg.connect(url, connect_timeout=10).close()
            self.pool.open(wait=True, timeout=15)
        except Exception as exc:
            self.pool.close()
            raise StoreError(
                f"history database unreachable: {self._safe(exc)}. Check INTERVIEWER_DATABASE_URL."
            ) from None

    def hold_open(self) -> None:
        """The pool already keeps connections open."""

    def close(self) -> None:
        self.pool.close()
        with self._lock_guard:
            if self._lock_conn is not None:
                self._lock_conn.close()
                self._lock_conn = None

    def _safe(self, exc: BaseException) -> str:
        """The error without the URL's password, should the driver quote the URL."""
        password = re.search(r"://[^:/@]*:([^@]*)@", self._url)
        text = str(exc).strip() or type(exc).__name__
        return text.replace(password.group(1), "***") if password and password.group(1) else text

    def ddl(self, sql: str) -> str:
        return re.sub(r"\bREAL\b", "DOUBLE PRECISION", sql)

    @contextmanager
    def _connection(self) -> Iterator[Any]:
        try:
            with self.pool.connection() as conn:
                yield conn
        except self._psycopg.Error as exc:
            raise StoreError(f"history database: {self._safe(exc)}") from exc
        except self._pool_timeout() as exc:
            raise StoreError(f"history database: no connection within 15 s ({self._safe(exc)})") from exc

    def _pool_timeout(self) -> type[Exception]:
        from psycopg_pool import PoolTimeout

        return PoolTimeout

    @contextmanager
    def read(self) -> Iterator[Query]:
        with self._connection() as conn:  # the pool commits (or rolls back) when the block ends
            yield Query(conn, postgres=True)

    write = read  # every block is one transaction

    @contextmanager
    def exclusive(self) -> Iterator[Query]:
        with self.write() as q:
            q.run("SELECT pg_advisory_xact_lock(?)", (MIGRATION_LOCK,))  # released at commit
            yield q

    @contextmanager
    def step_lock(self, session_id: str) -> Iterator[None]:
        with self._locks.hold(session_id):  # a Postgres session lock is re-entrant: refuse our own threads first
            key = _lock_key(session_id)
            if not self._advisory("SELECT pg_try_advisory_lock(%s) AS ok", key):
                raise Locked(f"session {session_id} is running a step on another replica")
            try:
                yield
            finally:
                try:
                    self._advisory("SELECT pg_advisory_unlock(%s) AS ok", key)
                except StoreError:
                    pass  # the lock connection broke: the server released every lock it held

    def _advisory(self, sql: str, key: int) -> bool:
        with self._lock_guard:
            for attempt in (1, 2):  # a connection dropped while idle (server restart, firewall) is made anew once
                try:
                    if self._lock_conn is None or self._lock_conn.closed or self._lock_conn.broken:
                        self._lock_conn = self._psycopg.connect(self._url, autocommit=True, row_factory=self._dict_row)
                    return bool(self._lock_conn.execute(sql, (key,)).fetchone()["ok"])
                except self._psycopg.OperationalError as exc:
                    if self._lock_conn is not None:
                        self._lock_conn.close()
                    self._lock_conn = None
                    if attempt == 2:
                        raise StoreError(f"history database (step lock): {self._safe(exc)}") from exc
                except self._psycopg.Error as exc:
                    raise StoreError(f"history database (step lock): {self._safe(exc)}") from exc
        raise AssertionError("unreachable")


def open_database(target: str | Path, pool_size: int = 10) -> Sqlite | Postgres:
    """Postgres for a postgresql:// URL, else SQLite at that path."""
    text = str(target)
    if text.startswith(("postgresql://", "postgres://")):
        return Postgres(text, pool_size)
    return Sqlite(Path(target))
