// The parzen dashboard page: the study list and one study's plots and trials table.
// The page reads the JSON API of parzen/dashboard/app.py and polls it for changes once a second.
"use strict";

const POLL_MS = 1000;
const STATES = ["COMPLETE", "PRUNED", "FAIL", "RUNNING", "WAITING"];

const view = {
  study: null,          // name of the study shown, null on the list
  revision: null,       // revision of what is drawn
  columns: [],
  sort: "number",
  order: "desc",
  offset: 0,
  timer: null,
  generation: 0,        // counts the views shown; each has its own poll loop
};

function $(id) { return document.getElementById(id); }

// plotly.js (4.8 MB, from the installed plotly package) loads when the first plot is about to be
// drawn, after the tables are shown: they do not wait for it to download and compile.
let plotlyLoading = null;

function plotlyReady() {
  if (plotlyLoading === null) {
    plotlyLoading = new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = "/static/plotly.min.js";
      script.onload = resolve;
      script.onerror = () => { plotlyLoading = null; reject(new Error("plotly.js did not load")); };
      document.head.append(script);
    });
  }
  return plotlyLoading;
}

async function getJSON(url) {
  const response = await fetch(url, {cache: "no-store"});
  const body = await response.json().catch(() => ({error: response.status + " " + response.statusText}));
  if (!response.ok) { throw new Error(body.error || response.statusText); }
  return body;
}

function studyURL(name) { return "/api/studies/" + encodeURIComponent(name); }

function formatValue(value) {
  if (value === null || value === undefined) { return ""; }
  if (typeof value === "number") {
    if (Number.isInteger(value)) { return String(value); }
    const abs = Math.abs(value);
    return (abs !== 0 && (abs < 1e-4 || abs >= 1e6)) ? value.toExponential(4) : String(+value.toPrecision(6));
  }
  if (typeof value === "object") { return JSON.stringify(value); }
  return String(value);
}

function cell(tag, text, className) {
  const el = document.createElement(tag);
  el.textContent = text;
  if (className) { el.className = className; }
  return el;
}

function stateBadge(state) { return cell("span", state.toLowerCase(), "badge state-" + state.toLowerCase()); }

function setLive(ok, text) {
  $("live").classList.toggle("offline", !ok);
  $("live-text").textContent = text;
}

function showOnly(id) {
  for (const section of ["studies-view", "study-view", "error-view"]) { $(section).hidden = section !== id; }
}

function setCrumbs(name) {
  const nav = $("crumbs");
  nav.replaceChildren();
  const all = cell("a", "Studies");
  all.href = "#/";
  nav.append(all);
  if (name !== null) { nav.append(cell("span", "/", "sep"), cell("span", name, "current")); }
}

// --- the study list ------------------------------------------------------------------------------
function bestText(study) {
  if (study.n_pareto !== null) { return study.n_pareto + " on the Pareto front"; }
  return study.best === null ? "" : formatValue(study.best);
}

function renderStudies(studies) {
  const body = $("studies-table").tBodies[0];
  body.replaceChildren();
  $("storage-note").textContent = studies.length === 0 ? "No studies in this storage yet."
    : studies.length + (studies.length === 1 ? " study" : " studies") + ". Open one to see its plots and trials.";
  for (const study of studies) {
    const row = document.createElement("tr");
    row.className = "study-row";
    const link = cell("a", study.name);
    link.href = "#/study/" + encodeURIComponent(study.name);
    const first = document.createElement("td");
    first.append(link);
    row.append(first, cell("td", study.directions.join(", ")), cell("td", String(study.n_trials), "num"));
    for (const state of STATES) { row.append(cell("td", String(study.counts[state]), "num")); }
    row.append(cell("td", bestText(study), "num"));
    body.append(row);
  }
}

async function refreshStudies() {
  const data = await getJSON("/api/studies");
  const revision = data.studies.map((s) => s.name + ":" + s.revision).join("|");
  if (revision !== view.revision) {
    view.revision = revision;
    renderStudies(data.studies);
  }
}

