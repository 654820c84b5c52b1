// Unwraps one nsfwjs model directory (browserify-wrapped model.min.js and group*-shard*.min.js) into the plain
// TensorFlow.js layers-model layout: model.json plus binary weight shards named as weightsManifest.paths says.
// Each wrapper is evaluated in an empty V8 context (no require, process or file system); only its module.exports
// value is read back. Usage: node unwrap.mjs <package model dir> <output dir>
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import vm from "node:vm";

function evaluateWrapped(file) {
  const sandbox = { module: { exports: {} } };
  sandbox.exports = sandbox.module.exports;
  vm.runInNewContext(readFileSync(file, "utf8"), sandbox, { filename: file, timeout: 60_000 });
  return sandbox.module.exports;
}

const [sourceDir, outputDir] = process.argv.slice(2);
if (!sourceDir || !outputDir) {
  console.error("usage: node unwrap.mjs <package model dir> <output dir>");
  process.exit(2);
}

const model = evaluateWrapped(join(sourceDir, "model.min.js"));
if (typeof model !== "object" || model === null || !model.modelTopology || !Array.isArray(model.weightsManifest)) {
  console.error(`${sourceDir}/model.min.js does not export a TensorFlow.js model (modelTopology + weightsManifest).`);
  process.exit(1);
}

mkdirSync(outputDir, { recursive: true });
// JSON.stringify round-trips the numbers exactly (shortest representation), so min/scale stay bit-identical.
writeFileSync(join(outputDir, "model.json"), JSON.stringify(model));

for (const group of model.weightsManifest) {
  for (const path of group.paths) {
    const base64 = evaluateWrapped(join(sourceDir, `${path}.min.js`));
    if (typeof base64 !== "string") {
      console.error(`${path}.min.js does not export a base64 string.`);
      process.exit(1);
    }
    writeFileSync(join(outputDir, path), Buffer.from(base64, "base64"));
  }
}
console.log(`unwrapped ${sourceDir} into ${outputDir}`);
