{#- Calls every public macro of the sqlsentinel package and checks what it did in the
    warehouse; fails the operation naming every check that did not hold. Run it on a
    history schema of its own:
    `dbt run-operation exercise_package --vars '{sqlsentinel_schema: some_schema}'`. -#}
{% macro exercise_package() %}
  {%- set failed = [] -%}
  {%- set now, later = '2026-11-22 07:00:00.000000', '2026-11-22 08:00:00.000000' -%}
  {%- set awkward = "it's a \\ \"quoted\" line\nand a second one" -%}

  {%- do _check(failed, 'sentinel_schema', sqlsentinel.sentinel_schema() == var('sqlsentinel_schema')) -%}
  {%- for name in ('history_relation', 'notifications_relation', 'silences_relation', 'threads_relation') -%}
    {%- set relation = sqlsentinel[name]() -%}
    {%- do _check(failed, name, relation.schema == sqlsentinel.sentinel_schema()) -%}
  {%- endfor -%}
  {%- do _check(failed, 'sentinel_relation', sqlsentinel.sentinel_relation('x').identifier == 'x') -%}
  {%- for name in ('alert_history_columns', 'notification_columns', 'silence_columns', 'thread_columns') -%}
    {%- do _check(failed, name, sqlsentinel[name]() | length > 5) -%}
  {%- endfor -%}
  {%- do _check(failed, 'type_double', sqlsentinel.type_double() | length > 0) -%}
  {%- do _check(failed, 'type_long_text', sqlsentinel.type_long_text() | length > 0) -%}
  {%- set echoed = run_query('select ' ~ sqlsentinel.string_literal(awkward) ~ ' as v').columns[0].values()[0] -%}
  {%- do _check(failed, 'string_literal', echoed == awkward) -%}
  {%- set listed = sqlsentinel.string_literals([awkward, "it's"]) -%}
  {%- set both = run_query('select ' ~ listed[0] ~ ' as a, ' ~ listed[1] ~ ' as b').rows[0] -%}
  {%- do _check(failed, 'string_literals', both[0] == awkward and both[1] == "it's") -%}
  {%- set moment = run_query('select ' ~ sqlsentinel.timestamp_literal(later) ~ ' as v').columns[0].values()[0] -%}
  {%- do _check(failed, 'timestamp_literal', (moment | string).startswith('2026-11-22 08:00:00')) -%}
  {%- set unbounded = target.type in ('duckdb', 'postgres') -%}
  {%- do _check(failed, 'statement_chunk_size', (sqlsentinel.statement_chunk_size() is none) == unbounded) -%}
  {%- set bounded = sqlsentinel.bounded_sql('select 1 as n union all select 2 -- two rows', 1) -%}
  {%- do _check(failed, 'bounded_sql', run_query(bounded).rows | length == 1) -%}
  {%- do _check(failed, 'sentinel_row_json', sqlsentinel.sentinel_row_json('r') is not none) -%}
  {%- set batched = sqlsentinel.batched_alerts_sql(["select 'OK' as status -- one", "select 'ALERT' as status, 2 as n"]) -%}
  {%- set batch_rows = run_query(batched ~ ' order by 1').rows -%}
  {%- do _check(failed, 'batched_alerts_sql', batch_rows | length == 2 and batch_rows[1][0] == 1 and fromjson(batch_rows[1][1])['n'] == 2) -%}

  {%- set scratch = sqlsentinel.sentinel_relation('sentinel_scratch') -%}
  {%- set created = sqlsentinel.create_sentinel_table(scratch, [('id', dbt.type_string())], 'id') -%}
  {%- do _check(failed, 'create_sentinel_table', created and not sqlsentinel.create_sentinel_table(scratch, [('id', dbt.type_string())], 'id')) -%}
  {%- for name in ('ensure_alert_history', 'ensure_notifications', 'ensure_silences', 'ensure_threads') -%}
    {%- do _check(failed, name, sqlsentinel[name]().identifier.startswith('sentinel_')) -%}
  {%- endfor -%}
  {%- do _check(failed, 'table_exists', sqlsentinel.table_exists('sentinel_silences') and not sqlsentinel.table_exists('nope')) -%}

  {%- set row = {'run_id': 'r1', 'invocation_id': "i'1", 'alert_name': "it's", 'alert_key': 'k', 'status': 'ALERT', 'state': 'firing',
                 'state_since': now, 'state_count': 0, 'severity': 'error', 'context': '{"a": "\\"b\\""}',
                 'error': awkward, 'started_at': now, 'duration_ms': 1} -%}
  {%- do sqlsentinel.insert_alert_history([row, row]) -%}
  {%- do _check(failed, 'insert_alert_history', _rows(sqlsentinel.select_alert_history_sql("it's")) | length == 2) -%}
  {%- do _check(failed, 'select_alert_history_sql', _rows(sqlsentinel.select_alert_history_sql("it's"))[0]['error'] == awkward) -%}
  {%- do _check(failed, 'select_latest_states_sql', _rows(sqlsentinel.select_latest_states_sql(["it's"])) | length == 1) -%}
  {%- set erred = row.copy() -%}
  {%- do erred.update({'alert_name': "it's erred", 'invocation_id': 'i3', 'status': 'ERROR', 'state': none}) -%}
  {%- do sqlsentinel.insert_alert_history([erred]) -%}
  {%- do _check(failed, 'select_erred_alerts_sql', _rows(sqlsentinel.select_erred_alerts_sql(["it's", "it's erred"])) | map(attribute='alert_name') | list == ["it's erred"]) -%}
  {%- do _check(failed, 'select_alert_history_sql', _rows(sqlsentinel.select_alert_history_sql("it's", none, '2000-01-01 00:00:00')) | length == 2 and _rows(sqlsentinel.select_alert_history_sql("it's", none, '2999-01-01 00:00:00')) | length == 0 and _rows(sqlsentinel.select_alert_history_sql(none, none, none, 1)) | selectattr('alert_name', 'equalto', "it's") | list | length == 1) -%}
  {%- do _check(failed, 'select_state_changes_sql', _rows(sqlsentinel.select_state_changes_sql('2000-01-01 00:00:00')) | selectattr('alert_name', 'equalto', "it's") | list | length >= 1) -%}
  {%- do _check(failed, 'select_latest_results_sql', _rows(sqlsentinel.select_latest_results_sql()) | selectattr('alert_name', 'equalto', "it's") | list | length == 1) -%}
  {%- do _check(failed, 'select_run_history_sql', _rows(sqlsentinel.select_run_history_sql('r1', "it's")) | length == 2 and _rows(sqlsentinel.select_run_history_sql('r1')) | length >= 2 and _rows(sqlsentinel.select_run_history_sql('r1', alert_names=["it's", 'other'])) | length == 2) -%}
  {%- do _check(failed, 'select_recorded_checks_sql', _rows(sqlsentinel.select_recorded_checks_sql(["i'1", 'i2'])) | length == 1) -%}

  {%- set outbox = [] -%}
  {%- for id in ('n1', 'n2', 'n1') -%}
    {%- do outbox.append({'notification_id': id, 'run_id': 'r1', 'created_at': now, 'updated_at': now,
                          'channel': 'hook', 'group_key': "it's", 'alert_name': "it's", 'kind': 'firing',
                          'status': 'queued', 'firing_keys': '["k"]', 'payload': awkward, 'attempts': 0,
                          'next_attempt_at': now}) -%}
  {%- endfor -%}
  {%- do sqlsentinel.insert_notifications(outbox[:2]) -%}
  {%- do sqlsentinel.insert_notifications(outbox[2:]) -%}  {#- already there: skipped -#}
  {%- do _check(failed, 'insert_notifications', _rows(sqlsentinel.select_notifications_sql(limit=10)) | length == 2) -%}
  {%- do _check(failed, 'select_notifications_sql', _rows(sqlsentinel.select_notifications_sql(alert_name="it's", limit=10)) | length == 2 and _rows(sqlsentinel.select_notifications_sql(alert_name='nobody', limit=10)) | length == 0) -%}
  {%- do _check(failed, 'select_notification_counts_sql', _rows(sqlsentinel.select_notification_counts_sql('2000-01-01 00:00:00')) | map(attribute='notifications') | sum == 2) -%}
  {%- do _check(failed, 'select_last_notifications_sql', _rows(sqlsentinel.select_last_notifications_sql(["it's"])) | length == 1) -%}
  {%- do sqlsentinel.claim_notifications('c1', now, later, '2026-01-01 00:00:00') -%}
  {%- do _check(failed, 'claim_notifications', _rows(sqlsentinel.select_notifications_sql('c1', 'sending')) | length == 2) -%}
  {%- do sqlsentinel.update_notifications(['n1'], 'c1', {'status': 'sent', 'sent_at': later, 'last_error': none}) -%}
  {%- do _check(failed, 'update_notifications', _rows(sqlsentinel.select_notifications_sql('c1', 'sent')) | length == 1) -%}
  {%- set pending = outbox[0].copy() -%}
  {%- do pending.update({'notification_id': 'p1', 'kind': 'pending', 'status': 'undecided'}) -%}
  {%- do sqlsentinel.insert_notifications([pending]) -%}
  {%- do _check(failed, 'select_notifications_sql', _rows(sqlsentinel.select_notifications_sql(kind='pending')) | map(attribute='notification_id') | list == ['p1']) -%}
  {%- do sqlsentinel.claim_pending_decisions('c2', now, later) -%}
  {%- do _check(failed, 'claim_pending_decisions', _rows(sqlsentinel.select_notifications_sql('c2', 'deciding')) | length == 1) -%}
  {%- do sqlsentinel.delete_notifications(['p1'], 'c2') -%}
  {%- do _check(failed, 'delete_notifications', _rows(sqlsentinel.select_notifications_sql(limit=10)) | length == 2) -%}
  {%- set held_row = outbox[0].copy() -%}
  {%- do held_row.update({'notification_id': 'h1', 'group_key': 'held', 'status': 'suppressed', 'silenced_keys': '["k"]'}) -%}
  {%- do sqlsentinel.insert_notifications([held_row]) -%}
  {%- do _check(failed, 'select_held_entries_sql', _rows(sqlsentinel.select_held_entries_sql()) | map(attribute='notification_id') | list == ['h1']) -%}
  {%- set waiting = outbox[0].copy() -%}
  {%- do waiting.update({'notification_id': "d'1", 'status': 'digest'}) -%}
  {%- do sqlsentinel.insert_notifications([waiting]) -%}
  {%- do _check(failed, 'select_notifications_sql', _rows(sqlsentinel.select_notifications_sql(in_status='digest')) | map(attribute='notification_id') | list == ["d'1"]) -%}
  {%- do sqlsentinel.claim_for_digest(["d'1"], 'c3', now, later) -%}
  {%- do _check(failed, 'claim_for_digest', _rows(sqlsentinel.select_notifications_sql('c3', 'digesting')) | length == 1) -%}
  {%- do sqlsentinel.mark_digested(["d'1"], 'c3', later) -%}
  {%- do _check(failed, 'mark_digested', _rows(sqlsentinel.select_notifications_sql(in_status=['digest', 'digesting'])) | length == 0
      and _rows(sqlsentinel.select_notifications_sql(in_status='digested')) | length == 1) -%}

  {%- do sqlsentinel.insert_silence({'silence_id': 's1', 'matcher': 'tag:x', 'starts_at': now, 'ends_at': later,
                                     'reason': awkward, 'created_by': 'ana', 'created_at': now}) -%}
  {%- do _check(failed, 'insert_silence', _rows(sqlsentinel.select_silences_sql(now))[0]['reason'] == awkward) -%}
  {%- do sqlsentinel.end_silence('s1', now, 'ana') -%}
  {%- do _check(failed, 'end_silence', _rows(sqlsentinel.select_silences_sql(now)) | length == 0) -%}
  {%- do _check(failed, 'select_silences_sql', _rows(sqlsentinel.select_silences_sql('2026-01-01 00:00:00')) | length == 1) -%}

  {%- do sqlsentinel.insert_thread({'channel': "it's", 'group_key': awkward, 'conversation': 'C1', 'root_ts': '1.2',
                                    'opened_at': now, 'resolved_at': none}) -%}
  {%- set open_threads = _rows(sqlsentinel.select_open_threads_sql("it's")) -%}
  {%- do _check(failed, 'insert_thread', open_threads | length == 1 and open_threads[0]['group_key'] == awkward) -%}
  {%- do _check(failed, 'select_open_threads_sql', _rows(sqlsentinel.select_open_threads_sql('other')) | length == 0) -%}
  {%- set claim = {'claim_id': 'k1', 'alert_name': "it's", 'due_at': now, 'run_id': 'c1', 'claimed_by': 'c1',
                   'claimed_until': later, 'done_at': none} -%}
  {%- do sqlsentinel.claim_due_runs([claim], 'c1', now, later, now) -%}
  {%- set rival = {'claim_id': 'k1', 'alert_name': "it's", 'due_at': now, 'run_id': 'c2', 'claimed_by': 'c2',
                   'claimed_until': later, 'done_at': none} -%}
  {%- do sqlsentinel.claim_due_runs([rival], 'c2', now, later, now) -%}
  {%- set claimed = _rows(sqlsentinel.select_claimed_runs_sql('c1')) -%}
  {%- do _check(failed, 'claim_due_runs', claimed | length == 1 and _rows(sqlsentinel.select_claimed_runs_sql('c2')) | length == 0) -%}
  {%- do _check(failed, 'select_claimed_runs_sql', claimed[0]['alert_name'] == "it's" and claimed[0]['run_id'] == 'c1') -%}
  {%- do _check(failed, 'schedule_claims_relation', sqlsentinel.schedule_claims_relation().identifier == 'sentinel_schedule_claims') -%}
  {%- do _check(failed, 'schedule_claim_columns', sqlsentinel.schedule_claim_columns() | length == 7) -%}
  {%- do sqlsentinel.update_claimed_runs(['c1'], done_at=later) -%}
  {%- do _check(failed, 'update_claimed_runs', _rows(sqlsentinel.select_claimed_runs_sql('c1')) | length == 0) -%}
  {%- do sqlsentinel.resolve_thread("it's", 'C1', '1.2', later) -%}
  {%- do _check(failed, 'resolve_thread', _rows(sqlsentinel.select_open_threads_sql("it's")) | length == 0) -%}
  {#- As an on-run-end hook it records a command's results (tests/test_dbt_results_hook.py);
      results it cannot read, or none, record nothing and never fail. -#}
  {%- set before = _rows(sqlsentinel.select_alert_history_sql("it's")) | length -%}
  {%- do _check(failed, 'record_dbt_results', sqlsentinel.record_dbt_results([none, 'x', {}]) == ''
      and sqlsentinel.record_dbt_results(none) == ''
      and _rows(sqlsentinel.select_alert_history_sql("it's")) | length == before) -%}

  {%- set valued = row.copy() -%}
  {%- do valued.update({'alert_name': 'valued', 'actual_value': 5.0}) -%}
  {%- do sqlsentinel.insert_alert_history([valued]) -%}
  {%- set values = _rows(sqlsentinel.select_alert_values_sql('valued', '2026-11-01 00:00:00')) -%}
  {%- do _check(failed, 'select_alert_values_sql', values | length == 1 and values[0]['actual_value'] == 5
      and _rows(sqlsentinel.select_alert_values_sql("it's", '2026-11-01 00:00:00')) | length == 0) -%}

  {#- Monitors' series, on two rows of an hour ago (a relation of their own: any FROM works). -#}
  {%- set hour_ago = dbt.dateadd('hour', -1, sqlsentinel._monitor_now()) -%}
  {%- set rows = '(select ' ~ hour_ago ~ ' as ts, 2.0 as amount union all select ' ~ hour_ago ~ ', null) as monitored' -%}
  {%- set volume = _rows(sqlsentinel.volume_monitor_sql(rows, 'ts', 'day', 3)) -%}
  {%- do _check(failed, 'volume_monitor_sql', volume | length == 1 and volume[0]['actual_value'] == 2) -%}
  {%- set late = _rows(sqlsentinel.freshness_monitor_sql(rows, 'ts', 'hour', 1)) -%}
  {%- do _check(failed, 'freshness_monitor_sql', late | length >= 1 and late | map(attribute='actual_value') | min >= 0) -%}
  {%- set metrics = _rows(sqlsentinel.column_metrics_monitor_sql(rows, 'ts', 'day', 3, none, 'amount', ['null_rate', 'avg'])) -%}
  {%- set by_metric = {} -%}
  {%- for item in metrics -%}{%- do by_metric.update({item['key']: item['actual_value']}) -%}{%- endfor -%}
  {%- do _check(failed, 'column_metrics_monitor_sql', by_metric == {'null_rate': 0.5, 'avg': 2.0}) -%}

  {%- if failed -%}
    {%- do exceptions.raise_compiler_error('exercise_package: these did not hold: ' ~ failed | join(', ')) -%}
  {%- endif -%}
  {%- do print('exercise_package: every check held') -%}
{% endmacro %}

{% macro _check(failed, name, held) %}
  {%- if not held -%}{%- do failed.append(name) -%}{%- endif -%}
{% endmacro %}

{#- Rows of a query as dicts with lower-case keys. -#}
{% macro _rows(sql) %}
  {%- set table = run_query(sql) -%}
  {%- set names = table.column_names | map('lower') | list -%}
  {%- set rows = [] -%}
  {%- for row in table.rows -%}
    {%- do rows.append(dict(zip(names, row))) -%}
  {%- endfor -%}
  {{ return(rows) }}
{% endmacro %}
