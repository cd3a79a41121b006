# sqlsentinel: `sentinel daemon` (default) or any `sentinel` command, for a dbt project
# mounted at /project (with its profiles.yml, or DBT_PROFILES_DIR pointing elsewhere).
# Build: docker build --build-arg EXTRAS=postgres -t sqlsentinel .
ARG PYTHON=3.11

FROM python:${PYTHON}-slim AS build
ARG EXTRAS=postgres
WORKDIR /src
COPY pyproject.toml README.md dbt_project.yml ./
COPY sqlsentinel_dbt ./sqlsentinel_dbt
COPY macros ./macros
COPY models ./models
COPY examples ./examples
COPY dbt_project_template ./dbt_project_template
COPY docs ./docs
# Wheels for the package and everything it needs, so the final image has no compiler.
RUN pip wheel --no-cache-dir --wheel-dir /wheels ".[${EXTRAS}]"

FROM python:${PYTHON}-slim
RUN useradd --create-home --uid 10001 sentinel
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir --no-index /wheels/*.whl && rm -rf /wheels
USER 10001
WORKDIR /project
ENV DBT_PROFILES_DIR=/project
EXPOSE 8765
# /healthz answers without the token; the process is alive while it does.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8765/healthz', timeout=4)"]
ENTRYPOINT ["sentinel", "--log-format", "json"]
# Listening beyond localhost needs a token: set SENTINEL_TOKEN in the container's environment.
CMD ["daemon", "--host", "0.0.0.0", "--port", "8765", "--project-dir", "/project"]
