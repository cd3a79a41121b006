"""`python -m sqlsentinel_dbt.cli`: the `sentinel` command, where its script is not at hand."""

from sqlsentinel_dbt.cli import main

main()
