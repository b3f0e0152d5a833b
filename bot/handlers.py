"""The bot's handlers, shaped like PTB's examples; `bot.app` registers them.

Retrieval is CPU-bound, so it runs in worker threads (`asyncio.to_thread`), at most
`CITEBOT_MAX_CONCURRENT` at once. Button callback data carries what it needs (a passage id,
or a question id kept in the state database), so buttons keep working after a restart.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import html
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import replace

from telegram import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    Message,
    Update,
    WebAppInfo,
)
from telegram.constants import ChatAction, ChatType, ParseMode
from telegram.error import TelegramError
from telegram.ext import (
    ContextTypes,
)

from bot import adding, callbacks, charts, render, terminal, texts
from bot.callbacks import Around, Example, More, Preview, Vote, Year
from bot.services import Services, acknowledge, send, services
from bot.state import StateError
from bot.web.pages import paragraph_of, read_link
from index import Answer, CitebotError, Hit, QuestionError, TimeFilter, clean_text, detect, preview

log = logging.getLogger("citebot.bot")

PAGE = 3  # evidence cards per answer; More shows the next page
# A card's "Read" button: its text, the hit, the sentence in bold (the page opens there)
Reader = Callable[[str, Hit, tuple[int, int] | None], InlineKeyboardButton]
INLINE_RESULTS = 10
MAX_SHOWN = 50  # passages More goes up to for one question
SOURCES_LISTED = 100  # articles /sources names; it says how many more there are
LATEST_MAX = 20  # articles /latest names at most
# "typing…" is shown only for a search slower than this: a quick answer needs no sign of
# life, and Telegram's rate limits count chat actions like messages.
TYPING_AFTER = 0.3


# -- what everyone sees ---------------------------------------------------------------------


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Welcome the user, say what the corpus holds, offer example questions."""
    if update.effective_message is None:
        return
    shared = services(context)
    language = _user_language(update)
    articles = await shared.articles()
    dates = sorted(a.published for a in articles if a.published)
    text = texts.WELCOME[language].format(
        articles=len(articles),
        outlets=html.escape(render.outlets(articles)),
        until=texts.UNTIL[language].format(date=html.escape(render.clip(dates[-1], 40)))
        if dates
        else "",
    )
    buttons = [
        [InlineKeyboardButton(q, callback_data=callbacks.encode(Example(language, i)))]
        for i, q in enumerate(texts.EXAMPLES[language])
    ]
    await send(update.effective_message, text, reply_markup=InlineKeyboardMarkup(buttons))


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Explain how to ask."""
    if update.effective_message is not None:
        text = texts.HELP[_user_language(update)].format(username=context.bot.username)
        await send(update.effective_message, text)


def _user_language(update: Update) -> str:
    user = update.effective_user
    return texts.language_of(user.language_code if user else None)


async def about(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Say what the bot is."""
    if update.effective_message is not None:
        await send(update.effective_message, texts.ABOUT[_user_language(update)])


