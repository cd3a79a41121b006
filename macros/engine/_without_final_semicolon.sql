{#- `sql` without the semicolons that end it, and the whitespace and comments after them, as
    sqlsentinel_dbt/engine/bounded.py strips them with sqlglot's tokenizer: a semicolon in a
    string, a quoted name or a comment stays, and SQL with an unterminated string or comment
    is left as it is. The warehouse's rules of quoting and comments: _sql_token_pattern. -#}
{% macro _without_final_semicolon(sql) %}
  {%- if ';' not in sql -%}
    {{ return(sql) }}
  {%- endif -%}
  {#- Where the run of semicolons (and comments) that ends the text starts; none when the
      last token is anything else. -#}
  {%- set cut = {'at': none} -%}
  {%- for token in modules.re.finditer(sqlsentinel._sql_token_pattern(), sql) -%}
    {%- if token.lastgroup == 'broken' -%}
      {{ return(sql) }}
    {%- elif token.lastgroup == 'semi' and cut.at is none -%}
      {%- do cut.update({'at': token.start()}) -%}
    {%- elif token.lastgroup in ('quoted', 'other') -%}
      {%- do cut.update({'at': none}) -%}
    {%- endif -%}
  {%- endfor -%}
  {{ return(sql if cut.at is none else sql[:cut.at]) }}
{% endmacro %}

{#- A regular expression that reads SQL as a sequence of tokens, each matched by one named
    group: `skip` (whitespace, comments), `quoted` (strings, quoted names), `semi`, `broken`
    (a quote or comment that never ends) and `other`. -#}
{% macro _sql_token_pattern() %}
  {{ return(adapter.dispatch('_sql_token_pattern', 'sqlsentinel')()) }}
{% endmacro %}

{#- Standard SQL (Trino and most others): '' in a string, "quoted names", -- and /* */
    comments. -#}
{% macro default___sql_token_pattern() %}
  {{ return(sqlsentinel._token_pattern(
      comments=['--[^\\n]*', '/\\*[\\s\\S]*?\\*/'],
      quoted=["'(?:[^']|'')*'", '"(?:[^"]|"")*"'],
      openers=["'", '"', '/\\*'])) }}
{% endmacro %}

{#- PostgreSQL (and Redshift, which falls back to it): also E'...' strings, with backslash
    escapes, and $$ and $tag$ strings. -#}
{% macro postgres___sql_token_pattern() %}
  {{ return(sqlsentinel._token_pattern(
      comments=['--[^\\n]*', '/\\*[\\s\\S]*?\\*/'],
      quoted=["[eE]'(?:[^'\\\\]|''|\\\\[\\s\\S])*'", "'(?:[^']|'')*'", '"(?:[^"]|"")*"',
              '\\$\\$[\\s\\S]*?\\$\\$', '\\$(?P<tag>[A-Za-z_]\\w*)\\$[\\s\\S]*?\\$(?P=tag)\\$'],
      openers=["'", '"', '/\\*', '\\$\\$'])) }}
{% endmacro %}

{#- DuckDB quotes as PostgreSQL does. -#}
{% macro duckdb___sql_token_pattern() %}
  {{ return(sqlsentinel.postgres___sql_token_pattern()) }}
{% endmacro %}

{#- BigQuery: strings in ' or " (or tripled), with backslash escapes; `quoted names`; and #
    comments too. -#}
{% macro bigquery___sql_token_pattern() %}
  {{ return(sqlsentinel._token_pattern(
      comments=['--[^\\n]*', '#[^\\n]*', '/\\*[\\s\\S]*?\\*/'],
      quoted=["'''(?:[^\\\\]|\\\\[\\s\\S])*?'''", '"""(?:[^\\\\]|\\\\[\\s\\S])*?"""',
              "'(?:[^'\\\\]|\\\\[\\s\\S])*'", '"(?:[^"\\\\]|\\\\[\\s\\S])*"',
              '`(?:[^`\\\\]|\\\\[\\s\\S])*`'],
      openers=["'", '"', '`', '/\\*'])) }}
{% endmacro %}

{#- Snowflake: backslash escapes and '' in strings, $$ strings, and // comments too. -#}
{% macro snowflake___sql_token_pattern() %}
  {{ return(sqlsentinel._token_pattern(
      comments=['--[^\\n]*', '//[^\\n]*', '/\\*[\\s\\S]*?\\*/'],
      quoted=["'(?:[^'\\\\]|''|\\\\[\\s\\S])*'", '"(?:[^"]|"")*"', '\\$\\$[\\s\\S]*?\\$\\$'],
      openers=["'", '"', '/\\*', '\\$\\$'])) }}
{% endmacro %}

{% macro _token_pattern(comments, quoted, openers) %}
  {{ return('(?P<skip>\\s+|' ~ comments | join('|') ~ ')|(?P<quoted>' ~ quoted | join('|')
      ~ ')|(?P<semi>;)|(?P<broken>' ~ openers | join('|') ~ ')|(?P<other>[^\\s;\'"`/$#-]+|[\\s\\S])') }}
{% endmacro %}
