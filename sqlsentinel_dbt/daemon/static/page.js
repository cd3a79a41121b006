// Helpers shared by the dashboard's views: building elements, times and numbers as people read them.
// Every value is written with textContent: nothing from a query result becomes markup.

// An element with attributes (properties, "data-*", "aria-*") and children (text or nodes).
function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value == null || value === false) continue;
    if (name.startsWith("data-") || name.startsWith("aria-") || name === "role" || name === "for") node.setAttribute(name, String(value));
    else node[name] = value;
  }
  for (const child of children.flat()) {
    if (child == null) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

// A table with a caption (for screen readers), a header row and the given rows of cells.
function table(caption, headings, rows, className) {
  const head = el("tr", {}, headings.map(h => el("th", {scope: "col"}, h)));
  const body = el("tbody", {}, rows.map(cells => el("tr", {}, cells.map(c => el("td", {}, c)))));
  return el("table", {className: className || ""}, el("caption", {}, caption), el("thead", {}, head), body);
}

function stateBadge(state) {
  return el("span", {className: "state state-" + String(state).replace(" ", "-")}, state);
}

const relative = new Intl.RelativeTimeFormat(undefined, {numeric: "auto"});
const absolute = new Intl.DateTimeFormat(undefined, {dateStyle: "medium", timeStyle: "medium"});
const UNITS = [["year", 31536000], ["month", 2592000], ["week", 604800], ["day", 86400], ["hour", 3600], ["minute", 60], ["second", 1]];

// "5 minutes ago", from an ISO timestamp, against `now` (ms since the epoch).
function ago(iso, now = Date.now()) {
  const seconds = (Date.parse(iso) - now) / 1000;
  for (const [unit, size] of UNITS) {
    if (Math.abs(seconds) >= size || unit === "second") return relative.format(Math.round(seconds / size), unit);
  }
  return "";
}

// A <time> showing how long ago, with the full local time on hover and for screen readers.
function when(iso) {
  if (!iso) return "";
  const moment = new Date(iso);
  return el("time", {dateTime: iso, title: absolute.format(moment), "data-ago": iso}, ago(iso));
}

// Re-render every "5 min ago" on the page (called as time passes).
function refreshTimes() {
  for (const node of document.querySelectorAll("time[data-ago]")) node.textContent = ago(node.dataset.ago);
}

// "3 h 20 min", from seconds.
function duration(seconds) {
  if (seconds == null) return "";
  const parts = [];
  let left = Math.round(seconds);
  for (const [label, size] of [["d", 86400], ["h", 3600], ["min", 60], ["s", 1]]) {
    const count = Math.floor(left / size);
    if (count && parts.length < 2) parts.push(count + " " + label);
    left -= count * size;
  }
  return parts.join(" ") || "0 s";
}

function number(value) {
  return value == null ? "" : Number(value).toLocaleString(undefined, {maximumFractionDigits: 4});
}

// A link to a dbt node's name, with its kind; the unique id on hover.
function nodeName(uniqueId) {
  const [kind, , ...name] = uniqueId.split(".");
  return el("span", {className: "node", title: uniqueId}, el("span", {className: "node-kind"}, kind), " ", name.join("."));
}
