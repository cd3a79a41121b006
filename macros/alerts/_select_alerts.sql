{#- The alerts that `select` picks (all when empty) and `exclude` does not, as in
    `sentinel dbt-run`: space-separated tokens are a union, comma-joined parts an
    intersection. A part is an alert name or glob (`alert:` to be explicit), `tag:X` (the
    alert's tags or its node's), or a node selector: `name`, `source:src.table`, with `+`
    before (ancestors) or after (descendants). An alert belongs to the node whose meta
    declares it. -#}
{% macro _select_alerts(alerts, select=none, exclude=none) %}
  {%- set chosen = sqlsentinel._matching_alerts(alerts, select) if sqlsentinel._tokens(select) else alerts | map(attribute='name') | list -%}
  {%- set dropped = sqlsentinel._matching_alerts(alerts, exclude) -%}
  {{ return(alerts | selectattr('name', 'in', chosen) | rejectattr('name', 'in', dropped) | list) }}
{% endmacro %}

{#- What is wrong with a selection, as `sentinel dbt-run` says it: each term that matches
    no alert (a typo would otherwise run nothing and pass), or an exclude that removes every
    alert selected. Empty when all is well. -#}
{% macro _selection_problems(alerts, select=none, exclude=none) %}
  {%- set problems = [] -%}
  {%- for flag, raw in [('select', select), ('exclude', exclude)] -%}
    {%- for token in sqlsentinel._tokens(raw) if not sqlsentinel._matching_alerts(alerts, token) -%}
      {%- do problems.append(flag ~ " '" ~ token ~ "' matches no alert") -%}
    {%- endfor -%}
  {%- endfor -%}
  {%- set asked = sqlsentinel._tokens(select) or sqlsentinel._tokens(exclude) -%}
  {%- if not problems and alerts and asked and not sqlsentinel._select_alerts(alerts, select, exclude) -%}
    {%- do problems.append('exclude removes every alert the selection picks') -%}
  {%- endif -%}
  {{ return(problems) }}
{% endmacro %}

{% macro _tokens(raw) %}
  {%- set items = [] if raw is none else ([raw] if raw is string else raw) -%}
  {{ return((items | join(' ')).split()) }}
{% endmacro %}

{% macro _matching_alerts(alerts, raw) %}
  {%- set names = [] -%}
  {%- for token in sqlsentinel._tokens(raw) -%}
    {%- set parts = token.split(',') | reject('equalto', '') | list -%}
    {%- for alert in alerts -%}
      {%- set hits = [] -%}
      {%- for part in parts if sqlsentinel._alert_matches(alert, part) -%}
        {%- do hits.append(part) -%}
      {%- endfor -%}
      {%- if parts and hits | length == parts | length and alert.name not in names -%}
        {%- do names.append(alert.name) -%}
      {%- endif -%}
    {%- endfor -%}
  {%- endfor -%}
  {{ return(names) }}
{% endmacro %}

{% macro _alert_matches(alert, part) %}
  {%- set node = graph.nodes.get(alert.node_id) or graph.sources.get(alert.node_id) or {} -%}
  {%- if part.startswith('alert:') -%}
    {{ return(sqlsentinel._glob_matches(part[6:], alert.name)) }}
  {%- elif part.startswith('tag:') -%}
    {{ return(part[4:] in alert.tags or part[4:] in (node.tags or [])) }}
  {%- elif ':' not in part and sqlsentinel._glob_matches(part.lstrip('+@').rstrip('+'), alert.name) -%}
    {{ return(true) }}
  {%- endif -%}
  {{ return(alert.node_id in sqlsentinel._selected_nodes(part)) }}
{% endmacro %}

{% macro _glob_matches(pattern, text) %}
  {%- set regex = modules.re.escape(pattern).replace('\\*', '.*').replace('\\?', '.') -%}
  {{ return(modules.re.fullmatch(regex, text) is not none) }}
{% endmacro %}

{#- Unique ids of the nodes a dbt selector part selects: `name`, `source:src.table` or
    `source:src`, each with `+` before and/or after. -#}
{% macro _selected_nodes(part) %}
  {%- set core = part.lstrip('+').rstrip('+') -%}
  {%- if modules.re.search('@|^\\d|\\+\\d+$|^\\+?(?!source:)[\\w.]+:', part) -%}
    {%- do exceptions.raise_compiler_error(
        "sqlsentinel.run_alerts: the selector '" ~ part ~ "' is not supported here; use alert "
        ~ "names, tag:X, node names and source:X.Y with + (or `sentinel dbt-run`, which takes "
        ~ "all of dbt's selector syntax)") -%}
  {%- endif -%}
  {%- set seeds = [] -%}
  {%- for node in graph.nodes.values() | list + graph.sources.values() | list -%}
    {%- if core.startswith('source:') -%}
      {%- set wanted = core[7:] -%}
      {%- if node.resource_type == 'source' and wanted in (node.source_name, node.source_name ~ '.' ~ node.name) -%}
        {%- do seeds.append(node.unique_id) -%}
      {%- endif -%}
    {%- elif core in (node.name, node.unique_id) -%}
      {%- do seeds.append(node.unique_id) -%}
    {%- endif -%}
  {%- endfor -%}
  {%- set selected = seeds | list -%}
  {%- if part.startswith('+') -%}
    {%- do selected.extend(sqlsentinel._graph_closure(seeds, 'parents')) -%}
  {%- endif -%}
  {%- if part.endswith('+') -%}
    {%- do selected.extend(sqlsentinel._graph_closure(seeds, 'children')) -%}
  {%- endif -%}
  {{ return(selected) }}
{% endmacro %}

{#- Every ancestor ('parents') or descendant ('children') of `start` in the dbt DAG. -#}
{% macro _graph_closure(start, direction) %}
  {%- set edges = {} -%}
  {%- for node in graph.nodes.values() -%}
    {%- for parent in (node.depends_on or {}).get('nodes') or [] -%}
      {%- set key, value = (node.unique_id, parent) if direction == 'parents' else (parent, node.unique_id) -%}
      {%- do edges.setdefault(key, []).append(value) -%}
    {%- endfor -%}
  {%- endfor -%}
  {%- set found = [] -%}
  {%- set queue = start | list -%}
  {#- Jinja has no while loop: a for loop over a list that grows as it goes does the walk. -#}
  {%- for current in queue -%}
    {%- for next in edges.get(current, []) if next not in found -%}
      {%- do found.append(next) -%}
      {%- do queue.append(next) -%}
    {%- endfor -%}
  {%- endfor -%}
  {{ return(found) }}
{% endmacro %}
