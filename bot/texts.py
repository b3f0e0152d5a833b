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

# The framing of an answer speaks the question's language (see index.language.detect).
FRAMING: dict[str, dict[str, str]] = {
    "en": {
        "more": "More ▸",
        "context": "Context {n}",
        "article": "Article {n}",
        "nothing_found": NOTHING_FOUND,
        "rate_limited": RATE_LIMITED,
        "no_more": NO_MORE,
        "gone": GONE,
        "thanks": THANKS,
        "error": ERROR,
    },
    "ru": {
        "more": "Ещё ▸",
        "context": "Контекст {n}",
        "article": "Статья {n}",
        "nothing_found": (
            "В корпусе ничего об этом не нашлось. Попробуйте переформулировать вопрос или "
            "спросите о том, что освещают статьи: торговля, транспорт, энергетика, "
            "дипломатия, визы, культура и образование.\n\n<b>Источники:</b> {outlets}."
        ),
        "rate_limited": (
            "Вы спрашиваете быстрее, чем я успеваю отвечать — подождите {seconds} с "
            "и спросите снова."
        ),
        "no_more": "Это всё, что у меня есть по этому вопросу.",
        "gone": "Этого фрагмента больше нет в корпусе (индекс обновился). Задайте вопрос снова.",
        "thanks": "Спасибо за отзыв!",
        "error": "Извините, у меня что-то пошло не так. Попробуйте ещё раз чуть позже.",
    },
    "az": {
        "more": "Daha çox ▸",
        "context": "Kontekst {n}",
        "article": "Məqalə {n}",
        "nothing_found": (
            "Korpusda bu barədə heç nə tapmadım. Sualı başqa cür ifadə edin və ya məqalələrin "
            "əhatə etdiyi mövzular barədə soruşun: ticarət, nəqliyyat, enerji, diplomatiya, "
            "vizalar, mədəniyyət və təhsil.\n\n<b>Mənbələr:</b> {outlets}."
        ),
        "rate_limited": (
            "Cavab verməyə çatdırdığımdan daha tez soruşursunuz — {seconds} saniyə gözləyin "
            "və yenidən soruşun."
        ),
        "no_more": "Bu sual üzrə məndə olan bütün uyğun məlumat bu idi.",
        "gone": "Bu parça artıq korpusda yoxdur (indeks yenilənib). Yenidən soruşun.",
        "thanks": "Rəyiniz üçün təşəkkür edirəm!",
        "error": "Bağışlayın, məndə nəsə xəta baş verdi. Bir az sonra yenidən cəhd edin.",
    },
    "zh": {
        "more": "更多 ▸",
        "context": "上下文 {n}",
        "article": "全文 {n}",
        "nothing_found": (
            "语料库中没有找到相关内容。请换一种说法，或询问文章涵盖的话题：贸易、交通、能源、"
            "外交、签证、文化和教育。\n\n<b>来源：</b>{outlets}。"
        ),
        "rate_limited": "您提问的速度太快了——请等待 {seconds} 秒后再问。",
        "no_more": "关于这个问题，我掌握的相关内容就这些了。",
        "gone": "该段落已不在语料库中（索引已更新）。请重新提问。",
        "thanks": "感谢您的反馈！",
        "error": "抱歉，我这边出了点问题。请稍后再试。",
    },
}


def framing(language: str | None) -> dict[str, str]:
    """The framing texts for ``language`` (an ISO code such as ``ru`` or ``ru-RU``)."""
    code = (language or "en").split("-")[0].lower()
    return FRAMING.get(code, FRAMING["en"])
