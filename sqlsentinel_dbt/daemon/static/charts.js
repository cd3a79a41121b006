// One alert's values over time (uPlot, vendored) and its state timeline per instance.

const MOST_SERIES = 20;  // more instances than this: the chart keeps the firing ones first
const PALETTE = ["#1d4ed8", "#b45309", "#047857", "#7c3aed", "#be185d", "#0e7490", "#4d7c0f", "#9f1239", "#475569", "#c2410c"];
const NO_KEY = "(no key)";
const WHOLE_RUN = ["ERROR", "SKIPPED"];  // recorded once for the alert, with no key

function keyOf(point) { return point.key == null ? NO_KEY : point.key; }

// uPlot's data and series for `points` (oldest first): one series per instance, with its
// threshold (dashed) or its expected range (a band) beside it.
function chartData(points) {
  const valued = points.filter(p => p.actual_value != null || p.threshold != null || p.lower != null);
  const times = [...new Set(valued.map(p => Date.parse(p.started_at) / 1000))].sort((a, b) => a - b);
  const at = new Map(times.map((t, i) => [t, i]));
  const keys = shownKeys(valued, MOST_SERIES);
  const column = () => new Array(times.length).fill(null);
  const data = [times], series = [{label: "time"}], bands = [];
  const thresholds = new Map(), shared = column();
  let oneThreshold = true;
  for (const p of valued) {
    if (p.threshold == null || p.lower != null) continue;
    const i = at.get(Date.parse(p.started_at) / 1000);
    if (shared[i] != null && shared[i] !== p.threshold) oneThreshold = false;
    shared[i] = p.threshold;
  }
  keys.forEach((key, n) => {
    const colour = PALETTE[n % PALETTE.length];
    const values = column(), limit = column(), lower = column(), upper = column();
    for (const p of valued.filter(p => keyOf(p) === key)) {
      const i = at.get(Date.parse(p.started_at) / 1000);
      values[i] = p.actual_value;
      if (p.lower != null) { lower[i] = p.lower; upper[i] = p.upper; } else limit[i] = p.threshold;
    }
    const label = keys.length === 1 && key === NO_KEY ? "value" : key;
    data.push(values);
    series.push({label, stroke: colour, width: 2, spanGaps: true, points: {show: true, size: 5}});
    if (lower.some(v => v != null)) {
      data.push(lower, upper);
      series.push({label: "lower " + label, stroke: colour, width: 1, dash: [2, 3], spanGaps: true, points: {show: false}});
      series.push({label: "upper " + label, stroke: colour, width: 1, dash: [2, 3], spanGaps: true, points: {show: false}});
      bands.push({series: [data.length - 1, data.length - 2], fill: colour + "1f"});
    }
    if (!oneThreshold && limit.some(v => v != null)) {
      thresholds.set(key, limit);
      data.push(limit);
      series.push({label: "threshold " + label, stroke: colour, width: 1, dash: [6, 4], spanGaps: true, points: {show: false}});
    }
  });
  if (oneThreshold && shared.some(v => v != null)) {
    data.push(shared);
    series.push({label: "threshold", stroke: "#b91c1c", width: 1.5, dash: [6, 4], spanGaps: true, points: {show: false}});
  }
  return {data, series, bands, instances: keys.length, of: new Set(valued.map(keyOf)).size};
}

// At most `most` instances, those whose newest point fires first, then by key.
function shownKeys(points, most) {
  const newest = new Map();
  for (const p of points) if (!WHOLE_RUN.includes(p.status) || !newest.has(keyOf(p))) newest.set(keyOf(p), p);
  const firing = k => (newest.get(k).state === "firing" || newest.get(k).state === "recovering") ? 0 : 1;
  return [...newest.keys()].sort((a, b) => firing(a) - firing(b) || (a < b ? -1 : a > b ? 1 : 0)).slice(0, most).sort();
}

