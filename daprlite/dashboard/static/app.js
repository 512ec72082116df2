// daprlite dashboard: a hash-routed page that polls the dashboard's own JSON API every second.
// No framework and no build: DOM nodes are made with el(), text always through textContent,
// so nothing a message carries is ever read as HTML.
"use strict";

const POLL_MS = 1000;
const TAIL_ROWS = 200;

// ---- small helpers -------------------------------------------------------------------------

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "class") node.className = value;
    else if (name === "text") node.textContent = value;
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function $(id) {
  return document.getElementById(id);
}

async function getJSON(url) {
  const response = await fetch(url, { cache: "no-store" });
  const doc = await response.json();
  if (!response.ok) throw new Error(doc.error || `${url} answered ${response.status}`);
  return doc;
}

function dash(value) {
  return value === null || value === undefined || value === "" ? "—" : value;
}

function fixed(value, digits) {
  return value === null || value === undefined ? "—" : Number(value).toFixed(digits);
}

function count(value) {
  return value === null || value === undefined ? "—" : String(Math.round(value));
}

// `dapr list`'s AGE: the largest unit only.
function age(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}

function clock(unixSeconds) {
  return new Date(unixSeconds * 1000).toLocaleTimeString([], { hour12: false });
}

// Replace a <select>'s options only when they changed, keeping the user's choice.
function setOptions(select, options, keepFirst = false) {
  const wanted = options.map(([value, label]) => `${value}\u0000${label}`).join("\u0001");
  if (select.dataset.options === wanted) return;
  const chosen = select.value;
  const fixedOptions = keepFirst ? [select.options[0]] : [];
  select.replaceChildren(
    ...fixedOptions,
    ...options.map(([value, label]) => el("option", { value, text: label })),
  );
  select.dataset.options = wanted;
  if ([...select.options].some((o) => o.value === chosen)) select.value = chosen;
  select.dispatchEvent(new Event("change"));
}

// ---- Apps ----------------------------------------------------------------------------------

let appsCache = [];

async function refreshApps() {
  const doc = await getJSON("/api/apps");
  appsCache = doc.apps;
  $("apps-empty").hidden = doc.apps.length > 0;
  $("apps-body").replaceChildren(...doc.apps.map((app) => appRow(app, doc.now)));
}

function appRow(app, now) {
  const running = app.status === "running";
  return el(
    "tr",
    { "data-testid": "app-row", "data-app-id": app.appId },
    el("td", { "data-testid": "app-id", text: app.appId }),
    el("td", { text: app.httpPort }),
    el("td", { text: app.grpcPort }),
    el("td", { text: app.appPort || "—" }),
    el("td", { text: app.metricsPort || "off", title: app.metricsError || null }),
    el("td", { class: "command", text: dash(app.command) }),
    el("td", { text: age(now - app.created) }),
    el(
      "td",
      { "data-testid": "app-status" },
      el("span", {
        class: `badge ${running ? "badge-OK" : "badge-STOP"}`,
        text: app.status,
        title: app.error || null,
      }),
    ),
    el(
      "td",
      {},
      el(
        "ul",
        { class: "plain" },
        app.components.map((c) =>
          el("li", {
            "data-testid": "component",
            title: c.file || null,
            text: c.scopes.length ? `${c.label} · scopes: ${c.scopes.join(", ")}` : c.label,
          }),
        ),
      ),
    ),
    el(
      "td",
      { "data-testid": "init-errors" },
      app.initErrors.length
        ? el("ul", { class: "plain error" }, app.initErrors.map((e) => el("li", { text: `${e.name} (${e.type}): ${e.error}` })))
        : "—",
    ),
    el("td", {}, el("a", { href: `#log/${encodeURIComponent(app.key)}`, "data-testid": "log-link", text: "log" })),
  );
}

// ---- Bindings and the send form -------------------------------------------------------------

async function refreshBindings() {
  const [doc] = await Promise.all([getJSON("/api/bindings"), refreshApps()]);
  $("bindings-body").replaceChildren(...doc.bindings.map(bindingRow));
  updateSendChoices();
}

