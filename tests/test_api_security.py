"""The dashboard's HTTP API against other web pages: DNS rebinding, CSRF, oversized input,
browser headers, the API description behind the token; and what /api/alerts reports.

The app is served by uvicorn on 127.0.0.1 (as `sentinel daemon` serves it), over a real
daemon backend on the shop project (DuckDB), and spoken to with plain HTTP: every refusal
is checked together with the legitimate request that still passes, and with the state
(silences) the refused request would have changed.
"""

from __future__ import annotations

import http.client
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

import pytest
import requests

from sqlsentinel_dbt.daemon.app import Backend, create_app, serve_in_thread
from sqlsentinel_dbt.daemon.guards import CSP, MAX_BODY
from sqlsentinel_dbt.daemon.hosts import LOCAL_NAMES, allowed_hosts, host_pattern
from sqlsentinel_dbt.daemon.metrics import Metrics
from sqlsentinel_dbt.daemon.service import Daemon
from tests.conftest import Project, cli, run_args

# The app is the same on every warehouse; the shop project on DuckDB serves it.
DUCKDB = pytest.mark.parametrize("warehouse", ["duckdb"], indirect=True)

TOKEN = "api-security-token-0123456789abcdef"
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$")
EVIL_HOSTS = [
    "evil.example",
    "evil.example:8765",
    "localhost.evil.example",
    "127.0.0.1.nip.io",
    "[::2]:8765",
    "10.0.0.1",
]
READS = [
    "/",
    "/api/alerts",
    "/api/silences",
    "/api/notifications",
    "/api/alerts/orders_present/history",
    "/api/alerts/orders_present",
    "/api/noise",
    "/metrics",
    "/openapi.json",
    "/static/dashboard.js",
    "/static/style.css",
]


@dataclass
class Served:
    url: str  # no token needed
    guarded: str  # the same backend behind the token
    port: int

    def silences(self) -> list[dict[str, Any]]:
        listed: list[dict[str, Any]] = requests.get(self.url + "/api/silences", timeout=30).json()
        return listed

    def origin(self, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}"


