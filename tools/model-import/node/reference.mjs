// The reference implementation: nsfwjs 4.4.0 on TensorFlow.js, as a library and as a command line.
// It is the oracle of the parity test (pure JS "cpu" backend) and the baseline of the classifier benchmark ("wasm").
//
//   node reference.mjs classify --model mobilenet_v2 [--backend cpu|wasm] <image>...
//       one JSON line per image: nsfwjs classify() output.
//   node reference.mjs parity --model mobilenet_v2 --images <list.txt> [--tensors <in.f32>] --out <dir>
//       classify.json: nsfwjs classify() of each image (probabilities in class order); inputs.f32: the tensor
//       nsfwjs built from each image; probabilities.f32 + embeddings.f32: both outputs for the given tensors.
//   node reference.mjs bench --model mobilenet_v2 [--backend wasm] [--batch 1] [--iterations 20] [--threads N]
//       one JSON line with milliseconds per image for model.predict on random input.
//   node reference.mjs predict-layers --dir <tfjs layers-model dir> --tensors <in.f32> --out <out.f32>
//       runs any plain layers-model (model.json + shards) with tf.loadLayersModel; writes its first output.
//   node reference.mjs decode-weights --specs <specs.json> --data <weights.bin> --out <out.f32>
//       tf.io.decodeWeights (the dequantization tfjs applies when loading), values in spec order.
// Tensors are raw little-endian float32, NHWC, one image after another. Images are decoded with jpeg-js or pngjs
// (pure JS, as tfjs-node cannot be installed here), so the C# side's decoder is compared against an independent one.
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import * as tf from "@tensorflow/tfjs";
import { setWasmPaths, setThreadsCount } from "@tensorflow/tfjs-backend-wasm";
import { load } from "nsfwjs";
import jpeg from "jpeg-js";
import { PNG } from "pngjs";

const require = createRequire(import.meta.url);

/** The bundled layers-models this project imports; sizes and classes are nsfwjs's, the embedding is the 128-unit Dense layer. */
export const MODELS = {
  mobilenet_v2: { nsfwjsName: "MobileNetV2", size: 224, embeddingLayer: "dense_2" },
  inception_v3: { nsfwjsName: "InceptionV3", size: 299, embeddingLayer: "dense_2" },
};

export const CLASSES = ["Drawing", "Hentai", "Neutral", "Porn", "Sexy"];

export async function useBackend(backend, threads) {
  if (backend === "wasm") {
    setWasmPaths(dirname(require.resolve("@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm")) + "/");
    if (threads) {
      setThreadsCount(threads);
    }
  }
  if (!(await tf.setBackend(backend))) {
    throw new Error(`TensorFlow.js backend '${backend}' could not be initialised.`);
  }
  await tf.ready();
}

/** Loads a bundled model through nsfwjs itself, plus a two-output view (probabilities, embedding) of the same layers. */
export async function loadModel(key) {
  const spec = MODELS[key];
  if (!spec) {
    throw new Error(`Unknown model '${key}'; expected one of ${Object.keys(MODELS).join(", ")}.`);
  }
  const nsfw = await load(spec.nsfwjsName, { size: spec.size });
  const layers = nsfw.model;
  const withEmbedding = tf.model({
    inputs: layers.inputs,
    outputs: [layers.outputs[0], layers.getLayer(spec.embeddingLayer).output],
  });
  return { key, size: spec.size, nsfw, withEmbedding };
}

/** Decodes a JPEG or PNG file into an int32 [height, width, 3] tensor (alpha dropped, as tf.browser.fromPixels does). */
export function decodeImage(path) {
  const bytes = readFileSync(path);
  let width, height, rgba;
  if (bytes[0] === 0x89 && bytes[1] === 0x50) {
    const png = PNG.sync.read(bytes);
    ({ width, height } = png);
    rgba = png.data;
  } else if (bytes[0] === 0xff && bytes[1] === 0xd8) {
    const image = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxMemoryUsageInMB: 1024 });
    ({ width, height } = image);
    rgba = image.data;
  } else {
    throw new Error(`${path} is neither PNG nor JPEG.`);
  }
  const rgb = new Int32Array(width * height * 3);
  for (let pixel = 0, out = 0; pixel < width * height; pixel++) {
    rgb[out++] = rgba[pixel * 4];
    rgb[out++] = rgba[pixel * 4 + 1];
    rgb[out++] = rgba[pixel * 4 + 2];
  }
  return tf.tensor3d(rgb, [height, width, 3], "int32");
}