function bindingRow(b) {
  const input = b.direction === "input";
  return el(
    "tr",
    {
      "data-testid": "binding-row",
      "data-app-id": b.appId,
      "data-binding": b.binding,
      "data-direction": b.direction,
    },
    el("td", { text: b.appId }),
    el("td", { text: b.binding }),
    el("td", { text: b.direction }),
    el("td", { "data-testid": "rate", class: "num", text: b.metricsEnabled ? fixed(b.perSecond, 1) : "metrics off" }),
    el("td", { "data-testid": "p50", class: "num", text: fixed(b.p50Ms, 2) }),
    el("td", { "data-testid": "p95", class: "num", text: fixed(b.p95Ms, 2) }),
    el("td", { "data-testid": "errors-window", class: b.errorsWindow > 0 ? "num error" : "num", text: count(b.errorsWindow) }),
    el("td", { "data-testid": "errors", class: "num", text: count(b.errorsTotal) }),
    el("td", { "data-testid": "total", class: "num", text: count(b.total) }),
    el("td", { "data-testid": "retries", class: "num", text: input ? count(b.retries) : "" }),
    el("td", { "data-testid": "dead-lettered", class: "num", text: input ? count(b.deadLettered) : "" }),
    el("td", { "data-testid": "skipped", class: "num", text: input ? count(b.skipped) : "" }),
  );
}

function outputBindings(app) {
  return app.components.filter((c) => c.capabilities.includes("OUTPUT_BINDING"));
}

function updateSendChoices() {
  const senders = appsCache.filter((a) => outputBindings(a).length > 0);
  setOptions($("send-app"), senders.map((a) => [a.key, a.appId]));
}

function updateSendBindings() {
  const app = appsCache.find((a) => a.key === $("send-app").value);
  setOptions($("send-binding"), app ? outputBindings(app).map((c) => [c.name, c.label]) : []);
}

async function submitSend(event) {
  event.preventDefault();
  const button = event.submitter || $("send-form").querySelector("button");
  button.disabled = true;
  $("send-response").hidden = false;
  $("send-status").textContent = "sending…";
  $("send-body").textContent = "";
  $("send-metadata-out").replaceChildren();
  try {
    const response = await fetch("/api/send", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        app: $("send-app").value,
        binding: $("send-binding").value,
        operation: $("send-operation").value,
        data: $("send-data").value,
        metadata: $("send-metadata").value,
      }),
    });
    const doc = await response.json();
    if (!response.ok) {
      $("send-status").textContent = `not sent: ${doc.error}`;
      return;
    }
    $("send-status").textContent = String(doc.status);
    $("send-body").textContent = doc.body + (doc.truncated ? "\n…" : "");
    $("send-metadata-out").replaceChildren(
      ...Object.entries(doc.metadata).map(([k, v]) => el("tr", {}, el("th", { text: k }), el("td", { text: v }))),
    );
  } catch (error) {
    $("send-status").textContent = `not sent: ${error.message}`;
  } finally {
    button.disabled = false;
  }
}

// ---- Partitions ----------------------------------------------------------------------------

async function refreshPartitions() {
  const doc = await getJSON("/api/partitions");
  $("partitions-body").replaceChildren(...doc.partitions.map(partitionRow));
  $("dead-letters-body").replaceChildren(...doc.deadLetters.map(deadLetterRow));
}

function partitionRow(p) {
  const held = p.retrying
    ? `offset ${p.retrying.offset}, ${p.retrying.attempts} attempts, ${fixed(p.retrying.waitingSeconds, 0)} s: ${p.retrying.lastError}`
    : "";
  return el(
    "tr",
    {
      "data-testid": "partition-row",
      "data-app-id": p.appId,
      "data-binding": p.binding,
      "data-topic": p.topic,
      "data-partition": p.partition,
    },
    el("td", { text: p.appId }),
    el("td", { text: p.binding }),
    el("td", { text: dash(p.group) }),
    el("td", { text: p.topic }),
    el("td", { class: "num", text: p.partition }),
    el("td", { "data-testid": "position", class: "num", text: dash(p.position) }),
    el("td", { "data-testid": "end", class: "num", text: dash(p.end) }),
    el("td", { "data-testid": "lag", class: "num", text: dash(p.lag) }),
    el("td", {}, el("span", { "data-testid": "partition-status", class: `badge badge-${p.status}`, text: p.status })),
    el("td", { "data-testid": "held-up", class: "error", text: p.unreported ? "no longer reported" : held }),
  );
}

