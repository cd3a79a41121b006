{#- Claim, for `claimer` until `lease_until`, the changes run_alerts queued that no one has
    decided yet (or whose last claimer's lease ran out). One UPDATE claims, so two
    `sentinel notify` never decide the same change at once. -#}
{% macro claim_pending_decisions(claimer, now, lease_until) %}
  {{ return(adapter.dispatch('claim_pending_decisions', 'sqlsentinel')(claimer, now, lease_until)) }}
{% endmacro %}

{% macro default__claim_pending_decisions(claimer, now, lease_until) %}
  {%- set relation = sqlsentinel.ensure_notifications() -%}
  {%- call statement('sqlsentinel_claim_pending_decisions') -%}
    update {{ relation }}
    set status = 'deciding',
        claimed_by = '{{ claimer }}',
        claimed_until = {{ sqlsentinel.timestamp_literal(lease_until) }},
        updated_at = {{ sqlsentinel.timestamp_literal(now) }}
    where kind = 'pending'
      and (status = 'undecided'
           or (status = 'deciding' and claimed_until < {{ sqlsentinel.timestamp_literal(now) }}))
  {%- endcall -%}
  {%- do adapter.commit() -%}
  {{ return(true) }}
{% endmacro %}
