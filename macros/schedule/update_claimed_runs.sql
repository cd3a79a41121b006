{#- For the runs `claimers` hold and have not finished: extend the lease to `claimed_until`,
    or, with `done_at`, mark them done. -#}
{% macro update_claimed_runs(claimers, claimed_until=none, done_at=none) %}
  {{ return(adapter.dispatch('update_claimed_runs', 'sqlsentinel')(claimers, claimed_until, done_at)) }}
{% endmacro %}

{% macro default__update_claimed_runs(claimers, claimed_until, done_at) %}
  {%- if not claimers -%}{{ return(false) }}{%- endif -%}
  {%- set column, value = ('done_at', done_at) if done_at else ('claimed_until', claimed_until) -%}
  {%- call statement('sqlsentinel_update_claimed_runs') -%}
    update {{ sqlsentinel.schedule_claims_relation() }}
    set {{ column }} = {{ sqlsentinel.timestamp_literal(value) }}
    where claimed_by in ({{ sqlsentinel.string_literals(claimers) | join(', ') }})
      and done_at is null
  {%- endcall -%}
  {%- do adapter.commit() -%}
  {{ return(true) }}
{% endmacro %}