function deadLetterRow(d) {
  return el(
    "tr",
    { "data-testid": "dead-letter-row" },
    el("td", { text: d.time ? clock(d.time) : "—" }),
    el("td", { text: d.appId }),
    el("td", { text: d.binding }),
    el("td", { text: d.deadLetterTopic }),
    el("td", { text: `${d.topic}/${d.partition}@${d.offset}` }),
    el("td", { text: dash(d.key) }),
    el("td", { class: "num", text: dash(d.attempts) }),
    el("td", { class: "error", text: dash(d.error) }),
  );
}

// ---- Tail ----------------------------------------------------------------------------------

const tail = { app: "", after: 0, rows: [] };

async function refreshTail() {
  await refreshApps();
  const tailing = appsCache.filter((a) => a.metricsPort);
  setOptions($("tail-app"), tailing.map((a) => [a.key, a.appId]));
  const app = appsCache.find((a) => a.key === $("tail-app").value);
  if (!app) return;
  setOptions(
    $("tail-binding"),
    app.components.filter((c) => c.type.startsWith("bindings.")).map((c) => [c.name, c.name]),
    true,
  );
  if (tail.app !== app.key) Object.assign(tail, { app: app.key, after: 0, rows: [] });
  try {
    const doc = await getJSON(`/api/tail?app=${encodeURIComponent(app.key)}&after=${tail.after}`);
    $("tail-error").textContent = "";
    tail.after = doc.next;
    tail.rows = doc.messages.reverse().concat(tail.rows).slice(0, TAIL_ROWS);
  } catch (error) {
    $("tail-error").textContent = error.message;
  }
  const binding = $("tail-binding").value;
  const shown = tail.rows.filter((m) => !binding || m.binding === binding);
  $("tail-body").replaceChildren(...shown.map(tailRow));
}

function tailRow(m) {
  const headers = Object.entries(m.headers || {}).map(([k, v]) => `${k}: ${v}`).join("\n");
  const where = m.partition === null || m.partition === undefined ? "—" : `${m.topic || ""}/${m.partition}@${dash(m.offset)}`;
  return el(
    "tr",
    { "data-testid": "tail-row", "data-binding": m.binding, "data-direction": m.direction, class: m.ok ? "" : "failed" },
    el("td", { text: clock(m.time) }),
    el("td", { text: m.binding }),
    el("td", { text: m.direction === "output" ? `out ${m.operation}` : "in" }),
    el("td", { "data-testid": "tail-key", text: dash(m.key) }),
    el("td", { text: where }),
    el("td", {}, el("pre", { class: "headers", "data-testid": "tail-headers", text: headers })),
    el("td", {}, el("pre", { class: "value", "data-testid": "tail-value", text: m.value, title: `${m.size} bytes` })),
    el("td", { "data-testid": "tail-result", class: m.ok ? "" : "error", text: m.ok ? "ok" : m.error || "failed" }),
    el("td", { class: "num", text: m.attempt }),
    el("td", { class: "num", text: fixed(m.durationMs, 2) }),
    el("td", {}, m.traceId ? el("a", { href: `#traces/${m.traceId}`, "data-testid": "tail-trace", text: m.traceId.slice(0, 8) }) : "—"),
  );
}

// ---- Traces --------------------------------------------------------------------------------

async function refreshTraces(traceId) {
  const doc = await getJSON("/api/traces");
  $("traces-apps").textContent = doc.apps.length
    ? "Tracing: " + doc.apps.map((a) => `${a.appId} ${a.tracing ? "on" : "off"}`).join(", ") +
      ". Spans are kept in each sidecar's memory (the last 1024); tracing needs --config with spec.tracing.samplingRate."
    : "No app is running.";
  $("traces-body").replaceChildren(...doc.traces.map(traceRow));
  $("waterfall").hidden = !traceId;
  if (traceId) await refreshWaterfall(traceId);
}

function traceRow(t) {
  return el(
    "tr",
    {
      "data-testid": "trace-row",
      "data-trace-id": t.traceId,
      class: t.error ? "clickable failed" : "clickable",
      onclick: () => { location.hash = `#traces/${t.traceId}`; },
    },
    el("td", { text: clock(t.startUnixNano / 1e9) }),
    el("td", {}, el("a", { href: `#traces/${t.traceId}`, text: t.root })),
    el("td", { text: t.services.join(" → ") }),
    el("td", { class: "num", text: fixed(t.durationMs, 2) }),
    el("td", { class: "num", text: t.spans }),
  );
}

