// brain-db studio: the page. Plain JavaScript over the JSON API under /api/ (see
// docs/studio.md). Every value travels as text (or null) and is cast by the server.
"use strict";

const $ = (id) => document.getElementById(id);

const state = {
  readOnly: false,
  tables: [],
  table: null,        // structure of the open table
  sort: null,
  desc: false,
  filters: [],        // {column, op, value}
  cursors: [],        // cursors of the pages before the current one (for Previous)
  cursor: null,       // cursor the current page starts after
  page: null,         // {columns, rows, next}
  selected: null,     // {key, row (full values), referencedBy}
  writes: 0,
};

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") node.className = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else if (k === "text") node.textContent = v;
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

async function api(path, options = {}) {
  const init = { credentials: "same-origin", headers: {}, ...options };
  if (options.body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(options.body);
  }
  const response = await fetch(path, init);
  const text = await response.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = { error: text }; }
  if (!response.ok) {
    const error = new Error((data && data.error) || `${response.status} ${response.statusText}`);
    error.status = response.status;
    throw error;
  }
  return data;
}

function tablePath(t) {
  return `/api/tables/${encodeURIComponent(t.schema)}/${encodeURIComponent(t.name)}`;
}

function qualified(t) {
  return t.schema === "public" ? t.name : `${t.schema}.${t.name}`;
}

function toast(text, bad = false) {
  const node = $("toast");
  node.textContent = text;
  node.classList.toggle("bad", bad);
}

// ----------------------------------------------------------------------------- tables

function formatCount(estimate) {
  if (!estimate) return "";
  const n = estimate.rows;
  let text = n >= 1e6 ? (n / 1e6).toFixed(n >= 1e7 ? 0 : 1) + "M" : n >= 1e4 ? Math.round(n / 1e3) + "k" : n.toLocaleString("en");
  return estimate.exact ? text : "~" + text;
}

async function loadTables() {
  const data = await api("/api/tables");
  state.readOnly = data.read_only;
  state.tables = data.tables;
  $("mode").replaceChildren(
    data.read_only ? el("span", { class: "pill ro", text: "read-only" }) : el("span", { class: "pill", text: "read-write" }),
  );
  renderTables();
}

function renderTables() {
  const query = $("table-search").value.trim().toLowerCase();
  const box = $("tables");
  box.replaceChildren();
  let schema = null;
  const shown = state.tables.filter((t) => !query || qualified(t).toLowerCase().includes(query));
  if (shown.length === 0) box.append(el("p", { class: "muted pad", text: state.tables.length ? "No table matches." : "No tables in this database." }));
  for (const t of shown) {
    if (t.schema !== schema) {
      schema = t.schema;
      box.append(el("div", { class: "schema-name", text: schema }));
    }
    const active = state.table && state.table.schema === t.schema && state.table.name === t.name;
    box.append(el("a", {
      href: "#", class: "table-link" + (active ? " active" : ""), "data-table": `${t.schema}.${t.name}`,
      title: t.has_primary_key ? qualified(t) : `${qualified(t)} (no primary key: read-only)`,
      onclick: (e) => { e.preventDefault(); openTable(t.schema, t.name); },
    }, el("span", { text: t.name }), t.has_primary_key ? null : el("span", { class: "ro-tag", title: "no primary key: read-only", text: "read-only" }),
    el("span", { class: "count", text: formatCount(t.estimate) })));
  }
}

// ----------------------------------------------------------------------------- a table

async function openTable(schema, name, filters = []) {
  try {
    const structure = await api(tablePath({ schema, name }));
    state.table = structure;
    state.sort = null;
    state.desc = false;
    state.filters = filters;
    state.cursors = [];
    state.cursor = null;
    closeDrawer();
    $("welcome").hidden = true;
    $("view").hidden = false;
    $("table-title").textContent = qualified(structure);
    const info = state.tables.find((t) => t.schema === schema && t.name === name);
    $("table-estimate").textContent = info && info.estimate ? `${formatCount(info.estimate)} rows` : "";
    $("table-lock").hidden = structure.writable;
    $("table-lock").textContent = structure.read_only_reason ? `read-only: ${structure.read_only_reason}` : "";
    $("insert").disabled = !structure.writable;
    $("filter-column").replaceChildren(...structure.columns.map((c) => el("option", { value: c.name, text: c.name })));
    renderStructure();
    renderTables();
    showTab("data");
    await loadPage();
  } catch (e) {
    toast(e.message, true);
  }
}

