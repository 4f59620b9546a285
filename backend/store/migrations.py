"""Append-only numbered schema migrations. Never edit a released one: add the next."""

MIGRATIONS: list[str] = [
    # 1: the first schema
    """
    CREATE TABLE knowledge_bases (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        description TEXT NOT NULL DEFAULT '',
        embedder TEXT NOT NULL,
        dimension INTEGER NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE TABLE documents (
        id TEXT PRIMARY KEY,
        kb_id TEXT NOT NULL REFERENCES knowledge_bases(id) ON DELETE CASCADE,
        filename TEXT NOT NULL,
        stored_name TEXT NOT NULL,
        size INTEGER NOT NULL,
        sha256 TEXT NOT NULL,
        status TEXT NOT NULL,
        progress REAL NOT NULL DEFAULT 0,
        error TEXT,
        chunk_count INTEGER NOT NULL DEFAULT 0,
        pages INTEGER,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE INDEX documents_kb ON documents(kb_id);
    CREATE INDEX documents_sha ON documents(kb_id, sha256);
    CREATE INDEX documents_status ON documents(status);
    CREATE TABLE sessions (
        id TEXT PRIMARY KEY,
        title TEXT NOT NULL,
        kb_ids TEXT NOT NULL DEFAULT '[]',
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE TABLE messages (
        id TEXT PRIMARY KEY,
        session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        role TEXT NOT NULL,
        content TEXT NOT NULL,
        sources TEXT NOT NULL DEFAULT '[]',
        status TEXT NOT NULL DEFAULT 'done',
        created_at TEXT NOT NULL,
        seq INTEGER NOT NULL
    );
    CREATE INDEX messages_session ON messages(session_id, seq);
    CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    )
    """,
    # 2: linked folders; where a document came from and when its file last changed
    """
    CREATE TABLE folders (
        id TEXT PRIMARY KEY,
        kb_id TEXT NOT NULL REFERENCES knowledge_bases(id) ON DELETE CASCADE,
        path TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'syncing',
        last_synced_at TEXT,
        created_at TEXT NOT NULL,
        UNIQUE (kb_id, path)
    );
    ALTER TABLE documents ADD COLUMN folder_id TEXT REFERENCES folders(id) ON DELETE SET NULL;
    ALTER TABLE documents ADD COLUMN relative_path TEXT;
    ALTER TABLE documents ADD COLUMN modified_at TEXT;
    CREATE INDEX documents_folder ON documents(folder_id, relative_path)
    """,
    # 3: files of a linked folder that the user removed from the knowledge base; size and
    # modified_at are the file's when a failed document was cleared (it comes back once
    # it changes), NULL when the person removed it (out until it leaves the folder)
    """
    CREATE TABLE folder_exclusions (
        folder_id TEXT NOT NULL REFERENCES folders(id) ON DELETE CASCADE,
        relative_path TEXT NOT NULL,
        size INTEGER,
        modified_at TEXT,
        created_at TEXT NOT NULL,
        PRIMARY KEY (folder_id, relative_path)
    )
    """,
]