// --- one study -----------------------------------------------------------------------------------
function renderCards(study) {
  const cards = $("study-cards");
  cards.replaceChildren();
  const add = (label, value) => {
    const card = cell("div", "", "card");
    card.append(cell("div", label, "label"), cell("div", value, "value"));
    cards.append(card);
  };
  add("directions", study.directions.join(", "));
  add("trials", String(study.n_trials));
  for (const state of ["COMPLETE", "PRUNED", "FAIL", "RUNNING"]) {
    add(state.toLowerCase(), String(study.counts[state]));
  }
  if (study.n_pareto !== null) {
    add("Pareto front", study.n_pareto + " trials");
  } else {
    add("best value", study.best === null ? "none yet" : formatValue(study.best) + "  (#" + study.best_number + ")");
  }
}

function humanize(id) {
  const [kind, target] = id.split("-");
  const text = kind.replace(/_/g, " ");
  return text.charAt(0).toUpperCase() + text.slice(1) + (target === undefined ? "" : " (objective " + target + ")");
}

// Only the plots on screen, or about to be, are drawn: in a study of 10,000 trials a plot takes
// seconds to draw, and one out of sight would only hold up the table's live updates. A plot that
// scrolls into view is drawn (again, if the study changed meanwhile) right away.
const onScreen = new IntersectionObserver((entries) => {
  let stale = false;
  for (const entry of entries) {
    entry.target.dataset.onScreen = entry.isIntersecting ? "yes" : "";
    stale = stale || (entry.isIntersecting && entry.target.querySelector(".plot").dataset.revision !== view.revision);
  }
  if (stale) { schedulePlots(true); }
}, {rootMargin: "200px"});

function plotCard(id) {
  let card = $("card-" + id);
  if (card === null) {
    card = cell("div", "", "plot-card");
    card.id = "card-" + id;
    const plot = cell("div", "", "plot");
    plot.id = "plot-" + id;
    card.append(cell("h3", humanize(id)), cell("p", "drawing\u2026", "muted note"), plot);
    onScreen.observe(card);
  }
  return card;
}

function layoutForCard(figure) {
  // The card's heading shows the figure's title; the figure keeps its axes, legend and colours.
  const layout = Object.assign({}, figure.layout || {});
  delete layout.title;
  delete layout.width;
  layout.height = 380;
  layout.autosize = true;
  // Parallel coordinates write their axis names above the plot: they need room at the top.
  const top = (figure.data || []).some((trace) => trace.type === "parcoords") ? 64 : 24;
  layout.margin = Object.assign({l: 64, r: 24, b: 56}, layout.margin || {}, {t: top});
  return layout;
}

// Scatter traces with many points are drawn with WebGL (plotly's scattergl): SVG slows down past a
// few thousand points, and a 10,000-trial study has tens of thousands in a slice plot.
const WEBGL_FROM_POINTS = 2000;
const BYTES = {i1: 1, u1: 1, i2: 2, u2: 2, i4: 4, u4: 4, f4: 4, f8: 8};

function pointCount(values) {
  if (!values) { return 0; }
  if (Array.isArray(values) || ArrayBuffer.isView(values)) { return values.length; }
  if (values.bdata !== undefined) {  // plotly's base64 typed array
    const padding = (values.bdata.match(/=*$/) || [""])[0].length;
    return (values.bdata.length * 3 / 4 - padding) / (BYTES[values.dtype.replace(/^[<>|]/, "")] || 8);
  }
  return 0;
}

function fastTraces(data) {
  return data.map((trace) => ((trace.type === undefined || trace.type === "scatter") &&
    pointCount(trace.x) >= WEBGL_FROM_POINTS ? Object.assign({}, trace, {type: "scattergl"}) : trace));
}

async function drawPlot(name, id) {
  const card = plotCard(id);
  const plot = card.querySelector(".plot");
  const note = card.querySelector(".note");
  let result;
  try {
    result = await getJSON(studyURL(name) + "/plots/" + encodeURIComponent(id));
  } catch (err) {
    if (view.study !== name) { return; }
    card.classList.add("empty");
    note.textContent = "could not draw this plot: " + err.message;
    plot.dataset.revision = view.revision;  // tried at this revision: not again until the study changes
    return;
  }
  if (view.study !== name) { return; }  // the page moved to another study meanwhile
  const title = result.figure.layout && result.figure.layout.title && result.figure.layout.title.text;
  const target = id.split("-")[1];
  const which = target !== undefined && title && !/objective/i.test(title) ? " (objective " + target + ")" : "";
  card.querySelector("h3").textContent = title ? title + which : humanize(id);
  card.classList.remove("empty");
  note.textContent = "";
  await Plotly.react(plot, fastTraces(result.figure.data || []), layoutForCard(result.figure),
                     {responsive: true, displaylogo: false});
  plot.dataset.revision = view.revision;
}