function viewParams() {
  const params = new URLSearchParams();
  if (state.sort) params.set("sort", state.sort);
  if (state.desc) params.set("desc", "true");
  if (state.filters.length) params.set("filters", JSON.stringify(state.filters));
  return params;
}

async function loadPage() {
  const t = state.table;
  const params = viewParams();
  if (state.cursor) params.set("after", JSON.stringify(state.cursor));
  $("export").href = `${tablePath(t)}/export.csv?${viewParams()}`;
  renderFilters();
  try {
    state.page = await api(`${tablePath(t)}/rows?${params}`);
    renderGrid();
  } catch (e) {
    state.page = { columns: t.columns.map((c) => c.name), rows: [], next: null };
    renderGrid();
    toast(e.message, true);
  }
}

function renderFilters() {
  const box = $("filters");
  const names = { eq: "=", contains: "contains", is_null: "is null", not_null: "is not null", lt: "<", gt: ">" };
  box.replaceChildren(...state.filters.map((f, i) => el("span", { class: "chip" },
    el("code", { text: f.column }), " ", names[f.op], " ",
    f.value === undefined || f.value === null ? null : el("code", { text: JSON.stringify(f.value) }),
    el("button", { type: "button", "aria-label": `Remove filter on ${f.column}`, text: "✕",
      onclick: () => { state.filters.splice(i, 1); state.cursors = []; state.cursor = null; loadPage(); } }))));
}

function columnOf(name) {
  return state.table.columns.find((c) => c.name === name);
}

function renderValue(column, value, truncated) {
  if (value === null) return el("span", { class: "null", text: "NULL" });
  if (value === "") return el("span", { class: "empty", text: "empty" });
  const type = column.type;
  if (column.references) {
    return el("a", { href: "#", class: "fk mono", title: `open ${column.references.table} where ${column.references.column} = ${value}`,
      onclick: (e) => { e.preventDefault(); e.stopPropagation(); followReference(column.references, value); } }, value);
  }
  if (type === "boolean") return el("span", { class: value === "true" ? "bool-true" : "bool-false", text: value === "true" ? "✓ true" : "✗ false" });
  if (type === "json" || type === "jsonb") return el("span", { class: "json", text: value + (truncated ? "…" : "") });
  if (type.endsWith("[]") && !truncated) {
    const items = parseArray(value);
    if (items) return el("span", { class: "arr" }, items.length ? items.map((i) => el("span", { class: "item", text: i === null ? "NULL" : i })) : el("span", { class: "muted", text: "{}" }));
  }
  const mono = /^(uuid|inet|cidr|macaddr|bytea|tid|interval|timestamp|date|time|numeric|integer|bigint|smallint|real|double)/.test(type);
  return el("span", { class: mono ? "mono" : "" , text: value + (truncated ? "…" : "") });
}

// A one-dimensional array literal's items ({a,"b c",NULL}); null when it is not one.
function parseArray(text) {
  if (!text.startsWith("{") || !text.endsWith("}")) return null;
  const inner = text.slice(1, -1);
  if (inner === "") return [];
  const items = [];
  let i = 0;
  while (i < inner.length) {
    let item = "";
    let quoted = false;
    if (inner[i] === "{") return null;
    if (inner[i] === '"') {
      quoted = true;
      i++;
      while (i < inner.length && inner[i] !== '"') {
        if (inner[i] === "\\") i++;
        item += inner[i++];
      }
      i++;
    } else {
      while (i < inner.length && inner[i] !== ",") item += inner[i++];
    }
    items.push(!quoted && item === "NULL" ? null : item);
    if (inner[i] === ",") i++;
  }
  return items;
}

