{#- Every alert declared in `config.meta.sentinel.alerts` (or `meta.sentinel.alerts`) of the
    project's models, sources, seeds and snapshots, as _alert_config results. Mirrors
    sqlsentinel_dbt/dbt/meta.py. -#}
{% macro _meta_alerts() %}
  {%- set found = [] -%}
  {%- set nodes = graph.nodes.values() | list + graph.sources.values() | list -%}
  {%- for node in nodes if node.resource_type in ('model', 'source', 'seed', 'snapshot') -%}
    {%- set path = (node.patch_path or node.original_file_path).split('://')[-1] -%}
    {%- set seen = [] -%}
    {%- for meta in [(node.config or {}).get('meta') or {}, node.meta or {}] -%}
      {%- set block = meta.get('sentinel') if meta is mapping else none -%}
      {%- set raw = block.get('alerts') if block is mapping else block -%}
      {#- Monitors are anomaly alerts, which this operation does not judge: each is refused
          by name (sqlsentinel_dbt/config/monitors.py names them), so none is silently lost. -#}
      {%- set monitors = block.get('monitors') if block is mapping else none -%}
      {%- if monitors is not none and monitors not in seen -%}
        {%- do seen.append(monitors) -%}
        {%- for item in (monitors if monitors is iterable and monitors is not string and monitors is not mapping else [monitors]) -%}
          {%- set refused = sqlsentinel._alert_config(
              {'name': sqlsentinel._monitor_name(item, node), 'query': 'select 1', 'mode': 'anomaly'},
              node.unique_id, path) -%}
          {%- do refused.update({'problems': ["a monitor runs with `sentinel dbt-run` or `sentinel daemon`, not `dbt run-operation`"]}) -%}
          {%- do found.append(refused) -%}
        {%- endfor -%}
      {%- endif -%}
      {#- dbt copies `meta` into `config.meta`; the same list must not count twice. -#}
      {%- if raw is not none and raw not in seen -%}
        {%- do seen.append(raw) -%}
        {%- if raw is string or raw is not iterable or raw is mapping -%}
          {%- do found.append({'alert': {'name': none, 'node_id': node.unique_id, 'path': path},
                               'problems': ['`sentinel.alerts` must be a list of alerts']}) -%}
        {%- else -%}
          {%- for item in raw -%}
            {%- do found.append(sqlsentinel._alert_config(item, node.unique_id, path)) -%}
          {%- endfor -%}
        {%- endif -%}
      {%- endif -%}
    {%- endfor -%}
  {%- endfor -%}
  {{ return(found) }}
{% endmacro %}

{#- The name sqlsentinel_dbt/config/monitors.py gives a monitor's alert: its own `name`, else
    `<node>__volume`, `<node>__freshness`, `<node>__<column>__metrics`, else none. -#}
{% macro _monitor_name(item, node) %}
  {%- if item is not mapping -%}{{ return(none) }}{%- endif -%}
  {%- if item.get('name') is string -%}{{ return(item.name) }}{%- endif -%}
  {%- set base = node.source_name ~ '__' ~ node.name if node.resource_type == 'source' else node.name -%}
  {%- for kind in ('volume', 'freshness') if kind in item -%}
    {{ return(base ~ '__' ~ kind) }}
  {%- endfor -%}
  {%- set spec = item.get('column_metrics') -%}
  {%- if spec is mapping and spec.get('column') is string -%}
    {{ return(base ~ '__' ~ spec.column ~ '__metrics') }}
  {%- endif -%}
  {{ return(none) }}
{% endmacro %}
