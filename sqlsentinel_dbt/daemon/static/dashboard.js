// The dashboard: everything it shows comes from the JSON API of the same origin.
// Every value is written with textContent: nothing from a query result becomes markup.
const canRun = document.body.dataset.canRun === "true";
const token = new URLSearchParams(location.search).get("token");
const headers = token ? {"Authorization": "Bearer " + token} : {};
const withToken = (url) => token ? url + (url.includes("?") ? "&" : "?") + "token=" + encodeURIComponent(token) : url;

// Changes (POST, DELETE) go as JSON: the server refuses anything else (CSRF).
async function api(path, options = {}) {
  const method = options.method || "GET";
  const json = method === "GET" ? {} : {"Content-Type": "application/json"};
  const body = method === "GET" ? undefined : (options.body || "{}");
  const response = await fetch(path, {...options, method, body, headers: {...headers, ...json}});
  if (!response.ok) {
    const body = await response.json().catch(() => ({}));
    throw new Error(body.detail || response.statusText);
  }
  return response.json();
}

function cell(row, text, className) {
  const td = document.createElement("td");
  td.textContent = text == null ? "" : String(text);
  if (className) td.className = className;
  row.appendChild(td);
  return td;
}

function button(label, onClick) {
  const b = document.createElement("button");
  b.textContent = label;
  b.addEventListener("click", onClick);
  return b;
}

function say(text) { document.getElementById("message").textContent = text; }

async function loadAlerts() {
  const alerts = await api("/api/alerts");
  const body = document.querySelector("#alerts tbody");
  const charts = document.getElementById("charts");
  body.replaceChildren(); charts.replaceChildren();
  for (const alert of alerts) {
    const row = document.createElement("tr");
    row.dataset.alert = alert.name;
    cell(row, alert.name).title = alert.description || "";
    cell(row, alert.state, "state " + alert.state.replace(" ", "-"));
    cell(row, alert.severity);
    cell(row, alert.owner);
    cell(row, alert.firing_keys.join(", "));
    cell(row, alert.last_evaluated);
    const actions = cell(row, "");
    if (canRun && alert.enabled) actions.appendChild(button("Run now", async () => {
      try {
        const report = await api("/api/alerts/" + encodeURIComponent(alert.name) + "/run", {method: "POST"});
        say(alert.name + ": " + report.results.map(r => r.status).join(", "));
        await refresh();
      } catch (e) { say(alert.name + ": " + e.message); }
    }));
    body.appendChild(row);

    const figure = document.createElement("figure");
    const img = document.createElement("img");
    img.src = withToken("/api/alerts/" + encodeURIComponent(alert.name) + "/chart.svg");
    img.alt = "actual value and threshold of " + alert.name;
    const caption = document.createElement("figcaption");
    caption.textContent = alert.name;
    figure.append(img, caption);
    charts.appendChild(figure);
  }
}

async function loadSilences() {
  const silences = await api("/api/silences");
  const body = document.querySelector("#silences tbody");
  body.replaceChildren();
  for (const silence of silences.filter(s => s.active)) {
    const row = document.createElement("tr");
    cell(row, silence.matcher); cell(row, silence.alert_key); cell(row, silence.ends_at);
    cell(row, silence.reason); cell(row, silence.created_by);
    cell(row, "").appendChild(button("Expire", async () => {
      await api("/api/silences/" + encodeURIComponent(silence.silence_id), {method: "DELETE"});
      await refresh();
    }));
    body.appendChild(row);
  }
}

async function loadNotifications() {
  const rows = await api("/api/notifications?limit=20");
  const body = document.querySelector("#notifications tbody");
  body.replaceChildren();
  for (const n of rows) {
    const row = document.createElement("tr");
    for (const value of [n.created_at, n.alert_name, n.channel, n.kind, n.status, n.attempts, n.last_error]) cell(row, value);
    body.appendChild(row);
  }
}

document.getElementById("silence-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  const silence = {matcher: form.get("matcher"), key: form.get("key") || null,
                   minutes: Number(form.get("minutes")), reason: form.get("reason")};
  try {
    await api("/api/silences", {method: "POST", body: JSON.stringify(silence)});
    event.target.reset(); say("");
    await refresh();
  } catch (e) { say(e.message); }
});

async function refresh() {
  try { await Promise.all([loadAlerts(), loadSilences(), loadNotifications()]); document.body.dataset.loaded = "true"; }
  catch (e) { say(e.message); }
}
refresh();
setInterval(refresh, 30000);
