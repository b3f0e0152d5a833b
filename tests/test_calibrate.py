from __future__ import annotations

from index.calibrate import Calibration, best_threshold


def test_threshold_sits_in_the_middle_of_the_gap() -> None:
    assert best_threshold([0.5, 0.6, 0.9], [0.1, 0.3]) == 0.4


def test_threshold_trades_off_answered_and_silent_evenly() -> None:
    # 0.45 is an off-topic score above a right one: no cut separates all; the best keeps 3/4
    # right and 2/2 silent (mean 0.875) rather than 4/4 and 1/2 (0.75).
    assert (
        best_threshold([0.4, 0.6, 0.7, 0.8], [0.1, 0.45]) == 0.53
    )  # the midpoint, 0.525, rounded


def test_threshold_with_one_side_only_stays_outside_it() -> None:
    assert best_threshold([0.5, 0.7], []) < 0.5
    assert best_threshold([], [0.2, 0.3]) > 0.3
    assert best_threshold([], []) == 0.0


def test_threshold_is_not_rounded_across_a_score() -> None:
    assert best_threshold([0.792], [0.791]) == 0.792


def test_calibration_shares_count_unreachable_questions_as_unanswered() -> None:
    c = Calibration("min_score", 0.3, 0.3, (0.8, 0.2), (0.4, 0.1), unreachable=2)
    assert c.answered(0.3) == 0.25
    assert c.silent(0.3) == 0.5


def test_the_table_names_what_each_row_scores() -> None:
    from bot.terminal import format_calibration

    e5 = Calibration("min_score_multilingual", 0.81, 0.83, (0.9, 0.84), (0.8,), 0)
    passages = Calibration("min_score", 0.3, 0.3, (0.6,), (0.1,), 1)
    table = format_calibration([e5, passages])
    assert "lowest right-passage score in scope 0.840, highest off-topic score 0.800" in table
    assert "lowest right-passage score in scope 0.600" in table and "1 with no right" in table
    rows = table.splitlines()
    assert rows[2].split()[:4] == ["min_score_multilingual", "2", "1", "0.810"]
