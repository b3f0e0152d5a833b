"""Which sentences can stand alone as the answer to a question (the one-line answer).

Not a question: neither an interviewer's ("Q.: How did trade change?") nor one a reporter is
said to have asked ("The reporter then asked Aliyev what he would tell his father"). Both
restate what was asked, in the words that were asked, so they come close in meaning to the
question while answering nothing.

Among those that can, the one closest in meaning, with a nudge toward the one that holds the
question's rarer words (`shared`): for "What did Aliyev say about the Non Aligned Movement?"
the models alone prefer a sentence on his views that never names the movement.

And for a question that asks for an amount ("how many", "сколько", "neçə", "多少"), a time
("when", "когда", "nə vaxt", "什么时候"), a person ("who", "кто", "kim") or the days of the
week ("on which days"), one that gives an amount, a time, a person's name or a weekday:
"Trade rose sharply" is close in meaning to "How fast did trade grow?", yet only "Trade
grew by 64%" answers it. This is read from words, so it is lenient: any number or time word
will do.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from itertools import pairwise
from typing import Literal

from index.text.chunker import QUESTION_PROMPT
from index.text.lexicon import lexicon
from index.text.words import CJK, QUESTION_WORDS, STOPWORDS, WORD

Wanted = Literal["amount", "time", "person", "weekdays"]

# What a question asks for. "When" counts only where it opens the question ("What did he
# say when he landed?" asks for what he said); Russian "когда" only where no comma puts it
# in a clause of its own.
_ASKS_TIME = re.compile(
    r"^\W*(?:and |so |but |since |until )?when\b|\b(?:what|which) (?:year|month|day|date)s?\b"
    r"|(?<![,;:])(?<![,;:] )\bкогда\b|\bв каком году\b|\bс каких пор\b|\bкакого числа\b"
    r"|\bn[əe] (?:vaxt|zaman)\b|\bha[çc]an\b|\bhans[ıi] (?:il|tarix|ay)"
    r"|什么时候|何时|哪一?年|几时|哪天|什么时间",
    re.IGNORECASE,
)
# Which days of the week something runs on ("on which days will it fly?"): a timetable,
# answered by weekdays or "daily", not by a date.
_ASKS_WEEKDAYS = re.compile(
    r"\b(?:what|which) days\b(?! ago)|\bwhat days? of the week\b"
    r"|\b(?:по каким|в какие) дням?\b|\bв какие дни\b|\bhans[ıi] g[üu]nl[əe]r"
    r"|星期几|周几|哪几天",
    re.IGNORECASE,
)
_GIVES_WEEKDAYS = re.compile(
    r"\b(?:mondays?|tuesdays?|wednesdays?|thursdays?|fridays?|saturdays?|sundays?|daily"
    r"|every day|weekdays|weekends?)\b"
    r"|\b(?:понедельник|вторник|сред(?:[ауы]\b|ам)|четверг|пятниц|суббот|воскресень"
    r"|ежедневн)"
    r"|\b(?:bazar ert[əe]si|[çc][əe]r[şs][əe]nb[əe]|c[üu]m[əe]|[şs][əe]nb[əe]|bazar g[üu]n[üu]"
    r"|h[əe]r g[üu]n)"
    r"|星期[一二三四五六日天]|周[一二三四五六日]|每天|每日",
    re.IGNORECASE,
)
# Russian typed in Latin letters comes without soft signs (`as_written`): "сколко".
_ASKS_AMOUNT = re.compile(
    r"\bhow (?:many|much|fast|long|big|large|often|old|high)\b"
    r"|\bwhat (?:share|percentage|percent|proportion|fraction|number|amount)\b"
    r"|\bскол(?:ь)?к|\bкак(?:ую|ая|ой|ова) (?:долю|доля|процент)|\bнаскол(?:ь)?ко\b"
    r"|\bneç[əe]\b|\bn[əe] q[əe]d[əe]r\b"
    r"|多少|几(?!乎|内亚)|(?<![很许])多(?:大|快|长|久|高|远)(?!程度)|比例",
    re.IGNORECASE,
)

# Who: "who…", "with whom", "кто", "с кем", "kim", "kiminlə", "谁".
_ASKS_PERSON = re.compile(
    r"^\W*(?:and |so |but )?(?:who|whom)\b|\b(?:with|to|by|from) whom\b"
    r"|\b(?:кто|кем|кого|кому)\b|\bkim(?:in)?(?:ə|lə|dir|di|lər)?\b|谁|哪位",
    re.IGNORECASE,
)
# A person's name in Latin or Cyrillic letters: a title before a name ("Ambassador Wei",
# "Deputy Prime Minister Ali Ahmadov"), or two capitalised words in a row ("Guo Min",
# "Шахин Мустафаев") that are no place, organisation, event or date (`not_person`), in a
# run of capitalised words that does not end as an organisation's name does.
_CAPITALISED = r"[A-ZА-ЯЁƏŞÇÖÜĞİ][\w’'.-]+"
_TITLED = re.compile(
    r"\b(?:President|Minister|Ambassador|Deputy|Director|Chairman|Chairwoman|Rector|Mr|Ms"
    r"|Mrs|Dr|General|Colonel|Secretary|Governor|Mayor|affaires|CEO|coach|president"
    r"|minister|ambassador|director|chairman|rector|head|headed by|led by|teammate"
    r"|президент|министр|посол|директор|председател\w*|ректор|глав\w*|заместител\w*"
    r"|депутат\w*|prezident\w*|nazir\w*|səfir\w*|direktor\w*|sədr\w*|rektor\w*"
    r"|deputat\w*)\.?,? (" + _CAPITALISED + r")"
)
_RUN = re.compile(rf"(?<![\w’'-]){_CAPITALISED}(?: {_CAPITALISED})+")
_CJK_TEXT = re.compile(f"[{CJK}]")

# What a sentence gives. A figure that stands on its own: "COVID-19" and "G20" hold digits
# but no amount.
_FIGURE = r"(?<![A-Za-zА-Яа-яЁё0-9\-])\d"
_GIVES_AMOUNT = re.compile(
    _FIGURE + r"|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty"
    r"|forty|fifty|sixty|seventy|eighty|ninety|hundreds?|thousands?|millions?|billions?"
    r"|trillions?|half|twice|double[ds]?|tripled?|dozens?|quarter|third)\b"
    r"|\b(?:од(?:ин|на|но)|два|две|три|четыре|пять|шесть|семь|восемь|девять|десять|сто"
    r"|тысяч|миллион|миллиард|половин|вдвое|втрое|дважды)"
    r"|\b(?:iki|üç|dörd|beş|altı|yeddi|səkkiz|doqquz|iyirmi|otuz|qırx|əlli|yüz|milyon"
    r"|milyard|yarı)"
    r"|[零〇一二三四五六七八九十百千万亿两半]",
    re.IGNORECASE,
)
# What looks like an amount and is none: a year ("in 2023", "2023年", "2023-cü ildə") and
# "one of" ("one of the projects").
_NO_AMOUNT = re.compile(
    r"(?<![\d.,$€£¥])(?:19|20)\d\d(?![\d%]|[.,]\d|\s*(?:%|percent|per cent|million|billion|"
    r"thousand|tonnes|tons|people|students|млн|млрд|тыс|человек|nəfər|milyon|万|亿|人|名))"
    r"|\b(?:one|одна|один|одно|biri) (?:of|из)\b",
    re.IGNORECASE,
)
_GIVES_TIME = re.compile(
    _FIGURE + r"|\b(?:january|february|march|april|may|june|july|august|september|october"
    r"|november|december|monday|tuesday|wednesday|thursday|friday|saturday|sunday"
    r"|yesterday|today|tomorrow|tonight|ago|first|last|next|later|earlier|earliest|recently"
    r"|soon|now|already"
    r"|early|late|since|until|spring|summer|autumn|winter|week|month|year|decade|century)\b"
    r"|\b(?:январ|феврал|март|апрел|ма[йяе]|июн|июл|август|сентябр|октябр|ноябр|декабр"
    r"|вчера|сегодня|завтра|назад|прошл|следующ|недавно|скоро|позже|ранее|сейчас|год|месяц"
    r"|недел|весн|лет|осен|зим)"
    r"|\b(?:yanvar|fevral|mart|aprel|may|iyun|iyul|avqust|sentyabr|oktyabr|noyabr|dekabr"
    r"|dünən|bu gün|sabah|əvvəl|keçən|gələn|həftə|payız|qış|il(?:d[əe]|i|in)?\b|ay(?:d[ae]|ı)?\b)"
    r"|[年月日天周今昨明前后春夏秋冬]|星期|最近",
    re.IGNORECASE,
)
# A reporter's question told rather than quoted: "The interviewer then asked Aliyev about
# his rapport with Xi". A sentence opening with "Asked about…, Aliyev said…" answers.
_REPORTED_QUESTION = re.compile(
    r"^\W*(?!(?:when|if|once|as|after) )(?:the |a |an )?[\w’'.-]+(?: [\w’'.-]+){0,3}"
    r" (?:then |also |later |first |next |again )?(?:asked|asks|wanted to know|inquired)\b"
    r"|^\W*[\w’'.-]+(?: [\w’'.-]+){0,3} (?:затем |также |потом )?(?:спросил|поинтересовал)"
    r"|^\W*[\w’'.-]+(?: [\w’'.-]+){0,3} (?:sonra |həmçinin )?soruş",
    re.IGNORECASE,
)
_ANSWERED = re.compile(
    r"\b(?:said|says|replied|answered|responded|noted|stressed|added|explained)\b"
    r"|\b(?:сказал|ответил|отметил|заявил|подчеркнул)|\b(?:dedi|bildirib|qeyd edib|cavab)",
    re.IGNORECASE,
)

# What `words` takes off a word, three letters or more left: "supported", "talks", "mostly".
_ENGLISH = lexicon("en")  # Snowball's English stemmer


def asks(sentence: str) -> bool:
    """Whether a sentence is a question rather than a statement: it ends in a question mark,
    opens with an interview's question marker, or tells that someone asked (and not what
    was answered)."""
    if sentence.rstrip("\"'”’») ").endswith(("?", "？")):
        return True
    if QUESTION_PROMPT.match(sentence):
        return True
    return bool(_REPORTED_QUESTION.match(sentence)) and not _ANSWERED.search(sentence)


def wanted(question: str) -> Wanted | None:
    """What ``question`` asks for where words tell: a time, an amount; else None (anything
    on the subject may answer)."""
    if _ASKS_WEEKDAYS.search(question):
        return "weekdays"
    if _ASKS_TIME.search(question):
        return "time"
    if _ASKS_AMOUNT.search(question):
        return "amount"
    if _ASKS_PERSON.search(question):
        return "person"
    return None


def can_answer(sentence: str, kind: Wanted | None) -> bool:
    """Whether ``sentence`` can stand as the answer to a question asking for ``kind``: it is
    no question (`asks`) and gives what is asked for (`gives`)."""
    return not asks(sentence) and gives(sentence, kind)


def gives(sentence: str, kind: Wanted | None) -> bool:
    """Whether ``sentence`` gives what a question asking for ``kind`` wants. A year is a
    time, not an amount, and "one of" counts nothing: "The university admitted its second
    intake in 2023" tells no number admitted."""
    if kind == "amount":
        return _GIVES_AMOUNT.search(_NO_AMOUNT.sub(" ", sentence)) is not None
    if kind == "time":
        return _GIVES_TIME.search(sentence) is not None
    if kind == "person":
        return names_a_person(sentence)
    if kind == "weekdays":
        return _GIVES_WEEKDAYS.search(sentence) is not None
    return True