function renderGrid() {
  const t = state.table;
  const page = state.page;
  const head = el("tr", {}, t.columns.map((c) => {
    const sorted = state.sort === c.name;
    const arrow = sorted ? (state.desc ? " ↓" : " ↑") : "";
    return el("th", { scope: "col", "aria-sort": sorted ? (state.desc ? "descending" : "ascending") : "none" },
      el("button", { type: "button", class: "sort", "data-sort": c.name, disabled: !c.ordered,
        title: c.ordered ? `sort by ${c.name}` : `${c.type} has no ordering`,
        onclick: () => sortBy(c.name) },
      el("span", {}, c.primary_key ? el("span", { class: "pk", title: "primary key", text: "PK" }) : "", c.name, el("span", { class: "arrow", text: arrow })),
      el("span", { class: "type", text: c.type })));
  }));
  $("grid").tHead.replaceChildren(head);
  const body = $("grid").tBodies[0];
  body.replaceChildren();
  if (page.rows.length === 0) {
    body.append(el("tr", {}, el("td", { colspan: t.columns.length, class: "muted", text: state.filters.length ? "No row matches the filters." : "No rows." })));
  }
  for (const row of page.rows) {
    const cells = t.columns.map((c, i) => {
      const truncated = row.truncated.includes(i);
      const value = row.values[i];
      const numeric = /^(integer|bigint|smallint|numeric|real|double)/.test(c.type);
      return el("td", { "data-column": c.name, class: numeric ? "num" : "" }, renderValue(c, value, truncated),
        truncated ? el("button", { type: "button", class: "more", text: "more", title: "show the whole value",
          onclick: (e) => { e.stopPropagation(); openRow(row.key, c.name); } }) : null);
    });
    const keyText = row.key ? JSON.stringify(row.key) : "";
    const selected = state.selected && JSON.stringify(state.selected.key) === keyText;
    body.append(el("tr", { tabindex: 0, "data-key": keyText, class: selected ? "selected" : "",
      onclick: () => row.key ? openRow(row.key) : toast("rows of a table without a primary key cannot be opened", true),
      onkeydown: (e) => { if (e.key === "Enter" && row.key) openRow(row.key); } }, cells));
  }
  $("prev").disabled = state.cursors.length === 0;
  $("first").disabled = state.cursors.length === 0;
  $("next").disabled = !page.next;
  const n = state.cursors.length;
  $("page-info").textContent = page.rows.length ? `page ${n + 1} · ${page.rows.length} ${page.rows.length === 1 ? "row" : "rows"}${page.next ? "" : " · last page"}` : "";
}

function sortBy(name) {
  if (state.sort === name) state.desc = !state.desc;
  else { state.sort = name; state.desc = false; }
  state.cursors = [];
  state.cursor = null;
  loadPage();
}

function followReference(ref, value) {
  openTable(ref.schema, ref.table, [{ column: ref.column, op: "eq", value }]);
}

// ----------------------------------------------------------------------------- structure

function renderStructure() {
  const t = state.table;
  $("columns").tBodies[0].replaceChildren(...t.columns.map((c) => el("tr", {},
    el("td", { class: "mono", text: c.name }),
    el("td", { class: "mono", text: c.type + (c.choices ? ` (${c.choices.join(", ")})` : "") }),
    el("td", { text: c.not_null ? "not null" : "" }),
    el("td", { class: "mono", text: c.generated ? `generated: ${c.generated}` : c.identity ? `identity ${c.identity}` : c.default || "" }),
    el("td", {}, c.primary_key ? "primary key" : "", c.references ? `→ ${c.references.table}.${c.references.column}` : ""))));
  $("referenced-by").replaceChildren(...(t.referenced_by.length ? t.referenced_by.map((r) =>
    el("li", {}, el("span", { class: "mono", text: `${r.table}(${r.columns.join(", ")})` }), " → ",
      el("span", { class: "mono", text: `(${r.referenced_columns.join(", ")})` }))) : [el("li", { class: "muted", text: "nothing" })]));
  $("toml").textContent = t.toml;
  renderDrift(t.drift);
}

