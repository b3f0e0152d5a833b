from __future__ import annotations

import pytest

from index.text.language import as_written, detect, plain, simplified


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Who is China's ambassador?", "en"),
        ("Кто посол Китая?", "ru"),
        ("中国驻阿塞拜疆大使是谁？", "zh"),
        ("Çinin Azərbaycandakı səfiri kimdir?", "az"),
        ("Что сказал Aliyev о COP29?", "ru"),
        ("1234 ?!", "en"),
    ],
)
def test_detect_tells_languages_apart_by_script(text: str, language: str) -> None:
    assert detect(text) == language


@pytest.mark.parametrize(
    "text",
    [
        "Azerbaycanda nece Konfutsi Institutu var?",  # typed without ə, ç, ı…
        "Cinin Azerbaycandaki sefiri kimdir?",
        "Si Cinpin Eliyevi nece adlandirib?",  # a verb's ending counts
        "Cin sirketi avtobuslari harada istehsal edecek?",
        "Çin şirkəti",  # without ə, one word and another of its letters
    ],
)
def test_azerbaijani_typed_without_its_letters_is_told_by_its_words(text: str) -> None:
    assert detect(text) == "az"


@pytest.mark.parametrize(
    "text",
    [
        "Did Erdoğan meet Aliyev in Türkiye?",  # Turkish letters in an English question
        "What did Aliyev say about the Zangezur corridor in Baku?",
        "Is CIN3 risk higher with COX inhibitors?",  # abbreviations are not words
        "Does imatinib or bortezomib work better than celecoxib?",  # drugs, not verbs
        "Is the Ki67 index a good marker?",
        "Are ob/ob mice more anxious on pro-inflammatory diets?",  # not Russian's "ob", "pro"
        "What did Li Qiang and Aliev say in Baku?",
        "What does CheY do?",
    ],
)
def test_english_with_foreign_names_or_jargon_stays_english(text: str) -> None:
    assert detect(text) == "en"


def test_plain_writes_azerbaijani_letters_as_typed_without_them() -> None:
    assert plain("Əliyev Şanxay Əməkdaşlıq Təşkilatı, İlham, güc, bağlı") == (
        "Eliyev Sanxay Emekdasliq Teskilati, Ilham, guc, bagli"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("阿塞拜疆有幾所孔子學院？", "阿塞拜疆有几所孔子学院？"),  # traditional characters
        ("阿塞拜疆有几所孔子学院？", "阿塞拜疆有几所孔子学院？"),  # simplified already
        ("他著有一本书，著名学者", "他著有一本书，著名学者"),  # 著 is simplified too
        ("Who is Guo Min?", "Who is Guo Min?"),
    ],
)
def test_simplified_reads_traditional_chinese_in_simplified_characters(
    text: str, expected: str
) -> None:
    assert simplified(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Kto posol Kitaya v Azerbaydzhane?", "Кто посол Китая в Азербайджане?"),
        (
            "Pochemu Azerbaydzhan otmenil vizy dlya grazhdan Kitaya?",
            "Почему Азербайджан отменил визы для граждан Китая?",
        ),
        ("Skolko elektrobusov budut vypuskat s BYD?", "Сколко електробусов будут выпускат с BYD?"),
        ("Kakuyu rol' Aliev otvodit Kitayu?", "Какую роль Алиев отводит Китаю?"),  # ' is ь
        ("Кто посол Китая?", "Кто посол Китая?"),  # in Cyrillic already
        ("Who is China's ambassador?", "Who is China's ambassador?"),  # English as it is
        ("阿塞拜疆有幾所孔子學院？", "阿塞拜疆有几所孔子学院？"),
    ],
)
def test_russian_typed_in_latin_letters_is_read_in_cyrillic(text: str, expected: str) -> None:
    assert detect(expected) == detect(text)
    assert as_written(text) == expected