async function drawPlots(name) {
  const list = (await getJSON(studyURL(name) + "/plots")).plots;
  await plotlyReady();
  const container = $("plots");
  const cards = list.map((p) => plotCard(p.id));
  for (const old of Array.from(container.children)) {
    if (!cards.includes(old)) { onScreen.unobserve(old); Plotly.purge(old.querySelector(".plot")); old.remove(); }
  }
  cards.forEach((card) => container.append(card));  // appending an existing card moves it into order
  $("no-plots").hidden = list.length > 0;
  for (const card of cards) {  // one at a time, in page order: the first plots show first
    if (view.study !== name) { return; }
    if (card.dataset.onScreen && card.querySelector(".plot").dataset.revision !== view.revision) {
      await drawPlot(name, card.id.slice("card-".length));
    }
  }
}

// Plots take longer than the table: they are redrawn in the background, one pass at a time, and a
// pass for a changed study waits after the previous one as long as that one took (drawing gets at
// most half the time), so that a new trial reaches the table at the next poll even while a large
// study's plots redraw.
const plotPass = {busy: false, again: false, urgent: false, notBefore: 0, timer: null};

function schedulePlots(urgent = false) {  // urgent: a plot came into view, it does not wait its turn
  if (plotPass.busy) { plotPass.again = true; plotPass.urgent = plotPass.urgent || urgent; return; }
  const wait = urgent ? 0 : plotPass.notBefore - Date.now();
  if (wait > 0) {
    if (plotPass.timer === null) {
      plotPass.timer = setTimeout(() => { plotPass.timer = null; schedulePlots(); }, wait);
    }
    return;
  }
  const name = view.study;
  if (name === null) { return; }
  plotPass.busy = true;
  const started = Date.now();
  drawPlots(name).catch(() => {}).finally(() => {  // a pass for a study left behind stops early
    plotPass.busy = false;
    plotPass.notBefore = view.study === name ? Date.now() + Math.min(30000, Date.now() - started) : 0;
    if (plotPass.again) {
      const urgent = plotPass.urgent;
      plotPass.again = plotPass.urgent = false;
      schedulePlots(urgent);
    }
  });
}

function renderHeader() {
  const head = $("trials-table").tHead;
  head.replaceChildren();
  const row = document.createElement("tr");
  for (const column of view.columns) {
    const th = cell("th", column.label);
    th.dataset.key = column.key;
    th.className = "sortable" + (column.key === "number" || column.key.startsWith("value:") ||
      column.key === "duration" ? " num" : "");
    if (column.key === view.sort) { th.classList.add(view.order === "asc" ? "sorted-asc" : "sorted-desc"); }
    th.title = "sort by " + column.label;
    th.addEventListener("click", () => {
      view.order = view.sort === column.key && view.order === "asc" ? "desc" : "asc";
      view.sort = column.key;
      view.offset = 0;
      renderHeader();
      loadTrials();
    });
    row.append(th);
  }
  head.append(row);
}

function trialCells(trial) {
  const cells = [];
  for (const column of view.columns) {
    const [group, ...rest] = column.key.split(":");
    const key = rest.join(":");
    if (group === "number") { cells.push(cell("td", String(trial.number), "num")); }
    else if (group === "state") { const td = cell("td", ""); td.append(stateBadge(trial.state)); cells.push(td); }
    else if (group === "value") { cells.push(cell("td", formatValue(trial.values ? trial.values[+key] : null), "num")); }
    else if (group === "duration") { cells.push(cell("td", trial.duration_s === null ? "" : trial.duration_s.toFixed(3), "num")); }
    else if (group === "param") { cells.push(cell("td", formatValue(trial.params[key]))); }
    else { cells.push(cell("td", formatValue(trial.user_attrs[key]))); }
  }
  return cells;
}