@pytest.fixture(scope="module")
def served(shop: Project, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    schema = f"{shop.schema}_api"
    # History first (each CLI run re-opens the project; the daemon below opens it last).
    # busy_regions: all OK, then an error, then OK again; region_revenue_low: one of its
    # regions fires, the others are OK.
    for select, variables in (
        ("busy_regions region_revenue_low orders_present", {}),
        ("busy_regions", {"break_it": "true"}),
        ("busy_regions", {}),
    ):
        ran = cli(*run_args(shop, schema, select, orders_limit=100, **variables))
        assert ran.exit_code in (0, 1), ran.stderr
    daemon = Daemon(replace(shop.args, vars=f"{{sqlsentinel_schema: {schema}}}"), Metrics())
    backend = Backend(daemon=daemon)
    stop_open, port = serve_in_thread(create_app(backend, None, Metrics()), "127.0.0.1", 0)
    stop_guarded, guarded = serve_in_thread(create_app(backend, TOKEN), "127.0.0.1", 0)
    try:
        yield Served(f"http://127.0.0.1:{port}", f"http://127.0.0.1:{guarded}", port)
    finally:
        stop_open()
        stop_guarded()
        daemon.sentinel.close()


def silence(reason: str = "maintenance", **extra: Any) -> dict[str, Any]:
    return {"matcher": "orders_present", "minutes": 5, "reason": reason, **extra}


# --- DNS rebinding: the Host header -------------------------------------------------


@DUCKDB
@pytest.mark.parametrize("host", EVIL_HOSTS)
def test_a_foreign_host_is_refused_on_every_route(served: Served, host: str) -> None:
    for path in READS:
        response = requests.get(served.url + path, headers={"Host": host}, timeout=30)
        assert response.status_code == 400, (host, path, response.status_code)
        assert "alerts" not in response.text
    before = len(served.silences())
    made = requests.post(
        served.url + "/api/silences",
        json=silence(matcher="*"),
        headers={"Host": host, "Origin": f"http://{host}"},
        timeout=30,
    )
    assert made.status_code == 400
    assert len(served.silences()) == before


@DUCKDB
def test_the_names_of_localhost_are_answered(served: Served) -> None:
    for host in ("127.0.0.1", "localhost", "LOCALHOST", "[::1]"):
        response = requests.get(
            served.url + "/api/alerts", headers={"Host": f"{host}:{served.port}"}, timeout=30
        )
        assert response.status_code == 200, host
    assert requests.get(served.url + "/", timeout=30).status_code == 200


@DUCKDB
def test_probes_answer_a_pod_ip_but_never_a_foreign_name(served: Served) -> None:
    pod = {"Host": "10.244.1.17:8765"}
    assert requests.get(served.url + "/healthz", headers=pod, timeout=30).status_code == 200
    assert requests.get(served.url + "/readyz", headers=pod, timeout=30).status_code == 200
    v6 = {"Host": "[fd00::17]:8765"}
    assert requests.get(served.url + "/healthz", headers=v6, timeout=30).status_code == 200
    assert requests.get(served.url + "/api/alerts", headers=pod, timeout=30).status_code == 400
    for host in ("evil.example", "evil.example:8765"):
        named = {"Host": host}
        assert requests.get(served.url + "/healthz", headers=named, timeout=30).status_code == 400
        assert requests.get(served.url + "/readyz", headers=named, timeout=30).status_code == 400


def test_allowed_hosts_follow_the_bind_address_and_the_option() -> None:
    assert allowed_hosts("127.0.0.1") == list(LOCAL_NAMES)
    assert allowed_hosts("0.0.0.0") == list(LOCAL_NAMES)  # a wildcard names no host
    assert allowed_hosts("::") == list(LOCAL_NAMES)
    assert allowed_hosts("10.1.2.3")[-1] == "10.1.2.3"
    assert allowed_hosts("::1") == list(LOCAL_NAMES)
    assert allowed_hosts("fd00::0:17")[-1] == "[fd00::17]"
    extra = ["Sentinel.Example.com:443", "*.corp.example", "fe80::1", "[fd00::1]:8765", "*"]
    assert allowed_hosts("0.0.0.0", extra)[3:] == [
        "sentinel.example.com",
        "*.corp.example",
        "[fe80::1]",
        "[fd00::1]",
        "*",
    ]
    for bad in ("http://x.example/", "a b", "user@x.example", "x.example/path", "", "*.", "*x"):
        with pytest.raises(ValueError, match="not a host name"):
            host_pattern(bad)


@DUCKDB
def test_an_allowed_host_name_is_answered_and_a_bad_one_stops_the_start(
    served: Served, shop: Project
) -> None:
    from sqlsentinel_dbt.daemon.app import Backend

    app = create_app(
        Backend(sentinel=object()),  # type: ignore[arg-type]
        None,
        allowed_hosts=allowed_hosts("0.0.0.0", ["sentinel.example.com"]),
    )
    stop, port = serve_in_thread(app, "127.0.0.1", 0)
    try:
        url = f"http://127.0.0.1:{port}/healthz"
        named = {"Host": f"sentinel.example.com:{port}"}
        assert requests.get(url, headers=named, timeout=30).status_code == 200
        other = {"Host": "sentinel.example.com.evil.example"}
        assert (
            requests.get(url.replace("healthz", "static/style.css"), headers=other).status_code
            == 400
        )
    finally:
        stop()
    refused = cli("serve", *shop.flags(), "--port", "0", "--allowed-host", "http://x.example/")
    assert refused.exit_code == 2
    assert "--allowed-host" in refused.stderr and "not a host name" in refused.stderr


# --- CSRF: changes only as same-origin JSON ------------------------------------------


@DUCKDB
def test_cross_site_writes_are_refused_and_same_origin_json_passes(served: Served) -> None:
    before = len(served.silences())
    run = served.url + "/api/alerts/orders_present/run"
    silences = served.url + "/api/silences"
    own = served.origin()
    refused = [
        # An HTML form on any page: urlencoded, multipart or text/plain, with or without
        # the browser's Origin.
        requests.post(run, data={"a": "b"}, timeout=30),
        requests.post(run, data={"a": "b"}, headers={"Origin": "http://evil.example"}),
        requests.post(silences, files={"matcher": (None, "*")}, timeout=30),
        requests.post(
            silences, data='{"matcher": "*"}', headers={"Content-Type": "text/plain"}, timeout=30
        ),
        requests.post(silences, data='{"matcher": "*"}', timeout=30),  # no Content-Type
        # JSON, but from another origin (a page that got past CORS, or an old browser).
        requests.post(silences, json=silence(), headers={"Origin": "http://evil.example"}),
        requests.post(silences, json=silence(), headers={"Origin": "null"}),
        requests.post(silences, json=silence(), headers={"Origin": served.origin("localhost")}),
        requests.post(silences, json=silence(), headers={"Origin": own.replace("http", "https")}),
        requests.post(silences, json=silence(), headers={"Origin": own + "1"}),
        requests.post(silences, json=silence(), headers={"Sec-Fetch-Site": "cross-site"}),
        requests.post(silences, json=silence(), headers={"Sec-Fetch-Site": "same-site"}),
        requests.put(silences, json=silence(), headers={"Origin": "http://evil.example"}),
        requests.patch(silences, data="x", timeout=30),
        requests.delete(silences + "/whatever", timeout=30),
        requests.delete(silences + "/whatever", json={}, headers={"Origin": "http://evil.ex"}),
    ]
    assert [r.status_code for r in refused] == [415, 403, 415, 415, 415] + [403] * 8 + [415] * 2 + [
        403
    ]
    assert all("detail" in r.json() for r in refused)
    assert len(served.silences()) == before

    # The dashboard's own requests: JSON with its own Origin (or none, as curl sends).
    ran = requests.post(run, json={}, headers={"Origin": own, "Sec-Fetch-Site": "same-origin"})
    assert ran.status_code == 200, ran.text
    assert [r["status"] for r in ran.json()["results"]] == ["OK"]
    made = requests.post(silences, json=silence(), headers={"Origin": own}, timeout=30)
    assert made.status_code == 201, made.text
    plain = requests.post(
        silences,
        data=b'{"matcher": "orders_present", "minutes": 1}',
        headers={"Content-Type": "application/json; charset=utf-8"},
        timeout=30,
    )
    assert plain.status_code == 201, plain.text
    for created in (made, plain):
        ended = requests.delete(
            f"{silences}/{created.json()['silence_id']}", json={}, headers={"Origin": own}
        )
        assert ended.status_code == 200, ended.text
    assert len([s for s in served.silences() if s["active"]]) == 0


@DUCKDB
def test_a_bearer_token_request_needs_json_but_no_origin(served: Served) -> None:
    bearer = {"Authorization": f"Bearer {TOKEN}", "Origin": "https://ops.example"}
    silences = served.guarded + "/api/silences"
    made = requests.post(silences, json=silence(), headers=bearer, timeout=30)
    assert made.status_code == 201, made.text
    form = requests.post(silences, data=silence(), headers=bearer, timeout=30)
    assert form.status_code == 415
    # A browser adds Basic credentials by itself, so they do not count as a bearer token.
    basic = {"Authorization": "Basic dXNlcjpwYXNz", "Origin": "http://evil.example"}
    assert requests.post(silences, json=silence(), headers=basic).status_code == 403
    ended = requests.delete(
        f"{silences}/{made.json()['silence_id']}", json={}, headers=bearer, timeout=30
    )
    assert ended.status_code == 200


# --- The API description, no CDN ------------------------------------------------------


@DUCKDB
def test_docs_are_not_served_and_openapi_needs_the_token(served: Served) -> None:
    for path in ("/docs", "/redoc", "/docs/oauth2-redirect"):
        assert requests.get(served.guarded + path, timeout=30).status_code in (401, 404)
        assert requests.get(served.url + path, timeout=30).status_code == 404
    assert requests.get(served.guarded + "/openapi.json", timeout=30).status_code == 401
    described = requests.get(
        served.guarded + "/openapi.json", headers={"Authorization": f"Bearer {TOKEN}"}
    )
    assert described.status_code == 200
    assert "/api/silences" in described.json()["paths"]
    # Nothing the dashboard loads comes from elsewhere.
    for path in ("/", "/static/dashboard.js", "/static/style.css"):
        text = requests.get(served.url + path, timeout=30).text
        assert not re.search(r"(https?:)?//[a-z0-9]", text, re.I), path


# --- Caps on bodies, fields and limits ------------------------------------------------


@DUCKDB
def test_oversized_bodies_are_refused_before_they_are_read(served: Served) -> None:
    before = len(served.silences())
    url = served.url + "/api/silences"
    huge = requests.post(url, json=silence("x" * 50_000_000), timeout=60)
    assert huge.status_code == 413
    assert str(MAX_BODY) in huge.json()["detail"]

    def streamed() -> Iterator[bytes]:  # chunked: no Content-Length to refuse it by
        yield b'{"matcher": "orders_present", "reason": "'
        for _ in range(100):
            yield b"x" * 10_000
        yield b'"}'

    chunked = requests.post(
        url, data=streamed(), headers={"Content-Type": "application/json"}, timeout=60
    )
    assert chunked.status_code == 413
    connection = http.client.HTTPConnection("127.0.0.1", served.port, timeout=30)
    connection.putrequest("POST", "/api/silences")
    connection.putheader("Content-Type", "application/json")
    connection.putheader("Content-Length", "-1")
    connection.endheaders()
    assert connection.getresponse().status == 400
    connection.close()
    assert len(served.silences()) == before


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("reason", "r" * 1001),
        ("matcher", "m" * 201),
        ("matcher", ""),
        ("key", "k" * 1001),
        ("created_by", "c" * 201),
        ("minutes", 60 * 24 * 30 + 1),
        ("minutes", 0),
        ("unknown", "x"),
    ],
)
@DUCKDB
def test_silence_fields_are_bounded(served: Served, field: str, value: Any) -> None:
    before = len(served.silences())
    refused = requests.post(served.url + "/api/silences", json=silence(**{field: value}))
    assert refused.status_code == 422
    assert field in str(refused.json()["detail"])
    assert len(served.silences()) == before


