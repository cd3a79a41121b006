{#- The WHERE condition for the rows among `ids` that `claimer` still holds: a row whose
    lease another run took over is left alone by updates and deletes. -#}
{% macro _held_by(claimer, ids) %}
  claimed_by = {{ sqlsentinel.string_literal(claimer) }}
  and notification_id in ({{ sqlsentinel.string_literals(ids) | join(', ') }})
{% endmacro %}
