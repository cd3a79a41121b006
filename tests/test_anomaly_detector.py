"""The anomaly detector on series built for each case: what fires, what does not, and why."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import pytest
from pydantic import ValidationError

from sqlsentinel_dbt.config.anomaly import AnomalySettings
from sqlsentinel_dbt.engine.anomaly.buckets import to_bucket
from sqlsentinel_dbt.engine.anomaly.detector import Point, judge

NOW = datetime(2026, 11, 30, 6, 30)  # a Monday morning: Sunday the 29th is the last full day
DAY = timedelta(days=1)


def daily(values: list[float], last: datetime = datetime(2026, 11, 29)) -> list[Point]:
    """Points for consecutive days, the last of them on `last`."""
    return [Point(last - DAY * (len(values) - 1 - i), v) for i, v in enumerate(values)]


def noisy(days: int, level: float = 1000.0, spread: float = 0.03, seed: int = 1) -> list[float]:
    rng = random.Random(seed)
    return [level * (1 + rng.gauss(0, spread)) for _ in range(days)]


def test_a_spike_in_the_last_day_fires_with_its_expected_range() -> None:
    values = noisy(60)
    values[-1] = 1400.0
    judgement = judge(daily(values), AnomalySettings(), NOW)
    assert [v.bucket for v in judgement.verdicts] == [
        datetime(2026, 11, 28),
        datetime(2026, 11, 29),
    ]
    first, last = judgement.verdicts
    assert not first.anomalous and last.anomalous
    assert last.lower < last.expected < last.upper < 1400.0
    assert 950 < last.expected < 1050
    assert last.score > AnomalySettings().sensitivity
    assert judgement.training_buckets == 56  # 8 weeks before the detection period


def test_noise_alone_does_not_fire() -> None:
    for seed in range(20):
        judgement = judge(daily(noisy(60, seed=seed)), AnomalySettings(), NOW)
        assert len(judgement.verdicts) == 2 and not judgement.anomalies, seed


def test_the_bucket_under_way_is_not_judged() -> None:
    values = noisy(61)
    values[-1] = 10.0  # today, Monday the 30th, only partly loaded at 06:30
    points = daily(values, last=datetime(2026, 11, 30))
    judgement = judge(points, AnomalySettings(), NOW)
    assert max(v.bucket for v in judgement.verdicts) == datetime(2026, 11, 29)
    assert not judgement.anomalies


def test_a_level_shift_over_the_whole_detection_period_fires_only_when_left_out() -> None:
    values = [*noisy(60), 1300.0, 1310.0]
    points = daily(values)
    assert len(judge(points, AnomalySettings(), NOW).anomalies) == 2
    # Trained on the detection period too, the new level widens its own range (Elementary's
    # default): with 14 days, two shifted points of 16 no longer stand out as much.
    trained_on_both = AnomalySettings(exclude_detection_period=False, training_period="16d")
    widened = judge(points, trained_on_both, NOW).verdicts[-1]
    left_out = judge(points, AnomalySettings(training_period="14d"), NOW).verdicts[-1]
    assert widened.upper > left_out.upper
    assert left_out.anomalous and not widened.anomalous


def test_a_weekly_pattern_is_learnt_and_named() -> None:
    rng = random.Random(3)
    start = datetime(2026, 9, 1)
    points = []
    for day in range(90):
        when = start + DAY * day
        level = 400.0 if when.weekday() >= 5 else 1000.0  # quiet weekends
        points.append(Point(when, level * (1 + rng.gauss(0, 0.03))))
    points = [p for p in points if p.bucket < datetime(2026, 11, 30)]
    judgement = judge(points, AnomalySettings(), NOW)
    _saturday, sunday = judgement.verdicts
    assert not judgement.anomalies  # a quiet Sunday is expected
    assert sunday.season == "a Sunday" and 380 < sunday.expected < 420
    # Without seasons, weekdays and weekends make one wide range.
    flat = judge(points, AnomalySettings(seasonality="none"), NOW)
    assert flat.verdicts[-1].season is None and flat.verdicts[-1].upper > 3 * sunday.upper
    # A Sunday as busy as a weekday is an anomaly for a Sunday, not for any day.
    busy = [Point(p.bucket, 1000.0) if p.bucket == sunday.bucket else p for p in points]
    assert [v.bucket for v in judge(busy, AnomalySettings(), NOW).anomalies] == [sunday.bucket]
    assert not judge(busy, AnomalySettings(seasonality="none"), NOW).anomalies


def test_a_trend_is_followed() -> None:
    rng = random.Random(4)
    values = [1000.0 * 1.02**day * (1 + rng.gauss(0, 0.02)) for day in range(60)]
    judgement = judge(daily(values), AnomalySettings(), NOW)
    assert not judgement.anomalies
    last = judgement.verdicts[-1]
    assert abs(last.expected - values[-1]) / values[-1] < 0.05


def test_outliers_in_the_training_data_barely_move_the_range() -> None:
    clean = noisy(60)
    dirty = list(clean)
    for position in (10, 20, 30, 40):
        dirty[position] = 20_000.0
    ranges = [judge(daily(v), AnomalySettings(), NOW).verdicts[-1] for v in (clean, dirty)]
    assert ranges[1].upper < ranges[0].upper * 1.1


def test_too_little_history_is_ok_with_the_reason() -> None:
    judgement = judge(daily(noisy(8)), AnomalySettings(), NOW)
    assert judgement.verdicts == []
    assert judgement.reason == "6 training buckets, fewer than min_training_buckets (7)"
    explicit = judge(daily(noisy(20)), AnomalySettings(seasonality="day_of_week"), NOW)
    assert explicit.reason == "2 training buckets for a Saturday, fewer than 3"


def test_no_value_in_the_detection_period_is_said() -> None:
    points = daily(noisy(30), last=datetime(2026, 11, 20))
    judgement = judge(points, AnomalySettings(), NOW)
    assert judgement.verdicts == []
    assert judgement.reason == "no value for the buckets up to 2026-11-29 00:00"


def test_direction_and_small_changes_limit_what_fires() -> None:
    values = [1000.0 + (i % 2) for i in range(60)]  # almost constant
    values[-1] = 900.0
    points = daily(values)
    assert judge(points, AnomalySettings(), NOW).anomalies
    assert not judge(points, AnomalySettings(direction="spike"), NOW).anomalies
    assert judge(points, AnomalySettings(direction="drop"), NOW).anomalies
    ignoring = AnomalySettings(ignore_small_changes={"drop": 15})
    verdict = judge(points, ignoring, NOW).verdicts[-1]
    assert not verdict.anomalous and verdict.lower == pytest.approx(1000.0 * 0.85, rel=0.01)


def test_zeros_and_constant_series() -> None:
    constant = daily([0.0] * 60)
    assert not judge(constant, AnomalySettings(), NOW).anomalies
    changed = daily([0.0] * 59 + [0.01])
    verdict = judge(changed, AnomalySettings(), NOW).verdicts[-1]
    assert verdict.anomalous and verdict.expected == 0.0
    # A zero after positive values is a drop, with a finite score.
    dropped = judge(daily([*noisy(59), 0.0]), AnomalySettings(), NOW).verdicts[-1]
    assert dropped.anomalous and dropped.score < -3.5 and dropped.score > -1e6


def test_hour_buckets_with_a_daily_cycle() -> None:
    rng = random.Random(5)
    start = datetime(2026, 11, 1)
    points = []
    for hour in range(29 * 24 + 6):
        when = start + timedelta(hours=hour)
        level = 100.0 if 8 <= when.hour < 20 else 10.0
        points.append(Point(when, level * (1 + rng.gauss(0, 0.05))))
    settings = AnomalySettings(time_bucket="hour")
    judgement = judge(points, settings, NOW)
    assert [v.bucket.hour for v in judgement.verdicts] == [4, 5]
    assert not judgement.anomalies and judgement.verdicts[0].season == "04:00"


def test_buckets_are_hour_day_or_iso_week() -> None:
    moment = datetime(2026, 12, 3, 14, 45, 10)  # a Thursday
    assert to_bucket(moment, AnomalySettings(time_bucket="hour").time_bucket) == datetime(
        2026, 12, 3, 14
    )
    assert to_bucket(moment, AnomalySettings().time_bucket) == datetime(2026, 12, 3)
    week = AnomalySettings(time_bucket="week", seasonality="none").time_bucket
    assert to_bucket(moment, week) == datetime(2026, 11, 30)


def test_a_batch_that_lands_at_the_same_hour_every_day_is_a_season() -> None:
    """A pattern in few buckets (1 in 24) moves neither the MAD nor the 90th percentile:
    `auto` weighs seasons by their mean error, which it does move."""
    rng = random.Random(6)
    start = datetime(2026, 11, 1)
    points = []
    for hour in range(29 * 24 + 6):
        when = start + timedelta(hours=hour)
        level = 1000.0 if when.hour == 2 else 100.0
        points.append(Point(when, level * (1 + rng.gauss(0, 0.03))))
    at_three = datetime(2026, 11, 30, 3, 10)  # 02:00 is the last complete hour
    judgement = judge(points, AnomalySettings(time_bucket="hour"), at_three)
    batch = judgement.verdicts[-1]
    assert batch.bucket.hour == 2 and not batch.anomalous and batch.season == "02:00"
    assert 900 < batch.expected < 1100


def test_settings_that_could_never_judge_are_refused() -> None:
    with pytest.raises(ValidationError, match="detection_period must be at least one day"):
        AnomalySettings(detection_period="1h")
    with pytest.raises(ValidationError, match="holds 4 week buckets, fewer than"):
        AnomalySettings(time_bucket="week", seasonality="none", training_period="4w")
    with pytest.raises(ValidationError, match="finite number"):
        AnomalySettings(sensitivity=float("inf"))
    with pytest.raises(ValidationError, match="finite number"):
        AnomalySettings(ignore_small_changes={"spike": float("inf")})


def test_a_season_must_fit_the_bucket() -> None:
    with pytest.raises(ValidationError, match="seasonality hour_of_day needs time_bucket hour"):
        AnomalySettings(seasonality="hour_of_day")
    with pytest.raises(ValidationError, match="min_training_buckets"):
        AnomalySettings(min_training_buckets=1)


def test_a_series_of_rows_is_judged_per_key_from_any_bucket_type() -> None:
    """engine/anomaly/series.py on a query result: buckets as dates, aware timestamps or
    text; NULL values are gaps; zero-filled counts; a broken row fails the alert alone."""
    from datetime import UTC, date

    from sqlsentinel_dbt.config.models import Alert
    from sqlsentinel_dbt.dbt import QueryResult
    from sqlsentinel_dbt.engine.anomaly.series import evaluate_series
    from sqlsentinel_dbt.engine.result import AlertResult, Status

    def result(rows: list[tuple[object, ...]], alert: Alert) -> list[AlertResult]:
        columns = ["KEY", "Bucket", "actual_value", "note"]
        return evaluate_series(
            alert, QueryResult(columns, rows), now=NOW.replace(tzinfo=UTC),
            started_at=NOW, duration_ms=1,
        )  # fmt: skip

    values = noisy(60)
    days = [date(2026, 11, 29) - DAY * (59 - i) for i in range(60)]
    as_date = [("a", d, v, "x") for d, v in zip(days, values, strict=True)]
    as_text = [("b", f"{d}T00:00:00+00:00", v, "y") for d, v in zip(days, values, strict=True)]
    as_text[-1] = ("b", "2026-11-29T00:00:00+00:00", None, "y")  # a gap, not a zero
    alert = Alert(name="s", query="q", anomaly={})
    by_key = {r.key: r for r in result(as_date + as_text, alert)}
    assert by_key["a"].status is Status.OK and by_key["a"].context["note"] == "x"
    assert by_key["b"].context["bucket"] == "2026-11-28T00:00:00"  # the last value it has
    counts = Alert(name="c", query="q", anomaly={"missing_buckets": "zero"})
    [gap] = [r for r in result(as_text, counts)]
    assert gap.status is Status.ALERT and gap.actual_value == 0.0
    huge = [("h", d, 1e308 if i % 2 else -1e308, "z") for i, d in enumerate(days)]
    [overflow] = result(huge, alert)
    assert overflow.status is Status.ERROR and overflow.error is not None
    assert "too large to judge" in overflow.error
    broken = result([("a", "soon", 1.0, "x")], alert)
    assert [r.status for r in broken] == [Status.ERROR]
    assert "`bucket` must be a date or timestamp, got 'soon'" in broken[0].error