@DUCKDB
def test_the_longest_allowed_fields_pass(served: Served) -> None:
    body = silence("r" * 1000, key="k" * 1000, created_by="c" * 200, minutes=60 * 24 * 30)
    made = requests.post(served.url + "/api/silences", json=body, timeout=30)
    assert made.status_code == 201, made.text
    assert made.json()["reason"] == "r" * 1000
    ended = requests.delete(
        f"{served.url}/api/silences/{made.json()['silence_id']}",
        params={"ended_by": "e" * 200},
        json={},
        timeout=30,
    )
    assert ended.status_code == 200


@DUCKDB
@pytest.mark.parametrize(
    ("path", "highest"),
    [
        ("/api/alerts/orders_present/history?limit=", 5000),
        ("/api/noise?days=", 90),
        ("/api/notifications?limit=", 500),
        ("/api/silences?days=", 90),
    ],
)
def test_query_limits_are_bounded(served: Served, path: str, highest: int) -> None:
    assert requests.get(f"{served.url}{path}{highest}", timeout=30).status_code == 200
    for value in (highest + 1, -1, "99999999999999999999", "x"):
        refused = requests.get(f"{served.url}{path}{value}", timeout=30)
        assert refused.status_code == 422, (path, value)


@DUCKDB
def test_path_and_query_values_are_bounded(served: Served) -> None:
    url = served.url + "/api/silences/"
    assert requests.delete(url + "s" * 201, json={}, timeout=30).status_code == 422
    named = requests.delete(url + "nope", params={"ended_by": "e" * 201}, json={}, timeout=30)
    assert named.status_code == 422
    assert requests.delete(url + "nope", json={}, timeout=30).status_code == 404
    long_name = requests.get(f"{served.url}/api/alerts/{'a' * 201}/history", timeout=30)
    assert long_name.status_code == 422


