"""The tables of an index version's store (`index.storage.catalog`)."""

SCHEMA = """
CREATE TABLE files (
    relpath TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    sha TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('indexed', 'duplicate', 'skipped')),
    article_id TEXT,
    content_sha TEXT,
    message TEXT
);
CREATE TABLE articles (
    id TEXT PRIMARY KEY,
    relpath TEXT NOT NULL,
    title TEXT NOT NULL,
    source TEXT,
    published TEXT,
    url TEXT,
    language TEXT,
    authors TEXT NOT NULL
);
CREATE TABLE paragraphs (
    article_id TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    number INTEGER NOT NULL,
    text TEXT NOT NULL,
    PRIMARY KEY (article_id, number)
) WITHOUT ROWID;
CREATE TABLE passages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    article_id TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    first_paragraph INTEGER NOT NULL,
    last_paragraph INTEGER NOT NULL,
    text TEXT NOT NULL,
    context TEXT,
    embed_sha TEXT NOT NULL,
    language TEXT NOT NULL
);
CREATE INDEX passages_by_article ON passages (article_id, seq);
CREATE INDEX passages_by_embed_sha ON passages (embed_sha);
CREATE VIRTUAL TABLE passages_fts USING fts5 (
    text,
    embedded UNINDEXED,
    tokenize = 'porter unicode61 remove_diacritics 2'
);
CREATE TABLE sentences (
    passage_id INTEGER NOT NULL REFERENCES passages (id) ON DELETE CASCADE,
    start INTEGER NOT NULL,
    stop INTEGER NOT NULL,
    sha TEXT NOT NULL,
    PRIMARY KEY (passage_id, start)
) WITHOUT ROWID;
CREATE INDEX sentences_by_sha ON sentences (sha);
CREATE TABLE embeddings (
    model TEXT NOT NULL,
    sha TEXT NOT NULL,
    vector BLOB NOT NULL,
    PRIMARY KEY (model, sha)
) WITHOUT ROWID;
"""

SENTENCES_SCHEMA = SCHEMA[
    SCHEMA.index("CREATE TABLE sentences") : SCHEMA.index("CREATE TABLE embeddings")
]
