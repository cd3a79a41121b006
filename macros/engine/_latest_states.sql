{#- The last state of every non-OK instance of the named alerts, from the history table:
    alert name -> key -> {'state', 'since', 'count', 'severity'}. Empty before the first run. -#}
{% macro _latest_states(alert_names) %}
  {%- set states = {} -%}
  {%- if not alert_names or not sqlsentinel.table_exists('sentinel_alert_history') -%}
    {{ return(states) }}
  {%- endif -%}
  {%- set table = run_query(sqlsentinel.select_latest_states_sql(alert_names)) -%}
  {%- for name, key, state, since, count, severity in table.rows -%}
    {%- do states.setdefault(name, {}).update({key: {
        'state': state, 'since': sqlsentinel._as_utc(since), 'count': (count or 0) | int,
        'severity': severity}}) -%}
  {%- endfor -%}
  {{ return(states) }}
{% endmacro %}

{#- A timestamp read back (some drivers hand back text, some add a zone) as naive UTC. -#}
{% macro _as_utc(value) %}
  {%- set moment = modules.datetime.datetime.fromisoformat(value) if value is string else value -%}
  {%- if moment is not none and moment.tzinfo is not none -%}
    {%- set moment = moment.astimezone(modules.pytz.utc).replace(tzinfo=none) -%}
  {%- endif -%}
  {{ return(moment) }}
{% endmacro %}
