"""The settings of an anomaly alert (`mode: anomaly`), each with its documented default.

The detector (sqlsentinel_dbt/engine/anomaly/) reads them; docs/anomalies.md explains them.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from sqlsentinel_dbt.config.duration import DAY, HOUR, YEAR, Within

WEEK = 7 * DAY


class TimeBucket(StrEnum):
    """How long one point of the series is."""

    HOUR = "hour"
    DAY = "day"
    WEEK = "week"

    @property
    def seconds(self) -> float:
        """The bucket's length."""
        return {"hour": HOUR, "day": DAY, "week": WEEK}[self.value]


class Direction(StrEnum):
    """Which deviations fire: up (`spike`), down (`drop`), or either."""

    BOTH = "both"
    SPIKE = "spike"
    DROP = "drop"


class MissingBuckets(StrEnum):
    """What a bucket the query returns no row for is."""

    SKIP = "skip"
    ZERO = "zero"


class Seasonality(StrEnum):
    """Which buckets are compared with which: a Tuesday with Tuesdays, 9:00 with 9:00..."""

    AUTO = "auto"
    """The season among those of the bucket that best predicts the training data, if any
    predicts it clearly better than none."""
    NONE = "none"
    DAY_OF_WEEK = "day_of_week"
    HOUR_OF_DAY = "hour_of_day"
    HOUR_OF_WEEK = "hour_of_week"
    DAY_OF_MONTH = "day_of_month"


_FITS = {
    Seasonality.AUTO: (TimeBucket.HOUR, TimeBucket.DAY, TimeBucket.WEEK),
    Seasonality.NONE: (TimeBucket.HOUR, TimeBucket.DAY, TimeBucket.WEEK),
    Seasonality.DAY_OF_WEEK: (TimeBucket.DAY,),
    Seasonality.HOUR_OF_DAY: (TimeBucket.HOUR,),
    Seasonality.HOUR_OF_WEEK: (TimeBucket.HOUR,),
    Seasonality.DAY_OF_MONTH: (TimeBucket.DAY,),
}
CANDIDATES = {
    TimeBucket.HOUR: (Seasonality.HOUR_OF_DAY, Seasonality.HOUR_OF_WEEK),
    TimeBucket.DAY: (Seasonality.DAY_OF_WEEK, Seasonality.DAY_OF_MONTH),
    TimeBucket.WEEK: (),
}
"""The seasons `auto` tries for each bucket."""
PERIOD = Within(10 * YEAR, positive=True)


class SmallChanges(BaseModel):
    """Deviations smaller than these percentages of the expected value never fire."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    spike: float = Field(
        default=0.0, ge=0, le=10_000, allow_inf_nan=False, description="Percent above it."
    )
    drop: float = Field(
        default=0.0, ge=0, le=100, allow_inf_nan=False, description="Percent below."
    )


class AnomalySettings(BaseModel):
    """`anomaly:` of an alert: how its series is judged (docs/anomalies.md)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    time_bucket: TimeBucket = Field(
        default=TimeBucket.DAY,
        description="`hour`, `day` or `week`: how long one point of the series is.",
    )
    training_period: Annotated[float, PERIOD] | None = Field(
        default=None,
        description=(
            "How far back the expected range is learnt from (`8w`). Unset: 4 weeks for hour "
            "buckets, 8 weeks for day buckets (26 with `day_of_month`), 26 weeks for week "
            "buckets."
        ),
    )
    detection_period: Annotated[float, PERIOD] | None = Field(
        default=None,
        description=("The most recent complete buckets that are judged (`2d`). Unset: 2 buckets."),
    )
    sensitivity: float = Field(
        default=3.5,
        gt=0,
        le=100,
        allow_inf_nan=False,
        description=(
            "How many robust standard deviations from the expected value a point may be "
            "before it fires; lower fires more."
        ),
    )
    direction: Direction = Field(
        default=Direction.BOTH, description="`both`, `spike` (up only) or `drop` (down only)."
    )
    seasonality: Seasonality = Field(
        default=Seasonality.AUTO,
        description=(
            "`auto`, `none`, `day_of_week`, `day_of_month` (day buckets), `hour_of_day` or "
            "`hour_of_week` (hour buckets): a point is compared with the same season. "
            "`auto` picks the one that predicts the training data clearly best, or none."
        ),
    )
    min_training_buckets: int = Field(
        default=7,
        ge=3,
        description=(
            "Fewer training points than this (or than 3 of the judged point's season) is "
            "judged OK, with the reason."
        ),
    )
    ignore_small_changes: SmallChanges = Field(
        default_factory=SmallChanges,
        description="`{spike: 10, drop: 10}`: percentages of change that never fire.",
    )
    missing_buckets: MissingBuckets = Field(
        default=MissingBuckets.SKIP,
        description=(
            "`skip`: a bucket without a row is not a point of the series. `zero`: it is 0 "
            "(counts: no rows loaded that day is a drop to 0)."
        ),
    )
    unit: str | None = Field(
        default=None,
        max_length=100,
        description="What a value counts (`orders`), as notifications say it: `1,204 orders`.",
    )
    exclude_detection_period: bool = Field(
        default=True,
        description=(
            "Leave the judged buckets out of the training data, so an anomaly does not "
            "widen its own expected range."
        ),
    )

    @model_validator(mode="after")
    def _seasonality_fits_the_bucket(self) -> AnomalySettings:
        if self.time_bucket not in _FITS[self.seasonality]:
            fits = " or ".join(b.value for b in _FITS[self.seasonality])
            raise ValueError(
                f"seasonality {self.seasonality.value} needs time_bucket {fits}, "
                f"not {self.time_bucket.value}"
            )
        return self

    @model_validator(mode="after")
    def _periods_can_judge(self) -> AnomalySettings:
        bucket = self.time_bucket.value
        if self.detection_seconds < self.bucket_seconds:
            raise ValueError(f"detection_period must be at least one {bucket}")
        buckets = int(self.training_seconds // self.bucket_seconds)
        if buckets < self.min_training_buckets:
            raise ValueError(
                f"training_period holds {buckets} {bucket} buckets, fewer than "
                f"min_training_buckets ({self.min_training_buckets}): nothing could be judged"
            )
        return self

    @property
    def bucket_seconds(self) -> float:
        """The length of one bucket."""
        return self.time_bucket.seconds

    @property
    def detection_seconds(self) -> float:
        """The detection period, defaulted."""
        return self.detection_period or 2 * self.bucket_seconds

    @property
    def training_seconds(self) -> float:
        """The training period, defaulted."""
        if self.training_period:
            return self.training_period
        if self.seasonality is Seasonality.DAY_OF_MONTH:
            return 26 * WEEK
        return {TimeBucket.HOUR: 4 * WEEK, TimeBucket.DAY: 8 * WEEK}.get(
            self.time_bucket, 26 * WEEK
        )