function renderDrift(drift) {
  const badge = $("table-drift");
  const box = $("drift");
  box.replaceChildren();
  badge.hidden = !drift.checked && !drift.unknown;
  if (drift.unknown) {
    badge.className = "badge";
    badge.textContent = drift.reason;
    return;
  }
  if (!drift.checked) return;
  if (!drift.in_schema_file) {
    badge.className = "badge warn";
    badge.textContent = "not in schema.toml";
    box.append(el("h2", { text: "Drift" }), el("p", { class: "drift-note", text: "This table is not declared in schema.toml: push --force would drop it." }));
    return;
  }
  const drifts = drift.statements.length > 0;
  badge.className = drifts ? "badge warn" : "badge ok";
  badge.textContent = drifts ? "drifts from schema.toml" : "matches schema.toml";
  badge.title = drift.note || "";
  if (drifts) {
    box.append(el("h2", { text: "Drift from schema.toml" }),
      el("p", { class: "drift-note", text: `The live table differs from schema.toml; push would run:${drift.note ? ` (${drift.note})` : ""}` }),
      el("pre", { class: "code drift-sql", text: drift.statements.join("\n") }));
  }
}

function showTab(which) {
  const data = which === "data";
  $("data-pane").hidden = !data;
  $("structure-pane").hidden = data;
  $("tab-data").classList.toggle("active", data);
  $("tab-structure").classList.toggle("active", !data);
  $("tab-data").setAttribute("aria-selected", data);
  $("tab-structure").setAttribute("aria-selected", !data);
}

// ----------------------------------------------------------------------------- a row

function closeDrawer() {
  state.selected = null;
  $("drawer").hidden = true;
  $("drawer-error").hidden = true;
  document.querySelectorAll("#grid tr.selected").forEach((tr) => tr.classList.remove("selected"));
}

function showError(message) {
  const box = $("drawer-error");
  box.textContent = message;
  box.hidden = !message;
  if (message) box.scrollIntoView({ block: "nearest" });
}

async function openRow(key, focusColumn) {
  const t = state.table;
  try {
    const data = await api(`${tablePath(t)}/row?key=${encodeURIComponent(JSON.stringify(key))}`);
    state.selected = { key, row: data.row, referencedBy: data.referenced_by };
    renderGrid();
    renderRowForm(false, focusColumn);
  } catch (e) {
    toast(e.message, true);
  }
}

function newRow() {
  state.selected = { key: null, row: {}, referencedBy: [] };
  renderRowForm(true);
}

// Native pickers for dates and times, used only when the stored text (ISO, as the
// studio's session prints it) fits the picker exactly: otherwise (BC, infinity, a year
// past 9999, more than millisecond precision) the field stays text, so nothing is lost.
const TIME = "(\\d{2}:\\d{2}(?::\\d{2}(?:\\.\\d{1,3})?)?)";
const secondsStep = (v) => { const m = /\.(\d+)/.exec(v || ""); return m ? "0.001" : "1"; };
// The picker's value back as PostgreSQL text: "T" to a space, seconds always written.
const pgTime = (t) => (/^\d{2}:\d{2}$/.test(t) ? `${t}:00` : t);
const PICKERS = {
  date: { type: "date", step: () => null,
    parse: (v) => (/^\d{4}-\d{2}-\d{2}$/.test(v) ? { local: v } : null), text: (v) => v },
  time: { type: "time", step: secondsStep,
    parse: (v) => (new RegExp(`^${TIME}$`).test(v) ? { local: v } : null), text: pgTime },
  timestamp: { type: "datetime-local", step: secondsStep,
    parse: (v) => { const m = new RegExp(`^(\\d{4}-\\d{2}-\\d{2}) ${TIME}$`).exec(v); return m ? { local: `${m[1]}T${m[2]}` } : null; },
    text: (v) => { const [d, t] = v.split("T"); return `${d} ${pgTime(t)}`; } },
  timestamptz: { type: "datetime-local", step: secondsStep,
    parse: (v) => { const m = new RegExp(`^(\\d{4}-\\d{2}-\\d{2}) ${TIME}([+-]\\d{2}(?::\\d{2}){0,2})$`).exec(v); return m ? { local: `${m[1]}T${m[2]}`, offset: m[3] } : null; },
    text: (v) => { const [d, t] = v.split("T"); return `${d} ${pgTime(t)}`; } },
};

