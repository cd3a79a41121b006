// The dashboard: the overview (#/), one page per alert (#/alert/NAME) and what is noisy (#/noise).
// Served by the daemon, it reads the JSON API of its own origin and polls it for changes;
// written by `sentinel report`, it reads the same data from the page itself.

const body = document.body;
const REFRESH_MS = Number(body.dataset.refreshSeconds || 10) * 1000;
const embedded = document.getElementById("sentinel-data");

// Where the data comes from: the API, or the report's embedded copy of the same answers.
const source = embedded ? bundleSource(JSON.parse(embedded.textContent)) : apiSource();

function apiSource() {
  const token = new URLSearchParams(location.search).get("token");
  const headers = token ? {"Authorization": "Bearer " + token} : {};
  // Changes (POST, DELETE) go as JSON: the server refuses anything else (CSRF).
  async function call(path, options = {}) {
    const method = options.method || "GET";
    const json = method === "GET" ? {} : {"Content-Type": "application/json"};
    const sent = method === "GET" ? undefined : (options.body || "{}");
    const response = await fetch(path, {method, body: sent, headers: {...headers, ...json}});
    if (!response.ok) {
      const answer = await response.json().catch(() => ({}));
      throw new Error(typeof answer.detail === "string" ? answer.detail : response.status + " " + response.statusText);
    }
    return response.json();
  }
  const named = name => "/api/alerts/" + encodeURIComponent(name);
  return {
    live: true,
    alerts: () => call("/api/alerts"),
    alert: name => call(named(name)),
    // Enough rows for about 100 runs of every instance, within what the API gives.
    history: (name, instances) => call(named(name) + "/history?limit=" + Math.min(5000, Math.max(200, 100 * (instances || 1)))),
    notifications: name => call("/api/notifications?limit=50&alert=" + encodeURIComponent(name)),
    noise: days => call("/api/noise?days=" + days),
    run: name => call(named(name) + "/run", {method: "POST"}),
    silence: silence => call("/api/silences", {method: "POST", body: JSON.stringify(silence)}),
    expire: id => call("/api/silences/" + encodeURIComponent(id), {method: "DELETE"}),
  };
}

function bundleSource(bundle) {
  const missing = what => { throw new Error(what + " is not in this report"); };
  return {
    live: false,
    alerts: async () => bundle.alerts,
    alert: async name => bundle.details[name] || missing("alert " + name),
    history: async name => points(bundle.history[name]),
    notifications: async name => bundle.notifications[name] || [],
    noise: async () => bundle.noise,
    noiseDays: bundle.noise.days,
    generatedAt: bundle.generated_at,
  };
}

// The report keeps each alert's points as {columns, rows}: back to one object per point.
function points(table) {
  if (!table) return [];
  return table.rows.map(row => Object.fromEntries(table.columns.map((c, i) => [c, row[i]])));
}

function say(text) { document.getElementById("message").textContent = text; }

// ---- routing: the view is chosen by the hash, so links, back and reload work ----

