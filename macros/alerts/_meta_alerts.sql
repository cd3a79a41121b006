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