// The input for one column; returns {field, read} where read() gives
// {skip} | {value} | {error}.
function fieldFor(column, value, inserting, writable) {
  const id = `field-${column.name}`;
  const locked = !writable || column.generated || column.identity === "always" || (!inserting && column.primary_key);
  let input;
  const kind = column.input;
  const picker = PICKERS[kind];
  if (kind === "boolean") {
    input = el("select", { id, name: column.name }, el("option", { value: "true", text: "true" }), el("option", { value: "false", text: "false" }));
  } else if (kind === "choice") {
    input = el("select", { id, name: column.name }, column.choices.map((v) => el("option", { value: v, text: v })));
    if (value !== null && value !== undefined && !column.choices.includes(value)) input.append(el("option", { value, text: value }));
  } else if (kind === "json" || (value && value.length > 80) || column.type === "text" && value && value.includes("\n")) {
    input = el("textarea", { id, name: column.name, rows: kind === "json" ? 6 : 4, spellcheck: kind !== "json" });
  } else if (picker && (value === null || value === undefined || picker.parse(value))) {
    input = el("input", { id, name: column.name, type: picker.type, step: picker.step(value) });
  } else {
    // Numbers stay text (with a numeric keyboard): type="number" rounds bigint and
    // numeric through a double.
    input = el("input", { id, name: column.name,
      inputmode: kind === "integer" ? "numeric" : kind === "number" ? "decimal" : null });
  }
  const placeholders = { timestamptz: "2026-01-31 09:30:00+00", timestamp: "2026-01-31 09:30:00", date: "2026-01-31", time: "09:30:00", uuid: "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx", array: "{a,b,c}", json: '{"key": "value"}', number: "0", integer: "0" };
  if (placeholders[kind] && input.tagName !== "SELECT" && input.type === "text") input.placeholder = placeholders[kind];
  if (kind === "json" && value) {
    try { value = JSON.stringify(JSON.parse(value), null, 2); } catch { /* shown as stored */ }
  }
  const original = value;
  const usesPicker = input.type === picker?.type;
  // timestamptz: the offset is kept as the server printed it and can be edited beside the
  // picker, so no value is ever shifted into the browser's own time zone.
  const offsetBox = usesPicker && kind === "timestamptz"
    ? el("input", { id: `${id}-offset`, name: `${column.name}-offset`, class: "offset", "aria-label": `${column.name} UTC offset`,
      size: 6, title: "UTC offset, e.g. +00 or -05:30" })
    : null;
  let pickerStart = null;
  if (value !== null && value !== undefined) {
    if (usesPicker) {
      const parts = picker.parse(value);
      input.value = parts.local;
      if (offsetBox) offsetBox.value = parts.offset;
    } else {
      input.value = value;
    }
  } else if (offsetBox) {
    offsetBox.value = "+00";
  }
  if (usesPicker) pickerStart = input.value + (offsetBox ? offsetBox.value : "");
  input.disabled = locked;
  if (offsetBox) offsetBox.disabled = locked;

  const nullable = !column.not_null && !locked;
  const nullBox = nullable ? el("input", { type: "checkbox", id: `${id}-null`, name: `${column.name}-null` }) : null;
  const hasDefault = inserting && (column.default || column.identity || column.generated);
  const defaultBox = hasDefault ? el("input", { type: "checkbox", id: `${id}-default`, name: `${column.name}-default`, checked: true }) : null;
  const invalid = el("div", { class: "invalid", hidden: true });
  const field = el("div", { class: "field", "data-field": column.name },
    el("label", { class: "label", for: id }, column.name, el("span", { class: "type", text: column.type }),
      column.primary_key ? el("span", { class: "tag", text: "primary key" }) : null,
      column.references ? el("span", { class: "tag", text: `→ ${column.references.table}` }) : null),
    el("div", { class: "controls" }, input, offsetBox,
      nullBox ? el("label", { class: "nullbox", for: `${id}-null` }, nullBox, "null") : null,
      defaultBox ? el("label", { class: "nullbox", for: `${id}-default` }, defaultBox, "default") : null),
    hasDefault && column.default ? el("div", { class: "hint", text: `default: ${column.default}` }) : null,
    invalid);
  const sync = () => {
    const isDefault = defaultBox && defaultBox.checked;
    if (nullBox) nullBox.disabled = isDefault;
    input.disabled = locked || isDefault || (nullBox && nullBox.checked);
    if (offsetBox) offsetBox.disabled = input.disabled;
    if (!inserting) field.classList.toggle("changed", JSON.stringify(read().value) !== JSON.stringify(original) && !read().skip);
  };
  if (nullBox) {
    // A new row starts NULL where the column allows it and has no default.
    nullBox.checked = inserting ? !hasDefault : value === null;
    nullBox.addEventListener("change", sync);
  }
  if (defaultBox) defaultBox.addEventListener("change", sync);
  input.addEventListener("input", sync);
  if (offsetBox) offsetBox.addEventListener("input", sync);
  input.addEventListener("change", sync);

  function read() {
    invalid.hidden = true;
    if (locked || (defaultBox && defaultBox.checked)) return { skip: true };
    if (nullBox && nullBox.checked) return { value: null };
    let text = input.value;
    if (usesPicker) {
      // Untouched: exactly what the server printed (sub-seconds and all).
      if (original !== null && original !== undefined && input.value + (offsetBox ? offsetBox.value : "") === pickerStart) return { value: original };
      if (input.value === "") return { error: "pick a value, or tick null" };
      if (offsetBox && !/^[+-]\d{2}(:\d{2}){0,2}$/.test(offsetBox.value)) return { error: "UTC offset like +00, -05:30" };
      text = picker.text(input.value) + (offsetBox ? offsetBox.value : "");
    }
    if (kind === "integer" && text.trim() !== "" && !/^[+-]?\d+$/.test(text.trim())) return { error: "not a whole number" };
    if (kind === "json") {
      try { JSON.parse(text); } catch (e) { return { error: `not valid JSON: ${e.message}` }; }
    }
    if (kind === "number" && text.trim() !== "" && !/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$|^(NaN|[+-]?Infinity)$/.test(text.trim())) {
      return { error: "not a number" };
    }
    return { value: text };
  }
  function showInvalid(message) { invalid.textContent = message; invalid.hidden = false; }
  setTimeout(sync, 0);
  return { field, read, original, showInvalid, input, locked };
}

