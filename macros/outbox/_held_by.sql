{#- The WHERE condition for the rows among `ids` that `claimer` still holds: a row whose
    lease another run took over is left alone by updates and deletes. -#}
{% macro _held_by(claimer, ids) %}
  claimed_by = {{ sqlsentinel.string_literal(claimer) }}
  and notification_id in (
    {%- for id in ids -%}{{ sqlsentinel.string_literal(id) }}{{ ", " if not loop.last }}{%- endfor -%}
  )
{% endmacro %}
