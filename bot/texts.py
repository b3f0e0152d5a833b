"""Everything the bot says that is not a quote from the corpus."""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from index import Answer, TimeFilter

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
READ = "Read in the article"
THANKS = "Thank you for the feedback!"
RELOADING = "Updating the index from the corpus folder…"
NOT_ADMIN_DOCUMENT = (
    "Sorry, only the maintainers of this bot can add documents. Ask me a question in words "
    "instead."
)
TOO_BIG = "That file is too big to add: the limit is {limit:g} MB."
ADD_FAILED = "That can't be added: {error}"
PREVIEW_GONE = "That preview has expired; send the link or the file again."
CANCELLED = "Not added."
ADDING = "Adding <b>{title}</b> and updating the index…"
ADDED = "Added <b>{title}</b> as {file}: {passages} passages, searchable now."
ADDED_NOT_INDEXED = (
    "Added <b>{title}</b> as {file}, but it is not searchable yet ({error}). The next build "
    "of the index takes it in."
)
NAMES_LACKING = (
    "\nNames in it that the glossary lacks (for questions in other languages): {names}. "
    "<code>citebot glossary</code> lists them all."
)
ALREADY = "⚠️ Already in the corpus as {file}."
DIGEST = "<b>New in the corpus</b> ({count}):"
STATS_CHART = "Questions, answered share and votes per day (last {days} days with any)."
NO_FEEDS = "No feeds yet: add one with <code>citebot feeds add URL</code>."
SUBSCRIBED = (
    "Subscribed: you will get a message whenever new articles are added. /unsubscribe stops it."
)
UNSUBSCRIBED = "Unsubscribed: no more messages about new articles."
RELOADED = "Index updated: {summary}"
RELOAD_FAILED = "The index update failed, and the previous index keeps answering: {error}"
STATS = (
    "<b>Questions served:</b> {questions}\n<b>Unanswered:</b> {unanswered_share:.0%}\n"
    "<b>Latency:</b> p50 {p50:.0f} ms, p95 {p95:.0f} ms\n<b>Feedback:</b> 👍 {up}, 👎 {down}\n"
    "<b>Index:</b> {articles} articles, {passages} passages, built {built}"
)