function renderRowForm(inserting, focusColumn) {
  const t = state.table;
  const sel = state.selected;
  $("drawer").hidden = false;
  showError("");
  $("drawer-title").textContent = inserting ? `New row in ${t.name}` : `${t.name} row`;
  const form = $("row-form");
  const fields = t.columns.map((c) => fieldFor(c, inserting ? null : sel.row[c.name], inserting, t.writable));
  const actions = el("div", { class: "actions" });
  if (t.writable) {
    actions.append(el("button", { type: "submit", id: "save", class: "btn primary", text: inserting ? "Insert row" : "Save changes" }));
    if (!inserting) actions.append(el("button", { type: "button", id: "delete", class: "btn danger", text: "Delete row", onclick: () => deleteRow() }));
  } else {
    actions.append(el("span", { class: "muted", text: `read-only: ${t.read_only_reason}` }));
  }
  // Errors show next to the buttons that caused them.
  form.replaceChildren(...fields.map((f) => f.field), $("drawer-error"), actions);
  form.onsubmit = (e) => {
    e.preventDefault();
    inserting ? insertRow(fields) : saveRow(fields);
  };
  const refs = $("drawer-refs");
  refs.replaceChildren();
  if (!inserting && sel.referencedBy.length) {
    refs.append(el("h2", { text: "Referenced by" }), el("ul", { class: "plain" }, sel.referencedBy.map((r) =>
      el("li", {}, el("a", { href: "#", "data-ref": `${r.schema}.${r.table}`,
        onclick: (e) => { e.preventDefault(); openTable(r.schema, r.table, r.columns.map((c, i) => ({ column: c, op: "eq", value: r.values[i] }))); } },
      `${r.table}`), ` via ${r.columns.join(", ")}: `, el("strong", { text: r.more ? "1000+" : r.count }), r.count === 1 ? " row" : " rows"))));
  }
  const focus = fields.find((f) => f.field.dataset.field === focusColumn) || fields.find((f) => !f.locked);
  if (focus) focus.input.focus();
}

function collect(fields) {
  const values = {};
  let ok = true;
  for (const f of fields) {
    const got = f.read();
    if (got.error) { f.showInvalid(got.error); ok = false; continue; }
    if (got.skip) continue;
    values[f.field.dataset.field] = got.value;
  }
  return ok ? values : null;
}