function route() {
  const [path, query] = location.hash.replace(/^#/, "").split("?");
  const params = new URLSearchParams(query || "");
  if (path.startsWith("/alert/")) return {view: "alert", name: decoded(path.slice(7)), params};
  if (path === "/noise") return {view: "noise", params};
  return {view: "overview", params};
}

// A name from a link; a hand-typed `%` that decodes to nothing is kept as typed.
function decoded(text) {
  try { return decodeURIComponent(text); } catch (e) { return text; }
}

function link(hash, text) { return el("a", {href: hash}, text); }
function alertLink(name) { return link("#/alert/" + encodeURIComponent(name), name); }

// Whether a view should leave the page as it is: a newer view was asked for while this one
// fetched (quick clicks), or a poll brought nothing new (focus, scroll, open menus stay).
let lastShown = null, showing = 0, drawnHash = null;
function keep(where, ...data) {
  if (where.ticket !== showing) return true;
  const seen = where.hash + JSON.stringify(data);
  if (seen === lastShown) return true;
  lastShown = seen;
  return false;
}

// The view about to be drawn replaces the one before; its chart is let go (uPlot keeps
// every chart it drew in its own registry until it is destroyed).
let chartShown = null;
function draw(view, where, ...children) {
  if (chartShown) { chartShown.destroy(); chartShown = null; }
  view.replaceChildren(...children);
  drawnHash = where.hash;
}

let refreshTimer = null;
async function show(force = false) {
  clearTimeout(refreshTimer);
  if (force) lastShown = null;
  const where = {...route(), hash: location.hash, ticket: ++showing};
  const view = document.getElementById("view");
  for (const a of document.querySelectorAll("nav a")) {
    if (a.dataset.view === where.view) a.setAttribute("aria-current", "page"); else a.removeAttribute("aria-current");
  }
  try {
    const views = {alert: alertView, noise: noiseView, overview: overviewView};
    const drew = await views[where.view](view, where);
    body.dataset.loaded = "true";
    if (drew) performance.mark("sentinel:shown");  // when a view was drawn: bench/dashboard_load.py
    say("");
  } catch (e) { say(e.message); }
  if (source.live && where.ticket === showing) {  // only the newest view polls
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(update, REFRESH_MS);
  }
}

// Polling: redraw the current view in place when the page is visible.
async function update() {
  if (document.hidden) { refreshTimer = setTimeout(update, REFRESH_MS); return; }
  await show();
  document.getElementById("live").textContent = "Updated " + absolute.format(new Date());
}

window.addEventListener("hashchange", () => { show().then(() => document.getElementById("view").focus()); });
setInterval(refreshTimes, 30000);

// ---- the overview ----

const STATES = ["firing", "recovering", "pending", "error", "ok", "never run"];
const FILTERS = ["state", "severity", "owner", "tag"];

function matches(alert, params) {
  const q = (params.get("q") || "").toLowerCase();
  if (params.get("state") && alert.state !== params.get("state")) return false;
  if (params.get("severity") && alert.severity !== params.get("severity")) return false;
  if (params.get("owner") && (alert.owner || "") !== params.get("owner")) return false;
  if (params.get("tag") && !alert.tags.includes(params.get("tag"))) return false;
  if (!q) return true;
  const text = [alert.name, alert.description, alert.owner, alert.dbt_node, ...alert.tags, ...alert.firing_keys].join(" ").toLowerCase();
  return text.includes(q);
}

// Filters change the hash; each reads it afresh, so two quick changes both count.
function setParam(name, value, redraw = true) {
  const next = new URLSearchParams(route().params);
  if (value) next.set(name, value); else next.delete(name);
  const query = next.toString();
  history.replaceState(null, "", "#/" + (query ? "?" + query : ""));
  if (redraw) show();
}

function choice(label, name, values, params) {
  const id = "filter-" + name;
  const select = el("select", {id, name}, el("option", {value: ""}, "any"),
    values.map(v => el("option", {value: v, selected: params.get(name) === v}, v)));
  select.addEventListener("change", () => setParam(name, select.value));
  return el("div", {className: "field"}, el("label", {for: id}, label), select);
}

async function overviewView(view, where) {
  const params = where.params;
  const alerts = await source.alerts();
  if (keep(where, alerts)) return false;
  const counts = Object.fromEntries(STATES.map(s => [s, alerts.filter(a => a.state === s).length]));
  const sorted = list => [...new Set(list)].filter(v => v).sort();

  const summary = el("ul", {className: "counts", "aria-label": "alerts by state"}, STATES.filter(s => counts[s]).map(s => {
    const pick = el("button", {type: "button", className: "count state-" + s.replace(" ", "-"), "aria-pressed": String(params.get("state") === s)}, el("strong", {}, counts[s]), " " + s);
    pick.addEventListener("click", () => setParam("state", params.get("state") === s ? "" : s));
    return el("li", {}, pick);
  }));

  // The search filters the rows already here: typing never waits on the API.
  const search = el("input", {id: "filter-q", type: "search", name: "q", value: params.get("q") || "", placeholder: "name, owner, tag, node, key"});
  search.addEventListener("input", () => {
    clearTimeout(search.timer);
    search.timer = setTimeout(() => {
      if (!search.isConnected) return;  // redrawn meanwhile: the new box carries on
      setParam("q", search.value.trim(), false);
      refilter(route().params);
    }, 150);
  });
  const filters = el("form", {className: "filters", role: "search", "aria-label": "filter alerts"},
    el("div", {className: "field"}, el("label", {for: "filter-q"}, "Search"), search),
    choice("State", "state", STATES, params),
    choice("Severity", "severity", sorted(alerts.map(a => a.severity)), params),
    choice("Owner", "owner", sorted(alerts.map(a => a.owner)), params),
    choice("Tag", "tag", sorted(alerts.flatMap(a => a.tags)), params));
  filters.addEventListener("submit", e => e.preventDefault());

  const rowOf = new Map(alerts.map(a => [a.name, alertRow(a)]));
  const caption = el("caption"), tbody = el("tbody");
  const refilter = current => {
    const shown = alerts.filter(a => matches(a, current));
    tbody.replaceChildren(...shown.map(a => rowOf.get(a.name)));
    caption.textContent = shown.length + " of " + alerts.length + " alerts";
  };
  refilter(params);
  const headings = ["alert", "state", "severity", "owner", "tags", "dbt node", "firing instances", "last evaluated"];
  const list = el("table", {id: "alerts"}, caption, el("thead", {}, el("tr", {}, headings.map(h => el("th", {scope: "col"}, h)))), tbody);

  // A redraw while someone types in the search keeps what they typed and where.
  const typing = document.activeElement && document.activeElement.id === "filter-q" ? document.activeElement : null;
  if (typing) search.value = typing.value;
  draw(view, where, el("h2", {}, "Alerts"), summary, filters, list);
  if (typing) {
    search.focus();
    search.setSelectionRange(typing.selectionStart, typing.selectionEnd);
    refilter(new URLSearchParams({...Object.fromEntries(params), q: search.value.trim()}));
  }
  return true;
}

function alertRow(a) {
  const firing = a.firing_keys.length ? a.firing_keys.slice(0, 5).join(", ") + (a.firing_keys.length > 5 ? " +" + (a.firing_keys.length - 5) : "") : "";
  const row = el("tr", {"data-alert": a.name},
    el("td", {}, alertLink(a.name), a.kind === "dbt check" ? el("span", {className: "muted"}, " dbt check") : null),
    el("td", {className: "state-cell"}, stateBadge(a.state)),
    el("td", {}, a.severity),
    el("td", {}, a.owner || ""),
    el("td", {}, a.tags.join(", ")),
    el("td", {}, a.dbt_node ? nodeName(a.dbt_node) : ""),
    el("td", {className: "firing"}, a.instances > 1 ? a.firing_keys.length + " of " + a.instances + (firing ? ": " + firing : "") : firing),
    el("td", {}, when(a.last_evaluated)));
  if (a.last_error) row.title = a.last_error;
  return row;
}

// ---- one alert ----

async function alertView(view, where) {
  const name = where.name;
  const alert = await source.alert(name);
  const [points, sent] = await Promise.all([source.history(name, alert.now.instances), source.notifications(name)]);
  const state = alert.now;
  const now = source.generatedAt ? Date.parse(source.generatedAt) : Date.now();
  const keys = [...new Set(points.map(keyOf))].sort();
  if (keep(where, alert, points, sent, state)) return false;
  // Someone typing in this page's silence form keeps it until they are done: the next poll
  // redraws. Going to another page (a link, back) does not wait.
  const typing = document.activeElement && document.activeElement.closest("#silence-form");
  if (typing && where.hash === drawnHash) { lastShown = null; return false; }
  const page = el("article", {id: "alert-page", "data-alert": name});

  page.append(el("p", {className: "crumbs"}, link("#/", "Alerts"), " › ", name));
  page.append(el("h2", {}, name, " ", stateBadge(state.state)));
  if (alert.description) page.append(el("p", {className: "description"}, alert.description));
  page.append(facts(alert, state));
  if (source.live) page.append(actions(alert, keys));

  page.append(el("h3", {}, "Values over time"));
  const chart = el("div", {id: "chart", className: "chart"});
  page.append(chart);
  page.append(el("h3", {}, "States"));
  const timeline = el("div", {id: "timeline", className: "timeline"});
  page.append(timeline);

  page.append(el("h3", {}, "SQL"));
  if (alert.sql) page.append(el("pre", {className: "sql", tabIndex: 0, "aria-label": "compiled SQL"}, el("code", {}, alert.sql)));
  else if (alert.compile_error) page.append(el("p", {className: "problem"}, alert.compile_error));
  else page.append(el("p", {className: "muted"}, "A check dbt ran (" + (alert.dbt_node || "its node") + "): dbt's own SQL, in dbt's target/compiled."));

  page.append(results(points));
  page.append(notifications(sent));
  page.append(silences(alert, keys));

  draw(view, where, page);
  chartShown = drawChart(chart, points, name);
  drawTimeline(timeline, points, alert.silences, now);
  return true;
}

function facts(alert, state) {
  const items = [
    ["Severity", alert.severity],
    ["Owner", alert.owner || "nobody"],
    ["Runbook", runbook(alert.runbook)],
    ["Tags", alert.tags.join(", ") || "none"],
    ["Schedule", alert.schedule || (alert.kind === "dbt check" ? "when dbt runs it" : "")],
    ["Declared in", alert.declared_in || "dbt's results"],
    ["Firing instances", state.instances > 1 ? state.firing_keys.length + " of " + state.instances : String(state.firing_keys.length)],
    ["Firing since", state.firing_since ? when(state.firing_since) : "not firing"],
    ["Last evaluated", state.last_evaluated ? when(state.last_evaluated) : "never"],
    ["dbt nodes", nodes(alert.nodes)],
    ["Upstream", nodes(alert.upstream)],
    ["Downstream", nodes(alert.downstream, alert.downstream_tests ? " and " + alert.downstream_tests + " tests" : "")],
  ];
  return el("dl", {className: "facts"}, items.flatMap(([term, value]) => [el("dt", {}, term), el("dd", {}, value || "")]));
}

function runbook(text) {
  if (!text) return "none";
  try {
    const url = new URL(text);
    if (url.protocol === "https:" || url.protocol === "http:") return el("a", {href: url.href, rel: "noopener noreferrer", target: "_blank"}, text);
  } catch (e) { /* not a link: advice as text */ }
  return text;
}

function nodes(ids, more = "") {
  if (!ids || !ids.length) return more ? more.replace(/^ and /, "") : "none";
  return el("ul", {className: "nodes"}, ids.map(id => el("li", {}, nodeName(id))), more ? el("li", {className: "muted"}, more.replace(/^ and /, "")) : null);
}

function actions(alert, keys) {
  const box = el("div", {className: "actions"});
  if (alert.can_run) {
    const run = el("button", {type: "button", id: "run-now"}, "Run now");
    run.addEventListener("click", async () => {
      run.disabled = true;
      try {
        const report = await source.run(alert.name);
        say(alert.name + ": " + report.results.map(r => r.status).join(", "));
        await show(true);
        say(alert.name + ": " + report.results.map(r => r.status).join(", "));
      } catch (e) { say(alert.name + ": " + e.message); }
      run.disabled = false;
    });
    box.append(run);
  }
  return box;
}

function results(points) {
  const newest = [...points].reverse().slice(0, 50);
  return el("section", {}, el("h3", {}, "Recent results"), newest.length ? table(
    "the newest " + newest.length + " evaluations",
    ["when", "key", "status", "state", "actual_value", "threshold", "error"],
    newest.map(p => [when(p.started_at), p.key == null ? "" : p.key, p.status, p.state || "", number(p.actual_value), p.threshold != null ? number(p.threshold) : (p.lower != null ? number(p.lower) + " – " + number(p.upper) : ""), p.error || ""]),
    "results") : el("p", {className: "muted"}, "None yet."));
}

function why(n) {
  const reasons = (n.held_back || []).map(h => (h.key == null ? "" : h.key + ": ") + h.reason);
  if (n.digest) reasons.push("waits for the digest " + n.digest);
  if (n.last_error) reasons.push(n.last_error);
  return reasons.join("; ");
}

function notifications(rows) {
  return el("section", {}, el("h3", {}, "Notifications"), rows.length ? table(
    "what each channel was told, and why the rest was not",
    ["when", "channel", "kind", "status", "attempts", "why"],
    rows.map(n => [when(n.created_at), n.channel, n.kind, n.status, String(n.attempts), why(n)]),
    "notifications") : el("p", {className: "muted"}, "None yet."));
}

function silences(alert, keys) {
  const section = el("section", {id: "silences"}, el("h3", {}, "Silences"));
  const rows = alert.silences.map(s => {
    const cells = [s.matcher, s.alert_key || "every instance", s.active ? "in force" : "ended", when(s.ends_at), s.reason, s.created_by];
    if (source.live && s.active) {
      const expire = el("button", {type: "button", "aria-label": "expire the silence " + s.matcher + " " + (s.alert_key || "")}, "Expire");
      expire.addEventListener("click", async () => {
        try { await source.expire(s.silence_id); await show(true); } catch (e) { say(e.message); }
      });
      cells.push(expire);
    } else cells.push("");
    return cells;
  });
  section.append(rows.length ? table("silences of this alert, in force or ended in the last 30 days", ["matcher", "key", "", "ends", "reason", "by", ""], rows, "silence-list") : el("p", {className: "muted"}, "No silence in the last 30 days."));
  if (!source.live) return section;
  const keyList = el("datalist", {id: "silence-keys"}, keys.filter(k => k !== NO_KEY).map(k => el("option", {value: k})));
  const form = el("form", {id: "silence-form", "aria-label": "silence this alert"},
    el("div", {className: "field"}, el("label", {for: "silence-key"}, "Instance (empty: every one)"), el("input", {id: "silence-key", name: "key", maxLength: 1000, autocomplete: "off"}), keyList),
    el("div", {className: "field"}, el("label", {for: "silence-minutes"}, "Minutes"), el("input", {id: "silence-minutes", name: "minutes", type: "number", value: "60", min: "1", max: "43200", required: true})),
    el("div", {className: "field"}, el("label", {for: "silence-reason"}, "Reason"), el("input", {id: "silence-reason", name: "reason", maxLength: 1000})),
    el("button", {type: "submit"}, "Silence"));
  form.querySelector("#silence-key").setAttribute("list", "silence-keys");
  form.addEventListener("submit", async event => {
    event.preventDefault();
    const data = new FormData(form);
    const silence = {matcher: alert.name, key: data.get("key") || null, minutes: Number(data.get("minutes")), reason: data.get("reason")};
    try { await source.silence(silence); form.reset(); document.getElementById("view").focus(); await show(true); } catch (e) { say(e.message); }
  });
  section.append(form);
  return section;
}

// ---- what is noisy ----

async function noiseView(view, where) {
  const params = where.params;
  const days = Number(params.get("days") || source.noiseDays || 7);
  const noise = await source.noise(days);
  if (keep(where, noise)) return false;
  const period = el("select", {id: "noise-days", disabled: !source.live}, [...new Set([1, 7, 30, 90, noise.days])].sort((a, b) => a - b).map(d => el("option", {value: d, selected: d === noise.days}, d === 1 ? "the last day" : "the last " + d + " days")));
  period.addEventListener("change", () => { location.hash = "#/noise?days=" + period.value; });
  const mttr = noise.mean_time_to_resolve_s == null ? "nothing resolved" : duration(noise.mean_time_to_resolve_s);
  draw(view, where,
    el("h2", {}, "What is noisy"),
    el("div", {className: "field"}, el("label", {for: "noise-days"}, "Period"), period),
    el("ul", {className: "counts", "aria-label": "the period in figures"},
      el("li", {}, el("span", {className: "count"}, el("strong", {}, noise.firings), " firings")),
      el("li", {}, el("span", {className: "count"}, el("strong", {}, noise.notifications_sent), " notifications sent")),
      el("li", {}, el("span", {className: "count"}, el("strong", {}, mttr), " mean time to resolve"))),
    el("h3", {}, "Alerts by firings and notifications"),
    noise.alerts.length ? table("the alerts that fired, notified or changed state", ["alert", "firings", "notifications sent", "held back", "state changes", "mean time to resolve"],
      noise.alerts.map(a => [alertLink(a.name), String(a.firings), String(a.notifications_sent), String(a.held_back), String(a.state_changes), a.mean_time_to_resolve_s == null ? "" : duration(a.mean_time_to_resolve_s)]), "loudest")
      : el("p", {className: "muted"}, "Quiet: nothing fired or notified."),
    el("h3", {}, "Flapping instances"),
    noise.flapping.length ? table("instances that changed state " + noise.flapping_changes + " times or more", ["alert", "key", "state changes"],
      noise.flapping.map(f => [alertLink(f.alert), f.key == null ? "" : f.key, String(f.changes)]), "flapping")
      : el("p", {className: "muted"}, "None changed state " + noise.flapping_changes + " times or more."),
    el("h3", {}, "Firing for more than a week"),
    noise.long_firing.length ? table("alerts firing for more than seven days", ["alert", "firing since", "instances"],
      noise.long_firing.map(f => [alertLink(f.name), when(f.firing_since), f.firing_keys.join(", ")]), "long-firing")
      : el("p", {className: "muted"}, "None."));
  return true;
}

show();
