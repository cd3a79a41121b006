{#- Dead-letter what is older than `expired_before` (marked as `claimer`'s, so the run can
    report them), then claim every row due for delivery for `claimer` until `lease_until`. One UPDATE claims, so two runs never claim one row:
    the second finds it already `sending` under a lease that has not run out. -#}
{% macro claim_notifications(claimer, now, lease_until, expired_before) %}
  {{ return(adapter.dispatch('claim_notifications', 'sqlsentinel')(claimer, now, lease_until, expired_before)) }}
{% endmacro %}

{% macro default__claim_notifications(claimer, now, lease_until, expired_before) %}
  {%- set relation = sqlsentinel.ensure_notifications() -%}
  {%- set due -%}
    ((status in ('queued', 'failed') and next_attempt_at <= {{ sqlsentinel.timestamp_literal(now) }})
     or (status = 'sending' and claimed_until < {{ sqlsentinel.timestamp_literal(now) }}))
  {%- endset -%}
  {%- call statement('sqlsentinel_expire_notifications') -%}
    update {{ relation }}
    set status = 'dead', updated_at = {{ sqlsentinel.timestamp_literal(now) }}, claimed_by = '{{ claimer }}'
    where {{ due }} and created_at < {{ sqlsentinel.timestamp_literal(expired_before) }}
  {%- endcall -%}
  {%- call statement('sqlsentinel_claim_notifications') -%}
    update {{ relation }}
    set status = 'sending',
        claimed_by = '{{ claimer }}',
        claimed_until = {{ sqlsentinel.timestamp_literal(lease_until) }},
        updated_at = {{ sqlsentinel.timestamp_literal(now) }}
    where {{ due }}
  {%- endcall -%}
  {%- do adapter.commit() -%}
  {{ return(true) }}
{% endmacro %}
