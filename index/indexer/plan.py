"""What a build has to do: how the corpus folder differs from what the current version
recorded (files by size and modification time, then content hash), reading only what changed."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from index.errors import ArticleError, CorpusError
from index.records import Article
from index.settings import Settings
from index.storage.catalog import FileRow, Store
from index.text.corpus import (
    CorpusFile,
    Skipped,
    article_ids,
    content_hash,
    digest,
    parse_article,
    read_bytes,
    scan,
)
from index.text.sanitize import shorten


@dataclass
class Plan:
    """How the corpus differs from the current version; also what `index status` shows."""

    rows: list[FileRow]
    parsed: dict[str, Article]
    insert: list[str]  # relpaths of articles to (re)insert
    delete: list[str]  # article ids to remove
    skipped: list[Skipped]
    previous_rows: dict[str, FileRow] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return bool(self.insert or self.delete) or self.rows != sorted(
            self.previous_rows.values(), key=lambda r: r.relpath
        )


def make_plan(settings: Settings, store: Store | None, *, rechunk: bool = False) -> Plan:
    """Compare the corpus folder with what ``store`` recorded; reads only changed files.

    Raises:
        CorpusError: the corpus folder is missing.
    """
    files, skipped = scan(settings.corpus_dir)
    previous_rows = store.files() if store is not None else {}
    ids = article_ids([f.relpath for f in files])
    rows: list[FileRow] = []
    parsed: dict[str, Article] = {}
    for file in files:
        old = previous_rows.get(file.relpath)
        row, article = _examine(file, ids[file.relpath], old, settings, rechunk)
        rows.append(row)
        if article is not None:
            parsed[file.relpath] = article
        if row.status == "skipped":
            skipped.append(Skipped(file.relpath, row.message or "skipped"))
    rows = _mark_duplicates(rows)
    indexed = store.article_ids() if store is not None else set()
    wanted = {row.article_id: row for row in rows if row.status == "indexed" and row.article_id}
    # A changed file's article is deleted and inserted anew; its unchanged text keeps its vectors.
    changed = {article_id for article_id, row in wanted.items() if row.relpath in parsed}
    insert = sorted(row.relpath for i, row in wanted.items() if i not in indexed or i in changed)
    delete = sorted(i for i in indexed if i not in wanted or i in changed)
    return Plan(rows, parsed, insert, delete, skipped, previous_rows)


def _examine(
    file: CorpusFile, article_id: str, old: FileRow | None, settings: Settings, rechunk: bool
) -> tuple[FileRow, Article | None]:
    """The file's row, and the parsed article where the file is new or changed."""
    reusable = old is not None and old.status != "skipped" and old.article_id == article_id
    if reusable and old and not rechunk and (old.size, old.mtime_ns) == (file.size, file.mtime_ns):
        return old, None
    try:
        data = read_bytes(file, settings.max_article_bytes)
    except ArticleError as error:
        return _row(file, "", "skipped", message=error.reason), None
    sha = digest(data)
    if reusable and old and not rechunk and old.sha == sha:
        return replace(old, size=file.size, mtime_ns=file.mtime_ns), None
    try:
        article = parse_article(data, file.relpath, article_id)
    except ArticleError as error:
        return _row(file, sha, "skipped", message=error.reason), None
    except Exception as error:  # one file never stops a build, whatever it holds
        reason = f"could not be read ({type(error).__name__}: {shorten(str(error))})"
        return _row(file, sha, "skipped", message=reason), None
    content_sha = content_hash(article)
    return _row(file, sha, "indexed", article_id, content_sha), article


def _row(
    file: CorpusFile,
    sha: str,
    status: str,
    article_id: str | None = None,
    content_sha: str | None = None,
    message: str | None = None,
) -> FileRow:
    return FileRow(
        file.relpath, file.size, file.mtime_ns, sha, status, article_id, content_sha, message
    )


def _mark_duplicates(rows: list[FileRow]) -> list[FileRow]:
    """The first file (by path) with a given text is indexed; later copies are not."""
    first: dict[str, str] = {}
    marked = []
    for row in rows:
        if row.status == "skipped" or row.content_sha is None:
            marked.append(row)
        elif row.content_sha in first:
            message = f"same text as {first[row.content_sha]}; indexed once"
            marked.append(replace(row, status="duplicate", message=message))
        else:
            first[row.content_sha] = row.relpath
            marked.append(replace(row, status="indexed", message=None))
    return marked


def duplicates(rows: list[FileRow]) -> tuple[Skipped, ...]:
    return tuple(Skipped(r.relpath, r.message or "") for r in rows if r.status == "duplicate")


def require_articles(settings: Settings, plan: Plan) -> None:
    if any(row.status == "indexed" for row in plan.rows):
        return
    if not plan.rows and not plan.skipped:
        raise CorpusError(
            f"the corpus folder {settings.corpus_dir} has no articles: add .md, .txt or .html "
            "files (see docs/corpus.md)"
        )
    reasons = "; ".join(str(s) for s in plan.skipped[:3])
    raise CorpusError(
        f"none of the files in {settings.corpus_dir} could be indexed ({reasons}); "
        "the previous index, if any, is unchanged"
    )


def article_id_of(plan: Plan, relpath: str) -> str:
    return next(row.article_id or "" for row in plan.rows if row.relpath == relpath)
