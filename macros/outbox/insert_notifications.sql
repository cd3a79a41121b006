{#- Append outbox rows (dicts keyed by column name); a row whose notification_id is already
    there is skipped, so a change decided by two runs at once is queued once. chunk_size
    rows per statement (none: as many as the warehouse takes in one); ensure=false skips
    creating the table, for a caller that ensured it in the same run. -#}
{% macro insert_notifications(rows, chunk_size=none, commit=true, ensure=true) %}
  {{ return(adapter.dispatch('insert_notifications', 'sqlsentinel')(rows, chunk_size, commit, ensure)) }}
{% endmacro %}

{% macro default__insert_notifications(rows, chunk_size, commit, ensure) %}
  {%- set relation = sqlsentinel.ensure_notifications() if ensure else sqlsentinel.notifications_relation() -%}
  {%- set columns = sqlsentinel.notification_columns() -%}
  {{ return(sqlsentinel._merge_new_rows(relation, columns, rows, 'notification_id', chunk_size, commit)) }}
{% endmacro %}

{#- The primary key is enforced here: ON CONFLICT skips a row another run inserted a moment
    before, where a MERGE could still fail on it. -#}
{% macro postgres__insert_notifications(rows, chunk_size, commit, ensure) %}
  {%- set relation = sqlsentinel.ensure_notifications() if ensure else sqlsentinel.notifications_relation() -%}
  {%- set columns = sqlsentinel.notification_columns() -%}
  {{ return(sqlsentinel._insert_rows(relation, columns, rows, chunk_size, 'notification_id', commit)) }}
{% endmacro %}

{#- DuckDB enforces the primary key as PostgreSQL does. -#}
{% macro duckdb__insert_notifications(rows, chunk_size, commit, ensure) %}
  {{ return(sqlsentinel.postgres__insert_notifications(rows, chunk_size, commit, ensure)) }}
{% endmacro %}

{#- Redshift would fall back to postgres__, but it has no ON CONFLICT and enforces no keys. -#}
{% macro redshift__insert_notifications(rows, chunk_size, commit, ensure) %}
  {{ return(sqlsentinel.default__insert_notifications(rows, chunk_size, commit, ensure)) }}
{% endmacro %}

{#- SQLite enforces the primary key and has ON CONFLICT too (3.24 and newer). -#}
{% macro sqlite__insert_notifications(rows, chunk_size, commit, ensure) %}
  {{ return(sqlsentinel.postgres__insert_notifications(rows, chunk_size, commit, ensure)) }}
{% endmacro %}