async def sources(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """List every article: outlet, title, date, link."""
    allowed = await _allowed(update, context)
    if allowed is None:
        return
    message, shared = allowed
    articles = await asyncio.to_thread(shared.engine.sources)  # newest first
    lines = [render.source_line(article) for article in articles[:SOURCES_LISTED]]
    if len(articles) > SOURCES_LISTED:
        lines.append(f"… and {len(articles) - SOURCES_LISTED:,} more")
    for text in await asyncio.to_thread(render.pack, ["<b>Sources</b>", *lines]):
        await send(message, text)


async def _allowed(
    update: Update, context: ContextTypes.DEFAULT_TYPE, language: str | None = None
) -> tuple[Message, Services] | None:
    """A command's message and the services, unless the user is over the rate limit (then
    they are told, in ``language`` or their own)."""
    message = update.effective_message
    if message is None:
        return None
    shared = services(context)
    user = update.effective_user
    words = texts.framing(language or _user_language(update))
    if await _refused(shared, user.id if user else None, message, words):
        return None
    return message, shared


async def latest(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The newest articles: title, outlet, date, link and first sentence (/latest N)."""
    allowed = await _allowed(update, context)
    if allowed is None:
        return
    message, shared = allowed
    wanted = (context.args or ["5"])[0]
    n = min(int(wanted), LATEST_MAX) if wanted.isdigit() and int(wanted) > 0 else 5
    articles = await asyncio.to_thread(shared.engine.latest, n)
    blocks = ["<b>Latest</b>", *(render.latest_item(article) for article in articles)]
    for text in await asyncio.to_thread(render.pack, blocks):
        await send(message, text)


async def timeline(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A chart of a topic's passages per month by outlet, with a summary (/timeline TOPIC)."""
    topic = clean_text(" ".join(context.args or [])).strip()[:200] or None
    allowed = await _allowed(update, context, detect(topic) if topic else None)
    if allowed is None:
        return
    message, shared = allowed
    found = await asyncio.to_thread(shared.engine.timeline, topic)
    summary = html.escape(render.clip(terminal.timeline_summary(found), 900))
    if not found.months:
        await send(message, summary)
        return
    png = await asyncio.to_thread(charts.timeline_png, found)
    await message.reply_photo(png, caption=summary)


async def ask_private(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer any text in a private chat as a question."""
    message = update.effective_message
    if message is None or not message.text:
        return
    url = adding.only_a_link(message.text)
    if url is not None:
        await adding.link(update, context, url)
    else:
        await answer(update, context, message.text)


async def ask_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer /ask QUESTION, in any chat."""
    message = update.effective_message
    if message is None:
        return
    question = " ".join(context.args or [])
    if not question.strip():
        await send(message, texts.ASK_USAGE)
        return
    await answer(update, context, question)


async def group_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """In groups, answer only a mention of the bot or a reply to it."""
    message = update.effective_message
    if message is None or not message.text:
        return
    mention = f"@{context.bot.username}".lower()
    replied = message.reply_to_message
    to_bot = (
        replied is not None
        and replied.from_user is not None
        and (replied.from_user.id == context.bot.id)
    )
    if mention in message.text.lower():
        start_at = message.text.lower().index(mention)
        question = message.text[:start_at] + message.text[start_at + len(mention) :]
    elif to_bot:
        question = message.text
    else:
        return
    await answer(update, context, question)


async def answer(update: Update, context: ContextTypes.DEFAULT_TYPE, question: str) -> None:
    """Search, then reply with evidence cards and their buttons, or say plainly there's none."""
    message = update.effective_message
    user = update.effective_user
    if message is None:
        return
    shared = services(context)
    words = texts.framing(detect(question))
    if await _refused(shared, user.id if user else None, message, words):
        return
    started = time.perf_counter()
    search = asyncio.ensure_future(shared.answer(question, PAGE))
    done, _ = await asyncio.wait({search}, timeout=TYPING_AFTER)
    if not done:
        try:
            await message.chat.send_action(ChatAction.TYPING)
        except TelegramError as error:  # a sign of life, not worth failing the answer for
            log.warning("could not show 'typing…': %s", error)
    try:
        found = await search
    except QuestionError as error:
        await send(message, html.escape(str(error)).capitalize())
        return
    ms = (time.perf_counter() - started) * 1000
    shared.metrics.answered(bool(found.hits), ms / 1000)
    question_id = shared.state.record_question(  # queued: never waits for the database
        user.id if user else None, message.chat_id, question.strip(), bool(found.hits), ms
    )
    if not found.hits:
        nothing = texts.nothing_said(detect(question), found, await shared.outlets())
        if found.related:  # the subject is covered, not what was asked
            related = replace(found, hits=found.related)
            await _send_cards(message, shared, question, related, 1, question_id, nothing)
            return
        await send(message, nothing)
        return
    await _send_cards(message, shared, question, found, 1, question_id)


async def _refused(
    shared: Services, user_id: int | None, message: Message | None, words: dict[str, str]
) -> bool:
    """Whether the user is over the rate limit; if so, they are told how long to wait."""
    wait = await shared.wait(user_id)
    if wait and message is not None:
        await send(message, words["rate_limited"].format(seconds=max(1, round(wait))))
    return bool(wait)


async def _send_cards(
    message: Message,
    shared: Services,
    question: str,
    found: Answer,
    first: int,
    question_id: int,
    refused: str | None = None,
) -> None:
    """The cards of ``found``'s hits, numbered from ``first``; the first page leads with
    the dates the question was read for and the sentence that answers it. With
    ``refused``, the hits are related reading: that text leads them, and no "more" or year
    buttons follow."""
    hits = list(found.hits)
    spans = list(found.highlights)
    language = detect(question)
    lead = texts.when_said(language, found.when, found.held, True) if first == 1 else None
    if found.line is not None and first == 1:  # the sentence that answers, above the cards
        lead = "\n\n".join(x for x in (lead, render.answer_line(found.line)) if x)
    lead = refused or lead
    messages = await asyncio.to_thread(render.answer_messages, question, hits, first, spans, lead)
    more = len(hits) == PAGE and refused is None
    years = await shared.years() if found.when is None and first == 1 and not refused else []
    read = _reader(shared, private=message.chat.type == ChatType.PRIVATE)
    keyboard = _keyboard(
        hits, first, question_id, more, texts.framing(language), years, read, spans
    )
    for i, text in enumerate(messages):
        last = i == len(messages) - 1
        await send(message, text, reply_markup=keyboard if last else None)


def _keyboard(
    hits: list[Hit],
    first: int,
    question_id: int,
    more: bool,
    words: dict[str, str],
    years: list[int],
    read: Reader | None = None,
    spans: Sequence[tuple[int, int] | None] = (),
) -> InlineKeyboardMarkup:
    def key(text: str, button: callbacks.Button) -> InlineKeyboardButton:
        return InlineKeyboardButton(text, callback_data=callbacks.encode(button))

    rows = [
        [
            key(words["context"].format(n=n), Around(hit.passage_id, False, hit.paragraphs)),
            key(words["article"].format(n=n), Around(hit.passage_id, whole=True)),
            *([read(words["read"].format(n=n), hit, _at(spans, n - first))] if read else []),
        ]
        for n, hit in enumerate(hits, first)
    ]
    if years:  # narrow the same question to one year's articles
        rows.append([key(str(year), Year(question_id, year)) for year in years])
    last = [key("👍", Vote(question_id, 1)), key("👎", Vote(question_id, -1))]
    if more:
        last.insert(0, key(words["more"], More(question_id, first + len(hits) - 1)))
    rows.append(last)
    return InlineKeyboardMarkup(rows)


def _at(spans: Sequence[tuple[int, int] | None], index: int) -> tuple[int, int] | None:
    return spans[index] if index < len(spans) else None


def _reader(shared: Services, private: bool) -> Reader | None:
    """The "Read" button of a card, where the reader's site has a public address: it opens
    the article at the passage inside Telegram (a Web App) in a private chat, and as a link
    elsewhere (Telegram allows Web App buttons in private chats only)."""
    public = shared.bot.public_url
    if public is None:
        return None

    def read(text: str, hit: Hit, span: tuple[int, int] | None = None) -> InlineKeyboardButton:
        url = read_link(public, hit.article.id, paragraph_of(hit, span))
        if private:
            return InlineKeyboardButton(text, web_app=WebAppInfo(url))
        return InlineKeyboardButton(text, url=url)

    return read


async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Handle a button under an answer or the welcome: More, Context, Article, feedback."""
    query = update.callback_query
    if query is None:
        return
    pressed = callbacks.decode(query.data)
    shared = services(context)
    message = query.message if isinstance(query.message, Message) else None
    words = texts.framing(query.from_user.language_code)
    if pressed is None:
        log.warning(
            "ignored a button with unknown data %s from user %s",
            preview(query.data),
            query.from_user.id,
        )
        await acknowledge(query)
        return
    if isinstance(pressed, Vote):
        await _vote(query, shared, pressed, message, words)
        return
    if isinstance(pressed, Preview):
        await adding.pressed(query, shared, pressed)
        return
    await acknowledge(query)
    if message is None:
        return
    if isinstance(pressed, Example):
        examples = texts.EXAMPLES[texts.language_of(pressed.language)]
        await answer(update, context, examples[pressed.index % len(examples)])
        return
    if await _refused(shared, query.from_user.id, message, words):
        return
    if isinstance(pressed, More):
        await _more(message, shared, pressed)
    elif isinstance(pressed, Year):
        await _narrow(message, shared, pressed)
    else:
        await _around(message, shared, pressed, words)


async def _asked(shared: Services, question_id: int, chat_id: int | None) -> str | None:
    """The question ``question_id`` if it was asked in this chat, else None: a button can be
    forged, and nobody sees or votes on another chat's questions.

    Raises:
        StateError: the state database can't be read now.
    """
    found = await asyncio.to_thread(shared.state.question, question_id)
    if found is None or found.chat_id != chat_id:
        return None
    return found.text


async def _vote(
    query: CallbackQuery,
    shared: Services,
    pressed: Vote,
    message: Message | None,
    words: dict[str, str],
) -> None:
    chat_id = message.chat_id if message is not None else None
    try:
        asked = await _asked(shared, pressed.question_id, chat_id)
    except StateError as error:
        log.warning("a vote could not be checked: %s", error)
        await acknowledge(query, words["try_again"])
        return
    if asked is None:
        log.warning(
            "ignored a vote on question %s from user %s", pressed.question_id, query.from_user.id
        )
        await acknowledge(query)
        return
    try:
        shared.state.record_feedback(pressed.question_id, query.from_user.id, pressed.vote)
    except StateError as error:
        log.warning("a vote was not taken: %s", error)
        await acknowledge(query, words["try_again"])
        return
    await acknowledge(query, words["thanks"])


async def _question_of(message: Message, shared: Services, question_id: int) -> str | None:
    """The question a button under an answer names, or None (the user was told why)."""
    try:
        question = await _asked(shared, question_id, message.chat_id)
    except StateError as error:
        log.warning("a button could not read its question: %s", error)
        await send(message, texts.ERROR)
        return None
    if question is None:
        await send(message, texts.GONE)
    return question


async def _more(message: Message, shared: Services, pressed: More) -> None:
    question = await _question_of(message, shared, pressed.question_id)
    if question is None:
        return
    offset = pressed.shown
    if offset + PAGE > MAX_SHOWN:  # a forged button could ask for thousands
        await send(message, texts.framing(detect(question))["no_more"])
        return
    found = await shared.answer(question, offset + PAGE)
    if len(found.hits) <= offset:
        await send(message, texts.framing(detect(question))["no_more"])
        return
    page = replace(found, hits=found.hits[offset:], highlights=found.highlights[offset:])
    await _send_cards(message, shared, question, page, offset + 1, pressed.question_id)


async def _narrow(message: Message, shared: Services, pressed: Year) -> None:
    """The same question again, from one year's articles only."""
    question = await _question_of(message, shared, pressed.question_id)
    if question is None:
        return
    year = TimeFilter(dt.date(pressed.year, 1, 1), dt.date(pressed.year, 12, 31))
    found = await shared.answer(question, PAGE, when=year)
    await _send_cards(message, shared, question, found, 1, pressed.question_id)


async def _around(
    message: Message, shared: Services, pressed: Around, words: dict[str, str]
) -> None:
    engine = shared.engine
    hit = await asyncio.to_thread(engine.passage, pressed.passage_id)
    article = await asyncio.to_thread(engine.article, hit.article.id) if hit is not None else None
    if hit is None or article is None:
        await send(message, words["gone"])
        return
    # A card's paragraphs (more than its passage's own where it joined its neighbours).
    first, last = pressed.span or hit.paragraphs
    if pressed.whole:
        pages = await asyncio.to_thread(render.article_messages, article)
    else:
        pages = await asyncio.to_thread(render.article_messages, article, first - 1, last + 1)
    for text in pages:
        await send(message, text)


async def inline_query(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Offer up to 10 cited excerpts; picking one posts the quote with its citation."""
    query = update.inline_query
    if query is None:
        return
    results: list[InlineQueryResultArticle] = []
    if len(query.query.strip()) >= 3:
        shared = services(context)
        if await shared.wait(query.from_user.id):
            await query.answer([], cache_time=0, is_personal=True)
            return
        try:
            hits = list((await shared.answer(query.query, INLINE_RESULTS)).hits)
        except QuestionError:
            hits = []
        read = _reader(shared, private=False)
        results = await asyncio.to_thread(_inline_results, hits, read)
    await query.answer(results, cache_time=30)


def _inline_results(hits: list[Hit], read: Reader | None = None) -> list[InlineQueryResultArticle]:
    return [
        InlineQueryResultArticle(
            id=str(hit.passage_id),
            title=render.inline_title(hit),
            description=render.plain_citation(hit),
            input_message_content=InputTextMessageContent(
                render.quote_message(hit), parse_mode=ParseMode.HTML
            ),
            reply_markup=InlineKeyboardMarkup([[read(texts.READ, hit, None)]]) if read else None,
        )
        for hit in hits
    ]


# -- maintainers ----------------------------------------------------------------------------


async def admin_message(
    update: Update, context: ContextTypes.DEFAULT_TYPE, command: str
) -> Message | None:
    """The command's message if an admin sent it; anyone else is refused, and that is logged."""
    message, user = update.effective_message, update.effective_user
    if message is None:
        return None
    if user is not None and user.id in services(context).bot.admins:
        return message
    log.warning("refused /%s from user %s", command, user.id if user else "unknown")
    await send(message, texts.NOT_ADMIN)
    return None


async def reload(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Rebuild the index from the corpus folder and swap it in (admins only)."""
    message = await admin_message(update, context, "reload")
    if message is None:
        return
    await send(message, texts.RELOADING)
    try:
        report = await services(context).reload()
    except CitebotError as error:
        await send(message, texts.RELOAD_FAILED.format(error=html.escape(str(error))))
        return
    summary = html.escape(terminal.build_summary(report))
    await send(message, texts.RELOADED.format(summary=summary))


async def stats(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Questions served, unanswered share, latency, index size (admins only)."""
    message = await admin_message(update, context, "stats")
    if message is None:
        return
    shared = services(context)
    try:
        found = await asyncio.to_thread(shared.state.stats)
    except StateError as error:
        log.warning("/stats could not read the state: %s", error)
        await send(message, texts.ERROR)
        return
    manifest = shared.engine.manifest
    await send(
        message,
        texts.STATS.format(
            questions=found.questions,
            unanswered_share=found.unanswered / found.questions if found.questions else 0.0,
            p50=found.p50_ms,
            p95=found.p95_ms,
            up=found.thumbs_up,
            down=found.thumbs_down,
            articles=manifest.articles,
            passages=manifest.passages,
            built=manifest.built_at,
        ),
    )
    days = await asyncio.to_thread(shared.state.daily)
    if days:
        png = await asyncio.to_thread(
            charts.stats_png,
            [d.day for d in days],
            [d.questions for d in days],
            [d.answered for d in days],
            [d.up for d in days],
            [d.down for d in days],
        )
        await message.reply_photo(png, caption=texts.STATS_CHART.format(days=len(days)))


async def error_handler(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the error (never the token) and apologise to the user."""
    log.error("error while handling an update", exc_info=context.error)
    if isinstance(update, Update) and update.effective_message is not None:
        user = update.effective_user
        try:
            await update.effective_message.reply_text(
                texts.framing(user.language_code if user else None)["error"]
            )
        except Exception:  # the apology itself failed; the error above is logged already
            log.warning("could not send the apology", exc_info=True)