async function refreshWaterfall(traceId) {
  let doc;
  try {
    doc = await getJSON(`/api/traces/${encodeURIComponent(traceId)}`);
  } catch (error) {
    $("waterfall-title").textContent = `Trace ${traceId}: ${error.message}`;
    $("waterfall-rows").replaceChildren();
    return;
  }
  const total = Math.max(doc.summary.durationMs, 0.001);
  $("waterfall-title").textContent =
    `Trace ${traceId} · ${doc.summary.services.join(" → ")} · ${fixed(doc.summary.durationMs, 2)} ms`;
  $("waterfall-rows").replaceChildren(
    ...doc.spans.map((span) => {
      const bar = el("div", { class: `bar ${span.status === "ERROR" ? "bar-error" : ""} kind-${span.kind}` });
      // Set through the CSSOM: the page's Content-Security-Policy forbids inline styles.
      bar.style.left = `${(span.offsetMs / total) * 100}%`;
      bar.style.width = `${Math.max((span.durationMs / total) * 100, 0.5)}%`;
      const label = el("div", { class: "span-label", text: span.label, title: attributesText(span) });
      label.style.paddingLeft = `${span.depth * 1.2}em`;
      return el(
        "div",
        { class: "span-row", "data-testid": "trace-bar", "data-service": span.serviceName, "data-name": span.name, "data-depth": span.depth },
        label,
        el("div", { class: "track" }, bar),
      );
    }),
  );
}

function attributesText(span) {
  return Object.entries(span.attributes || {}).map(([k, v]) => `${k}=${v}`).join("\n");
}

// ---- Log -----------------------------------------------------------------------------------

const logView = { key: "", after: 0, lines: [] };

async function refreshLog(key) {
  if (logView.key !== key) Object.assign(logView, { key, after: 0, lines: [] });
  const doc = await getJSON(`/api/log?app=${encodeURIComponent(key)}&after=${logView.after}`);
  const app = appsCache.find((a) => a.key === key);
  $("log-title").textContent = `Log of ${app ? app.appId : key}`;
  $("log-source").textContent = doc.error || (doc.source === "sidecar" ? "the app's output, kept by its sidecar (last 1000 lines)" : doc.source);
  logView.after = doc.next;
  logView.lines = logView.lines.concat(doc.lines.map((l) => l.text)).slice(-1000);
  const pre = $("log-lines");
  const atBottom = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 4;
  pre.textContent = logView.lines.join("\n");
  if (atBottom) pre.scrollTop = pre.scrollHeight;
}

// ---- routing and the poll loop -------------------------------------------------------------

const refreshers = {
  apps: refreshApps,
  bindings: refreshBindings,
  partitions: refreshPartitions,
  tail: refreshTail,
  traces: refreshTraces,
  log: async (key) => { if (!appsCache.length) await refreshApps(); await refreshLog(key); },
};

let generation = 0;

function route() {
  const [tab, ...rest] = (location.hash.slice(1) || "apps").split("/");
  const view = tab in refreshers ? tab : "apps";
  const arg = rest.length ? decodeURIComponent(rest.join("/")) : "";
  for (const section of document.querySelectorAll("[data-view]")) section.hidden = section.dataset.view !== view;
  for (const link of document.querySelectorAll("nav a")) link.classList.toggle("active", link.dataset.tab === view);
  const mine = ++generation;
  const tick = async () => {
    if (mine !== generation) return;
    try {
      await refreshers[view](arg);
      setLive(true);
    } catch (error) {
      setLive(false, error.message);
    }
    if (mine === generation) setTimeout(tick, POLL_MS);
  };
  tick();
}

function setLive(ok, why = "") {
  const live = $("live");
  live.textContent = ok ? `live · ${new Date().toLocaleTimeString([], { hour12: false })}` : `not updating: ${why}`;
  live.classList.toggle("down", !ok);
}

document.addEventListener("DOMContentLoaded", () => {
  $("send-form").addEventListener("submit", submitSend);
  $("send-app").addEventListener("change", updateSendBindings);
  window.addEventListener("hashchange", route);
  route();
});
