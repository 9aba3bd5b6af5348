// `film inspect --format html`: the report as one self-contained page (no network, no other
// files): the graph by stages with function instances expandable, every node clickable for its
// details, and the plan's memory timeline. The report JSON is embedded and the page's script
// draws everything from it, so the page and `--format json` never disagree.
#include <string>

#include "tools/inspect/inspect.h"

namespace film {
namespace {

const char* kPage = R"PAGE(<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>film inspect</title>
<style>
body{font:13px/1.4 system-ui,sans-serif;margin:0;color:#222;background:#fafafa}
header{padding:10px 16px;background:#243447;color:#fff}
header h1{font-size:17px;margin:0 0 4px}
header .facts span{margin-right:18px;white-space:nowrap}
main{display:flex;gap:12px;padding:12px}
#stages{flex:1;display:flex;gap:8px;align-items:flex-start;overflow-x:auto}
.stage{flex:1;min-width:150px;background:#fff;border:1px solid #ddd;border-radius:6px;padding:6px}
.stage h2{font-size:14px;margin:2px 0 6px;padding:4px 6px;border-radius:4px}
.stage .share{font-weight:normal;color:#555;font-size:12px}
details{margin:2px 0 2px 2px}
summary{cursor:pointer;color:#333}
.node{display:block;padding:1px 6px;margin:1px 0;border-radius:3px;cursor:pointer;
  white-space:nowrap;overflow:hidden;text-overflow:ellipsis;color:#1a4a7a;text-decoration:none}
.node:hover{background:#eef}
.node.selected{background:#1a4a7a;color:#fff}
.node .op{color:#888;font-size:11px;margin-left:4px}
.node.selected .op{color:#dde}
aside{flex:0 0 400px;display:flex;flex-direction:column;gap:12px}
.panel{background:#fff;border:1px solid #ddd;border-radius:6px;padding:8px 10px}
.panel h3{margin:0 0 6px;font-size:14px}
table{border-collapse:collapse;width:100%}
td{padding:2px 4px;vertical-align:top;border-bottom:1px solid #f0f0f0}
td:first-child{color:#666;white-space:nowrap;width:1%}
pre{margin:0;white-space:pre-wrap;font-size:11px}
#timeline svg{width:100%;height:160px}
.muted{color:#888}
</style></head><body>
<header><h1 id="title">film inspect</h1><div class="facts" id="facts"></div></header>
<main><div id="stages"></div>
<aside><div class="panel" id="details"><h3>Details</h3>
<p class="muted">Click a node (or open a function instance) to see its op, attributes, shapes,
weights' statistics, MACs and planned memory.</p></div>
<div class="panel" id="timeline"><h3>Memory timeline</h3></div></aside></main>
<script type="application/json" id="report">@REPORT@</script>
<script>
"use strict";
const R = JSON.parse(document.getElementById("report").textContent);
const STAGES = (R.stages || []).map(s => s.name);
const COLOURS = Object.fromEntries((R.stages || []).map(s => [s.name, s.colour]));
const byName = new Map(R.nodes.map(n => [n.name, n]));
const weights = new Map((R.weights || []).map(w => [w.name, w]));
const el = (tag, attrs, ...kids) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") e.className = v; else if (k === "text") e.textContent = v;
    else e.setAttribute(k, v);
  }
  for (const k of kids) if (k != null) e.append(k);
  return e;
};
const mib = b => (b / 1048576).toFixed(b < 1048576 ? 3 : 1) + " MiB";
const gmac = m => (m / 1e9).toFixed(3) + " GMAC";
const shape = s => s ? "[" + s.join(", ") + "]" : "";

document.getElementById("title").textContent =
    "film inspect: " + (R.graph || "graph") + " (" + R.path + ")";
const facts = [["parameters", R.parameters.toLocaleString("en")],
               ["nodes", R.nodes.length]];
if (R.size) {
  facts.push(["size", R.size.width + "x" + R.size.height +
              (R.size.run_width !== R.size.width || R.size.run_height !== R.size.height
               ? " (runs at " + R.size.run_width + "x" + R.size.run_height + ")" : "")]);
  facts.push(["backend", R.backend], ["MACs", gmac(R.macs)],
             ["planned peak", mib(R.plan.planned_peak_bytes)]);
}
const factsEl = document.getElementById("facts");
for (const [k, v] of facts) factsEl.append(el("span", {}, el("b", {text: k + ": "}), String(v)));

// Stages: top-level nodes, and function instances as expandable groups.
const stagesEl = document.getElementById("stages");
for (const stage of STAGES) {
  const nodes = R.nodes.filter(n => n.stage === stage);
  if (!nodes.length) continue;
  const macs = nodes.reduce((s, n) => s + (n.macs || 0), 0);
  const head = el("h2", {style: "background:" + COLOURS[stage]}, stage + " ",
                  el("span", {class: "share",
                              text: nodes.length + " nodes" +
                                    (R.macs ? ", " + (100 * macs / R.macs).toFixed(0) + "% of MACs" : "")}));
  const sec = el("section", {class: "stage", id: "stage-" + stage}, head);
  const groups = new Map();
  for (const n of nodes) {
    const key = n.instance || "";
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(n);
  }
  for (const [inst, list] of groups) {
    const links = list.map(n => el("a", {class: "node", href: "#node=" + encodeURIComponent(n.name),
                                         "data-name": n.name, title: n.name},
                                   n.name.slice(inst ? inst.length + 1 : 0),
                                   el("span", {class: "op", text: n.op})));
    if (!inst) { sec.append(...links); continue; }
    const m = list.reduce((s, n) => s + (n.macs || 0), 0);
    const d = el("details", {"data-instance": inst},
                 el("summary", {}, inst + " ", el("span", {class: "muted",
                    text: ": " + list[0].function + ", " + list.length + " nodes" +
                          (m ? ", " + gmac(m) : "")})));
    d.append(...links);
    sec.append(d);
  }
  stagesEl.append(sec);
}

function row(k, v) { return el("tr", {}, el("td", {text: k}), el("td", {}, v)); }

function select(name) {
  const n = byName.get(name);
  const panel = document.getElementById("details");
  panel.replaceChildren(el("h3", {text: n ? n.name : "no node '" + name + "'"}));
  for (const a of document.querySelectorAll(".node.selected")) a.classList.remove("selected");
  if (!n) return;
  for (const a of document.querySelectorAll(".node")) if (a.dataset.name === name) {
    a.classList.add("selected");
    const d = a.closest("details"); if (d) d.open = true;
    a.scrollIntoView({block: "nearest"});
  }
  const t = el("table", {id: "node-details", "data-node": n.name});
  t.append(row("op", n.op), row("stage", n.stage));
  if (n.instance) t.append(row("function", n.instance + " : " + n.function));
  if (n.shape) t.append(row("output", n.outputs.join(", ") + " " + shape(n.shape)));
  const ins = el("div");
  for (const i of n.inputs) {
    const w = weights.get(i), p = byName.get(i);
    let text = i;
    if (w) {
      text += " (weight " + shape(w.shape);
      if (w.stats) text += "; min " + w.stats.min.toPrecision(3) + ", max " + w.stats.max.toPrecision(3) +
                           ", mean " + w.stats.mean.toPrecision(3) + ", std " + w.stats.std.toPrecision(3) +
                           ", NaN " + w.stats.nan + ", Inf " + w.stats.inf;
      text += ")";
    }
    ins.append(el("div", {text}));
  }
  t.append(row("inputs", ins));
  if (Object.keys(n.attrs || {}).length) t.append(row("attrs", el("pre", {text: JSON.stringify(n.attrs)})));
  if (n.macs !== undefined) t.append(row("MACs", n.macs ? gmac(n.macs) : "0"));
  if (n.fused_into) t.append(row("runs in", "node " + n.fused_into + " (fused)"));
  if (n.step !== undefined) t.append(row("step", String(n.step) + (n.elided ? " (nothing to do)" : "")));
  if (n.memory) {
    const m = n.memory;
    let text = m.role + ", " + m.layout + ", " + mib(m.bytes);
    if (m.arena_offset !== undefined) text += " at arena offset " + m.arena_offset.toLocaleString("en");
    if (m.view_of) text += ", a view of " + m.view_of;
    t.append(row("memory", text));
  }
  if (n.scratch_bytes) t.append(row("scratch", mib(n.scratch_bytes)));
  if (n.pruned) t.append(row("plan", "pruned: no output needs it"));
  panel.append(t);
  drawTimeline(n.step);
}

function drawTimeline(step) {
  const box = document.getElementById("timeline");
  box.replaceChildren(el("h3", {text: "Memory timeline"}));
  if (!R.steps) { box.append(el("p", {class: "muted", text: "Plan at a size (--size WxH) to see it."})); return; }
  const live = R.steps.map(s => s.live_bytes), peak = Math.max(1, ...live);
  const W = 600, H = 150, n = live.length;
  const x = i => (i + 0.5) * W / n, y = b => H - 14 - (H - 24) * b / peak;
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", "0 0 " + W + " " + H);
  svg.setAttribute("preserveAspectRatio", "none");
  const line = document.createElementNS(ns, "polyline");
  line.setAttribute("points", live.map((b, i) => x(i) + "," + y(b)).join(" "));
  line.setAttribute("fill", "none"); line.setAttribute("stroke", "#1a4a7a"); line.setAttribute("stroke-width", "1.5");
  svg.append(line);
  if (step !== undefined) {
    const mark = document.createElementNS(ns, "line");
    for (const [k, v] of [["x1", x(step)], ["x2", x(step)], ["y1", 0], ["y2", H - 14]]) mark.setAttribute(k, v);
    mark.setAttribute("stroke", "#c0392b"); mark.setAttribute("id", "timeline-mark");
    svg.append(mark);
  }
  box.append(svg, el("div", {class: "muted",
      text: "live intermediates over " + n + " steps; peak " + mib(peak) + " of an arena of " +
            mib(R.plan.arena_bytes) + (step !== undefined ? "; red: step " + step + " (" +
            R.steps[step].label + "), " + mib(live[step]) + " live" : "")}));
}

document.getElementById("stages").addEventListener("click", e => {
  const a = e.target.closest(".node");
  if (!a) return;
  e.preventDefault();
  history.replaceState(null, "", "#node=" + encodeURIComponent(a.dataset.name));
  select(a.dataset.name);
});
function fromHash() {
  const m = location.hash.match(/^#node=(.*)$/);
  if (m) select(decodeURIComponent(m[1]));
}
window.addEventListener("hashchange", fromHash);
drawTimeline();
fromHash();
document.body.setAttribute("data-ready", "1");
</script></body></html>
)PAGE";

}  // namespace

std::string inspect_html(const nlohmann::ordered_json& report) {
  // The JSON goes inside a <script> element, where "</script", "<!--" and "<script" change how
  // the page parses: '<', '>' and '&' (which JSON has only inside strings) are written as \u003c,
  // \u003e and \u0026, the same strings to JSON.parse. The page's script shows every text with
  // textContent, never as markup.
  std::string json;
  for (char c : report.dump()) {
    if (c == '<')
      json += "\\u003c";
    else if (c == '>')
      json += "\\u003e";
    else if (c == '&')
      json += "\\u0026";
    else
      json += c;
  }
  std::string page = kPage;
  page.replace(page.find("@REPORT@"), 8, json);
  return page;
}

}  // namespace film