function logWrite(sql) {
  state.writes++;
  $("log-count").textContent = state.writes;
  const shown = (p) => p.length > 80 ? `${p.slice(0, 80)}… (${p.length} characters)` : p;
  const params = sql.params.map((p, i) => `$${i + 1} = ${p === null ? "NULL" : "'" + shown(p).replaceAll("'", "''") + "'"}`).join(", ");
  $("sql-log").prepend(el("li", {}, sql.text + ";", params ? el("div", { class: "params", text: `-- ${params}` }) : null));
  $("sql-log").hidden = false;
  $("log-toggle").setAttribute("aria-expanded", "true");
}

async function insertRow(fields) {
  const values = collect(fields);
  if (!values) return;
  try {
    const result = await api(`${tablePath(state.table)}/rows`, { method: "POST", body: { values } });
    logWrite(result.sql);
    toast("row inserted");
    const key = Object.fromEntries(state.table.primary_key.map((k) => [k, result.row[k]]));
    await loadPage();
    await openRow(key);
  } catch (e) {
    showError(e.message);
  }
}

async function saveRow(fields) {
  const values = collect(fields);
  if (!values) return;
  const sel = state.selected;
  const set = {};
  for (const [k, v] of Object.entries(values)) {
    const f = fields.find((x) => x.field.dataset.field === k);
    let before = sel.row[k];
    let after = v;
    if (columnOf(k).input === "json" && before !== null && after !== null) {
      try { before = JSON.stringify(JSON.parse(before)); after = JSON.stringify(JSON.parse(after)); } catch { /* compare as typed */ }
    }
    if (before !== after && f) set[k] = v;
  }
  if (Object.keys(set).length === 0) { showError("Nothing changed."); return; }
  try {
    const result = await api(`${tablePath(state.table)}/rows`, { method: "PATCH", body: { key: sel.key, seen: sel.row, set } });
    logWrite(result.sql);
    toast("row updated");
    sel.row = result.row;
    await loadPage();
    renderRowForm(false);
  } catch (e) {
    showError(e.message);
    toast(e.status === 409 ? "refused: the row changed meanwhile" : "write refused", true);
  }
}

async function deleteRow() {
  const sel = state.selected;
  if (!window.confirm(`Delete this row of ${state.table.name}?`)) return;
  try {
    const result = await api(`${tablePath(state.table)}/rows`, { method: "DELETE", body: { key: sel.key, seen: sel.row } });
    logWrite(result.sql);
    toast("row deleted");
    closeDrawer();
    await loadPage();
  } catch (e) {
    showError(e.message);
  }
}

// ----------------------------------------------------------------------------- wiring

document.addEventListener("DOMContentLoaded", () => {
  $("table-search").addEventListener("input", renderTables);
  $("tab-data").addEventListener("click", () => showTab("data"));
  $("tab-structure").addEventListener("click", () => showTab("structure"));
  $("filter-op").addEventListener("change", () => {
    const op = $("filter-op").value;
    $("filter-value").disabled = op === "is_null" || op === "not_null";
  });
  $("filter-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const op = $("filter-op").value;
    const filter = { column: $("filter-column").value, op };
    if (op !== "is_null" && op !== "not_null") filter.value = $("filter-value").value;
    state.filters.push(filter);
    state.cursors = [];
    state.cursor = null;
    $("filter-value").value = "";
    loadPage();
  });
  $("next").addEventListener("click", () => {
    if (!state.page || !state.page.next) return;
    state.cursors.push(state.cursor);
    state.cursor = state.page.next;
    loadPage();
  });
  $("prev").addEventListener("click", () => {
    if (!state.cursors.length) return;
    state.cursor = state.cursors.pop();
    loadPage();
  });
  $("first").addEventListener("click", () => { state.cursors = []; state.cursor = null; loadPage(); });
  $("insert").addEventListener("click", newRow);
  $("drawer-close").addEventListener("click", closeDrawer);
  document.addEventListener("keydown", (e) => { if (e.key === "Escape" && !$("drawer").hidden) closeDrawer(); });
  $("log-toggle").addEventListener("click", () => {
    const log = $("sql-log");
    log.hidden = !log.hidden;
    $("log-toggle").setAttribute("aria-expanded", !log.hidden);
  });
  loadTables().catch((e) => {
    $("tables").replaceChildren(el("p", { class: "error", text: e.message }));
  });
});