# /start, /help and /about speak the user's Telegram language (en, ru, az, zh; else English).
EXAMPLES: dict[str, tuple[str, ...]] = {
    "en": (
        "Who is China's ambassador to Azerbaijan?",
        "How much renewable energy will Chinese investment bring to Azerbaijan?",
        "When did Azerbaijan drop visas for Chinese citizens?",
    ),
    "ru": (
        "Кто посол Китая в Азербайджане?",
        "Сколько дней шёл первый поезд из Цзиньхуа в Баку?",
        "Когда Азербайджан отменил визы для граждан Китая?",
    ),
    "az": (
        "Çinin Azərbaycandakı səfiri kimdir?",
        "Çin investisiyaları Azərbaycana nə qədər bərpa olunan enerji gətirəcək?",
        "Azərbaycan Çin vətəndaşları üçün vizanı nə vaxt ləğv etdi?",
    ),
    "zh": (
        "中国驻阿塞拜疆大使是谁？",
        "中国的投资将为阿塞拜疆带来多少可再生能源？",
        "阿塞拜疆什么时候对中国公民免签？",
    ),
}
WELCOME = {
    "en": (
        "<b>Hello!</b> I answer questions about <b>Azerbaijan–China relations</b> with quotes "
        "from {articles} news articles ({outlets}{until}), each with its source.\n\n"
        "Ask me anything in your own words, or try one of these:"
    ),
    "ru": (
        "<b>Здравствуйте!</b> Я отвечаю на вопросы об <b>отношениях Азербайджана и Китая</b> "
        "цитатами из новостных статей (всего {articles}: {outlets}{until}), каждая — "
        "с источником.\n\n"
        "Спросите своими словами на русском, азербайджанском, китайском или английском "
        "или попробуйте один из вопросов:"
    ),
    "az": (
        "<b>Salam!</b> <b>Azərbaycan–Çin münasibətləri</b> barədə suallara xəbər "
        "məqalələrindən (cəmi {articles}: {outlets}{until}) sitatlarla, mənbəyi ilə cavab verirəm."
        "\n\nAzərbaycan, rus, çin və ya ingilis dilində öz sözlərinizlə soruşun, yaxud "
        "bunlardan birini sınayın:"
    ),
    "zh": (
        "<b>您好！</b>我用新闻文章（共 {articles} 篇：{outlets}{until}）中的原文引语回答关于"
        "<b>阿塞拜疆与中国关系</b>的问题，并注明出处。\n\n"
        "请用中文、俄语、阿塞拜疆语或英语提问，或试试以下问题："
    ),
}
UNTIL = {
    "en": ", up to {date}",
    "ru": ", по {date}",
    "az": ", {date} tarixinədək",
    "zh": "，截至 {date}",
}
HELP = {
    "en": (
        "<b>How to use me</b>\n"
        "• Private chat: just send a question.\n"
        "• Groups: <code>/ask your question</code>, mention me, or reply to one of my "
        "messages.\n"
        "• Any chat: type <code>@{username} your question</code> and pick a quote to post.\n\n"
        "Under each answer: <b>More</b> shows further passages, <b>Context</b> the paragraphs "
        "around a passage, <b>Article</b> the whole article; 👍/👎 tell us how we did.\n\n"
        "/sources lists every article I quote from; /about says what I am."
    ),
    "ru": (
        "<b>Как мной пользоваться</b>\n"
        "• В личном чате: просто отправьте вопрос.\n"
        "• В группах: <code>/ask ваш вопрос</code>, упомяните меня или ответьте на моё "
        "сообщение.\n"
        "• В любом чате: наберите <code>@{username} ваш вопрос</code> и выберите цитату.\n\n"
        "Под каждым ответом: <b>Ещё</b> — другие фрагменты, <b>Контекст</b> — абзацы вокруг "
        "фрагмента, <b>Статья</b> — статья целиком; 👍/👎 — ваша оценка.\n\n"
        "/sources — список всех статей; /about — кто я."
    ),
    "az": (
        "<b>Məndən necə istifadə etməli</b>\n"
        "• Şəxsi çatda: sadəcə sual göndərin.\n"
        "• Qruplarda: <code>/ask sualınız</code>, məni qeyd edin və ya mesajlarımdan birinə "
        "cavab yazın.\n"
        "• İstənilən çatda: <code>@{username} sualınız</code> yazın və sitat seçin.\n\n"
        "Hər cavabın altında: <b>Daha çox</b> başqa parçaları, <b>Kontekst</b> parçanın "
        "ətrafındakı abzasları, <b>Məqalə</b> bütün məqaləni göstərir; 👍/👎 — rəyiniz.\n\n"
        "/sources bütün məqalələrin siyahısı; /about mən kiməm."
    ),
    "zh": (
        "<b>使用方法</b>\n"
        "• 私聊：直接发送问题。\n"
        "• 群组：<code>/ask 您的问题</code>，提及我，或回复我的消息。\n"
        "• 任何聊天：输入 <code>@{username} 您的问题</code> 并选择要发送的引语。\n\n"
        "每个回答下方：<b>更多</b>显示其他段落，<b>上下文</b>显示段落前后的内容，"
        "<b>全文</b>显示整篇文章；👍/👎 告诉我们回答得如何。\n\n"
        "/sources 列出我引用的所有文章；/about 介绍我自己。"
    ),
}
ABOUT = {
    "en": (
        "I am citebot: I search a curated corpus of news articles on Azerbaijan–China "
        "relations and quote the passages that answer your question, with outlet, title, date "
        "and paragraph. I never write facts of my own: if the corpus has nothing on a "
        "question, I say so."
    ),
    "ru": (
        "Я citebot: ищу в подобранном корпусе новостных статей об отношениях Азербайджана и "
        "Китая и цитирую фрагменты, отвечающие на ваш вопрос, с изданием, заголовком, датой и "
        "абзацем. Я никогда не пишу фактов от себя: если в корпусе ничего нет, я так и скажу."
    ),
    "az": (
        "Mən citebot-am: Azərbaycan–Çin münasibətlərinə dair seçilmiş xəbər məqalələri "
        "korpusunda axtarır və sualınıza cavab verən parçaları nəşr, başlıq, tarix və abzasla "
        "sitat gətirirəm. Heç vaxt özümdən fakt yazmıram: korpusda heç nə yoxdursa, bunu "
        "deyirəm."
    ),
    "zh": (
        "我是 citebot：我在精选的阿塞拜疆—中国关系新闻文章语料库中检索，引用回答您问题的段落，"
        "并注明媒体、标题、日期和段落。我从不自行编写事实：如果语料库中没有相关内容，我会直说。"
    ),
}


