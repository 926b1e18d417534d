// Draws the mutation report from the two JSON blocks embedded in the page: the
// mutation-testing-elements report and the scores Python computed (one definition of a score).
// Text from the report only ever reaches the page as textContent, never as HTML.
"use strict";
(function () {
  const app = document.getElementById("app");

  window.addEventListener("error", function (event) {
    app.replaceChildren(el("div", { class: "error-box" },
      "The report could not be drawn: " + event.message));
  });

  const report = JSON.parse(document.getElementById("mutation-report").textContent);
  const scores = JSON.parse(document.getElementById("report-scores").textContent);
  const summary = scores.summary || {};
  const STATUSES = scores.statuses.map(function (s) { return s[0]; });
  const LABEL = Object.fromEntries(scores.statuses);
  // When mutants overlap, the text takes the colour of the one a reader most needs to see.
  const PRIORITY = ["Survived", "NoCoverage", "RuntimeError", "CompileError", "Timeout", "Killed", "Ignored"];
  const visible = new Set(STATUSES);

  const testNames = {};
  Object.values(report.testFiles || {}).forEach(function (file) {
    (file.tests || []).forEach(function (t) { testNames[String(t.id)] = t.name || String(t.id); });
  });
  const names = function (ids) { return (ids || []).map(function (i) { return testNames[String(i)] || String(i); }); };

  let current = { file: null, mutant: null };

  function el(tag, attrs) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(function ([key, value]) {
      if (value === undefined || value === null || value === false) return;
      if (key === "class") node.className = value;
      else if (key === "style") Object.assign(node.style, value);
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else if (key === "data") Object.assign(node.dataset, value);
      else node.setAttribute(key, value);
    });
    for (let i = 2; i < arguments.length; i++) append(node, arguments[i]);
    return node;
  }
  function append(node, child) {
    if (child === undefined || child === null || child === false) return;
    if (Array.isArray(child)) child.forEach(function (c) { append(node, c); });
    else node.append(child instanceof Node ? child : String(child));
  }
  const swatch = function (status) { return el("span", { class: "swatch", style: { background: "var(--" + status + ")" } }); };
  const statusBadge = function (status) {
    return el("span", { class: "status", style: { background: "var(--" + status + ", #6e7781)" } }, LABEL[status] || status);
  };

  function scoreBar(s) {
    if (s.score === null) return el("span", { class: "bar" });
    return el("span", { class: "bar" }, el("span", { class: "band-" + s.band, style: { width: Math.max(0, Math.min(100, s.score)) + "%" } }));
  }

  // ---- overview ----
  function overview() {
    const o = scores.overall;
    const nFiles = Object.keys(scores.files).length;
    const head = el("section", { id: "overview" },
      el("h1", {}, "Mutation testing report"),
      el("div", { class: "overview" },
        el("div", {},
          el("div", { class: "score-big band-" + o.band, id: "mutation-score" }, o.scoreText,
            o.score === null ? "" : el("small", {}, " %")),
          el("div", { class: "muted" }, "mutation score")),
        el("div", {},
          el("div", { class: "mono" }, "covered code: " + o.coveredScoreText + (o.coveredScore === null ? "" : " %")),
          el("div", { class: "muted" }, plural(o.total, "mutant") + " in " + plural(nFiles, "file") +
            (summary.duration_s !== undefined && summary.duration_s !== null ? " · " + Number(summary.duration_s).toFixed(1) + " s" : "") +
            (report.framework ? " · " + report.framework.name + " " + (report.framework.version || "") : ""))),
        el("div", { class: "counts" }, STATUSES.map(function (s) {
          return el("span", { class: "badge", data: { status: s } }, swatch(s), LABEL[s] + " " + o[scores.keys[s]]);
        }))));
    head.append(gate(summary.gate));
    const notes = el("div", { class: "notes" });
    if ((summary.fallback_files || []).length) {
      notes.append(el("div", {}, "Files mutated one mutant at a time (their schema did not compile):"),
        el("ul", {}, summary.fallback_files.map(function (f) { return el("li", { class: "mono" }, f); })));
    }
    if ((summary.flaky_tests || []).length) {
      notes.append(el("div", {}, "Flaky tests (did not give the same result twice):"),
        el("ul", {}, summary.flaky_tests.map(function (t) { return el("li", { class: "mono" }, t); })));
    }
    if (notes.childNodes.length) head.append(notes);
    return head;
  }

  function gate(g) {
    if (!g) return el("div", { class: "gate", id: "gate" }, "Gate: not evaluated");
    return el("div", { class: "gate " + (g.passed ? "pass" : "fail"), id: "gate" },
      el("strong", {}, "Gate: " + (g.passed ? "passed" : "FAILED")),
      g.baseline_score !== undefined && g.baseline_score !== null ? el("span", { class: "muted" }, " · baseline score " + Number(g.baseline_score).toFixed(2) + " %") : "",
      (g.reasons || []).length ? el("ul", {}, g.reasons.map(function (r) { return el("li", {}, r); })) : "");
  }

  // ---- per-file table ----
  const COLUMNS = [["Mutants", "total"], ["Killed", "killed"], ["Survived", "survived"], ["Timeout", "timeout"],
    ["No coverage", "no_coverage"], ["Ignored", "ignored"], ["Errors", "errors"]];
  function cells(s) {
    return COLUMNS.map(function ([, key]) {
      return el("td", {}, s[key]);
    }).concat([el("td", {}, scoreBar(s), el("span", { class: "band-" + s.band }, s.scoreText + (s.score === null ? "" : " %")))]);
  }
  function fileTable() {
    const rows = Object.keys(scores.files).sort().map(function (path) {
      return el("tr", { class: "file-row" + (path === current.file ? " current" : ""), data: { file: path },
        onclick: function () { go(path, null); } },
      el("td", { class: "left" }, el("a", { href: link(path, null), class: "mono", onclick: function (e) { e.stopPropagation(); } }, path)),
      cells(scores.files[path]));
    });
    return el("section", { id: "files" }, el("h2", {}, "Kill rate per file"),
      el("table", { class: "grid", id: "file-table" },
        el("thead", {}, el("tr", {}, el("th", {}, "File"), COLUMNS.map(function ([h]) { return el("th", {}, h); }), el("th", {}, "Score"))),
        el("tbody", {}, rows),
        el("tfoot", {}, el("tr", { class: "total-row" }, el("td", {}, "All files"), cells(scores.overall)))));
  }

  // ---- surviving mutants, all files ----
  function survivors() {
    const list = [];
    Object.keys(report.files || {}).sort().forEach(function (path) {
      (report.files[path].mutants || []).forEach(function (m) { if (m.status === "Survived") list.push([path, m]); });
    });
    list.sort(function (a, b) { return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : byPosition(a[1], b[1]); });
    const section = el("section", { id: "survivors" }, el("h2", {}, "Surviving mutants (" + list.length + ")"));
    if (!list.length) { section.append(el("div", { class: "empty" }, "None: every covered mutant was detected.")); return section; }
    section.append(el("table", { class: "grid" },
      el("thead", {}, el("tr", {}, ["Where", "Mutant", "Operator", "Change", "Covered by"].map(function (h, i) { return el("th", { class: i > 0 ? "left" : "" }, h); }))),
      el("tbody", {}, list.map(function ([path, m]) {
        return el("tr", {},
          el("td", {}, el("a", { href: link(path, m.id), class: "mono" },
            path + ":" + m.location.start.line + ":" + m.location.start.column)),
          el("td", { class: "left" }, "#" + m.id),
          el("td", { class: "left mono" }, m.mutatorName),
          el("td", { class: "left" }, change(report.files[path].source, m)),
          el("td", { class: "left" }, plural((m.coveredBy || []).length, "test")));
      }))));
    return section;
  }

  // ---- one file: source with mutants, and the mutant cards ----
  // A source as lines of code points (columns count code points); the last one is kept, as
  // every mutant card of a file asks for the same source again.
  let linesOf = { source: null, lines: null };
  function lines(source) {
    if (linesOf.source === source) return linesOf.lines;
    const raw = source.split("\n");
    if (raw.length > 1 && raw[raw.length - 1] === "") raw.pop();  // the newline ending the last line
    linesOf = { source: source, lines: raw.map(function (line) { return Array.from(line.endsWith("\r") ? line.slice(0, -1) : line); }) };
    return linesOf.lines;
  }
  function byPosition(a, b) {
    return a.location.start.line - b.location.start.line || a.location.start.column - b.location.start.column ||
      (Number(a.id) - Number(b.id)) || (String(a.id) < String(b.id) ? -1 : 1);
  }
  function original(source, m) {
    const ls = lines(source);
    const s = m.location.start, e = m.location.end;
    if (s.line < 1 || e.line > ls.length) return "";
    if (s.line === e.line) return ls[s.line - 1].slice(s.column - 1, e.column - 1).join("");
    const parts = [ls[s.line - 1].slice(s.column - 1).join("")];
    for (let i = s.line; i < e.line - 1; i++) parts.push(ls[i].join(""));
    parts.push(ls[e.line - 1].slice(0, e.column - 1).join(""));
    return parts.join("\n");
  }
  function change(source, m) {
    return el("code", { class: "change" }, el("del", {}, original(source, m)), " → ", el("ins", {}, m.replacement || ""));
  }

  function fileView(path) {
    const section = el("section", { id: "file-view" });
    const entry = report.files[path];
    if (!entry) {
      section.append(el("h2", {}, "Source"), el("div", { class: "empty" }, path ? "No such file in this report: " + path : "Click a file in the table to see its source and mutants."));
      return section;
    }
    const s = scores.files[path];
    section.append(el("h2", { class: "mono" }, path + " — " + s.scoreText + (s.score === null ? "" : " %")));
    section.append(el("div", { class: "filters", id: "status-filter" }, el("span", { class: "muted" }, "Show:"),
      STATUSES.map(function (st) {
        const box = el("input", { type: "checkbox", value: st, onchange: function () {
          if (box.checked) visible.add(st); else visible.delete(st);
          refreshFileView();
        } });
        box.checked = visible.has(st);
        return el("label", { class: "badge" }, box, swatch(st), LABEL[st] + " " + s[scores.keys[st]]);
      })));
    const mutants = (entry.mutants || []).filter(function (m) { return visible.has(m.status); }).sort(byPosition);
    const spans = new Map();  // mutant id → elements that show it
    const remember = function (id, node) { const k = String(id); if (!spans.has(k)) spans.set(k, []); spans.get(k).push(node); };
    const src = lines(entry.source || "");
    const onLine = new Map();  // line → mutants whose location spans it
    mutants.forEach(function (m) {
      for (let ln = m.location.start.line; ln <= m.location.end.line; ln++) {
        if (!onLine.has(ln)) onLine.set(ln, []);
        onLine.get(ln).push(m);
      }
    });
    const tbody = el("tbody");
    src.forEach(function (chars, index) {
      const ln = index + 1;
      const here = onLine.get(ln) || [];
      const ranges = here.map(function (m) {
        return { m: m, from: ln === m.location.start.line ? m.location.start.column - 1 : 0,
          to: ln === m.location.end.line ? m.location.end.column - 1 : chars.length };
      });
      const cuts = new Set([0, chars.length]);
      ranges.forEach(function (r) { cuts.add(Math.max(0, Math.min(chars.length, r.from))); cuts.add(Math.max(0, Math.min(chars.length, r.to))); });
      const points = Array.from(cuts).sort(function (a, b) { return a - b; });
      const code = el("td", { class: "code" });
      points.forEach(function (at, i) {
        ranges.forEach(function (r) {
          if (r.m.location.start.line === ln && Math.min(chars.length, r.from) === at) {
            const marker = el("button", { class: "marker", type: "button", title: "#" + r.m.id + " " + r.m.mutatorName + ": " + LABEL[r.m.status],
              data: { mutant: String(r.m.id), status: r.m.status }, style: { background: "var(--" + r.m.status + ", #6e7781)" },
              onclick: function (e) { e.stopPropagation(); select(r.m.id, true); } });
            remember(r.m.id, marker);
            code.append(marker);
          }
        });
        if (i === points.length - 1) return;
        const next = points[i + 1];
        const text = chars.slice(at, next).join("");
        const over = ranges.filter(function (r) { return r.from <= at && next <= r.to && r.from < r.to; });
        if (!over.length) { code.append(text); return; }
        const worst = over.map(function (r) { return r.m; }).sort(function (a, b) { return rank(a.status) - rank(b.status); });
        const span = el("span", { class: "hl", data: { mutants: worst.map(function (m) { return m.id; }).join(" ") },
          style: { background: "var(--" + worst[0].status + "-bg, #eee)" },
          title: worst.map(function (m) { return "#" + m.id + " " + m.mutatorName + ": " + LABEL[m.status]; }).join("\n"),
          onclick: function () { select(worst[0].id, true); } }, text);
        over.forEach(function (r) { remember(r.m.id, span); });
        code.append(span);
      });
      tbody.append(el("tr", { class: here.length ? "has-mutant" : "", id: "L" + ln }, el("td", { class: "ln" }, ln), code));
    });
    const cards = mutants.map(function (m) { const c = card(entry.source || "", m); remember(m.id, c); return c; });
    section.append(el("div", { class: "file-view" },
      el("div", { class: "source-box" }, el("table", { class: "source", id: "source" }, tbody)),
      el("div", { class: "mutant-list", id: "mutant-list" }, cards.length ? cards : el("div", { class: "empty" }, "No mutant with the selected statuses."))));
    section.spans = spans;
    return section;
  }
  function rank(status) { const i = PRIORITY.indexOf(status); return i < 0 ? PRIORITY.length : i; }

  function card(source, m) {
    const rows = [["Where", "line " + m.location.start.line + ":" + m.location.start.column + " – " + m.location.end.line + ":" + m.location.end.column],
      ["Change", change(source, m)]];
    if (m.description) rows.push(["About", m.description]);
    if (m.statusReason) rows.push(["Reason", m.statusReason]);
    if ((m.killedBy || []).length) rows.push(["Killed by", names(m.killedBy).join(", ")]);
    if (m.coveredBy) rows.push(["Covered by", m.coveredBy.length ? names(m.coveredBy).join(", ") : "no test"]);
    if (m.testsCompleted !== undefined) rows.push(["Tests run", String(m.testsCompleted)]);
    if (m.duration !== undefined) rows.push(["Duration", m.duration + " ms"]);
    if (m.static) rows.push(["Static", "yes (reached before any test starts)"]);
    return el("div", { class: "card", data: { mutant: String(m.id), status: m.status }, style: { borderLeftColor: "var(--" + m.status + ", #6e7781)" },
      onclick: function () { select(m.id, false); } },
    el("h3", {}, el("span", {}, "#" + m.id + " ", el("span", { class: "mono" }, m.mutatorName)), statusBadge(m.status)),
    el("dl", {}, rows.map(function ([k, v]) { return [el("dt", {}, k), el("dd", {}, v)]; })));
  }

  function select(id, fromSource) {
    const view = document.getElementById("file-view");
    if (!view || !view.spans) return;
    document.querySelectorAll(".sel").forEach(function (n) { n.classList.remove("sel"); });
    current.mutant = id === null ? null : String(id);
    const nodes = current.mutant === null ? [] : (view.spans.get(current.mutant) || []);
    nodes.forEach(function (n) { n.classList.add("sel"); });
    // Scroll only the box that holds the other half (card list or source), never the window.
    const target = nodes.find(function (n) { return n.classList.contains(fromSource ? "card" : "marker"); });
    if (target) scrollWithin(target.closest(fromSource ? ".mutant-list" : ".source-box"), target);
    try { history.replaceState(null, "", link(current.file, current.mutant)); } catch (e) { /* some file:// setups refuse it */ }
  }

  function scrollWithin(box, node) {
    if (!box) return;
    const b = box.getBoundingClientRect(), n = node.getBoundingClientRect();
    if (n.top < b.top || n.bottom > b.bottom) box.scrollTop += n.top - b.top - b.height / 3;
  }
  function plural(n, noun) { return n + " " + noun + (n === 1 ? "" : "s"); }

  // ---- navigation: #file=<path>&mutant=<id>, so a view can be linked to ----
  function link(path, mutant) {
    return "#file=" + encodeURIComponent(path) + (mutant === null || mutant === undefined ? "" : "&mutant=" + encodeURIComponent(mutant));
  }
  function parseHash() {
    const params = new URLSearchParams(location.hash.slice(1));
    return { file: params.get("file"), mutant: params.get("mutant") };
  }
  function go(path, mutant) {
    if (location.hash !== link(path, mutant)) location.hash = link(path, mutant);
    else route();
  }
  function refreshFileView() {
    document.getElementById("file-view").replaceWith(fileView(current.file));
    if (current.mutant !== null) select(current.mutant, true);
  }
  function route() {
    const wanted = parseHash();
    current = { file: wanted.file, mutant: wanted.mutant };
    document.querySelectorAll("tr.file-row").forEach(function (row) { row.classList.toggle("current", row.dataset.file === current.file); });
    document.getElementById("file-view").replaceWith(fileView(current.file));
    if (current.file) document.getElementById("file-view").scrollIntoView({ block: "start" });
    if (current.mutant !== null) select(current.mutant, true);
  }

  document.title = "Mutation score " + scores.overall.scoreText + (scores.overall.score === null ? "" : " %") + " — " + document.title;
  app.replaceChildren(overview(), fileTable(), survivors(), el("section", { id: "file-view" }));
  window.addEventListener("hashchange", route);
  if (location.hash) route(); else refreshFileView();
  document.documentElement.dataset.rendered = "ok";
})();
