"""The history database's schema, as numbered migrations: store.Store.migrate() applies the ones not yet recorded,
in order. Never edit an applied migration; add the next one."""

MIGRATIONS: list[tuple[str, str]] = [
    (
        "m001_initial",
        """
        CREATE TABLE sessions (
            id TEXT PRIMARY KEY,
            started_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            finished_at TEXT,
            phase TEXT NOT NULL,
            mode TEXT NOT NULL,
            difficulty TEXT NOT NULL,
            backend TEXT NOT NULL,
            topics TEXT NOT NULL,
            total INTEGER NOT NULL,
            answered INTEGER NOT NULL DEFAULT 0,
            overall REAL NOT NULL DEFAULT 0,
            state TEXT NOT NULL
        );
        CREATE TABLE turns (
            session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
            seq INTEGER NOT NULL,
            at TEXT NOT NULL,
            speaker TEXT NOT NULL,
            kind TEXT NOT NULL,
            question_id TEXT,
            text TEXT NOT NULL,
            PRIMARY KEY (session_id, seq)
        );
        CREATE INDEX sessions_started ON sessions(started_at);
    """,
    ),
    (
        "m002_results",
        """
        CREATE TABLE results (
            session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
            number INTEGER NOT NULL,
            question_id TEXT NOT NULL,
            bank TEXT NOT NULL,
            topic TEXT NOT NULL,
            difficulty INTEGER NOT NULL,
            status TEXT NOT NULL,
            score REAL NOT NULL,
            hints INTEGER NOT NULL,
            at TEXT NOT NULL,
            PRIMARY KEY (session_id, number)
        );
        CREATE INDEX results_question ON results(question_id);
        CREATE INDEX results_topic ON results(topic, at);
    """,
    ),
    (
        "m003_owner",
        """
        ALTER TABLE sessions ADD COLUMN owner TEXT;
        CREATE INDEX sessions_owner ON sessions(owner, updated_at);
    """,
    ),
]
