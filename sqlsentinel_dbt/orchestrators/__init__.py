"""Running the alerts inside orchestrators a team already has: Dagster and Airflow."""
