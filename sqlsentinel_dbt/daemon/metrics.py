"""Prometheus metrics of the daemon, in a registry of its own (served on `/metrics`)."""

from __future__ import annotations

from collections.abc import Sequence

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from sqlsentinel_dbt.engine.result import AlertResult, Status
from sqlsentinel_dbt.notify.dispatch import DeliveryReport

_DURATIONS = (0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300)
_LAGS = (0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 15, 60)


class Metrics:
    """Counters, gauges and histograms of evaluations, notifications and scheduling."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.evaluations = Counter(
            "sentinel_evaluations", "Alert instance evaluations.", ["alert", "status"], registry=r
        )
        self.errors = Counter(
            "sentinel_errors", "Evaluations that ended in ERROR.", ["alert"], registry=r
        )
        self.firing = Gauge(
            "sentinel_firing_instances",
            "Instances firing after the last run.",
            ["alert"],
            registry=r,
        )
        self.duration = Histogram(
            "sentinel_evaluation_duration_seconds",
            "Time one alert's query and evaluation took.",
            ["alert"],
            buckets=_DURATIONS,
            registry=r,
        )
        self.last_success = Gauge(
            "sentinel_last_success_timestamp_seconds",
            "When the alert last ran without error (Unix time).",
            ["alert"],
            registry=r,
        )
        self.notifications = Counter(
            "sentinel_notifications", "Notifications by outcome.", ["outcome"], registry=r
        )
        self.lag = Histogram(
            "sentinel_schedule_lag_seconds",
            "Actual start minus due time of scheduled runs.",
            buckets=_LAGS,
            registry=r,
        )
        self.skipped = Counter(
            "sentinel_skipped_runs", "Due runs not started, by reason.", ["reason"], registry=r
        )
        self.run_failures = Counter(
            "sentinel_run_failures", "Runs that could not complete (warehouse down...).", registry=r
        )
        self.unscheduled = Gauge(
            "sentinel_unscheduled_alerts",
            "1 for an alert whose schedule gives no next run time; it does not run.",
            ["alert"],
            registry=r,
        )
        self.reload_ok = Gauge(
            "sentinel_config_last_reload_successful",
            "0 while changed project files fail to load (the last good ones still run), else 1.",
            registry=r,
        )
        self.reload_ok.set(1)
        self.delivery_passes = Counter(
            "sentinel_delivery_passes",
            "Delivery passes between runs (what others queued, retries), by outcome.",
            ["outcome"],
            registry=r,
        )
        self.scheduler_errors = Counter(
            "sentinel_scheduler_errors",
            "Unexpected errors of the scheduling loop, which carries on.",
            registry=r,
        )

    def observe_results(self, results: Sequence[AlertResult]) -> None:
        """Count one run's results."""
        by_alert: dict[str, list[AlertResult]] = {}
        for result in results:
            by_alert.setdefault(result.alert, []).append(result)
            self.evaluations.labels(result.alert, result.status.value).inc()
        for alert, outcomes in by_alert.items():
            self.duration.labels(alert).observe(max(r.duration_ms for r in outcomes) / 1000)
            firing = sum(bool(r.state and r.state.state.active) for r in outcomes)
            self.firing.labels(alert).set(firing)
            if any(r.status is Status.ERROR for r in outcomes):
                self.errors.labels(alert).inc()
            elif outcomes[0].started_at is not None:
                self.last_success.labels(alert).set(outcomes[0].started_at.timestamp())

    def observe_delivery(self, queued: int, delivery: DeliveryReport | None) -> None:
        """Count one run's notifications."""
        self.notifications.labels("queued").inc(queued)
        if delivery is not None:
            self.notifications.labels("sent").inc(delivery.sent)
            self.notifications.labels("failed").inc(delivery.failed)
            self.notifications.labels("dead").inc(delivery.dead)