def either(names: Sequence[str], conjunction: str, quotes: str = "“”") -> str:
    """Names quoted and listed as alternatives: “A”, “B” or “C” (``quotes``: the opening
    and closing marks, «» in Russian)."""
    quoted = [f"{quotes[0]}{name}{quotes[1]}" for name in names]
    return (
        f"{', '.join(quoted[:-1])} {conjunction} {quoted[-1]}"
        if len(quoted) > 1
        else "".join(quoted)
    )


def unmentioned(names: Sequence[str], words: dict[str, str]) -> str:
    """ "None of the articles mentions “A” or “B”." in the language of ``words`` (a
    `FRAMING` entry); ``names`` already made safe for where they are shown."""
    return words["unmentioned"].format(names=either(names, words["or"], words["quotes"]))


def language_of(code: str | None) -> str:
    """The language we speak for a Telegram ``language_code`` such as ``ru`` or ``pt-br``."""
    language = (code or "en").split("-")[0].lower()
    return language if language in EXAMPLES else "en"


# The framing of an answer speaks the question's language (see index.text.language.detect).
FRAMING: dict[str, dict[str, str]] = {
    "en": {
        "more": "More ▸",
        "context": "Context {n}",
        "article": "Article {n}",
        "read": "Read {n}",
        "nothing_found": NOTHING_FOUND,
        "unmentioned": "None of the articles mentions {names}.",
        "related": (
            "The articles cover the rest of the question, but none answers it. Related reading:"
        ),
        "uncounted": (
            "The articles report on this, but none gives the number asked. Related reading:"
        ),
        "or": "or",
        "quotes": "“”",
        "rate_limited": RATE_LIMITED,
        "no_more": NO_MORE,
        "gone": GONE,
        "thanks": THANKS,
        "error": ERROR,
        "try_again": "Sorry, I couldn't record that just now — please try again in a moment.",
        "link": (
            "A link is not a question: ask me in your own words, and I'll quote the articles "
            "that answer it."
        ),
    },
    "ru": {
        "more": "Ещё ▸",
        "context": "Контекст {n}",
        "article": "Статья {n}",
        "read": "Читать {n}",
        "nothing_found": (
            "В корпусе ничего об этом не нашлось. Попробуйте переформулировать вопрос или "
            "спросите о том, что освещают статьи: торговля, транспорт, энергетика, "
            "дипломатия, визы, культура и образование.\n\n<b>Источники:</b> {outlets}."
        ),
        "unmentioned": "Ни одна статья не упоминает {names}.",
        "related": (
            "Статьи касаются остального в вопросе, но ни одна на него не отвечает. "
            "Близкие материалы:"
        ),
        "uncounted": (
            "Статьи сообщают об этом, но ни одна не называет запрошенного числа. "
            "Близкие материалы:"
        ),
        "or": "или",
        "quotes": "«»",
        "rate_limited": (
            "Вы спрашиваете быстрее, чем я успеваю отвечать — подождите {seconds} с "
            "и спросите снова."
        ),
        "no_more": "Это всё, что у меня есть по этому вопросу.",
        "gone": "Этого фрагмента больше нет в корпусе (индекс обновился). Задайте вопрос снова.",
        "thanks": "Спасибо за отзыв!",
        "error": "Извините, у меня что-то пошло не так. Попробуйте ещё раз чуть позже.",
        "try_again": "Не удалось сохранить это сейчас — попробуйте ещё раз чуть позже.",
        "link": (
            "Ссылка — это не вопрос: спросите своими словами, и я процитирую статьи, "
            "которые на него отвечают."
        ),
    },
    "az": {
        "more": "Daha çox ▸",
        "context": "Kontekst {n}",
        "article": "Məqalə {n}",
        "read": "Oxu {n}",
        "nothing_found": (
            "Korpusda bu barədə heç nə tapmadım. Sualı başqa cür ifadə edin və ya məqalələrin "
            "əhatə etdiyi mövzular barədə soruşun: ticarət, nəqliyyat, enerji, diplomatiya, "
            "vizalar, mədəniyyət və təhsil.\n\n<b>Mənbələr:</b> {outlets}."
        ),
        "unmentioned": "Məqalələrin heç birində {names} adı çəkilmir.",
        "related": (
            "Məqalələr sualın qalan hissəsinə toxunur, amma heç biri ona cavab vermir. "
            "Əlaqəli oxu:"
        ),
        "uncounted": (
            "Məqalələr bu barədə yazır, amma heç biri soruşulan rəqəmi vermir. Əlaqəli oxu:"
        ),
        "or": "və ya",
        "quotes": "“”",
        "rate_limited": (
            "Cavab verməyə çatdırdığımdan daha tez soruşursunuz — {seconds} saniyə gözləyin "
            "və yenidən soruşun."
        ),
        "no_more": "Bu sual üzrə məndə olan bütün uyğun məlumat bu idi.",
        "gone": "Bu parça artıq korpusda yoxdur (indeks yenilənib). Yenidən soruşun.",
        "thanks": "Rəyiniz üçün təşəkkür edirəm!",
        "error": "Bağışlayın, məndə nəsə xəta baş verdi. Bir az sonra yenidən cəhd edin.",
        "try_again": "Bunu indi qeydə ala bilmədim — bir az sonra yenidən cəhd edin.",
        "link": (
            "Keçid sual deyil: öz sözlərinizlə soruşun, cavab verən məqalələrdən sitat gətirim."
        ),
    },
    "zh": {
        "more": "更多 ▸",
        "context": "上下文 {n}",
        "article": "全文 {n}",
        "read": "阅读 {n}",
        "nothing_found": (
            "语料库中没有找到相关内容。请换一种说法，或询问文章涵盖的话题：贸易、交通、能源、"
            "外交、签证、文化和教育。\n\n<b>来源：</b>{outlets}。"
        ),
        "unmentioned": "没有任何文章提到{names}。",
        "related": "文章涉及问题的其余部分，但没有一篇回答了它。相关阅读：",
        "uncounted": "文章报道了此事，但没有一篇给出所问的数字。相关阅读：",
        "or": "或",
        "quotes": "“”",
        "rate_limited": "您提问的速度太快了——请等待 {seconds} 秒后再问。",
        "no_more": "关于这个问题，我掌握的相关内容就这些了。",
        "gone": "该段落已不在语料库中（索引已更新）。请重新提问。",
        "thanks": "感谢您的反馈！",
        "error": "抱歉，我这边出了点问题。请稍后再试。",
        "try_again": "抱歉，暂时无法记录——请稍后再试。",
        "link": "链接不是问题：请用您自己的话提问，我会引用回答它的文章。",
    },
}


