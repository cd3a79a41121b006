"""How a notification line explains an anomaly, in each medium's escaping."""

from __future__ import annotations

from sqlsentinel_dbt.engine.notification import Instance
from sqlsentinel_dbt.notify.render.common import escape_html, escape_slack, instance_line

EXPLAINED = {
    "bucket": "2026-12-01T09:00:00",
    "expected": 2950.4,
    "lower": 2610.0,
    "upper": 3290.2,
    "score": -11.2,
    "season": "Tuesday 09:00",
    "training_buckets": 672,
    "anomalous_buckets": ["2026-12-01T09:00:00"],
    "unit": "<orders>",
    "region": "eu & co",
}


def test_an_anomaly_line_says_value_bucket_expected_range_and_season() -> None:
    instance = Instance(
        key="eu", severity="error", actual_value=1204, threshold=2610.0, context=EXPLAINED
    )
    assert instance_line(instance, escape_slack) == (
        "eu: 1,204 &lt;orders&gt; on Tue 2026-12-01 09:00, expected 2,950 (2,610\u20133,290) "
        "for Tuesday 09:00 · region=eu &amp; co"
    )


def test_small_values_keep_three_figures_and_a_day_bucket_shows_no_hour() -> None:
    context = {"bucket": "2026-12-01T00:00:00", "expected": 0.02134, "lower": 0.0, "upper": 0.05}
    instance = Instance(key=None, severity="warn", actual_value=0.31, context=context)
    assert instance_line(instance, escape_html) == (
        "value: 0.31 on Tue 2026-12-01, expected 0.0213 (0\u20130.05)"
    )


def test_a_context_that_only_looks_like_one_is_shown_as_it_is() -> None:
    context = {"bucket": "2026-12-01", "expected": "soon", "lower": 1, "upper": 2}
    instance = Instance(key="k", severity="error", actual_value=3, threshold=2, context=context)
    assert instance_line(instance, escape_slack) == (
        "k: 3 (threshold 2) · bucket=2026-12-01, expected=soon, lower=1, upper=2"
    )
