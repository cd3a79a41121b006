{#- Claim due runs for `claimer` until `lease_until`: insert `rows` (one per alert and due
    time; a due time another daemon claimed first is skipped), then take over the runs
    whose claimer's lease ran out before they were done, if they fell due after `since`.
    Read back what `claimer` holds with select_claimed_runs_sql. -#}
{% macro claim_due_runs(rows, claimer, now, lease_until, since) %}
  {{ return(adapter.dispatch('claim_due_runs', 'sqlsentinel')(rows, claimer, now, lease_until, since)) }}
{% endmacro %}

{% macro default__claim_due_runs(rows, claimer, now, lease_until, since) %}
  {%- set relation = sqlsentinel.schedule_claims_relation() -%}
  {%- set columns = sqlsentinel.schedule_claim_columns() -%}
  {%- do sqlsentinel.create_sentinel_table(relation, columns, 'claim_id') -%}
  {%- if rows -%}
    {%- do sqlsentinel._insert_claims(relation, columns, rows) -%}
  {%- endif -%}
  {%- call statement('sqlsentinel_take_over_runs') -%}
    update {{ relation }}
    set claimed_by = {{ sqlsentinel.string_literal(claimer) }},
        claimed_until = {{ sqlsentinel.timestamp_literal(lease_until) }}
    where done_at is null
      and claimed_until < {{ sqlsentinel.timestamp_literal(now) }}
      and due_at >= {{ sqlsentinel.timestamp_literal(since) }}
  {%- endcall -%}
  {%- do adapter.commit() -%}
  {{ return(true) }}
{% endmacro %}

{#- ON CONFLICT where the key is enforced (PostgreSQL, DuckDB, SQLite): of two daemons inserting one
    due time at once, the second waits for the first and skips it. Elsewhere a MERGE. -#}
{% macro _insert_claims(relation, columns, rows) %}
  {%- if adapter.type() in ('postgres', 'duckdb', 'sqlite') -%}
    {{ return(sqlsentinel._insert_rows(relation, columns, rows, none, 'claim_id')) }}
  {%- endif -%}
  {{ return(sqlsentinel._merge_new_rows(relation, columns, rows, 'claim_id')) }}
{% endmacro %}