async function loadTrials() {
  const size = +$("page-size").value;
  const query = new URLSearchParams({offset: view.offset, limit: size, sort: view.sort, order: view.order,
                                     state: $("state-filter").value, q: $("text-filter").value});
  const page = await getJSON(studyURL(view.study) + "/trials?" + query);
  const body = $("trials-table").tBodies[0];
  body.replaceChildren();
  for (const trial of page.trials) {
    const row = document.createElement("tr");
    row.className = "trial-row";
    row.dataset.number = trial.number;
    if (trial.fail_reason) { row.title = trial.fail_reason; }
    row.append(...trialCells(trial));
    body.append(row);
  }
  const last = Math.min(page.offset + page.trials.length, page.matched);
  const filtered = page.matched === page.total ? "" : " (" + page.total.toLocaleString() + " in all)";
  $("page-info").textContent = page.matched === 0 ? "no trials match" + filtered
    : (page.offset + 1).toLocaleString() + "\u2013" + last.toLocaleString() + " of "
      + page.matched.toLocaleString() + filtered;
  $("prev").disabled = page.offset === 0;
  $("next").disabled = last >= page.matched;
}

async function refreshStudy(name) {
  const study = await getJSON(studyURL(name));
  if (view.study !== name) { return; }
  view.revision = study.revision;
  $("study-title").textContent = study.name;
  renderCards(study);
  const keys = study.columns.map((c) => c.key).join("|");
  if (keys !== view.columns.map((c) => c.key).join("|")) {
    view.columns = study.columns;
    if (!view.columns.some((c) => c.key === view.sort)) { view.sort = "number"; }
    renderHeader();
  }
  await loadTrials();
  schedulePlots();
}

async function pollStudy(name) {
  const data = await getJSON(studyURL(name) + "/revision");
  if (data.revision !== view.revision && view.study === name) { await refreshStudy(name); }
}

// --- routing and polling -------------------------------------------------------------------------
async function tick(generation) {
  try {
    if (view.study === null) { await refreshStudies(); } else { await pollStudy(view.study); }
    setLive(true, "live \u00b7 " + new Date().toLocaleTimeString());
  } catch (err) {
    if (view.study !== null && /no study named/.test(err.message)) {
      $("error-text").textContent = err.message;
      showOnly("error-view");
    }
    setLive(false, "no answer from the server");
  }
  if (generation === view.generation) {  // a poll that outlived its view does not start a second loop
    view.timer = setTimeout(() => tick(generation), POLL_MS);
  }
}

function route() {
  clearTimeout(view.timer);
  view.generation += 1;
  const match = /^#\/study\/(.+)$/.exec(location.hash);
  view.study = match ? decodeURIComponent(match[1]) : null;
  view.revision = null;
  view.columns = [];
  view.sort = "number";
  view.order = "desc";  // newest trials first: what a person watching a running study wants to see
  view.offset = 0;
  plotPass.notBefore = 0;
  clearTimeout(plotPass.timer);
  plotPass.timer = null;
  setCrumbs(view.study);
  if (view.study === null) {
    document.title = "parzen dashboard";
    showOnly("studies-view");
  } else {
    document.title = view.study + " \u00b7 parzen dashboard";
    for (const card of $("plots").children) { onScreen.unobserve(card); }
    $("plots").replaceChildren();
    $("trials-table").tHead.replaceChildren();
    $("trials-table").tBodies[0].replaceChildren();
    showOnly("study-view");
  }
  tick(view.generation);
}

function debounce(fn, ms) {
  let timer = null;
  return () => { clearTimeout(timer); timer = setTimeout(fn, ms); };
}

function init() {
  $("prev").addEventListener("click", () => {
    view.offset = Math.max(0, view.offset - +$("page-size").value);
    loadTrials();
  });
  $("next").addEventListener("click", () => { view.offset += +$("page-size").value; loadTrials(); });
  for (const id of ["state-filter", "page-size"]) {
    $(id).addEventListener("change", () => { view.offset = 0; loadTrials(); });
  }
  $("text-filter").addEventListener("input", debounce(() => { view.offset = 0; loadTrials(); }, 250));
  window.addEventListener("hashchange", route);
  route();
}

init();
