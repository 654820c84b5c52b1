// The peer a user would write instead of the cluster: sharp decodes each picture and resizes it to the model's input,
// onnxruntime-node runs the same ONNX model (nsfwjs's mobilenet_v2) in batches of 8.
//   node peer.mjs <model.json> <file listing one picture path a line>   → one JSON line: images/s and CPU ms per image
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import sharp from "sharp";
import ort from "onnxruntime-node";

const [manifestPath, listPath] = process.argv.slice(2);
const manifest = JSON.parse(readFileSync(manifestPath, "utf8"));
const { name, width, height, scale } = manifest.input; // NHWC, RGB, pixel × scale (1/255)
const session = await ort.InferenceSession.create(join(dirname(manifestPath), manifest.file));
const files = readFileSync(listPath, "utf8").split("\n").filter(Boolean);
const pixels = width * height * 3;

async function classify(batch) {
  const rgb = await Promise.all(batch.map(file => sharp(file).resize(width, height, { fit: "fill" }).removeAlpha().raw().toBuffer()));
  const input = new Float32Array(batch.length * pixels);
  rgb.forEach((image, i) => { for (let p = 0; p < pixels; p++) input[i * pixels + p] = image[p] * scale; });
  return session.run({ [name]: new ort.Tensor("float32", input, [batch.length, height, width, 3]) });
}

await classify(files.slice(0, 8)); // the first run initialises ONNX Runtime: once per process, left out
const cpu = process.cpuUsage();
const started = performance.now();
for (let i = 0; i < files.length; i += 8) await classify(files.slice(i, i + 8));
const seconds = (performance.now() - started) / 1000;
const used = process.cpuUsage(cpu);
console.log(JSON.stringify({ images: files.length, seconds, imagesPerSecond: files.length / seconds, cpuMsPerImage: (used.user + used.system) / 1000 / files.length }));
