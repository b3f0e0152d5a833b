"""What the reader's pages say around the quotes, in the bot's four languages: a question's
language where the page answers one (as the bot's framing does), else the one the reader's
browser asks for first (Accept-Language), else English."""

from __future__ import annotations

from bot.texts import language_of

WORDS: dict[str, dict[str, str]] = {
    "en": {
        "search": "Search",
        "timeline": "Timeline",
        "footer": (
            "Every passage is quoted from an article in the corpus and cited; nothing here is "
            "written by the bot."
        ),
        "ask_label": (
            "Ask about Azerbaijan–China relations, in English, Russian, Azerbaijani or Chinese"
        ),
        "ask": "Ask",
        "read": "Read in the article",
        "original": "original",
        "also_in": "also in",
        "more": "More ▸",
        "cited": "Cited",
        "topic_label": "A topic, in any of the four languages (empty: the whole corpus)",
        "chart": "Chart",
        "ask_question": "Ask a question",
        "passages": "passages",
        "articles": "articles",
        "whole_corpus": "the whole corpus",
        "counted": "{total} {unit} on {subject}, {first} to {last}",
        "undated": "{undated} undated left out",
        "none_dated": "No dated {unit} on {subject}.",
        "400": "Bad request|That address asks for something the site can't read.",
        "404": "Not found|There is no such article or paragraph in the corpus.",
        "405": "Not allowed|This site is read-only.",
        "429": "Too many requests|You are asking faster than the site can keep up: wait a minute.",
        "500": "Something went wrong|Sorry, something went wrong on our side. Try again soon.",
    },
    "ru": {
        "search": "Поиск",
        "timeline": "Хронология",
        "footer": (
            "Каждый фрагмент процитирован из статьи корпуса с указанием источника; бот здесь "
            "ничего не пишет сам."
        ),
        "ask_label": (
            "Спросите об отношениях Азербайджана и Китая — на русском, английском, "
            "азербайджанском или китайском"
        ),
        "ask": "Спросить",
        "read": "Читать в статье",
        "original": "оригинал",
        "also_in": "также в",
        "more": "Ещё ▸",
        "cited": "Цитируется",
        "topic_label": "Тема на любом из четырёх языков (пусто: весь корпус)",
        "chart": "Построить",
        "ask_question": "Задать вопрос",
        "passages": "фрагментов",
        "articles": "статей",
        "whole_corpus": "весь корпус",
        "counted": "{subject}: {unit} — {total}, с {first} по {last}",
        "undated": "без даты не учтено: {undated}",
        "none_dated": "{subject}: нет {unit} с датой.",
        "400": "Неверный запрос|Сайт не может прочитать этот адрес.",
        "404": "Не найдено|Такой статьи или абзаца в корпусе нет.",
        "405": "Не разрешено|Этот сайт только для чтения.",
        "429": "Слишком много запросов|Вы спрашиваете слишком быстро: подождите минуту.",
        "500": "Что-то пошло не так|Извините, у нас что-то пошло не так. Попробуйте позже.",
    },
    "az": {
        "search": "Axtarış",
        "timeline": "Xronologiya",
        "footer": (
            "Hər parça korpusdakı məqalədən mənbəsi ilə sitat gətirilib; bot burada özündən "
            "heç nə yazmır."
        ),
        "ask_label": (
            "Azərbaycan–Çin münasibətləri barədə azərbaycan, rus, ingilis və ya çin dilində "
            "soruşun"
        ),
        "ask": "Soruş",
        "read": "Məqalədə oxu",
        "original": "orijinal",
        "also_in": "həmçinin",
        "more": "Daha çox ▸",
        "cited": "Sitat",
        "topic_label": "Dörd dildən birində mövzu (boş: bütün korpus)",
        "chart": "Qrafik",
        "ask_question": "Sual verin",
        "passages": "parça",
        "articles": "məqalə",
        "whole_corpus": "bütün korpus",
        "counted": "{subject}: {total} {unit}, {first} – {last}",
        "undated": "tarixsiz {undated} nəzərə alınmayıb",
        "none_dated": "{subject}: tarixli {unit} yoxdur.",
        "400": "Yanlış sorğu|Sayt bu ünvanı oxuya bilmir.",
        "404": "Tapılmadı|Korpusda belə məqalə və ya abzas yoxdur.",
        "405": "İcazə yoxdur|Bu sayt yalnız oxumaq üçündür.",
        "429": "Həddən çox sorğu|Çox tez soruşursunuz: bir dəqiqə gözləyin.",
        "500": "Xəta baş verdi|Bağışlayın, bizdə xəta baş verdi. Bir az sonra yenidən cəhd edin.",
    },
    "zh": {
        "search": "搜索",
        "timeline": "时间线",
        "footer": "每段文字均引自语料库中的文章并注明出处；本站不自行撰写任何内容。",
        "ask_label": "用中文、英文、俄文或阿塞拜疆文询问阿塞拜疆与中国的关系",
        "ask": "提问",
        "read": "在文章中阅读",
        "original": "原文",
        "also_in": "另见",
        "more": "更多 ▸",
        "cited": "引用",
        "topic_label": "任一语言的主题（留空：整个语料库）",
        "chart": "绘图",
        "ask_question": "提问",
        "passages": "个段落",
        "articles": "篇文章",
        "whole_corpus": "整个语料库",
        "counted": "{subject}：{total} {unit}，{first} 至 {last}",
        "undated": "{undated} 个无日期的未计入",
        "none_dated": "{subject}：没有带日期的{unit}。",
        "400": "请求有误|本站无法读取该地址。",
        "404": "未找到|语料库中没有这篇文章或这个段落。",
        "405": "不允许|本站只读。",
        "429": "请求过多|您的请求太快了：请等一分钟。",
        "500": "出错了|抱歉，我们这边出了问题。请稍后再试。",
    },
}


def chosen(question_language: str | None, accept_language: str) -> str:
    """The pages' language: the question's, else the browser's first of ours, else English."""
    if question_language:
        return language_of(question_language)
    for part in accept_language.split(","):
        code = part.split(";")[0].strip().split("-")[0].lower()
        if code in WORDS:
            return code
    return "en"


def error(language: str, status: int) -> tuple[str, str]:
    """An error page's heading and text."""
    words = WORDS[language]
    heading, _, text = words.get(str(status), words["500"]).partition("|")
    return heading, text