def names_a_person(sentence: str) -> bool:
    """Whether ``sentence`` names a person (`_TITLED`, `_RUN`); a Chinese one always may,
    as its names are not told by capitals."""
    if _CJK_TEXT.search(sentence):
        return True
    if any(_person(m.group(1)) for m in _TITLED.finditer(sentence)):
        return True
    return any(_names_a_person(run.group().split()) for run in _RUN.finditer(sentence))


def _names_a_person(run: list[str]) -> bool:
    """Whether a run of capitalised words holds a person's name: two words in a row that are
    no place, organisation or date, in a run that does not end as an organisation's name
    does ("China National Machinery Industry Corporation")."""
    if not _person(run[-1]):
        return False
    return any(_person(a) and _person(b) for a, b in pairwise(run))


def _person(word: str) -> bool:
    bare = word.strip(".’'-")
    return bare not in _ENGLISH.not_person and bare.casefold() not in STOPWORDS


def words(text: str) -> dict[str, str]:
    """The words of ``text`` that `shared` compares, folded and with common endings off
    ("supports" and "supported" as "support"), each with the first form it takes in
    ``text``; stopwords left out."""
    found: dict[str, str] = {}
    for word in WORD.findall(text.casefold()):
        if word not in STOPWORDS and word not in QUESTION_WORDS:
            found.setdefault(_ENGLISH.stem(word), word)
    return found


def shared(weights: Mapping[str, float], sentence: str) -> float:
    """The share of ``weights`` (a question's `words`, each weighed by how rare it is in the
    corpus) that ``sentence`` holds: 1 where it holds every one."""
    total = sum(weights.values())
    if total <= 0:
        return 0.0
    held = _held(sentence)
    return sum(weight for word, weight in weights.items() if word in held) / total


@lru_cache(maxsize=8192)  # the corpus's sentences come back question after question
def _held(sentence: str) -> frozenset[str]:
    return frozenset(words(sentence))
