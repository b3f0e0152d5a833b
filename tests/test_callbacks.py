from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.callbacks import (
    MAX_BYTES,
    Around,
    Button,
    Example,
    More,
    Preview,
    Vote,
    Year,
    decode,
    encode,
)

IDS = st.integers(0, 2**63 - 1)
BUTTONS = st.one_of(
    st.builds(Example, st.sampled_from(["en", "ru", "az", "zh"]), st.integers(0, 999)),
    st.builds(More, IDS, st.integers(0, 9999)),
    st.builds(Around, IDS, st.just(True)),
    st.builds(
        Around,
        IDS,
        st.just(False),
        st.none() | st.tuples(st.integers(1, 500), st.integers(500, 99999)),
    ),
    st.builds(Vote, IDS, st.sampled_from([1, -1])),
    st.builds(Preview, st.from_regex(r"[0-9a-f]{16}", fullmatch=True), st.booleans()),
    st.builds(Year, IDS, st.integers(1900, 2099)),
)


@given(BUTTONS)
def test_callbacks_every_button_round_trips_within_64_bytes(button: Button) -> None:
    data = encode(button)
    assert len(data.encode()) <= MAX_BYTES
    assert decode(data) == button


# Data near a button's: a real button's encoding cut short, with anything after it (a forged
# or stale press). Text drawn at random would almost never come near one.
NEAR = st.builds(lambda b, cut, tail: encode(b)[:cut] + tail, BUTTONS, st.integers(0, 64),
                 st.text(max_size=8))  # fmt: skip


@given(NEAR)
def test_callbacks_any_data_decodes_to_a_button_or_none(data: str) -> None:
    found = decode(data)
    assert found is None or decode(encode(found)) == found


def test_callbacks_data_cut_short_is_refused() -> None:
    more = encode(More(7, 3))
    assert decode(more) == More(7, 3)
    assert decode(more[:-1]) is None  # "m:7:": the count cut off
    assert decode(more[:2]) is None
    assert decode(more + "x") is None


def test_callbacks_malformed_data_is_none() -> None:
    for data in (
        "",
        "f",
        "f:x:1",
        "f:1:2",
        "m:1",
        "c:",
        "c:-5",
        "a:1:2",
        "x:ru:",
        "z:1",
        "c:99999999999999999999",
        "c:1\n",
        "c:1:5:4",  # a span that ends before it starts
        "c:1:0:4",  # paragraphs count from 1
        "c:1:5",
        "c:1:1:123456",
        "a:1:1:2",
        None,
    ):
        assert decode(data) is None, data


def test_callbacks_buttons_sent_before_languages_still_decode() -> None:
    assert decode("x:2") == Example("en", 2)
