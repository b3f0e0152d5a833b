"""Everything the bot says that is not a quote from the corpus."""

from __future__ import annotations

EXAMPLES = (
    "Who is China's ambassador to Azerbaijan?",
    "How much renewable energy will Chinese investment bring to Azerbaijan?",
    "When did Azerbaijan drop visas for Chinese citizens?",
)

WELCOME = (
    "<b>Hello!</b> I answer questions about <b>Azerbaijan–China relations</b> with quotes "
    "from {articles} news articles ({outlets}{until}), each with its source.\n\n"
    "Ask me anything in your own words, or try one of these:"
)
HELP = (
    "<b>How to use me</b>\n"
    "• Private chat: just send a question.\n"
    "• Groups: <code>/ask your question</code>, mention me, or reply to one of my messages.\n"
    "• Any chat: type <code>@{username} your question</code> and pick a quote to post.\n\n"
    "Under each answer: <b>More</b> shows further passages, <b>Context</b> the paragraphs "
    "around a passage, <b>Article</b> the whole article; 👍/👎 tell us how we did.\n\n"
    "/sources lists every article I quote from; /about says what I am."
)
ABOUT = (
    "I am citebot: I search a curated corpus of news articles on Azerbaijan–China relations "
    "and quote the passages that answer your question, with outlet, title, date and "
    "paragraph. I never write facts of my own: if the corpus has nothing on a question, "
    "I say so."
)
NOTHING_FOUND = (
    "I found nothing in the corpus on that. Try rephrasing it, or ask about what the articles "
    "cover: trade, transport, energy, diplomacy, visas, culture and education.\n\n"
    "<b>Sources:</b> {outlets}."
)
ASK_USAGE = "Ask like this: <code>/ask Who is China's ambassador to Azerbaijan?</code>"
RATE_LIMITED = "You are asking faster than I can keep up — please wait {seconds} s and ask again."
NOT_ADMIN = "Sorry, that command is only for the maintainers of this bot."
ERROR = "Sorry, something went wrong on my side. Please try again in a moment."
GONE = "That passage is no longer in the corpus (the index was updated). Please ask again."
NO_MORE = "That was everything relevant I have on this question."
THANKS = "Thank you for the feedback!"
RELOADING = "Updating the index from the corpus folder…"
RELOADED = "Index updated: {summary}"
RELOAD_FAILED = "The index update failed, and the previous index keeps answering: {error}"
STATS = (
    "<b>Questions served:</b> {questions}\n<b>Unanswered:</b> {unanswered_share:.0%}\n"
    "<b>Latency:</b> p50 {p50:.0f} ms, p95 {p95:.0f} ms\n<b>Feedback:</b> 👍 {up}, 👎 {down}\n"
    "<b>Index:</b> {articles} articles, {passages} passages, built {built}"
)
