{#- `on-run-end: "{{ sqlsentinel.record_dbt_results(results) }}"`

    Records every dbt check of the command that is ending (tests, unit tests, models, seeds,
    snapshots; with `dbt source freshness`, every source) as an alert instance, as
    `sentinel dbt-run --from-artifacts` does (sqlsentinel_dbt/engine/from_dbt.py): the same
    names, statuses, values, context and states, appended to the history with `dbt_node`,
    and a pending outbox row for `sentinel notify` to decide for each check that may call
    for a message (it fails or errors, or it fired or erred before, or the notification
    log holds it firing; docs/dbt_results.md). It runs even when
    the build failed, which a later job step does not (docs/dbt_cloud.md). A failing or
    warning test that stored its failures in this command gets the same sample of them
    (`failing_rows`): the only queries it runs for a result, so a build that passes pays
    none.

    It must not fail the dbt command, and dbt's Jinja cannot catch exceptions: every field
    is read defensively, a result it cannot read is skipped, and stored failures are read
    only from a table whose columns the warehouse lists. `run_alerts=true` also
    evaluates the alerts declared in node meta (as run_alerts does, but an alert that
    errors or is invalid does not fail the command; a meta alert whose query fails to run
    still stops it, as it stops the operation). `sqlsentinel.alert` tests are left to
    `sentinel dbt-run --from-artifacts` (docs/dbt_results.md). -#}
{% macro record_dbt_results(results, run_alerts=false, select=none, exclude=none) %}
  {{ return(adapter.dispatch('record_dbt_results', 'sqlsentinel')(results, run_alerts, select, exclude)) }}
{% endmacro %}

{% macro default__record_dbt_results(results, run_alerts, select, exclude) %}
  {#- dbt also runs on-run-end after commands that check nothing (compile, docs generate,
      show...): those neither record nor evaluate anything. -#}
  {%- set which = flags.WHICH if flags is defined and flags.WHICH is string else none -%}
  {%- if not execute or which not in ('build', 'run', 'test', 'seed', 'snapshot', 'freshness', 'retry') -%}
    {{ return('') }}
  {%- endif -%}
  {%- set runs = sqlsentinel._dbt_node_runs(results) -%}
  {%- if runs -%}
    {%- do sqlsentinel._record_dbt_runs(runs) -%}
  {%- endif -%}
  {%- if run_alerts -%}
    {%- do sqlsentinel._run_meta_alerts(select, exclude, 'never', false, true, fail=false) -%}
  {%- endif -%}
  {#- An on-run-end hook runs what it renders; this one has run its own statements. -#}
  {{ return('') }}
{% endmacro %}

{#- Append the runs' results to the history and queue them, one transaction per chunk. -#}
{% macro _record_dbt_runs(runs) %}
  {%- set now = sqlsentinel._utc_now() -%}
  {%- set run = {
      'run_id': local_md5(invocation_id ~ '|dbt|' ~ now),
      'invocation_id': invocation_id,
      'project_name': project_name,
      'target_name': target.name} -%}
  {%- set names = sqlsentinel._dbt_check_names(runs) -%}
  {%- set by_id = {} -%}
  {%- for item in runs -%}{%- do by_id.update({item.unique_id: item}) -%}{%- endfor -%}
  {#- dbt build skips the children of a node whose test (data or unit) failed, and a model
      whose unit test failed: node -> its first failed test by unique_id, as from_dbt.py. -#}
  {%- set failed_tests = {} -%}
  {%- for test in runs | sort(attribute='unique_id') if test.resource_type in ('test', 'unit_test') and test.status in ('error', 'fail', 'runtime error') -%}
    {%- for on in test.depends_on if on not in failed_tests -%}{%- do failed_tests.update({on: test.unique_id}) -%}{%- endfor -%}
  {%- endfor -%}
  {%- do sqlsentinel.ensure_alert_history() -%}
  {%- do sqlsentinel.ensure_notifications() -%}
  {%- set prior = sqlsentinel._latest_states(names.values() | list) -%}
  {#- A check that passes calls for a decision if it fired or erred when last evaluated, or
      if the notification log still holds it firing or silenced on a channel (a resolution
      that went dead, a route that left it out for a while): the log is what decides. -#}
  {%- set open = {} -%}
  {%- for row in run_query(sqlsentinel.select_erred_alerts_sql(names.values() | list)).rows -%}
    {%- do open.update({row[0]: true}) -%}
  {%- endfor -%}
  {%- for row in run_query(sqlsentinel.select_last_notifications_sql(names.values() | list)).rows
        if (fromjson(row[3] or '[]') or fromjson(row[4] or '[]')) -%}
    {%- do open.update({(row[0] | string).split('|')[0]: true}) -%}
  {%- endfor -%}
  {#- A dbt check is one instance with the defaults of sqlsentinel_dbt/config/models.py. -#}
  {%- set defaults = {'on_no_data': 'ok', 'for_seconds': 0, 'for_evaluations': 1,
                      'keep_firing_for_seconds': 0, 'missing_evaluations_to_resolve': 2} -%}
  {%- for chunk in runs | batch(sqlsentinel.statement_chunk_size() or 500) -%}
    {%- set history = [] -%}
    {%- set pending = [] -%}
    {%- for item in chunk -%}
      {%- set name = names[item.unique_id] -%}
      {%- set alert = defaults.copy() -%}
      {%- do alert.update({'name': name}) -%}
      {%- set result = sqlsentinel._dbt_check_result(item, name, by_id, failed_tests) -%}
      {%- set tracked = sqlsentinel._track_alert(alert, prior.get(name, {}), [result], now) -%}
      {%- for done in tracked.results + tracked.missing -%}
        {%- do done.update({'dbt_node': item.unique_id}) -%}
        {%- do history.append(sqlsentinel._history_row(run, done)) -%}
      {%- endfor -%}
      {#- A check that passes, and is not open as above, calls for no message: it is
          recorded, and not queued for `sentinel notify` to decide. -#}
      {%- if result.status in ('ALERT', 'ERROR') or name in prior or name in open -%}
        {%- set alert_fields = {
            'description': item.description, 'owner': item.owner, 'tags': item.tags,
            'dbt_node': item.unique_id, 'resource_type': item.resource_type,
            'dbt_group': item.group} -%}
        {%- do pending.append(sqlsentinel._pending_decision(run.run_id, name, item.sql, now, alert_fields)) -%}
      {%- endif -%}
    {%- endfor -%}
    {%- do sqlsentinel.insert_alert_history(history, commit=false, ensure=false) -%}
    {%- if pending -%}
      {%- do sqlsentinel.insert_notifications(pending, commit=false, ensure=false) -%}
    {%- endif -%}
    {%- do adapter.commit() -%}
  {%- endfor -%}
  {%- do log('sqlsentinel: recorded ' ~ runs | length ~ ' dbt results', info=true) -%}
{% endmacro %}

{#- What the hook can read of each result, shaped like sqlsentinel_dbt/dbt/node_results.py's
    NodeRun (a dict). A result without a node it can place is skipped. -#}
{% macro _dbt_node_runs(results) %}
  {%- set runs = [] -%}
  {%- if results is none or results is string or results is not iterable -%}
    {{ return(runs) }}
  {%- endif -%}
  {%- set kinds = ('test', 'unit_test', 'model', 'seed', 'snapshot', 'source') -%}
  {%- for result in results -%}
    {%- set unique_id = result.node.unique_id if result.node is defined and result.node is not none else none -%}
    {%- set node = graph.nodes.get(unique_id) or graph.sources.get(unique_id) if unique_id is string else none -%}
    {%- if node is none and unique_id is string and unique_id.startswith('unit_test.') -%}
      {%- set node = sqlsentinel._unit_test_node(result.node) -%}
    {%- endif -%}
    {#- Per-result work avoids small macro calls: each costs dbt a lookup and a module. -#}
    {%- set metadata = (node.get('test_metadata') or {}) if node is mapping else {} -%}
    {%- if node is mapping and node.resource_type in kinds
          and not (metadata.get('namespace') == 'sqlsentinel' and metadata.get('name') == 'alert') -%}
      {%- do runs.append(sqlsentinel._dbt_node_run(result, node)) -%}
    {%- endif -%}
  {%- endfor -%}
  {{ return(runs) }}
{% endmacro %}

{#- A unit test is not in `graph`: what the hook needs of it, from the node dbt ran (the
    unit test as compiled) or skipped (as defined: no tested_node_unique_id, but it depends
    on the model it tests). -#}
{% macro _unit_test_node(node) %}
  {%- set defined = node.depends_on.nodes if node.depends_on is defined and node.depends_on.nodes is defined else [] -%}
  {%- set models = defined | select('string') | select('in', graph.nodes) | list -%}
  {%- set tested = node.tested_node_unique_id if node.tested_node_unique_id is string
      else (models[0] if models | length == 1 else none) -%}
  {%- set config = node.config if node.config is defined and node.config is not none else none -%}
  {{ return({
      'unique_id': node.unique_id, 'name': node.name, 'resource_type': 'unit_test',
      'tags': node.tags or [], 'description': node.description or '',
      'meta': node.meta or {}, 'group': node.group,
      'config': {'meta': (config.meta if config is not none else none) or {},
                 'group': config.group if config is not none else none},
      'model': (graph.nodes.get(tested) or {}).get('name') if tested else none,
      'depends_on': {'nodes': [tested] if tested else []}}) }}
{% endmacro %}

{% macro _dbt_node_run(result, node) %}
  {%- set kind = node.resource_type -%}
  {%- set config = node.get('config') or {} -%}
  {%- set attached = node.get('attached_node') if kind == 'test' else none -%}
  {%- set on = graph.nodes.get(attached) if attached is string else none -%}
  {%- set group = config.get('group') or node.get('group') -%}
  {%- if not group and on -%}
    {%- set group = (on.get('config') or {}).get('group') or on.get('group') -%}
  {%- endif -%}
  {%- set group = group | string if group else none -%}
  {%- set owner = sqlsentinel._meta_owner(node) or (sqlsentinel._meta_owner(on) if on else none) -%}
  {%- set compiled = result.node.compiled_code if result.node is not none and result.node.compiled_code is defined else none -%}
  {%- set tags = node.get('tags') -%}
  {%- set execute_timing = (result.timing or []) | selectattr('name', 'equalto', 'execute') | list -%}
  {%- set run = {
      'unique_id': node.unique_id,
      'name': node.name | string,
      'resource_type': kind,
      'status': (result.status ~ '') | lower,
      'tags': sqlsentinel._alert_tags(tags) if tags else [],
      'owner': owner or (sqlsentinel._group_owner(group) if group else none),
      'group': group,
      'description': (node.get('description') or '') | string,
      'model': on.name if on else node.get('model'),
      'column': node.get('column_name'),
      'depends_on': (node.get('depends_on') or {}).get('nodes') or [],
      'failures': result.failures if result.failures is number else none,
      'message': result.message if result.message is string else none,
      'sql': (compiled if compiled is string and compiled else '-- ' ~ kind ~ ' ' ~ node.unique_id ~ ', run by dbt') | string,
      'started_at': execute_timing[0].started_at if execute_timing and execute_timing[0].started_at else none,
      'execution_time': result.execution_time if result.execution_time is number else 0,
      'freshness': {},
      'stored_failures': sqlsentinel._stored_failures(result.node, config)
                         if kind == 'test' and result.failures else none} -%}
  {%- if kind == 'source' -%}
    {%- set limits = node.get('freshness') or config.get('freshness') or {} -%}
    {%- set loaded = result.max_loaded_at if result.max_loaded_at is defined else none -%}
    {%- set freshness = {
        'age_seconds': result.age if result.age is defined and result.age is number else none,
        'max_loaded_at': loaded.isoformat() if loaded is not none and loaded is not string else loaded,
        'warn_after_seconds': sqlsentinel._limit_seconds(limits.get('warn_after')),
        'error_after_seconds': sqlsentinel._limit_seconds(limits.get('error_after'))} -%}
    {%- do run.update({'model': node.source_name ~ '.' ~ node.name, 'depends_on': [],
                       'freshness': freshness, 'owner': sqlsentinel._meta_owner(node),
                       'group': none}) -%}
  {%- endif -%}
  {{ return(run) }}
{% endmacro %}

{#- Where a test that stores its failures wrote them, as node_results.py's failures_relation:
    its database, schema and identifier, or none. dbt fills relation_name for every
    relational test, so whether it stored them this time is decided as dbt's
    should_store_failures decides: the test's store_failures, else its store_failures_as,
    else the command's `--store-failures`. -#}
{% macro _stored_failures(node, config) %}
  {%- set relation_name = node.relation_name if node is not none and node.relation_name is defined else none -%}
  {%- if relation_name is not string or not relation_name -%}
    {{ return(none) }}
  {%- endif -%}
  {%- set stores = config.get('store_failures') -%}
  {%- if stores is not boolean -%}
    {%- set stored_as = config.get('store_failures_as') -%}
    {%- set stores = stored_as in ('table', 'view') if stored_as else (flags.STORE_FAILURES is defined and flags.STORE_FAILURES is true) -%}
  {%- endif -%}
  {%- if not stores -%}
    {{ return(none) }}
  {%- endif -%}
  {%- set parts = {} -%}
  {%- for field in ('database', 'schema', 'alias') -%}
    {%- set value = node[field] if node[field] is defined else none -%}
    {%- do parts.update({field: value if value is string and value else none}) -%}
  {%- endfor -%}
  {{ return(parts if parts.schema and parts.alias else none) }}
{% endmacro %}

{#- The node's `meta.owner`, as node_results.py's _meta_owner. The owner of a check is the
    node's, else the tested node's, else its group's (_group_owner). -#}
{% macro _meta_owner(node) %}
  {%- set config = node.get('config') or {} -%}
  {%- for meta in [config.get('meta'), node.get('meta')] -%}
    {%- if meta is mapping and meta.get('owner') -%}
      {{ return(meta.owner | string) }}
    {%- endif -%}
  {%- endfor -%}
  {{ return(none) }}
{% endmacro %}

{#- The owner (name, else email) of the dbt group of that name, as node_results.py. -#}
{% macro _group_owner(group_name) %}
  {%- for group in (graph.get('groups') or {}).values() if group_name and group.name == group_name -%}
    {%- set owner = group.get('owner') or {} -%}
    {{ return((owner.get('name') or owner.get('email') or '') | string or none) }}
  {%- endfor -%}
  {{ return(none) }}
{% endmacro %}

{#- The node's tags an alert can have, as from_dbt.py's alert_tags: the words
    (letters, digits, `_`, `-`; config/models.py's NAME_PATTERN), once each. -#}
{% macro _alert_tags(tags) %}
  {%- set kept = [] -%}
  {%- for tag in tags | map('string') if tag not in kept and modules.re.fullmatch('[A-Za-z0-9_][A-Za-z0-9_-]*', tag) -%}
    {%- do kept.append(tag) -%}
  {%- endfor -%}
  {{ return(kept) }}
{% endmacro %}

{% macro _limit_seconds(limit) %}
  {%- set periods = {'minute': 60, 'hour': 3600, 'day': 86400} -%}
  {%- if limit is not mapping or not limit.get('count') or not limit.get('period') -%}
    {{ return(none) }}
  {%- endif -%}
  {{ return((limit['count'] * periods.get(limit['period'] | string, 0)) | float or none) }}
{% endmacro %}

{#- Alert names as from_dbt.py gives them: the node's name, qualified by its unique_id when
    another node of the project, or an alert the project declares, has it too; a qualified
    name two nodes would share ends in a hash of the unique_id. Unlike the
    artifacts, which hold one command, `graph` holds the whole project, so every node of it
    counts (with the unit tests of this command). -#}
{% macro _dbt_check_names(runs) %}
  {%- set taken = [] -%}
  {%- for item in sqlsentinel._meta_alerts() if item.alert.name is string -%}
    {%- do taken.append(item.alert.name) -%}
  {%- endfor -%}
  {%- set counts = {} -%}
  {%- set kinds = ('test', 'unit_test', 'model', 'seed', 'snapshot') -%}
  {%- set project_ids = {} -%}
  {#- Most names are valid as they are: _valid_check_name is called only for the others
      (a macro call per node costs more than the regular expression). -#}
  {%- set valid = modules.re.compile('[A-Za-z0-9_][A-Za-z0-9_-]{0,199}') -%}
  {%- for node in graph.nodes.values() if node.resource_type in kinds -%}
    {%- set metadata = node.get('test_metadata') or {} -%}
    {%- if metadata.get('namespace') == 'sqlsentinel' and metadata.get('name') == 'alert' -%}
      {%- do taken.append(node.name) -%}
    {%- else -%}
      {%- do project_ids.update({node.unique_id: true}) -%}
      {%- set name = node.name if valid.fullmatch(node.name) else sqlsentinel._valid_check_name(node.name) -%}
      {%- do counts.update({name: counts.get(name, 0) + 1}) -%}
    {%- endif -%}
  {%- endfor -%}
  {%- for node in graph.sources.values() -%}
    {%- do project_ids.update({node.unique_id: true}) -%}
    {%- set name = node.name if valid.fullmatch(node.name) else sqlsentinel._valid_check_name(node.name) -%}
    {%- do counts.update({name: counts.get(name, 0) + 1}) -%}
  {%- endfor -%}
  {%- for item in runs if item.unique_id not in project_ids -%}
    {%- do project_ids.update({item.unique_id: true}) -%}
    {%- set name = item.name if valid.fullmatch(item.name) else sqlsentinel._valid_check_name(item.name) -%}
    {%- do counts.update({name: counts.get(name, 0) + 1}) -%}
  {%- endfor -%}
  {#- The qualified names count too: two unique_ids can differ only where a name cannot
      (`order items`, `order_items`). -#}
  {%- for unique_id in project_ids -%}
    {%- set name = unique_id | replace('.', '__') -%}
    {%- set name = name if valid.fullmatch(name) else sqlsentinel._valid_check_name(name) -%}
    {%- do counts.update({name: counts.get(name, 0) + 1}) -%}
  {%- endfor -%}
  {%- set names = {} -%}
  {%- for item in runs -%}
    {%- set name = item.name if valid.fullmatch(item.name) else sqlsentinel._valid_check_name(item.name) -%}
    {%- if counts.get(name, 0) > 1 or name in taken -%}
      {%- set name = sqlsentinel._valid_check_name(item.unique_id | replace('.', '__')) -%}
      {%- if counts.get(name, 0) > 1 or name in taken -%}
        {%- set name = sqlsentinel._valid_check_name(name ~ '_' ~ local_md5(item.unique_id)[:8]) -%}
      {%- endif -%}
    {%- endif -%}
    {%- do names.update({item.unique_id: name}) -%}
  {%- endfor -%}
  {{ return(names) }}
{% endmacro %}

{#- from_dbt.py's _valid_name: letters, digits, `_` and `-`, at most 200 characters. -#}
{% macro _valid_check_name(text) %}
  {%- set name = modules.re.sub('[^A-Za-z0-9_-]', '_', text | string).lstrip('-') or '_' -%}
  {%- if name | length <= 200 -%}
    {{ return(name) }}
  {%- endif -%}
  {{ return(name[:187] ~ '_' ~ local_md5(name)[:12]) }}
{% endmacro %}

{#- One run's result, shaped like the dicts of _evaluate_alert, mapped as from_dbt.py's
    _result maps it. -#}
{% macro _dbt_check_result(item, name, by_id, failed_tests) %}
  {%- set context = {'resource_type': item.resource_type} -%}
  {%- for field in ('model', 'column') if item[field] -%}
    {%- do context.update({field: item[field]}) -%}
  {%- endfor -%}
  {%- set message = sqlsentinel._first_line(item.message) if item.message else '' -%}
  {%- set started = item.started_at if item.started_at is not none and item.started_at is not string else sqlsentinel._utc_now() -%}
  {%- if started.tzinfo is not none -%}
    {%- set started = started.astimezone(modules.pytz.utc).replace(tzinfo=none) -%}
  {%- endif -%}
  {%- set result = {
      'alert': name, 'status': 'OK', 'severity': 'error', 'key': none,
      'actual_value': item.failures | float if item.failures is not none else none,
      'threshold': none, 'context': context, 'error': none, 'started_at': started,
      'duration_ms': (item.execution_time * 1000) | round | int, 'no_data': false,
      'state': none, 'dbt_node': item.unique_id} -%}
  {%- if item.resource_type == 'source' -%}
    {%- set fresh = item.freshness -%}
    {%- set limit = fresh.error_after_seconds if item.status != 'warn' else none -%}
    {%- set limit = limit or fresh.warn_after_seconds or fresh.error_after_seconds -%}
    {%- do result.update({
        'actual_value': fresh.age_seconds | float if fresh.age_seconds is not none else none,
        'threshold': limit | float if limit is not none else none}) -%}
    {%- if fresh.max_loaded_at is not none -%}
      {%- do context.update({'max_loaded_at': fresh.max_loaded_at}) -%}
    {%- endif -%}
  {%- endif -%}
  {%- if item.status == 'skipped' -%}
    {%- set upstream = sqlsentinel._failed_upstream(item, by_id, failed_tests) -%}
    {%- set why = 'upstream ' ~ upstream ~ ' failed' if upstream else (message or 'skipped by dbt') -%}
    {%- if upstream -%}{%- do context.update({'upstream': upstream}) -%}{%- endif -%}
    {%- do result.update({'status': 'SKIPPED', 'error': 'skipped by dbt: ' ~ why}) -%}
    {{ return(result) }}
  {%- endif -%}
  {%- if item.status in ('pass', 'success', 'no-op', 'reused') -%}
    {{ return(result) }}
  {%- endif -%}
  {#- `partial success`: a microbatch model some batches of which failed. -#}
  {%- set firing = {'warn': 'warn', 'fail': 'error', 'error': 'error', 'partial success': 'error'} -%}
  {%- set cannot_run = item.status == 'runtime error' or (
      item.status == 'error' and item.resource_type not in ('model', 'seed', 'snapshot', 'source')) -%}
  {%- if cannot_run or item.status not in firing -%}
    {%- do result.update({'status': 'ERROR', 'error': 'dbt: ' ~ (message or item.status)}) -%}
    {{ return(result) }}
  {%- endif -%}
  {%- if message -%}{%- do context.update({'message': message}) -%}{%- endif -%}
  {%- if item.stored_failures and item.failures -%}
    {%- do context.update({'failing_rows': sqlsentinel._failing_rows_sample(item.stored_failures)}) -%}
  {%- endif -%}
  {%- do result.update({'status': 'ALERT', 'severity': firing[item.status]}) -%}
  {{ return(result) }}
{% endmacro %}

{#- The first rows a test stored as its failures, as the CLI samples them
    (sqlsentinel_dbt/runtime/sentinel.py's _failing_rows): at most _failing_rows_cap() rows,
    column -> value in the table's column order, each value as _shown_value shows it. Only
    for a failing or warning test that stores failures: its columns (whether it exists, and
    which columns hold floats), then one bounded query. dbt's Jinja cannot catch a failed
    query, so a relation without columns (the warehouse has none of that name) is not
    queried: its sample is empty, as the CLI's is when its query fails. `adapter.get_relation`
    cannot tell: dbt's cache holds the schema of stored failures but never the tables a test
    writes there. -#}
{% macro _failing_rows_sample(where) %}
  {%- set relation = api.Relation.create(database=where.database, schema=where.schema, identifier=where.alias) -%}
  {%- set columns = adapter.get_columns_in_relation(relation) -%}
  {%- if not columns -%}
    {{ return([]) }}
  {%- endif -%}
  {#- dbt's agate tables hold a float and a decimal alike (a Decimal), where the driver gives
      the CLI a float and a Decimal (which it shows as text): the column types tell them apart. -#}
  {%- set floats = [] -%}
  {%- for column in columns if column.is_float() -%}
    {%- do floats.append(column.name | lower) -%}
  {%- endfor -%}
  {%- set cap = sqlsentinel._failing_rows_cap() -%}
  {%- set table = run_query(sqlsentinel.bounded_sql('select * from ' ~ relation, cap)) -%}
  {%- set names = table.column_names | list -%}
  {%- set sample = [] -%}
  {%- for row in (table.rows | list)[:cap] -%}
    {%- set shown = {} -%}
    {%- for name in names -%}
      {%- do shown.update({name: sqlsentinel._shown_value(row[loop.index0], (name | lower) in floats)}) -%}
    {%- endfor -%}
    {%- do sample.append(shown) -%}
  {%- endfor -%}
  {{ return(sample) }}
{% endmacro %}

{#- _FAILING_ROWS and _CELL of sqlsentinel_dbt/runtime/sentinel.py, which a test holds equal
    to these: the rows a sample keeps, the characters a value keeps. -#}
{% macro _failing_rows_cap() %}
  {{ return(10) }}
{% endmacro %}

{% macro _failing_rows_cell() %}
  {{ return(200) }}
{% endmacro %}

{#- sentinel.py's _shown: a stored failing row's value as JSON can carry it: none, booleans,
    integers and floats as they are (a float column's Decimal as a float), anything else as
    its text, cut to _failing_rows_cell() characters. -#}
{% macro _shown_value(value, is_float) %}
  {%- if value is none or value is boolean or value is integer or value is float -%}
    {{ return(value) }}
  {%- elif is_float and value is number -%}
    {{ return(value | float) }}
  {%- endif -%}
  {%- set cell = sqlsentinel._failing_rows_cell() -%}
  {%- set text = value | string -%}
  {{ return(text if text | length <= cell else text[:cell - 1] ~ '…') }}
{% endmacro %}

{#- The nearest node upstream of `item` that failed in this command, as from_dbt.py's
    _failed_upstream finds it (a failed test of a node counts as upstream of what depends
    on it, and a failed unit test of a model as upstream of the model). -#}
{% macro _failed_upstream(item, by_id, failed_tests) %}
  {%- set failed = ('error', 'fail', 'runtime error') -%}
  {%- set seen = {} -%}
  {%- set frontier = [item.unique_id] -%}
  {#- Breadth first; Jinja has no while, so the loop runs over a list it extends. -#}
  {%- for unique_id in frontier if unique_id not in seen -%}
    {%- do seen.update({unique_id: true}) -%}
    {%- set node = by_id.get(unique_id) -%}
    {%- if node is not none and unique_id != item.unique_id and node.status in failed -%}
      {{ return(unique_id) }}
    {%- endif -%}
    {%- if unique_id in failed_tests and failed_tests[unique_id] != item.unique_id -%}
      {{ return(failed_tests[unique_id]) }}
    {%- endif -%}
    {%- do frontier.extend(node.depends_on if node is not none else []) -%}
  {%- endfor -%}
  {{ return(none) }}
{% endmacro %}

{#- from_dbt.py's _first_line: dbt's message without colours, its first line, 300 characters. -#}
{% macro _first_line(message) %}
  {%- set lines = modules.re.sub('\x1b\\[[0-9;]*m', '', message or '').strip().splitlines() -%}
  {{ return(lines[0][:300] if lines else '') }}
{% endmacro %}
