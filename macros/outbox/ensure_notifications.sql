{#- Create the sentinel schema and the outbox table if they are missing; return the relation.
    notification_id is the idempotency key, and its primary key is what makes two runs that
    decide the same change write one row. -#}
{% macro ensure_notifications() %}
  {{ return(adapter.dispatch('ensure_notifications', 'sqlsentinel')()) }}
{% endmacro %}

{% macro default__ensure_notifications() %}
  {%- set relation = sqlsentinel.notifications_relation() -%}
  {%- do sqlsentinel.create_sentinel_table(relation, sqlsentinel.notification_columns(), 'notification_id') -%}
  {{ return(relation) }}
{% endmacro %}
