// fcbench report pages: the front page (FC.frontPage) and a variant's page (FC.variantPage) of
// one machine, drawn from window.FCBENCH_DATA (data.js beside the page, written by
// fcbench/report_data.py's payload). Charts are uPlot (vendored in assets/uplot/). Nothing is
// fetched: data.js is a plain <script>, so the pages work from file:// as from a web server.
// Which page to draw is in <main id="page" data-page="front|variant" data-variant="NAME">: the
// pages carry no inline script (their Content-Security-Policy runs the site's script files only).
// Every value from the data (subjects, authors, names, notes: anyone who can push a result can
// write them) goes into the page as text (el's children, setAttribute, textContent), never as
// markup: no innerHTML here.
"use strict";

const FC = (() => {
  const D = () => window.FCBENCH_DATA;
  const charts = [];  // every uPlot on the page, for tests and resizing
  const FAILING = new Set(["FAIL-CORRECTNESS", "CRASHED", "HUNG", "MISSING", "FAIL-SANITIZER", "FAIL-RESOURCES",
                           "FAIL-LATENCY"]);

  // ---- small helpers ------------------------------------------------------------------------
  const el = (tag, attrs = {}, ...children) => {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (k === "class") e.className = v;
      else if (k === "style") Object.assign(e.style, v);  // CSSOM: the CSP refuses style attributes
      else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
      else if (v !== undefined && v !== null) e.setAttribute(k, v);
    }
    for (const c of children.flat(Infinity)) if (c !== null && c !== undefined) e.append(c.nodeType ? c : String(c));
    return e;
  };
  const fmt = v => v === null || v === undefined ? "-" : Math.abs(v) >= 1000 ? v.toFixed(0) : v.toPrecision(4);
  const tick = v => v === null || v === undefined ? "" : Math.abs(v) >= 1000 ? v.toFixed(0) : String(+v.toPrecision(4));
  const ratioText = r => r === null || r === undefined || !isFinite(r) ? "-" : "x" + r.toFixed(3);
  const day = ms => new Date(ms).toISOString().slice(0, 10);
  const short = sha => sha.slice(0, 8);
  const verdictClass = v => !v ? "v-none" : FAILING.has(v) ? "v-fail" : "v-" + v.toLowerCase();
  const variantPage = name => (D().variants.find(v => v.name === name) || {}).page || "index.html";
  const badge = v => el("span", {class: "verdict " + verdictClass(v)}, v || "-");
  const rowKey = r => `${r.variant} ${r.shape}`;
  const lastValue = xs => { for (let i = xs.length - 1; i >= 0; i--) if (xs[i] !== null) return i; return -1; };
  // Why a row moved (fcbench/attribution.py): the words every page uses, defined once in the legend.
  const CAUSES = {
    code: "its code changed (the kernel's unit or the kernel headers differ from the previous commit)",
    environment: "moved with the machine: the recorded environment changed, or the rows whose code did not change moved together (the step's common offset), and this row stayed within its noise band of that offset",
    noise: "neither: within its own noise band",
    unexplained: "outside its noise band with neither its code nor the environment changed (a measurement to repeat)",
    unknown: "outside its noise band; whether its code changed is unknown (a commit the repository lacks)",
  };
  const causeBadge = c => el("span", {class: "cause c-" + (c || "none"), title: CAUSES[c] || ""}, c || "-");
  const envText = e => Object.entries(e.changes).map(([k, [a, b]]) => `${k} ${a ?? "-"} \u2192 ${b ?? "-"}`).join(", ")
    + (e.offset ? `; the unchanged rows moved ${ratioText(e.offset)} together` : "");
  const RESOURCE_NAMES = {registers: "registers", smem_bytes: "shared memory", spill_bytes: "spilled", stack_bytes: "stack frame"};
  const eventChange = e => e.kind === "latency"
    ? `${fmt(e.before)} \u2192 ${fmt(e.after)} us (${ratioText(e.ratio)}, net of the machine ${ratioText(e.net)})`
    : `${RESOURCE_NAMES[e.kind]} ${e.before} \u2192 ${e.after}${e.unit === "registers" ? "" : " " + e.unit}`
      + (e.near_ceiling ? ` (ceiling ${e.ceiling})` : "");

  function commitLink(i, text) {
    const c = D().commits[i];
    const label = text || short(c.sha);
    return c.url ? el("a", {href: c.url, class: "sha"}, label) : el("code", {class: "sha"}, label);
  }

  // ---- the baseline the reader picks: N commits back, a tag, a date or a commit --------------
  // Kept in the URL's hash (#back=10, #tag=v1, #date=2026-11-20, #commit=abcd1234), so a link
  // from the front page to a variant page keeps it.
  function baselineFromHash() {
    const n = D().commits.length;
    const m = location.hash.match(/^#(back|tag|date|commit)=(.+)$/);
    const fallback = {mode: "back", value: String(n - 1 - D().default_baseline), index: D().default_baseline};
    if (!m) return fallback;
    const [, mode, raw] = m, value = decodeURIComponent(raw);
    let index = -1;
    if (mode === "back") index = n - 1 - Math.max(0, Math.min(n - 1, parseInt(value, 10) || 0));
    if (mode === "tag") index = D().commits.findIndex(c => c.tags.includes(value));
    if (mode === "commit") index = D().commits.findIndex(c => c.sha.startsWith(value));
    if (mode === "date") {  // the last commit of that day or before it; the oldest if none
      const end = Date.parse(value + "T23:59:59Z");
      index = Math.max(0, D().commits.reduce((best, c, i) => c.date <= end ? i : best, -1));
    }
    return index < 0 ? fallback : {mode, value, index};
  }

  function baselinePicker(onChange) {
    const commits = D().commits, n = commits.length;
    const tags = commits.flatMap((c, i) => c.tags.map(t => [t, i]));
    const state = baselineFromHash();
    const inputs = {
      back: el("input", {type: "number", min: 0, max: n - 1, value: state.mode === "back" ? state.value : 10}),
      tag: el("select", {}, tags.length ? tags.map(([t]) => el("option", {value: t}, t)) : el("option", {value: ""}, "(no tags)")),
      date: el("input", {type: "date", value: state.mode === "date" ? state.value : day(commits[state.index].date)}),
      commit: el("select", {}, commits.map((c, i) => el("option", {value: short(c.sha)},
        `${i + 1}. ${short(c.sha)} ${day(c.date)} ${c.subject}`.slice(0, 90)))),
    };
    if (state.mode === "tag") inputs.tag.value = state.value;
    inputs.commit.value = short(commits[state.index].sha);
    const mode = el("select", {id: "baseline-mode"}, Object.keys(inputs).map(m => el("option", {value: m},
      {back: "commits back", tag: "tag", date: "date", commit: "commit"}[m])));
    mode.value = state.mode;
    const said = el("span", {id: "baseline-said"});
    const apply = () => {
      for (const [m, input] of Object.entries(inputs)) input.hidden = m !== mode.value;
      const value = inputs[mode.value].value;
      if (value !== "") history.replaceState(null, "", `#${mode.value}=${encodeURIComponent(value)}`);
      const b = baselineFromHash(), c = commits[b.index];
      said.replaceChildren(`commit ${b.index + 1} of ${n}: `, commitLink(b.index), ` ${day(c.date)} ${c.subject}`);
      for (const a of document.querySelectorAll("a.keeps-baseline")) a.hash = location.hash;
      onChange(b.index);
    };
    mode.addEventListener("change", apply);
    for (const input of Object.values(inputs)) input.addEventListener("change", apply);
    // A hash the reader edits (or a link within the page) sets the picker as a fresh load would.
    window.addEventListener("hashchange", () => {
      const b = baselineFromHash();
      mode.value = b.mode;
      if (b.mode !== "commit") inputs[b.mode].value = b.value;
      inputs.commit.value = short(commits[b.index].sha);
      apply();
    });
    const box = el("p", {class: "baseline"}, "Baseline: ", mode, " ", Object.values(inputs), " ", said);
    setTimeout(apply);
    return box;
  }

  // ---- the tooltip: the commit as people know it; click pins it so its links can be followed --
  const tip = () => document.getElementById("tip") || document.body.appendChild(el("div", {id: "tip", hidden: ""}));
  let pinned = null;

  function commitCard(i, lines) {
    const c = D().commits[i];
    const links = [c.url && el("a", {href: c.url}, "commit"), c.pr_url && el("a", {href: c.pr_url}, "PR")].filter(Boolean);
    return [el("div", {class: "tip-head"}, `${i + 1}. `, el("code", {}, short(c.sha)), ` ${day(c.date)}`,
               c.tags.length ? ` [${c.tags.join(", ")}]` : ""),
            el("div", {class: "tip-subject"}, c.subject || "(subject unknown: commit not in this repository)"),
            c.author ? el("div", {class: "tip-author"}, c.author) : null,
            ...(D().events || []).filter(e => e.kind === "environment" && e.index === i)
              .map(e => el("div", {class: "tip-env"}, "environment changed: " + envText(e))),
            el("table", {}, lines.map(([color, label, value]) => el("tr", {},
              el("td", {}, el("span", {class: "swatch", style: {background: color}})), el("td", {}, label),
              el("td", {class: "num"}, value)))),
            links.length ? el("div", {class: "tip-links"}, links.flatMap((a, k) => k ? [" | ", a] : [a])) : null];
  }

  function showTip(u, i, lines, pin) {
    const t = tip();
    if (pinned && !pin) return;
    t.replaceChildren(...commitCard(i, lines).filter(Boolean));
    t.hidden = false;
    t.classList.toggle("pinned", !!pin);
    const r = u.over.getBoundingClientRect();
    const x = r.left + window.scrollX + u.cursor.left, y = r.top + window.scrollY + u.cursor.top;
    t.style.left = `${Math.min(x + 14, window.scrollX + document.documentElement.clientWidth - t.offsetWidth - 8)}px`;
    t.style.top = `${y + 14}px`;
  }

  document.addEventListener("click", e => {
    if (pinned && !tip().contains(e.target) && !pinned.over.contains(e.target)) {
      pinned = null;
      tip().hidden = true;
    }
  });

  // ---- charts -------------------------------------------------------------------------------
  // Markers on a commit's point, one style per kind: colours clear of every series and verdict
  // colour (tests/test_report.py measures them), and sizes that nest, rings outside, so markers
  // on the same commit never hide each other (largest first: an asv step's ring, the code ring,
  // the gate's FAIL, a gate JSON's dot).
  const MARKERS = {
    asvStep: {color: "#FFD92F", size: 21, ring: true},
    code: {color: "#7B68EE", size: 17, ring: true},
    fail: {color: "#222222", size: 11},
    gateJson: {color: "#FF7F0E", size: 6},
  };

  // spec: {title, yLabel, log, series: [{label, values, color, dash, band: [lo, hi]}], markers:
  // [{label, kind (a key of MARKERS), at: [index], on: series index, says}], oneLine}: x is the
  // commit's index (commit order), labelled with its date.
  function chart(parent, spec) {
    const commits = D().commits, xs = commits.map((_, i) => i);
    const data = [xs], series = [{label: "commit"}], bands = [];
    const shown = [];  // [data column, label, color] for the tooltip
    for (const s of spec.series) {
      if (s.band) {
        data.push(s.band[1], s.band[0]);
        series.push({label: `${s.label} 75th`, stroke: "transparent", points: {show: false}},
                    {label: `${s.label} 25th`, stroke: "transparent", points: {show: false}});
        bands.push({series: [data.length - 2, data.length - 1], fill: s.color + "33"});
      }
      data.push(s.values);
      series.push({label: s.label, stroke: s.color, width: 2, dash: s.dash, spanGaps: false,
                   points: {show: commits.length <= 60, size: 5}});
      shown.push([data.length - 1, s.label, s.color, s.band ? data.length - 3 : null]);
    }
    for (const m of spec.markers || []) {
      const base = data[shown[m.on || 0][0]], at = new Set(m.at);
      const style = MARKERS[m.kind];
      data.push(base.map((v, i) => at.has(i) ? v : null));
      series.push({label: m.label, stroke: style.color, fill: style.color, paths: () => null,
                   points: {show: true, size: style.size, width: 2, stroke: style.color,
                            fill: style.ring ? "transparent" : style.color}});
    }
    if (spec.oneLine) {
      data.push(xs.map(() => 1));
      series.push({label: spec.oneLine, stroke: "#999", width: 1, dash: [4, 4], points: {show: false}});
    }
    const figure = parent.appendChild(el("figure", {class: "chart"}, el("figcaption", {}, spec.title)));
    const width = Math.max(320, Math.min(figure.clientWidth || 560, 1200) - 4);
    const opts = {
      width, height: spec.height || 260, series, bands,
      legend: {show: true, live: false},
      // Half a commit of room at each end: the first and last points are not on the frame, and a
      // person (or a test) can hover them.
      scales: {x: {time: false, range: (u, lo, hi) => [lo - 0.5, hi + 0.5]}, y: spec.log ? {distr: 3, log: 10} : {}},
      // x: the commit's number in commit order over its date (two lines).
      axes: [{incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000], space: 60, size: 44,
              values: (u, splits) => splits.map(i => commits[i] ? `${i + 1}\n${day(commits[i].date).slice(5)}` : "")},
             {label: spec.yLabel, size: 64, values: (u, splits) => splits.map(tick)}],
      cursor: {points: {size: 8}},
      hooks: {draw: [u => {
        // Environment changes (driver, torch, device...) as dashed vertical lines on every chart.
        const ctx = u.ctx;
        for (const e of (D().events || []).filter(x => x.kind === "environment")) {
          const x = u.valToPos(e.index, "x", true);
          ctx.save();
          ctx.strokeStyle = "#8c6d1f";
          ctx.setLineDash([6, 4]);
          ctx.lineWidth = 1.5;
          ctx.beginPath();
          ctx.moveTo(x, u.bbox.top);
          ctx.lineTo(x, u.bbox.top + u.bbox.height);
          ctx.stroke();
          ctx.restore();
        }
      }], setCursor: [u => {
        const i = u.cursor.idx;
        if (i === null || i === undefined) { if (!pinned) tip().hidden = true; return; }
        showTip(u, i, tipLines(u, i), false);
      }]},
    };
    const tipLines = (u, i) => shown.map(([col, label, color, band]) => {
      let text = fmt(data[col][i]);
      if (band !== null && data[band][i] !== null) text += ` (IQR ${fmt(data[band + 1][i])}-${fmt(data[band][i])})`;
      return [color, label, text];
    }).concat((spec.markers || []).filter(m => m.at.includes(i)).map(m => [MARKERS[m.kind].color, m.label, m.says ? m.says(i) : ""]))
      .concat(spec.extraTip ? spec.extraTip(i) : []);
    const u = new uPlot(opts, data, figure);
    // The IQR band's edges are series of their own to uPlot; the legend names the band's series once.
    for (const item of u.root.querySelectorAll(".u-legend .u-series"))
      if (/ (25|75)th$/.test(item.textContent.trim())) item.style.display = "none";
    u.over.addEventListener("click", () => {
      const i = u.cursor.idx;
      if (i === null || i === undefined) return;
      pinned = null;
      showTip(u, i, tipLines(u, i), true);
      pinned = u;
    });
    u.over.addEventListener("mouseleave", () => { if (!pinned) tip().hidden = true; });
    figure.dataset.chart = charts.length;
    charts.push(u);
    return u;
  }

  const hasValues = xs => xs && xs.some(v => v !== null);
  const variantInfo = name => D().variants.find(v => v.name === name);
  const dash = name => variantInfo(name).kernel ? undefined : [8, 4];

  function header(title, ...extra) {
    const d = D(), n = d.commits.length;
    const info = Object.entries(d.info).map(([k, v]) => `${k} ${v}`).join(", ");
    document.title = title;
    return el("header", {},
      el("h1", {}, title),
      el("p", {}, `${info}. ${n} commit(s) in commit order, ${day(d.commits[0].date)} to ${day(d.commits[n - 1].date)}; `
        + `latency is the median ${d.clock} per call.`
        + (d.not_built && d.not_built.length ? ` Not on this machine: ${d.not_built.join("; ")}.` : ""), ...extra));
  }

  function sparkline(values, baseline) {
    const w = 160, h = 28, pts = values.map((v, i) => [i, v]).filter(([, v]) => v !== null);
    if (pts.length < 2) return el("span", {}, "");
    // At least 10% of the level tall: a 0.7% wiggle must not fill the box as a 14% step would.
    const vs = pts.map(p => p[1]), mid = (Math.min(...vs) + Math.max(...vs)) / 2;
    const span = Math.max(Math.max(...vs) - Math.min(...vs), 0.1 * Math.abs(mid)) || 1, lo = mid - span / 2;
    const X = i => (i / Math.max(1, values.length - 1)) * (w - 4) + 2, Y = v => h - 3 - ((v - lo) / span) * (h - 6);
    const ns = "http://www.w3.org/2000/svg", svg = document.createElementNS(ns, "svg");
    svg.setAttribute("width", w); svg.setAttribute("height", h); svg.setAttribute("class", "spark");
    const line = document.createElementNS(ns, "polyline");
    line.setAttribute("points", pts.map(([i, v]) => `${X(i).toFixed(1)},${Y(v).toFixed(1)}`).join(" "));
    svg.append(line);
    if (values[baseline] !== null && values[baseline] !== undefined) {
      const dot = document.createElementNS(ns, "circle");
      dot.setAttribute("cx", X(baseline)); dot.setAttribute("cy", Y(values[baseline])); dot.setAttribute("r", 2.5);
      svg.append(dot);
    }
    const title = document.createElementNS(ns, "title");
    title.textContent = `${fmt(Math.min(...vs))} to ${fmt(Math.max(...vs))} us over ${values.length} commits; the dot is the baseline`;
    svg.append(title);
    return svg;
  }

  // ---- the front page -----------------------------------------------------------------------
  function frontPage(root) {
    const d = D(), n = d.commits.length, last = n - 1;
    const cfg = d.gate_config;
    root.append(header(`fcbench: ${d.machine}`, " ", el("a", {href: "../index.html"}, "all machines"), " | ",
                       el("a", {href: "../asv/index.html"}, "asv's site"), " | ",
                       el("a", {href: "regressions.atom", id: "feed"}, "regressions by code (Atom feed)")));
    root.append(el("nav", {class: "variants"}, "Variant pages: ", d.variants.flatMap((v, k) =>
      [k ? " " : "", el("a", {href: variantPage(v.name), class: "keeps-baseline"}, v.name)])));
    const table = el("table", {id: "kernels", class: "sortable"});
    const filter = el("input", {id: "filter", type: "search", placeholder: "filter: variant, shape or verdict"});
    const kernelsOnly = el("input", {id: "kernels-only", type: "checkbox"});
    const changedOnly = el("input", {id: "changed-only", type: "checkbox"});
    let baseline = d.default_baseline;
    root.append(baselinePicker(b => { baseline = b; renderRows(); }));
    // What moved, first: the kernel rows whose verdict is not SAME, worst first, so the answer
    // needs no scrolling however many rows the table has (peers are never gated: left out).
    const moved = el("div", {id: "moved"});
    root.append(moved);
    root.append(el("p", {class: "legend", id: "cause-legend"}, "Why a row moved, at each commit: ",
      Object.entries(CAUSES).flatMap(([c, words], k) => [k ? "; " : "", causeBadge(c), " " + words]),
      ". Headlined (What moved, and bold in Events): a change of a row's own code beyond its noise band and beyond "
      + "half its latency budget, net of the machine; a resource of changed code reaching 95% of its ceiling. "
      + "Dashed vertical lines on the charts: environment changes."));
    root.append(eventsSection(() => true));
    root.append(el("p", {class: "controls"}, filter, " ", el("label", {}, kernelsOnly, " FlashCore kernels only"), " ",
                   el("label", {}, changedOnly, " not SAME only")));
    const overrides = Object.entries(cfg.overrides).map(([k, v]) => `${k} ${(v * 100).toFixed(0)}%`).join(", ");
    root.append(el("p", {class: "legend"}, "Verdicts are fcbench gate's, on the recorded samples: FAIL-LATENCY is "
      + `over the budget (${(cfg.latency_budget * 100).toFixed(0)}%${overrides ? "; " + overrides : ""}) and significant `
      + `(Mann-Whitney p < ${cfg.significance}); SDPA peers are shown, never gated. `,
      ["FAIL-LATENCY", "NOISY", "SLOWER", "SAME", "FASTER", "NEW"].map(v => [badge(v), " "])));
    const cols = [["variant", "text"], ["shape", "text"], ["latest us", "num"], ["vs previous", "num"],
                  ["verdict (previous)", "text"], ["vs baseline", "num"], ["verdict (baseline)", "text"], ["x fastest SDPA", "num"],
                  ["why (latest)", "text"], ["latency over commits", null]];
    const head = el("tr", {}, cols.map(([label, kind], c) => el("th", kind ? {"data-sort": kind, "data-col": c,
      onclick: () => sortBy(c, kind)} : {}, label)));
    const body = el("tbody");
    table.append(el("thead", {}, head), body);
    root.append(table);
    let sortState = null;
    function sortBy(c, kind) {
      sortState = {c, kind, dir: sortState && sortState.c === c ? -sortState.dir : 1};
      renderRows();
    }
    // Failures first, then the largest moves either way (a 12% speed-up before a 0.5% slow-down).
    const severity = {"FAIL-LATENCY": 0, "NOISY": 1, "SLOWER": 2, "FASTER": 2};
    // ownChange(r): whether the row's own code may have changed over the compared range; rows
    // that did not change are counted, not listed (a machine's drift is not a kernel's verdict).
    function movedLine(label, verdictAt, ratioAt, ownChange) {
      const moved = d.rows.filter(r => variantInfo(r.variant).kernel && verdictAt(r) in severity);
      const unchanged = moved.filter(r => !ownChange(r)).length;
      const found = moved.filter(ownChange)
        .map(r => ({r, v: verdictAt(r), x: ratioAt(r)}))
        .sort((a, b) => severity[a.v] - severity[b.v] || Math.abs(Math.log(b.x || 1)) - Math.abs(Math.log(a.x || 1)));
      const shown = found.slice(0, 8);
      return el("p", {class: "moved"}, el("b", {}, label), " ",
        found.length ? shown.flatMap(({r, v, x}, k) => [k ? "; " : "", badge(v), " ",
          el("a", {href: variantPage(r.variant) + location.hash, class: "keeps-baseline"}, r.variant), ` ${r.shape} ${ratioText(x)}`])
          : unchanged ? "no kernel whose code changed moved" : "every FlashCore kernel row SAME",
        found.length > shown.length ? ` and ${found.length - shown.length} more (tick "not SAME only")` : "",
        unchanged ? ` (${unchanged} other kernel row(s) moved with unchanged code: environment or noise, not listed)` : "");
    }
    function renderMoved() {
      const ratio = (r, i) => { const lat = r.metrics.latency || []; return lat[last] && lat[i] ? lat[last] / lat[i] : null; };
      // A row first recorded after the baseline is compared from its first recording.
      const since = r => r.first !== null && r.first !== undefined && r.first > baseline ? r.first : baseline;
      // The latest commit: only what its code did that matters (fcbench/attribution.py); the rest counted.
      // Worst first: slowdowns by size, then speed-ups by size (resources after latency).
      const size = e => e.kind === "latency" ? Math.log(e.net) : 0;
      const headlines = d.events.filter(e => e.index === last && e.headline)
        .sort((a, b) => (size(b) > 0) - (size(a) > 0) || Math.abs(size(b)) - Math.abs(size(a)));
      const env = d.events.find(e => e.index === last && e.kind === "environment");
      const counts = {};
      for (const r of d.rows) { const c = (r.cause || [])[last]; if (c && c !== "code") counts[c] = (counts[c] || 0) + 1; }
      const rest = Object.entries(counts).map(([c, k]) => `${k} ${c}`).join(", ");
      moved.replaceChildren(
        el("p", {class: "moved", id: "moved-latest"},
           el("b", {}, `What moved at the latest commit (${last + 1}, ${short(d.commits[last].sha)}):`), " ",
           headlines.length ? headlines.flatMap((e, k) => [k ? "; " : "", causeBadge(e.cause), " ",
             el("a", {href: variantPage(e.variant) + location.hash, class: "keeps-baseline"}, e.variant),
             ` ${e.shape} ${eventChange(e)}`])
             : "nothing that matters (no change of a row's own code beyond its noise)",
           env ? [". Environment: ", envText(env)] : "",
           rest ? ` (other rows: ${rest})` : ""),
        d.near_ceiling.length ? el("p", {class: "moved", id: "near-ceiling"}, el("b", {}, "At or near a resource ceiling:"), " ",
          d.near_ceiling.flatMap((x, k) => [k ? "; " : "", el("a", {href: variantPage(x.variant) + location.hash,
            class: "keeps-baseline"}, x.variant), ` D=${x.dim} ${RESOURCE_NAMES[x.metric]} ${x.value} of ${x.ceiling}`])) : "",
        baseline === last ? "" : movedLine(`Since the baseline (commit ${baseline + 1}, ${short(d.commits[baseline].sha)}):`,
                                           r => r.from_baseline[baseline], r => ratio(r, since(r)),
                                           r => (r.cause || []).slice(since(r) + 1, last + 1).some(c => c === "code" || c === "unknown")),
        (() => {
          const later = d.rows.filter(r => variantInfo(r.variant).kernel && r.first > baseline && r.first < last);
          return baseline === last || !later.length ? "" : el("p", {class: "moved", id: "since-first"},
            `(${later.length} kernel row(s) first recorded after the baseline are compared from their first recording: `
            + [...new Set(later.map(r => `${r.variant} from commit ${r.first + 1}`))].join(", ") + ")");
        })());
    }
    function renderRows() {
      renderMoved();
      const q = filter.value.trim().toLowerCase();
      const rows = d.rows.map(r => {
        const lat = r.metrics.latency || [], i = lastValue(lat);
        const latest = lat[last], prev = lat[last - 1];
        const base = lat[baseline] ?? (r.first > baseline ? lat[r.first] : null);  // from its first recording
        const peer = r.peer_ratio[last];
        const vsBase = baseline === last ? null : r.from_baseline[baseline];
        const vsPrev = r.previous[last];
        const cells = [r.variant, r.shape, latest ?? null,
                       latest !== null && prev !== null && prev !== undefined ? latest / prev : null, vsPrev,
                       latest !== null && base !== null && base !== undefined ? latest / base : null, vsBase,
                       peer ?? null, (r.cause || [])[last] ?? null];
        return {r, cells, i};
      }).filter(({r, cells}) =>
        (!kernelsOnly.checked || variantInfo(r.variant).kernel)
        && (!changedOnly.checked || [cells[4], cells[6]].some(v => v && v !== "SAME"))
        && (!q || [r.variant, r.shape, cells[4] || "", cells[6] || ""].join(" ").toLowerCase().includes(q)));
      if (sortState) {
        const {c, kind, dir} = sortState;
        rows.sort((a, b) => {
          const x = a.cells[c], y = b.cells[c];
          if (x === null || x === undefined) return 1;
          if (y === null || y === undefined) return -1;
          return dir * (kind === "num" ? x - y : String(x).localeCompare(String(y)));
        });
      }
      body.replaceChildren(...rows.map(({r, cells}) => {
        const q25 = r.q25[last], q75 = r.q75[last];
        return el("tr", {"data-key": rowKey(r), class: verdictClass(cells[6] || cells[4])},
          el("td", {}, el("a", {href: variantPage(r.variant) + location.hash, class: "keeps-baseline variant-link"},
                          r.variant)),
          el("td", {}, r.shape),
          el("td", {class: "num", title: q25 !== null ? `IQR ${fmt(q25)}-${fmt(q75)}` : ""}, fmt(cells[2])),
          el("td", {class: "num"}, ratioText(cells[3])), el("td", {}, badge(cells[4])),
          el("td", {class: "num"}, ratioText(cells[5])), el("td", {}, badge(cells[6])),
          el("td", {class: "num", title: `fastest peer here: ${d.fastest_peer[r.shape][last] || "-"}`}, ratioText(cells[7])),
          el("td", {title: r.net && r.net[last] ? `net of the machine ${ratioText(r.net[last])}; noise band `
                          + `${ratioText(r.band)}` : ""}, causeBadge(cells[8])),
          el("td", {}, sparkline(r.metrics.latency || [], baseline)));
      }));
      for (const th of head.children) th.classList.toggle("sorted", !!sortState && +th.dataset.col === sortState.c);
      root.dataset.rows = rows.length;
    }
    filter.addEventListener("input", renderRows);
    kernelsOnly.addEventListener("change", renderRows);
    changedOnly.addEventListener("change", renderRows);
    renderRows();

    root.append(regressionSection(() => true));
    root.append(el("h2", {}, "Each variant relative to the fastest SDPA peer on the same commit"));
    root.append(el("p", {}, "A driver, clock or torch change moves the peers too; the ratio shows what the kernel did. "
                            + "Hover for the commit, click to pin it (its links), drag to zoom, double-click to reset."));
    const grid = root.appendChild(el("div", {class: "grid"}));
    for (const shape of d.shapes) {
      const rows = d.rows.filter(r => r.shape === shape && hasValues(r.peer_ratio));
      if (!rows.length) continue;
      chart(grid, {title: `${shape}: latency / fastest SDPA peer (log)`, yLabel: "x fastest peer", log: true,
                   series: rows.map(r => ({label: r.variant, values: r.peer_ratio, color: variantInfo(r.variant).color,
                                           dash: dash(r.variant)}))});
    }
    // When the page is drawn, in ms from navigation start (scripts/report_timing.py reads it).
    document.body.dataset.readyMs = performance.now().toFixed(0);
    document.body.dataset.ready = "1";
  }

  // Every commit's events, newest first: environment changes, and each row's change attributed
  // to code beyond its noise band (headlines in bold), resource changes with their ceilings.
  function eventsSection(keep) {
    const d = D(), box = el("section", {id: "events"}, el("h2", {}, "Events, newest first"));
    const all = el("input", {type: "checkbox", id: "all-events"});
    const table = el("table", {id: "events-table"});
    box.append(el("p", {class: "controls"}, el("label", {}, all, " every event (not only headlines and environment changes)"),
                  d.code_known < d.commits.length ? ` Code changes are known for ${d.code_known} of ${d.commits.length} `
                    + "commits (the others are not in the repository the report was built from)." : ""));
    box.append(table);
    function render() {
      const shown = d.events.filter(e => (e.kind === "environment" || keep(e)) && (all.checked || e.headline
                                                                                 || e.kind === "environment"))
        .sort((a, b) => b.index - a.index || b.headline - a.headline);
      const head = el("tr", {}, ["commit", "subject", "why", "row", "change", "p"].map(h => el("th", {}, h)));
      table.replaceChildren(head, ...shown.slice(0, 200).map(e => {
        const c = d.commits[e.index];
        return el("tr", {class: e.headline ? "headline" : e.kind === "environment" ? "env" : ""},
          el("td", {}, `${e.index + 1}. `, commitLink(e.index), ` ${day(c.date)}`),
          el("td", {title: c.subject || ""}, !c.subject ? "-" : c.subject.length > 90 ? c.subject.slice(0, 88) + "\u2026" : c.subject),
          el("td", {}, e.kind === "environment" ? causeBadge("environment") : causeBadge(e.cause)),
          el("td", {}, e.kind === "environment" ? "every row" : `${e.variant} ${e.shape}`),
          el("td", {}, e.kind === "environment" ? envText(e) : eventChange(e)),
          el("td", {class: "num"}, e.p === null || e.p === undefined ? "-" : e.p.toPrecision(2)));
      }));
      if (!shown.length) table.replaceChildren(el("tr", {}, el("td", {}, "no events: nothing moved beyond noise")));
    }
    all.addEventListener("change", render);
    render();
    // The largest changes of the whole history attributed to code, either way, net of the machine.
    const largest = d.events.filter(e => e.kind === "latency" && keep(e))
      .sort((a, b) => Math.abs(Math.log(b.net)) - Math.abs(Math.log(a.net))).slice(0, 10);
    if (largest.length)
      box.append(el("h3", {}, "Largest changes by code over the whole history"),
        el("table", {id: "largest"}, el("tr", {}, ["commit", "row", "change"].map(h => el("th", {}, h))),
          largest.map(e => el("tr", {}, el("td", {}, `${e.index + 1}. `, commitLink(e.index)),
                              el("td", {}, `${e.variant} ${e.shape}`), el("td", {}, eventChange(e))))));
    return box;
  }

  // What asv's step detection and the gate say, and where they disagree, why.
  function regressionSection(keep) {
    const d = D(), box = el("section", {id: "regressions"}, el("h2", {}, "Regressions"));
    const rowsOf = (head, rows) => el("table", {}, el("tr", {}, head.map(h => el("th", {}, h))), rows);
    const steps = d.steps.filter(keep);
    box.append(el("h3", {}, `asv's step detection on latency (threshold ${(d.gate_config.latency_budget * 100).toFixed(0)}%)`));
    box.append(steps.length ? rowsOf(["variant", "shape", "starts at", "change"], steps.map(s => el("tr", {},
      el("td", {}, s.variant), el("td", {}, s.shape), el("td", {}, commitLink(s.before), " \u2192 ", commitLink(s.after)),
      el("td", {class: "num"}, ratioText(s.ratio)))))
      : el("p", {}, "No step found: asv reports an upward step only where it lasts at least 2 commits and is still "
                    + "there at the latest commit (see below for what the gate saw)."));
    const gateRows = d.gate_rows.filter(keep);
    box.append(el("h3", {}, `Gate verdicts from ${d.gate_files.length} \`fcbench gate --json\` file(s)`));
    box.append(gateRows.length ? rowsOf(["base \u2192 head", "variant", "shape", "verdict", "change"], gateRows.map(g => el("tr", {},
      el("td", {}, el("code", {}, short(g.base)), " \u2192 ", g.index !== null ? commitLink(g.index) : el("code", {}, short(g.head))),
      el("td", {}, g.variant), el("td", {}, g.shape), el("td", {}, badge(g.verdict)),
      el("td", {class: "num"}, g.ratio ? ratioText(g.ratio) : g.note))))
      : el("p", {}, d.gate_files.length ? "no failing verdicts" : "none given (fcbench report --gate-json FILE)"));
    const why = d.explanations.filter(keep);
    box.append(el("h3", {}, "Where step detection and the gate disagree"));
    box.append(why.length ? rowsOf(["variant", "shape", "commit", "asv step detection", "gate", "why"], why.map(e => el("tr", {},
      el("td", {}, e.variant), el("td", {}, e.shape), el("td", {}, e.index !== null ? commitLink(e.index) : "-"),
      el("td", {}, e.step), el("td", {}, badge(e.gate.split(" ")[0]), e.gate.includes(" ") ? " (gate JSON)" : ""),
      el("td", {class: "why"}, e.why))))
      : el("p", {}, "They agree: every step asv reports is a FAIL-LATENCY of that commit against the one before, and back."));
    return box;
  }

  // ---- a variant's page ---------------------------------------------------------------------
  function variantPage_(root, name) {
    const d = D(), v = variantInfo(name), rows = d.rows.filter(r => r.variant === name);
    root.append(header(`${name} on ${d.machine}`, " ",
      el("a", {href: "index.html", class: "keeps-baseline", id: "front-page"}, "front page"), " | other variants: ",
      d.variants.filter(o => o.name !== name).flatMap((o, k) =>
        [k ? " " : "", el("a", {href: variantPage(o.name), class: "keeps-baseline"}, o.name)])));
    const content = el("div");
    root.append(baselinePicker(b => render(b)), content);
    const clock = d.clock;
    function markers(r) {
      const key = rowKey(r), ms = [];
      const steps = d.steps.filter(s => rowKey(s) === key).map(s => s.after);
      if (steps.length) ms.push({label: "asv step", kind: "asvStep", at: steps,
                                 says: i => ratioText(d.steps.find(s => rowKey(s) === key && s.after === i).ratio)});
      const fails = r.previous.map((x, i) => x === "FAIL-LATENCY" ? i : -1).filter(i => i >= 0);
      const lat = r.metrics.latency || [];
      if (fails.length) ms.push({label: "gate: FAIL-LATENCY vs previous", kind: "fail", at: fails,
                                 says: i => `this commit vs the one before: ${ratioText(lat[i] / lat[i - 1])}, `
                                   + `over ${((r.budget ?? d.gate_config.latency_budget) * 100).toFixed(0)}% and significant (p < ${d.gate_config.significance})`
                                   + (r.notes[i] ? ` (${r.notes[i]})` : "")});
      const files = d.gate_rows.filter(g => rowKey(g) === key && g.index !== null);
      if (files.length) ms.push({label: "gate JSON", kind: "gateJson", at: files.map(g => g.index),
                                 says: i => files.filter(g => g.index === i).map(g => `${g.verdict} vs ${short(g.base)}`).join(", ")});
      return ms;
    }
    function render(baseline) {
      charts.splice(0).forEach(u => u.destroy());
      content.replaceChildren();
      for (const r of rows) {
        const lat = r.metrics.latency || [];
        const sec = content.appendChild(el("section", {class: "shape"}, el("h2", {}, `${name} ${r.shape}`)));
        const grid = sec.appendChild(el("div", {class: "grid"}));
        if (hasValues(lat)) {
          chart(grid, {title: `Latency, median and IQR (${clock}, us)`, yLabel: "us",
                       series: [{label: name, values: lat, color: v.color, band: [r.q25, r.q75]}], markers: markers(r)});
          const b = lat[baseline];
          if (!b) {
            const first = lat.findIndex(x => x !== null);
            grid.append(el("p", {class: "missing-chart"}, `No chart relative to the baseline: this row has no value at `
              + `commit ${baseline + 1}` + (first > baseline ? ` (first recorded at commit ${first + 1}; pick a later baseline)` : "")
              + "."));
          }
          if (b) {
            const rel = xs => xs.map(x => x === null ? null : x / b);
            chart(grid, {title: `Latency relative to the baseline (commit ${baseline + 1}, ${short(d.commits[baseline].sha)})`,
                         yLabel: "x baseline", oneLine: "baseline",
                         series: [{label: name, values: rel(lat), color: v.color, band: [rel(r.q25), rel(r.q75)]}],
                         markers: markers(r)});
          }
        }
        if (hasValues(r.net || [])) {
          const code = d.events.filter(e => e.kind === "latency" && rowKey(e) === rowKey(r));
          chart(grid, {title: "Change at each commit, net of the machine (x previous), and this row's noise band",
                       yLabel: "x previous", oneLine: "no change",
                       series: [{label: name, values: r.net, color: v.color,
                                 band: [r.net.map(() => 1 / r.band), r.net.map(() => r.band)]}],
                       markers: code.length ? [{label: "its code, beyond noise", kind: "code", at: code.map(e => e.index),
                                                says: i => code.filter(e => e.index === i).map(e => eventChange(e)).join("; ")}] : [],
                       extraTip: i => (r.cause || [])[i] ? [["#777777", "why", r.cause[i]]] : []});
        }
        if (hasValues(r.peer_ratio))
          chart(grid, {title: "Latency / fastest SDPA peer on the same commit", yLabel: "x fastest peer",
                       series: [{label: name, values: r.peer_ratio, color: v.color}]});
        for (const [metric, title, unit, line] of [["tflops", "Throughput", "TFLOP/s"],
                                                   ["error_over_bound", "Error / bound (over 1 fails)", "error / bound", "bound"],
                                                   ["max_abs_error", "Max abs error vs the reference", "max |out - ref|"]])
          if (hasValues(r.metrics[metric]))
            chart(grid, {title, yLabel: unit, oneLine: line, series: [{label: name, values: r.metrics[metric], color: v.color}]});
        if (!grid.children.length) sec.append(el("p", {}, "nothing measured at this shape on this machine"));
      }
      // Resources depend on the head dim only: one series per head dim.
      const byDim = new Map();
      for (const r of rows) {
        const dim = r.shape.replace(/[()]/g, "").split(",")[3];
        if (!byDim.has(dim)) byDim.set(dim, r);
      }
      const res = content.appendChild(el("section", {class: "shape"}, el("h2", {}, `${name}: resources (from ptxas)`)));
      const grid = res.appendChild(el("div", {class: "grid"}));
      const dimColors = ["#4E79A7", "#9C755F", "#76B7B2", "#79706E"];  // none near a verdict colour (report_data.PALETTE)
      for (const [metric, title, unit] of [["registers", "Registers", "per thread"], ["smem_bytes", "Shared memory", "bytes per block"],
                                           ["spill_bytes", "Register spills", "bytes"], ["stack_bytes", "Stack frame", "bytes"]]) {
        const series = [...byDim].filter(([, r]) => hasValues(r.metrics[metric]))
          .map(([dim, r], k) => ({label: `D=${dim}`, values: r.metrics[metric], color: dimColors[k % 4]}));
        const ceiling = (d.ceilings[name] || {})[metric];
        if (series.length && ceiling !== undefined)  // the gate's ceiling as a line (FAIL-RESOURCES above it)
          series.push({label: `ceiling ${ceiling}`, values: d.commits.map(() => ceiling), color: "#999999", dash: [3, 3]});
        if (series.length) chart(grid, {title, yLabel: unit, series});
      }
      if (!grid.children.length) res.append(el("p", {}, "no resource counts (an SDPA peer, or not recorded)"));
      content.append(eventsSection(x => x.variant === name));
      content.append(regressionSection(x => x.variant === name));
      document.body.dataset.readyMs = performance.now().toFixed(0);
      document.body.dataset.ready = "1";
    }
  }

  // Draws the page its <main id="page"> names, once the document is parsed.
  function boot() {
    const root = document.getElementById("page");
    if (!root || !window.FCBENCH_DATA) return;
    if (root.dataset.page === "front") frontPage(root);
    else if (root.dataset.page === "variant") variantPage_(root, root.dataset.variant);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", boot);
  else boot();

  return {frontPage, variantPage: variantPage_, charts};
})();
