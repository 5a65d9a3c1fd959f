// Waits until a page of the built book shows what a reader sees, then says how that went:
// MathJax has typeset (it loads with `defer`), every image has loaded (lazy ones forced), every
// stored widget view has been drawn by the widget manager (or the time is up), fonts are ready.
// Run by Playwright's page.evaluate() before printing a page (publish/pdf.py) and before the
// browser check looks at one (tests/browser/). Touches no network of its own.
async () => {
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  const withTimeout = (promise, ms) => Promise.race([promise, sleep(ms).then(() => "timeout")]);
  const ready = { mathjax: "none", widgets: "none" };

  if (window.MathJax && window.MathJax.startup && window.MathJax.startup.promise) {
    try {
      ready.mathjax = (await withTimeout(window.MathJax.startup.promise, 30000)) === "timeout"
        ? "timeout" : "typeset";
    } catch (err) {
      ready.mathjax = "error: " + String(err);
    }
  }

  const images = Array.from(document.images);
  for (const img of images) if (img.loading === "lazy") img.loading = "eager";
  await withTimeout(Promise.all(images.map((img) => (img.complete ? null : new Promise((resolve) => {
    img.addEventListener("load", resolve, { once: true });
    img.addEventListener("error", resolve, { once: true });
  })))), 20000);

  // html-manager draws each view into a div.widget-subarea it puts just before the view's <script>.
  // Without stored widget state nothing can be drawn: do not wait for it.
  const views = Array.from(document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]'));
  const hasState = !!document.querySelector('script[type="application/vnd.jupyter.widget-state+json"]');
  if (views.length && hasState) {
    const drawn = (view) => {
      const box = view.previousElementSibling;
      return !!(box && box.classList.contains("widget-subarea") && box.childElementCount);
    };
    const start = Date.now();
    while (!views.every(drawn) && Date.now() - start < 15000) await sleep(100);
    ready.widgets = views.every(drawn) ? "drawn" : "timeout";
    await sleep(50);  // let the last view lay itself out
  } else if (views.length) {
    ready.widgets = "no widget state";
  }
  await withTimeout(document.fonts.ready, 10000);
  return ready;
}
