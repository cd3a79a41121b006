"""`python -m sqlsentinel_dbt`: the `sentinel` command, where its script is not at hand."""

from sqlsentinel_dbt.cli import main

main()
