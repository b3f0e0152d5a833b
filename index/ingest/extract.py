"""Text and metadata out of a fetched page, a PDF, or a Markdown or text file.

Nothing is invented: what can't be found stays out (no guessed date, no made-up outlet).
"""

from __future__ import annotations

import io
import re
from dataclasses import replace
from pathlib import PurePosixPath

from index.errors import ArticleError, SourceError
from index.records import Article
from index.text.corpus import parse_article, split_paragraphs
from index.text.sanitize import clean_text, failure, shorten

KINDS = {
    ".html": "html",
    ".htm": "html",
    ".pdf": "pdf",
    ".md": "md",
    ".markdown": "md",
    ".txt": "txt",
}
MEDIA_TYPES = {
    "text/html": "html",
    "application/xhtml+xml": "html",
    "application/pdf": "pdf",
    "text/markdown": "md",
    "text/plain": "txt",
}
_HYPHENATED = re.compile(r"(\w)-\n(\w)")


def kind_of(name: str) -> str:
    """``html``, ``pdf``, ``md`` or ``txt`` from a file name.

    Raises:
        SourceError: an extension citebot does not read.
    """
    kind = KINDS.get(PurePosixPath(name).suffix.lower())
    if kind is None:
        raise SourceError(f"{shorten(name)}: citebot adds .html, .htm, .pdf, .md and .txt files")
    return kind


def extract(data: bytes, kind: str, name: str, url: str | None = None) -> Article:
    """The article in ``data`` (a ``kind`` document called ``name``), with ``url`` as its
    link where the document names none.

    Whatever the parser raises on hostile bytes (a PDF stream that inflates to a gigabyte, a
    page nested past the recursion limit) is this one source's `SourceError`, never another
    exception: a batch of sources goes on with the next.

    Raises:
        SourceError: no text could be found, or the document can't be read.
    """
    try:
        if kind == "pdf":
            article = _pdf(data, name)
        else:
            suffix = {"html": ".html", "md": ".md", "txt": ".txt"}[kind]
            article = parse_article(data, f"{PurePosixPath(name).stem}{suffix}", "")
    except ArticleError as error:
        raise SourceError(f"{shorten(name)}: {error.reason}") from None
    except SourceError:
        raise
    except Exception as error:  # the parser's own failure, whatever its kind
        raise SourceError(f"{shorten(name)}: can't be read ({failure(error)})") from None
    if url and not article.url:
        article = replace(article, url=url)
    return article


def _pdf(data: bytes, name: str) -> Article:
    from pypdf import PdfReader
    from pypdf.errors import LimitReachedError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise SourceError(f"{shorten(name)}: the PDF is encrypted; add an unlocked copy")
        pages = [page.extract_text() or "" for page in reader.pages]
        meta_title = (reader.metadata.title if reader.metadata else None) or ""
    except SourceError:
        raise
    except LimitReachedError:
        raise SourceError(
            f"{shorten(name)}: the PDF unpacks to more than citebot reads (a compression bomb?)"
        ) from None
    except Exception as error:  # pypdf raises what it meets: PdfReadError, ValueError, …
        raise SourceError(f"{shorten(name)}: not a readable PDF ({failure(error)})") from None
    paragraphs = [p for page in pages for p in split_paragraphs(_unwrap(page))]
    if not paragraphs:
        raise SourceError(
            f"{shorten(name)}: the PDF has no text layer (a scan?); add its text instead"
        )
    title = clean_text(str(meta_title)).strip()
    if not title:
        title, paragraphs = paragraphs[0], paragraphs[1:]
        if not paragraphs:
            paragraphs = [title]
    return Article(id="", title=" ".join(title.split()), paragraphs=tuple(paragraphs))


def _unwrap(page: str) -> str:
    """A page's text with words hyphenated at line ends joined, and a blank line wherever a
    line ends a sentence and the next starts a new one (PDFs keep no paragraphs)."""
    text = _HYPHENATED.sub(r"\1\2", clean_text(page).replace("\r", "\n"))
    return re.sub(r"([.!?:»”\"])\n(?=[A-ZА-ЯƏÇĞİÖŞÜ\d«“\"])", "\\1\n\n", text)