// Draw the chart of `points` into `box`; returns the uPlot instance (or null with no values).
function drawChart(box, points, title) {
  const {data, series, bands, instances, of} = chartData(points);
  box.replaceChildren();
  box.dataset.series = String(instances);
  if (data[0].length === 0) { box.append(el("p", {className: "muted"}, "No values recorded yet.")); return null; }
  if (of > instances) box.append(el("p", {className: "muted"}, "Showing " + instances + " of " + of + " instances, firing ones first; the results below list them all."));
  const width = Math.max(320, box.clientWidth || 800);
  const options = {
    title, width, height: 280, series, bands,
    scales: {x: {time: true}},
    axes: [{label: "time (your time zone)"}, {label: "actual_value", size: 70}],
    legend: {live: true},
    cursor: {focus: {prox: 16}},
  };
  box.setAttribute("role", "group");
  box.setAttribute("aria-label", title + ": " + instances + (instances === 1 ? " series" : " series, one per instance") + "; the values are in the results table below");
  return new uPlot(options, data, box);
}

// Each instance's states over time, from its evaluations and the silences that held it.
// A run that erred or was skipped as a whole belongs to every instance's timeline.
function timelineSegments(points, silences, until) {
  const whole = p => p.key == null && WHOLE_RUN.includes(p.status);
  const instances = points.filter(p => !whole(p));
  const keys = shownKeys(instances.length ? instances : points, MOST_SERIES);
  const rows = [];
  for (const key of keys) {
    const evaluations = points.filter(p => keyOf(p) === key || (whole(p) && instances.length));
    const spans = [];
    let state = "ok";
    evaluations.forEach((p, i) => {
      state = p.status === "ERROR" ? "error" : (p.state || state);
      const from = Date.parse(p.started_at);
      const next = i + 1 < evaluations.length ? Date.parse(evaluations[i + 1].started_at) : until;
      spans.push(...silenced(from, Math.max(next, from + 1), state, key, silences));
    });
    if (spans.length) rows.push({key, spans: merged(spans)});
  }
  return rows;
}

// One span [from, to) in `state`, cut where a silence of this instance held it.
function silenced(from, to, state, key, silences) {
  const cuts = new Set([from, to]);
  const applying = silences.filter(s => s.alert_key == null || s.alert_key === key);
  for (const s of applying) {
    const start = Date.parse(s.starts_at), end = Date.parse(s.ends_at);
    if (start > from && start < to) cuts.add(start);
    if (end > from && end < to) cuts.add(end);
  }
  const edges = [...cuts].sort((a, b) => a - b);
  const spans = [];
  for (let i = 0; i + 1 < edges.length; i++) {
    const held = state !== "ok" && applying.some(s => Date.parse(s.starts_at) <= edges[i] && edges[i] < Date.parse(s.ends_at));
    spans.push({from: edges[i], to: edges[i + 1], state: held ? "silenced" : state});
  }
  return spans;
}

function merged(spans) {
  const out = [];
  for (const s of spans) {
    const last = out[out.length - 1];
    if (last && last.state === s.state && last.to === s.from) last.to = s.to;
    else out.push({...s});
  }
  return out;
}

// The timeline as one bar per instance: each span's width is its share of the period.
function drawTimeline(box, points, silences, until) {
  const rows = timelineSegments(points, silences, until);
  box.replaceChildren();
  if (!rows.length) { box.append(el("p", {className: "muted"}, "Not evaluated yet.")); return; }
  const start = Math.min(...rows.map(r => r.spans[0].from));
  const total = Math.max(1, until - start);
  for (const {key, spans} of rows) {
    const bar = el("div", {className: "timeline-bar", role: "list", "aria-label": "states of " + key});
    for (const span of spans) {
      const text = span.state + " from " + absolute.format(new Date(span.from)) + " to " + absolute.format(new Date(span.to));
      const piece = el("span", {className: "span state-bg-" + span.state, role: "listitem", title: text, "aria-label": text});
      piece.style.width = Math.max(0.2, (span.to - span.from) / total * 100) + "%";
      bar.append(piece);
    }
    box.append(el("div", {className: "timeline-row"}, el("span", {className: "timeline-key"}, key), bar));
  }
  const legend = el("p", {className: "timeline-legend"}, ["ok", "pending", "firing", "recovering", "silenced", "error"].map(
    s => el("span", {}, el("span", {className: "swatch state-bg-" + s, "aria-hidden": "true"}), " " + s)));
  box.append(legend, el("p", {className: "muted"}, "From " + absolute.format(new Date(start)) + " to " + absolute.format(new Date(until)) + "."));
}