/** nsfwjs's own preprocessing (NSFWJS.infer): /255, then resizeBilinear with alignCorners when the size differs. */
export function preprocess(image, size) {
  return tf.tidy(() => {
    const normalized = image.toFloat().div(tf.scalar(255));
    const [height, width] = image.shape;
    const resized = height !== size || width !== size
      ? tf.image.resizeBilinear(normalized, [size, size], true)
      : normalized;
    return resized.reshape([size, size, 3]);
  });
}

/** Runs the two-output view over [n, size, size, 3] in batches; returns flat probabilities and embeddings. */
export async function predict(model, batch, batchSize = 8) {
  const count = batch.shape[0];
  const probabilities = [];
  const embeddings = [];
  for (let start = 0; start < count; start += batchSize) {
    const slice = batch.slice([start, 0, 0, 0], [Math.min(batchSize, count - start), -1, -1, -1]);
    const [probs, embedding] = model.withEmbedding.predict(slice);
    probabilities.push(await probs.data());
    embeddings.push(await embedding.data());
    tf.dispose([slice, probs, embedding]);
  }
  return { probabilities: concat(probabilities), embeddings: concat(embeddings) };
}

/** nsfwjs classify() with every class, reordered into class order. */
export async function classifyInClassOrder(model, image) {
  const predictions = await model.nsfw.classify(image, CLASSES.length);
  return CLASSES.map(name => predictions.find(p => p.className === name).probability);
}

function concat(arrays) {
  const result = new Float32Array(arrays.reduce((sum, a) => sum + a.length, 0));
  let offset = 0;
  for (const a of arrays) {
    result.set(a, offset);
    offset += a.length;
  }
  return result;
}

function readTensors(path, size) {
  const bytes = readFileSync(path);
  const perImage = size * size * 3 * 4;
  if (bytes.length % perImage !== 0) {
    throw new Error(`${path} holds ${bytes.length} bytes, not a whole number of ${size}×${size}×3 float32 images.`);
  }
  const values = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
  return tf.tensor4d(values, [bytes.length / perImage, size, size, 3]);
}

function writeFloats(path, values) {
  writeFileSync(path, Buffer.from(values.buffer, values.byteOffset, values.byteLength));
}

function parseArguments(argv) {
  const options = { backend: "cpu", batch: "8", iterations: "20", files: [] };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i].startsWith("--")) {
      options[argv[i].slice(2)] = argv[++i];
    } else {
      options.files.push(argv[i]);
    }
  }
  return options;
}

async function runParity(model, options) {
  const imagePaths = options.images
    ? readFileSync(options.images, "utf8").split("\n").map(line => line.trim()).filter(Boolean)
    : [];
  const classify = [];
  const imageTensors = [];
  let started = performance.now();
  for (const path of imagePaths) {
    const image = decodeImage(path);
    const probabilities = await classifyInClassOrder(model, image);
    classify.push({ file: path, width: image.shape[1], height: image.shape[0], probabilities });
    imageTensors.push(preprocess(image, model.size));
    image.dispose();
  }
  const classifyMs = performance.now() - started;

  let probabilities = new Float32Array(0);
  let embeddings = new Float32Array(0);
  let tensorCount = 0;
  started = performance.now();
  if (options.tensors) {
    const batch = readTensors(options.tensors, model.size);
    tensorCount = batch.shape[0];
    ({ probabilities, embeddings } = await predict(model, batch, Number(options.batch)));
    batch.dispose();
  }
  const predictMs = performance.now() - started;

  mkdirSync(options.out, { recursive: true });
  const inputs = imageTensors.length ? await tf.stack(imageTensors).data() : new Float32Array(0);
  writeFloats(join(options.out, "inputs.f32"), inputs);
  writeFloats(join(options.out, "probabilities.f32"), probabilities);
  writeFloats(join(options.out, "embeddings.f32"), embeddings);
  writeFileSync(join(options.out, "classify.json"), JSON.stringify(classify, null, 1));
  writeFileSync(join(options.out, "meta.json"), JSON.stringify({
    model: model.key,
    backend: tf.getBackend(),
    tfjs: tf.version.tfjs,
    nsfwjs: JSON.parse(readFileSync(new URL("./node_modules/nsfwjs/package.json", import.meta.url), "utf8")).version,
    images: imagePaths.length,
    tensors: tensorCount,
    size: model.size,
    classifyMs,
    predictMs,
  }, null, 1));
}

