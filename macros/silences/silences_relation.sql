{#- The relation of the silences table (it may not exist yet). -#}
{% macro silences_relation() %}
  {{ return(adapter.dispatch('silences_relation', 'sqlsentinel')()) }}
{% endmacro %}

{% macro default__silences_relation() %}
  {{ return(sqlsentinel.sentinel_relation('sentinel_silences')) }}
{% endmacro %}
