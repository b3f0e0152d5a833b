"""Time in a question, in four languages, against an injected today."""

from __future__ import annotations

import datetime as dt

import pytest

from index.text.when import TimeFilter, asks_for_news, mentioning, names_no_subject, read_time

TODAY = dt.date(2026, 12, 1)


def year(y: int) -> TimeFilter:
    return TimeFilter(dt.date(y, 1, 1), dt.date(y, 12, 31))


@pytest.mark.parametrize(
    ("question", "rest", "expected"),
    [
        ("What was agreed in 2025?", "What was agreed?", year(2025)),
        ("Что было подписано в 2025 году?", "Что было подписано?", year(2025)),
        ("2025-ci ildə nə razılaşdırılıb?", "nə razılaşdırılıb?", year(2025)),
        ("2025年签署了什么协议？", "签署了什么协议？", year(2025)),
        ("Trade since 2023", "Trade", TimeFilter(since=dt.date(2023, 1, 1))),
        ("News from 2024", "News", year(2024)),  # "from" a year alone: that year
        ("Trade from 2023 onwards", "Trade", TimeFilter(since=dt.date(2023, 1, 1))),
        ("новости за 2024 год", "новости", year(2024)),
        ("торговля с 2023 года", "торговля", TimeFilter(since=dt.date(2023, 1, 1))),
        ("2023-cü ildən bəri ticarət", "ticarət", TimeFilter(since=dt.date(2023, 1, 1))),
        ("2023年以来的贸易", "的贸易", TimeFilter(since=dt.date(2023, 1, 1))),
        ("visits before 2021", "visits", TimeFilter(until=dt.date(2020, 12, 31))),
        ("визиты до 2021 года", "визиты", TimeFilter(until=dt.date(2020, 12, 31))),
        ("2021年以前的访问", "的访问", TimeFilter(until=dt.date(2020, 12, 31))),
        (
            "visits between 2019 and 2021",
            "visits",
            TimeFilter(dt.date(2019, 1, 1), dt.date(2021, 12, 31)),
        ),
        (
            "Çin ilə ticarət 2019 və 2021 arasında",
            "Çin ilə ticarət",
            TimeFilter(dt.date(2019, 1, 1), dt.date(2021, 12, 31)),
        ),
        ("What was signed last year?", "What was signed?", year(2025)),
        ("Что подписали в прошлом году?", "Что подписали?", year(2025)),
        ("Keçən il nə imzalanıb?", "nə imzalanıb?", year(2025)),
        ("去年签了什么？", "签了什么？", year(2025)),
        (
            "Anything new on the Middle Corridor since last year?",
            "Anything new on the Middle Corridor?",
            TimeFilter(since=dt.date(2025, 1, 1)),
        ),
        (
            "What happened this month?",
            "What happened?",
            TimeFilter(dt.date(2026, 12, 1), dt.date(2026, 12, 31)),
        ),
        ("latest on trade", "latest on trade", TimeFilter(recent=True)),
        ("Что нового?", "Что нового?", TimeFilter(recent=True)),
        ("Son xəbərlər nədir?", "Son xəbərlər nədir?", TimeFilter(recent=True)),
        ("最近有什么消息？", "最近有什么消息？", TimeFilter(recent=True)),
        ("China and Azerbaijan: 2000 years of history", None, None),
        ("Who is China's ambassador?", None, None),
    ],
)
def test_when_reads_years_ranges_relative_periods_and_recency(
    question: str, rest: str | None, expected: TimeFilter | None
) -> None:
    found_rest, found = read_time(question, TODAY)
    assert found == expected
    assert found_rest == (rest or question)


def test_when_filter_allows_only_dated_articles_in_range_and_says_its_span() -> None:
    since = TimeFilter(since=dt.date(2023, 1, 1))
    assert since.allows("2024-05-01") and not since.allows("2022-12-31")
    assert not since.allows(None)  # undated: not in any range
    assert TimeFilter(recent=True).allows(None)
    assert [f.span for f in (year(2025), since, TimeFilter(until=dt.date(2020, 12, 31)))] == [
        "2025",
        "2023 –",
        "– 2020",
    ]


@pytest.mark.parametrize(
    "question",
    [
        "latest news",
        "What's new?",
        "Any news?",
        "последние новости",
        "Что нового?",
        "Son xəbərlər nədir?",
        "son xeberler",
        "有什么最新消息？",
        "最近有什么新闻？",
    ],
)
def test_a_request_for_news_alone_names_nothing_to_search_for(question: str) -> None:
    assert asks_for_news(question)


@pytest.mark.parametrize(
    "question",
    [
        "latest news on BYD",
        "What happened recently with the Zangezur corridor?",
        "Что нового у BYD?",
        "Новости Баку",
        "最新的孔子学院消息",
        "Who is China's ambassador?",  # no word for "new" at all
    ],
)
def test_news_on_a_subject_is_a_search_for_it(question: str) -> None:
    assert not asks_for_news(question)


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Trade grew in 2019.", True),
        ("2019-cu ildə ticarət artıb", True),
        ("товарооборот в 2019 году", True),
        ("2019年贸易额", True),
        ("2019–2020", True),
        ("a 20190 km road", False),
        ("it cost 1,2019 dollars", False),
        ("2018 and 2021 only", False),
    ],
)
def test_a_passage_mentions_a_year_in_any_languages_form(text: str, found: bool) -> None:
    pattern = mentioning(year(2019).years(TODAY))
    assert pattern is not None and bool(pattern.search(text)) is found


def test_the_years_of_a_range_open_ended_up_to_today_and_none_for_too_wide_a_range() -> None:
    assert TimeFilter(since=dt.date(2024, 1, 1)).years(TODAY) == (2024, 2025, 2026)
    assert TimeFilter(until=dt.date(2020, 12, 31)).years(TODAY) == ()  # open at the start
    assert TimeFilter(dt.date(1995, 1, 1), dt.date(2020, 12, 31)).years(TODAY) == ()
    assert TimeFilter(recent=True).years(TODAY) == ()
    assert mentioning(()) is None


@pytest.mark.parametrize(
    ("text", "alone"),
    [
        ("What happened?", True),
        ("News", True),
        ("что произошло?", True),
        ("nə baş verib?", True),
        ("发生了什么？", True),
        ("What happened with the solar plant?", False),
        ("Trade", False),
    ],
)
def test_what_names_nothing_but_a_time_asks_for_that_times_articles(
    text: str, alone: bool
) -> None:
    assert names_no_subject(text) is alone
