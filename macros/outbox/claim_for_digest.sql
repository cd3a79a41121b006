{#- Claim the rows `ids` that wait for a digest for `claimer` until `lease_until`: those still
    `digest`, or `digesting` under a lease that ran out (a pass died making the digest).
    One UPDATE claims, so two passes never list one row in two digests. -#}
{% macro claim_for_digest(ids, claimer, now, lease_until) %}
  {{ return(adapter.dispatch('claim_for_digest', 'sqlsentinel')(ids, claimer, now, lease_until)) }}
{% endmacro %}

{% macro default__claim_for_digest(ids, claimer, now, lease_until) %}
  {%- set relation = sqlsentinel.notifications_relation() -%}
  {%- for chunk in ids | batch(sqlsentinel.statement_chunk_size() or ids | length or 1) -%}
    {%- call statement('sqlsentinel_claim_for_digest') -%}
      update {{ relation }}
      set status = 'digesting',
          claimed_by = {{ sqlsentinel.string_literal(claimer) }},
          claimed_until = {{ sqlsentinel.timestamp_literal(lease_until) }},
          updated_at = {{ sqlsentinel.timestamp_literal(now) }}
      where notification_id in ({{ sqlsentinel.string_literals(chunk) | join(', ') }})
        and (status = 'digest'
             or (status = 'digesting' and claimed_until < {{ sqlsentinel.timestamp_literal(now) }}))
    {%- endcall -%}
    {%- do adapter.commit() -%}
  {%- endfor -%}
  {{ return(ids | length) }}
{% endmacro %}
