{#- Create the sentinel schema and the silences table if they are missing; return the relation. -#}
{% macro ensure_silences() %}
  {{ return(adapter.dispatch('ensure_silences', 'sqlsentinel')()) }}
{% endmacro %}

{% macro default__ensure_silences() %}
  {%- set relation = sqlsentinel.silences_relation() -%}
  {%- do sqlsentinel.create_sentinel_table(relation, sqlsentinel.silence_columns()) -%}
  {{ return(relation) }}
{% endmacro %}