async function runBench(model, options) {
  const batchSize = Number(options.batch);
  const iterations = Number(options.iterations);
  const input = tf.randomUniform([batchSize, model.size, model.size, 3]);
  tf.dispose(model.nsfw.model.predict(input));
  const started = performance.now();
  for (let i = 0; i < iterations; i++) {
    const output = model.nsfw.model.predict(input);
    await output.data();
    output.dispose();
  }
  const elapsed = performance.now() - started;
  console.log(JSON.stringify({
    model: model.key, backend: tf.getBackend(), batch: batchSize, iterations,
    msPerBatch: elapsed / iterations, msPerImage: elapsed / iterations / batchSize,
  }));
}

/** Loads a plain layers-model directory through tfjs's own deserialisation, without nsfwjs. */
export async function loadLayersModelDirectory(directory) {
  const manifest = JSON.parse(readFileSync(join(directory, "model.json"), "utf8"));
  const weightSpecs = manifest.weightsManifest.flatMap(group => group.weights);
  const shards = manifest.weightsManifest.flatMap(group => group.paths).map(path => readFileSync(join(directory, path)));
  const weightData = new Uint8Array(Buffer.concat(shards)).buffer;
  return tf.loadLayersModel(tf.io.fromMemory({ modelTopology: manifest.modelTopology, weightSpecs, weightData }));
}

async function runPredictLayers(options) {
  const model = await loadLayersModelDirectory(options.dir);
  const shape = model.inputs[0].shape.slice(1);
  const bytes = readFileSync(options.tensors);
  const perItem = shape.reduce((a, b) => a * b, 1);
  const values = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
  const input = tf.tensor(values, [values.length / perItem, ...shape]);
  const output = model.predict(input);
  writeFloats(options.out, await (Array.isArray(output) ? output[0] : output).data());
}

async function runDecodeWeights(options) {
  const specs = JSON.parse(readFileSync(options.specs, "utf8"));
  const bytes = readFileSync(options.data);
  const decoded = tf.io.decodeWeights(new Uint8Array(bytes).buffer, specs);
  writeFloats(options.out, concat(await Promise.all(specs.map(spec => decoded[spec.name].data()))));
}

async function main() {
  const [command, ...rest] = process.argv.slice(2);
  const options = parseArguments(rest);
  await useBackend(options.backend, options.threads ? Number(options.threads) : undefined);
  if (command === "predict-layers") {
    return runPredictLayers(options);
  }
  if (command === "decode-weights") {
    return runDecodeWeights(options);
  }
  const model = await loadModel(options.model ?? "mobilenet_v2");
  switch (command) {
    case "classify":
      for (const file of options.files) {
        const image = decodeImage(file);
        console.log(JSON.stringify({ file, predictions: await model.nsfw.classify(image, CLASSES.length) }));
        image.dispose();
      }
      break;
    case "parity":
      if (!options.out) {
        throw new Error("parity needs --out <dir>.");
      }
      await runParity(model, options);
      break;
    case "bench":
      await runBench(model, options);
      break;
    default:
      throw new Error(`Unknown command '${command}'; expected classify, parity or bench.`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  // nsfwjs logs which model it uses, and tfjs suggests tfjs-node: neither is output of this tool.
  console.info = () => {};
  main().catch(error => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