# --- Browser headers ---------------------------------------------------------------


@DUCKDB
def test_every_response_carries_the_security_headers(served: Served) -> None:
    own = {"Origin": served.origin()}
    responses = [
        requests.get(served.url + path, timeout=30)
        for path in (*READS, "/healthz", "/readyz", "/nowhere", "/api/alerts/nope/history")
    ]
    responses += [
        requests.get(served.url + "/", headers={"Host": "evil.example"}, timeout=30),
        requests.get(served.guarded + "/api/alerts", timeout=30),
        requests.post(served.url + "/api/silences", data="x", headers=own, timeout=30),
        requests.post(served.url + "/api/silences", json={}, headers=own, timeout=30),
        requests.post(served.url + "/api/silences", json="x" * MAX_BODY, timeout=30),
    ]
    # A handler that fails unexpectedly (here: a backend with no project) answers 500.
    broken = create_app(Backend(sentinel=object()), None)  # type: ignore[arg-type]
    stop, port = serve_in_thread(broken, "127.0.0.1", 0)
    try:
        responses.append(requests.get(f"http://127.0.0.1:{port}/api/alerts", timeout=30))
    finally:
        stop()
    assert {r.status_code for r in responses} >= {200, 400, 401, 404, 413, 415, 422, 500}
    for response in responses:
        headers = response.headers
        assert headers["Content-Security-Policy"] == CSP, response.url
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "no-referrer"
    assert "unsafe" not in CSP and "frame-ancestors 'none'" in CSP