def framing(language: str | None) -> dict[str, str]:
    """The framing texts for ``language`` (an ISO code such as ``ru`` or ``ru-RU``)."""
    return FRAMING[language_of(language)]


# How a question's time was read, above its answer (see index.search.query.Query): held to
# articles published then, newest first, only favoured, or held with nothing published then.
WHEN = {
    "en": (
        "From articles published {span}:",
        "Newest first:",
        "Passages about {span} first:",
        "Nothing published {span} on that.",
    ),
    "ru": (
        "Из статей, опубликованных {span}:",
        "Сначала новые:",
        "Сначала фрагменты о {span}:",
        "За {span} об этом ничего не опубликовано.",
    ),
    "az": (
        "{span} dərc olunmuş məqalələrdən:",
        "Əvvəlcə yenilər:",
        "Əvvəlcə {span} haqqında parçalar:",
        "{span} üçün bu barədə heç nə dərc olunmayıb.",
    ),
    "zh": (
        "来自 {span} 发表的文章：",
        "最新的在前：",
        "优先显示与 {span} 相关的段落：",
        "{span} 没有发表相关内容。",
    ),
}


def time_read(
    language: str | None, when: TimeFilter | None, held: bool, answered: bool
) -> str | None:
    """The line that says how the question's time was read (plain text), or None where it
    named none."""
    if when is None:
        return None
    ranged, recent, favoured, none = WHEN[language_of(language)]
    template = recent if when.recent else favoured if not held else ranged if answered else none
    return template.format(span=when.span)


def when_said(
    language: str | None, when: TimeFilter | None, held: bool, answered: bool
) -> str | None:
    """`time_read` for Telegram: escaped, in italics."""
    said = time_read(language, when, held, answered)
    return None if said is None else "<i>" + html.escape(said) + "</i>"


def nothing_said(language: str | None, found: Answer, outlets: str) -> str:
    """What a reply says where no passage answers (HTML, ``outlets`` escaped): nothing
    published in the time the search was held to; the names no article mentions; that the
    articles cover the subject but not what was asked, or not the number asked for
    (`Answer.related` follows it); or that nothing was found, with the outlets the corpus
    quotes."""
    words = framing(language)
    said = when_said(language, found.when, found.held, False)
    nothing = (found.held and said) or words["nothing_found"].format(outlets=outlets)
    if found.related:  # the names no article mentions, or the number none gives
        nothing = words["uncounted" if found.refusal == "uncounted" else "related"]
    if found.unmentioned:
        names = unmentioned([html.escape(name) for name in found.unmentioned], words)
        nothing = f"{names} {nothing}"
    return nothing
