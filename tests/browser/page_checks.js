// Runs inside each page of the built book (Runtime.evaluate, awaitPromise). Returns plain data;
// check_book.py turns it into failures and notes. Keep it free of any network access.
(async () => {
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  const withTimeout = (promise, ms) => Promise.race([promise, sleep(ms)]);
  const snippet = (text, at, width = 40) =>
    text.slice(Math.max(0, at - width), at + width).replace(/\s+/g, " ").trim();

  // A short, stable description of an element: nearest section heading + tag/class/id.
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

  const out = { url: location.href, title: document.title };

  // 1. Wait for MathJax to finish its first typesetting pass (it is loaded with `defer`).
  out.mathjax_loaded = !!(window.MathJax && window.MathJax.startup && window.MathJax.startup.promise);
  if (out.mathjax_loaded) {
    try {
      await withTimeout(window.MathJax.startup.promise, 30000);
    } catch (err) {
      out.mathjax_error = String(err);
    }
  }

  // 2. Images: force lazy ones to load, then wait for all of them.
  const images = Array.from(document.images);
  for (const img of images) if (img.loading === "lazy") img.loading = "eager";
  await withTimeout(
    Promise.all(images.map((img) => (img.complete ? null : new Promise((resolve) => {
      img.addEventListener("load", resolve, { once: true });
      img.addEventListener("error", resolve, { once: true });
    })))),
    20000,
  );
  out.images = images.map((img) => ({
    src: img.getAttribute("src") || "",
    ok: img.complete && img.naturalWidth > 0,
    where: describe(img),
    in_output: !!img.closest(".cell_output"),
    natural: [img.naturalWidth, img.naturalHeight],
    shown: [Math.round(img.getBoundingClientRect().width), Math.round(img.getBoundingClientRect().height)],
  }));

  // 3. Math: every Sphinx/myst math element holds MathJax output, and no TeX error boxes.
  const mathEls = Array.from(document.querySelectorAll("span.math, div.math, .output.text_latex"));
  out.math_elements = mathEls.length;
  out.mjx_containers = document.querySelectorAll("mjx-container").length;
  out.untypeset_math = mathEls
    .filter((el) => !el.querySelector("mjx-container"))
    .map((el) => ({ where: describe(el), text: snippet(el.textContent, 0, 60) }));
  out.math_errors = Array.from(document.querySelectorAll("mjx-merror, mjx-container [data-mjx-error]"))
    .map((el) => ({
      where: describe(el.closest("mjx-container") || el),
      text: el.getAttribute("data-mjx-error") || snippet(el.textContent, 0, 60),
    }));

  //    A backslash inside \text{...} shows literally ("np\_array"): MathJax's text mode does not
  //    know \_ and friends unless the textmacros package is loaded.
  out.math_text_escapes = Array.from(document.querySelectorAll("mjx-container mjx-assistive-mml mtext"))
    .filter((el) => el.textContent.includes("\\"))
    .map((el) => ({ where: describe(el.closest("mjx-container")), text: el.textContent.slice(0, 60) }))
    .filter((e, i, all) => all.findIndex((f) => f.where === e.where && f.text === e.text) === i);

  // 4. Raw TeX delimiters left in the text (code, MathJax output and scripts excluded).
  const skip = "script, style, pre, code, kbd, samp, textarea, mjx-container, mjx-assistive-mml, .highlight";
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const raw = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!parent || parent.closest(skip)) continue;
    const text = node.nodeValue;
    const re = /\\\(|\\\)|\\\[|\\\]|\$\$|\\begin\{/g;
    let m;
    while ((m = re.exec(text)) !== null && raw.length < 50) {
      raw.push({ where: describe(parent), token: m[0], text: snippet(text, m.index) });
    }
  }
  out.raw_math = raw;

  // 5. Cell outputs showing an error, a traceback or a warning. Cells tagged raises-exception
  //    show their error on purpose; a caught error printed to stdout is the author's choice.
  const errors = [];
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
      // show the exception line ("ValueError: ...") when there is one
      const last = text.match(/^\s*[\w.]*(Error|Exception|Warning)\b:.*$/gm);
      const shown = last ? last[last.length - 1] : m ? m[0] : text;
      errors.push({ where: describe(el), why, text: shown.replace(/\s+/g, " ").trim().slice(0, 120) });
    }
  }
  out.output_errors = errors;

  // 6. Cells that call plt.show() but store no image: the plot is missing from the page.
  out.plots_missing = Array.from(document.querySelectorAll(".cell"))
    .filter((cell) => {
      const src = cell.querySelector(".cell_input");
      return src && /\bplt\.show\(\)/.test(src.textContent) && !cell.querySelector(".cell_output img");
    })
    .map((cell) => ({ where: describe(cell), text: snippet(cell.querySelector(".cell_input").textContent, 0, 60) }));

  // 7. Links and anchors, for check_book.py to resolve against the whole site.
  out.ids = Array.from(document.querySelectorAll("[id]"), (el) => el.id)
    .concat(Array.from(document.querySelectorAll("a[name]"), (el) => el.getAttribute("name")));
  out.links = Array.from(document.querySelectorAll("a[href]"))
    .filter((a) => !/^(mailto|javascript|tel):/i.test(a.getAttribute("href")))
    .map((a) => ({ href: a.href, raw: a.getAttribute("href"), where: describe(a), text: (a.textContent || "").trim().slice(0, 40) }));
  out.download_links = Array.from(document.querySelectorAll("a.btn-download-source-button"), (a) => a.href);

  // 8. Layout notes (not failures): content wider than the text column, long code lines, tall
  //    outputs, small plots, absolute paths in outputs.
  const notes = [];
  const article = document.querySelector("article.bd-article, main, body");
  const articleWidth = article.getBoundingClientRect().width;
  const excess = (el) => el.scrollWidth - el.clientWidth;
  for (const el of article.querySelectorAll("mjx-container[display='true'], table, .cell_output .output, .cell_output pre")) {
    const box = el.closest(".cell_output, div.math, .table-wrapper, .pst-scrollable-table-container") || el;
    const over = Math.round(Math.max(excess(el), box !== el ? excess(box) : 0, el.getBoundingClientRect().width - articleWidth));
    if (over > 8) {
      const output = el.closest(".output");
      const kind = output ? (output.className.split(/\s+/)[1] || "output") + " output: " : "";
      notes.push({ where: kind + describe(el), why: `${over}px wider than the text column: cut, scrolls sideways` });
    }
  }
  // code blocks whose longest line does not fit: one note per page, naming the cells
  const cutCode = [];
  let longestCut = 0;
  let narrowest = Infinity;
  for (const pre of article.querySelectorAll("div.highlight pre")) {
    if (pre.closest(".cell_output") || excess(pre) <= 8) continue;
    longestCut = Math.max(longestCut, ...pre.textContent.split("\n").map((line) => line.length));
    narrowest = Math.min(narrowest, pre.clientWidth);
    const cell = pre.closest("div.cell");
    cutCode.push(cell ? `cell ${codeCells.indexOf(cell) + 1}` : pre.closest(".solution, .exercise") ? "a solution" : "a code block");
  }
  if (cutCode.length) {
    const probe = document.createElement("span");  // the width of one character of code
    probe.textContent = "0".repeat(100);
    article.querySelector("div.highlight pre").appendChild(probe);
    const fit = Math.floor(narrowest / (probe.getBoundingClientRect().width / 100)) - 2;
    probe.remove();
    notes.push({ where: `code lines cut at the right in ${cutCode.length} block(s)`,
                 why: `${[...new Set(cutCode)].join(", ")} (longest line ${longestCut} characters; about ${fit} fit)` });
  }
  for (const el of article.querySelectorAll(".cell_output")) {
    const r = el.getBoundingClientRect();
    if (r.height > 900 && !el.closest("details:not([open])")) {
      notes.push({ where: describe(el), why: `output ${Math.round(r.height)}px tall: hide-output or shorten?` });
    }
    const path = /(^|[\s"'(])((\/(work|home|root|tmp|Users|private|opt)\/|[A-Z]:\\Users\\)[^\s"':,)]*)/m.exec(el.textContent);
    if (path) notes.push({ where: describe(el), why: `absolute path in the output: ${path[2].slice(0, 80)}` });
  }
  for (const img of out.images) {
    if (img.in_output && img.ok && img.shown[0] > 0 && img.shown[0] < 250) {
      notes.push({ where: img.where, why: `plot shown only ${img.shown[0]}px wide` });
    }
  }
  // notes about the same box once
  out.layout_notes = notes.filter((n, i, all) => all.findIndex((m) => m.where === n.where && m.why.slice(0, 12) === n.why.slice(0, 12)) === i);
  out.page_height = Math.ceil(document.documentElement.scrollHeight);
  return out;
})()