@DUCKDB
def test_the_page_has_no_inline_script_or_style(served: Served) -> None:
    page = requests.get(served.url + "/", timeout=30).text
    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", page, re.S | re.I)
    assert scripts and all('src="/static/' in attrs and not body.strip() for attrs, body in scripts)
    assert not re.search(r"<style\b|\sstyle=|\son[a-z]+=|javascript:", page, re.I)
    script = requests.get(served.url + "/static/dashboard.js", timeout=30)
    assert script.headers["content-type"].startswith(("text/javascript", "application/javascript"))


# --- What /api/alerts reports ------------------------------------------------------


@DUCKDB
def test_a_keyed_alert_shows_its_worst_instance(served: Served) -> None:
    alerts = {a["name"]: a for a in requests.get(served.url + "/api/alerts", timeout=30).json()}
    regional = alerts["region_revenue_low"]
    history = requests.get(served.url + "/api/alerts/region_revenue_low/history").json()
    newest = {p["key"]: p["status"] for p in history}
    assert set(newest.values()) == {"ALERT", "OK"}  # a mix: one instance fires
    assert regional["state"] == "firing"
    assert regional["last_status"] == "ALERT"
    assert regional["firing_keys"] == sorted(k for k, s in newest.items() if s == "ALERT")
    assert regional["instances"] == len(newest)
    # Failed once, clean since: no longer in error, its instances OK.
    busy = alerts["busy_regions"]
    assert (busy["state"], busy["last_status"], busy["last_error"]) == ("ok", "OK", None)
    assert alerts["orders_present"]["last_status"] == "OK"
    assert alerts["cheap_orders"]["state"] == "never run"


@DUCKDB
def test_timestamps_are_iso_8601_with_an_offset(served: Served, shop: Project) -> None:
    alerts = requests.get(served.url + "/api/alerts", timeout=30).json()
    stamps = [a["last_evaluated"] for a in alerts if a["last_evaluated"]]
    history = requests.get(served.url + "/api/alerts/busy_regions/history", timeout=30).json()
    stamps += [p["started_at"] for p in history]
    made = requests.post(served.url + "/api/silences", json=silence(), timeout=30).json()
    stamps += [made["starts_at"], made["ends_at"], made["created_at"]]
    listed = requests.get(served.url + "/api/silences", timeout=30).json()
    stamps += [s[f] for s in listed for f in ("starts_at", "ends_at", "created_at")]
    assert stamps and [s for s in stamps if not ISO.match(s)] == []
    requests.delete(f"{served.url}/api/silences/{made['silence_id']}", json={}, timeout=30)
