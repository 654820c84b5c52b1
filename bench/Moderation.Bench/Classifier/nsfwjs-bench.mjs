// nsfwjs as its users run it in Node: decode a JPEG in pure JS (tfjs-node cannot be installed here) and classify()
// one image at a time, on the same frames the classifier benchmark uses. Reuses the model import's reference setup.
//
//   node nsfwjs-bench.mjs --backend cpu|wasm --images <list.txt> [--model mobilenet_v2] [--seconds 30] [--max 100000]
// Prints one JSON line: images, seconds, imagesPerSecond and per-image latency percentiles.
import { readFileSync } from "node:fs";
import { useBackend, loadModel, decodeImage, CLASSES } from "../../../tools/model-import/node/reference.mjs";

const options = { backend: "cpu", model: "mobilenet_v2", seconds: "30", max: "100000", min: "4" };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i += 2) {
  options[argv[i].replace(/^--/, "")] = argv[i + 1];
}

// nsfwjs and tfjs chat on stdout; the one JSON line printed at the end is this script's output.
const log = console.log;
console.log = console.info = console.warn = () => {};

await useBackend(options.backend, options.threads ? Number(options.threads) : undefined);
const model = await loadModel(options.model);
const files = readFileSync(options.images, "utf8").split("\n").map(line => line.trim()).filter(Boolean);

async function classify(file) {
  const image = decodeImage(file);
  try {
    return await model.nsfw.classify(image, CLASSES.length);
  } finally {
    image.dispose();
  }
}

// The first calls compile kernels / initialise the backend; users pay that once per process, so it is left out.
await classify(files[0]);
await classify(files[1 % files.length]);

const budgetMs = Number(options.seconds) * 1000;
const latencies = [];
const started = performance.now();
for (let i = 0; i < Number(options.max); i++) {
  if (i >= Number(options.min) && performance.now() - started >= budgetMs) {
    break;
  }
  const before = performance.now();
  await classify(files[i % files.length]);
  latencies.push(performance.now() - before);
}
const seconds = (performance.now() - started) / 1000;
latencies.sort((a, b) => a - b);
const percentile = q => latencies[Math.min(latencies.length - 1, Math.max(0, Math.ceil(q * latencies.length) - 1))];
log(JSON.stringify({
  backend: options.backend,
  images: latencies.length,
  seconds,
  imagesPerSecond: latencies.length / seconds,
  p50Ms: percentile(0.5),
  p95Ms: percentile(0.95),
  p99Ms: percentile(0.99),
}));
