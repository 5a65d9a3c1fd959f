// Runs inside each page of the built book, after publish/page_ready.js has waited for MathJax,
// the images and the widgets. Returns {failures: [{kind, where, why}], ids, links, download_links,
// page_height}; check_book.py prints the failures. `phone` is true in the 390 px pass.
// Keep it free of any network access.
({ phone }) => {
  // A cell may opt out of one layout rule with a tag that says why (class tag_<name> on the cell).
  const OPT_OUT = { wide: "scroll-wide-table", tall: "show-full-output" };
  const failures = [];
  const fail = (kind, where, why) => failures.push({ kind, where, why });
  const snippet = (text, at = 0, width = 40) =>
    text.slice(Math.max(0, at - width), at + width).replace(/\s+/g, " ").trim();

  // A short, stable description of an element: what it is, its code cell, its exercise, its section.
  const codeCells = Array.from(document.querySelectorAll("div.cell"));
  const describe = (el) => {
    let what = el.tagName.toLowerCase();
    if (what === "mjx-container") {
      let tex = "";
      try {
        const items = window.MathJax.startup.document.getMathItemsWithin(el);
        tex = items.length ? items[0].math : "";
      } catch (err) { /* MathJax API unavailable: no source to show */ }
      what = `math "${tex.replace(/\s+/g, " ").trim().slice(0, 50)}"`;
    } else {
      if (el.id) what += "#" + el.id;
      const cls = (el.getAttribute("class") || "").trim().split(/\s+/).filter(Boolean).slice(0, 3);
      if (cls.length) what += "." + cls.join(".");
    }
    const cell = el.closest("div.cell");
    if (cell) {
      const pre = cell.querySelector(".cell_input pre");
      const first = pre ? pre.textContent.trim().split("\n")[0].slice(0, 50) : "";
      what += ` in code cell ${codeCells.indexOf(cell) + 1} (${first})`;
    }
    const box = el.closest(".solution, .exercise");
    if (box) {
      const title = box.querySelector(".admonition-title");
      what += ` in ${box.classList.contains("solution") ? "solution" : "exercise"} "${title ? title.textContent.trim().replace(/^Solution to\s*/, "") : "?"}"`;
    }
    const section = (box || el).closest("section[id]:not(#solution-content)");
    return section ? `${what} in section #${section.id}` : what;
  };
  const optedOut = (el, rule) => !!el.closest(`div.cell.tag_${OPT_OUT[rule]}`);

  // 1. Math: every math element holds MathJax output; no TeX error; no \text{} backslash shown
  //    literally (np\_array: MathJax needs its textmacros package); no raw TeX left in the text.
  const mathEls = Array.from(document.querySelectorAll("span.math, div.math, .output.text_latex"));
  for (const el of mathEls) {
    if (!el.querySelector("mjx-container")) fail("math", describe(el), `math not typeset: ${JSON.stringify(snippet(el.textContent, 0, 60))}`);
  }
  for (const el of document.querySelectorAll("mjx-merror, mjx-container [data-mjx-error]")) {
    fail("math", describe(el.closest("mjx-container") || el), `TeX error in math: ${el.getAttribute("data-mjx-error") || snippet(el.textContent, 0, 60)}`);
  }
  const escapes = new Set();
  for (const el of document.querySelectorAll("mjx-container mjx-assistive-mml mtext")) {
    const where = describe(el.closest("mjx-container"));
    if (el.textContent.includes("\\") && !escapes.has(where + el.textContent)) {
      escapes.add(where + el.textContent);
      fail("math", where, `backslash shown literally in math \\text{}: ${JSON.stringify(el.textContent.slice(0, 60))}`);
    }
  }
  const skip = "script, style, pre, code, kbd, samp, textarea, mjx-container, mjx-assistive-mml, .highlight";
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const raw = new Map();  // one failure per text node, naming every delimiter found in it
  for (let node = walker.nextNode(); node && raw.size < 50; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!parent || parent.closest(skip)) continue;
    for (const m of node.nodeValue.matchAll(/\\\(|\\\)|\\\[|\\\]|\$\$|\\begin\{/g)) {
      if (!raw.has(node)) raw.set(node, { where: describe(parent), tokens: new Set(), text: snippet(node.nodeValue, m.index) });
      raw.get(node).tokens.add(m[0]);
    }
  }
  for (const { where, tokens, text } of raw.values()) {
    fail("math", where, `raw TeX ${[...tokens].map((t) => `'${t}'`).join(" ")} in text: ${JSON.stringify(text)}`);
  }

  // 2. Images: every one loaded; every cell that calls plt.show() shows one, except where the
  //    student edition cleared the outputs on purpose (tag output-cleared: the student's code makes them).
  const images = Array.from(document.images);
  for (const img of images) {
    if (!(img.complete && img.naturalWidth > 0)) fail("image", describe(img), `image not loaded: src=${(img.getAttribute("src") || "").slice(0, 120)}`);
  }
  for (const cell of codeCells) {
    const src = cell.querySelector(".cell_input");
    if (src && /\bplt\.show\(\)/.test(src.textContent) && !cell.querySelector(".cell_output img")
        && !cell.classList.contains("tag_output-cleared")) {
      fail("image", describe(cell), `plot missing: the cell calls plt.show() but stores no image: ${JSON.stringify(snippet(src.textContent, 0, 60))}`);
    }
  }

  // 3. Cell outputs showing an error, a traceback or a warning. Cells tagged raises-exception show
  //    theirs on purpose; a caught error printed to stdout is the author's choice.
  for (const el of document.querySelectorAll(".cell_output .output, .output_error")) {
    const cell = el.closest(".cell");
    if (cell && cell.classList.contains("tag_raises-exception")) continue;
    const text = el.textContent || "";
    let why = null;
    let m = null;
    if (el.matches(".traceback, .error, .output_error")) why = "error output";
    else if ((m = /Traceback \(most recent call last\)/.exec(text))) why = "traceback in output";
    else if (el.matches(".stderr") && (m = /^.*\b[A-Za-z_.]*(Error|Exception): .*$/m.exec(text))) why = "error message on stderr";
    else if (el.matches(".stderr") && (m = /^.*\b[A-Za-z_.]*Warning: .*$/m.exec(text))) why = "warning on stderr";
    if (why) {
      const last = text.match(/^\s*[\w.]*(Error|Exception|Warning)\b:.*$/gm);  // "ValueError: ..."
      const shown = last ? last[last.length - 1] : m ? m[0] : text;
      fail("output", describe(el), `${why}: ${JSON.stringify(shown.replace(/\s+/g, " ").trim().slice(0, 120))}`);
    }
  }

  // 4. Widgets (the stored progress bars): every view drawn, none failed (html-manager then shows
  //    an error box), every progress bar full.
  const hasState = !!document.querySelector('script[type="application/vnd.jupyter.widget-state+json"]');
  for (const view of document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]')) {
    const box = view.previousElementSibling;
    const where = describe(view.parentElement);
    if (!(box && box.classList.contains("widget-subarea") && box.childElementCount)) {
      fail("widget", where, hasState ? "widget not drawn (no widget manager on the page, or it failed)"
        : "widget not drawn: the page stores no widget state (the notebook was executed without it)");
      continue;
    }
    for (const bar of box.querySelectorAll(".widget-hprogress .progress")) {
      const fill = bar.querySelector(".progress-bar");
      const full = bar.getBoundingClientRect().width;
      const pct = full > 0 && fill ? Math.round((1000 * fill.getBoundingClientRect().width) / full) / 10 : 0;
      if (pct < 99.5) fail("widget", where, `progress bar at ${pct}%, not finished: ${JSON.stringify(snippet(box.textContent, 0, 80))}`);
    }
  }
  for (const err of document.querySelectorAll(".jupyter-widgets-error-widget")) {
    fail("widget", describe(err.closest(".cell_output") || err), `widget failed to render: ${JSON.stringify(snippet(err.textContent, 0, 80))}`);
  }

  // 5. Links and anchors, for check_book.py to resolve against the whole site.
  const ids = Array.from(document.querySelectorAll("[id]"), (el) => el.id)
    .concat(Array.from(document.querySelectorAll("a[name]"), (el) => el.getAttribute("name")));
  const links = Array.from(document.querySelectorAll("a[href]"))
    .filter((a) => !/^(mailto|javascript|tel):/i.test(a.getAttribute("href")))
    .map((a) => ({ href: a.href, raw: a.getAttribute("href"), where: describe(a), text: (a.textContent || "").trim().slice(0, 40) }));
  const download_links = Array.from(document.querySelectorAll("a.btn-download-source-button"), (a) => a.href);

  // 6. Layout. At any width the page itself never scrolls sideways: whatever sticks out of the
  //    viewport must be inside a box that scrolls (overflow-x auto/scroll), not widen the page, and
  //    not be cut by a box that hides its overflow.
  const article = document.querySelector("article.bd-article") || document.querySelector("main") || document.body;
  const reported = [];
  const vw = document.documentElement.clientWidth;
  for (const el of article.querySelectorAll("*")) {
    // MathJax's assistive MathML is clipped to nothing on purpose: screen readers read it
    if (el.closest("mjx-assistive-mml") || reported.some((r) => r.contains(el))) continue;
    const r = el.getBoundingClientRect();
    if (!r.width || (r.right <= vw + 1 && r.left >= -1) || getComputedStyle(el).visibility === "hidden") continue;
    let clip = el.parentElement;
    while (clip && clip !== document.body && getComputedStyle(clip).overflowX === "visible") clip = clip.parentElement;
    const overflow = clip && clip !== document.body ? getComputedStyle(clip).overflowX : "visible";
    if (overflow === "auto" || overflow === "scroll") continue;  // scrolls inside its own box
    reported.push(el);
    fail("layout", describe(el), overflow === "visible"
      ? `sticks out of the ${vw}px page by ${Math.round(Math.max(r.right - vw, -r.left))}px: the page scrolls sideways`
      : `cut off at the edge of the ${vw}px page (its box hides the overflow; it cannot be scrolled)`);
  }
  if (document.documentElement.scrollWidth > vw + 1 && !reported.length) {
    fail("layout", "the page", `the page is ${document.documentElement.scrollWidth}px wide in a ${vw}px viewport: it scrolls sideways`);
  }
  //    At desktop width the text column holds everything: no math, table or output wider than it
  //    (it would scroll sideways inside its box), no code line cut at the right, no very tall
  //    output, no tiny plot, no absolute path in an output. (At phone width wide content may
  //    scroll inside its box; the rule above is the one that applies.)
  if (!phone) {
    const columnWidth = article.getBoundingClientRect().width;
    const excess = (el) => el.scrollWidth - el.clientWidth;
    const wide = new Set();
    for (const el of article.querySelectorAll("mjx-container[display='true'], table, .cell_output .output, .cell_output pre")) {
      if (optedOut(el, "wide")) continue;
      const box = el.closest(".cell_output, div.math, .table-wrapper, .pst-scrollable-table-container") || el;
      const over = Math.round(Math.max(excess(el), box !== el ? excess(box) : 0, el.getBoundingClientRect().width - columnWidth));
      const cellOrBox = el.closest("div.cell") || box;
      if (over > 8 && !wide.has(cellOrBox)) {
        wide.add(cellOrBox);  // one failure per cell: its widest part
        const output = el.closest(".output");
        const kind = output ? (output.className.split(/\s+/)[1] || "output") + " output: " : "";
        fail("layout", kind + describe(el), `${over}px wider than the text column (it scrolls sideways): shorten it, or tag the cell ${OPT_OUT.wide} if it is meant to scroll`);
      }
    }
    const cut = [];
    let longest = 0;
    let narrowest = Infinity;
    for (const pre of article.querySelectorAll("div.highlight pre")) {
      if (pre.closest(".cell_output") || excess(pre) <= 8) continue;
      longest = Math.max(longest, ...pre.textContent.split("\n").map((line) => line.length));
      narrowest = Math.min(narrowest, pre.clientWidth);
      const cell = pre.closest("div.cell");
      cut.push(cell ? `cell ${codeCells.indexOf(cell) + 1}` : pre.closest(".solution, .exercise") ? "a solution" : "a code block");
    }
    if (cut.length) {
      const probe = document.createElement("span");  // the width of one character of code
      probe.textContent = "0".repeat(100);
      article.querySelector("div.highlight pre").appendChild(probe);
      const fit = Math.floor(narrowest / (probe.getBoundingClientRect().width / 100)) - 2;
      probe.remove();
      fail("layout", `code lines cut at the right in ${cut.length} block(s)`, `${[...new Set(cut)].join(", ")} (longest line ${longest} characters; about ${fit} fit)`);
    }
    for (const el of article.querySelectorAll(".cell_output")) {
      const h = el.getBoundingClientRect().height;
      if (h > 900 && !el.closest("details:not([open])") && !optedOut(el, "tall")) {
        fail("layout", describe(el), `output ${Math.round(h)}px tall: shorten it, hide it (hide-output), or tag the cell ${OPT_OUT.tall}`);
      }
      const path = /(^|[\s"'(])((\/(work|home|root|tmp|Users|private|opt)\/|[A-Z]:\\Users\\)[^\s"':,)]*)/m.exec(el.textContent);
      if (path) fail("layout", describe(el), `absolute path in the output: ${path[2].slice(0, 80)}`);
    }
    for (const img of images) {
      const w = Math.round(img.getBoundingClientRect().width);
      if (img.closest(".cell_output") && img.naturalWidth > 0 && w > 0 && w < 250) fail("layout", describe(img), `plot shown only ${w}px wide`);
    }
  }
  return { failures, ids, links, download_links, page_height: Math.ceil(document.documentElement.scrollHeight) };
}
