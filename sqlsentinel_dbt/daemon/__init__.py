"""Always on: the scheduler daemon, health and metrics, the dashboard and its API."""
