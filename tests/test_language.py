from __future__ import annotations

import pytest

from index.text.language import detect


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
