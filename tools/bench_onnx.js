// ONNX Runtime's side of the benchmark (tools/bench_compare.sh): times an exported FILM
// (tools/bench_onnx_export.py) the way film bench does — one warm-up, then RUNS timed frames —
// with the CPU execution provider, INTRA intra-op threads, all graph optimisations; prints one JSON
// line with min/median seconds and the process's peak RSS.
// Usage: node tools/bench_onnx.js MODEL.onnx THREADS RUNS   (onnxruntime-node from npm, found via
// NODE_PATH; bench_compare.sh installs it into the git-ignored .bench/)
const ort = require("onnxruntime-node");

async function main() {
  const [path, threadsArg, runsArg] = process.argv.slice(2);
  if (!path) {
    console.error("usage: node tools/bench_onnx.js MODEL.onnx THREADS RUNS");
    process.exit(2);
  }
  const threads = parseInt(threadsArg || "2", 10), runs = parseInt(runsArg || "3", 10);
  const session = await ort.InferenceSession.create(path, {
    executionProviders: ["cpu"],
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: "all",
  });
  const dims = session.inputMetadata
    ? session.inputMetadata[0].shape
    : null;
  const shape = dims && dims.every((d) => typeof d === "number") ? dims : null;
  if (!shape) throw new Error("the model's inputs need static shapes");
  const n = shape.reduce((a, b) => a * b, 1);
  const feeds = {};
  for (const [k, name] of session.inputNames.entries()) {
    const data = new Float32Array(n);
    for (let i = 0; i < n; ++i) data[i] = ((i * 7 + 40 * k) % 255) / 255;
    feeds[name] = new ort.Tensor("float32", data, shape);
  }
  await session.run(feeds);  // warm-up
  const times = [];
  for (let r = 0; r < runs; ++r) {
    const t = process.hrtime.bigint();
    await session.run(feeds);
    times.push(Number(process.hrtime.bigint() - t) / 1e9);
  }
  times.sort((a, b) => a - b);
  console.log(JSON.stringify({
    impl: "onnxruntime " + (ort.env.versions ? ort.env.versions.common || "" : ""),
    threads,
    size: `${shape[3]}x${shape[2]}`,
    min_s: +times[0].toFixed(4),
    median_s: +times[Math.floor(times.length / 2)].toFixed(4),
    peak_rss_mib: +(process.resourceUsage().maxRSS / 1024).toFixed(1),
  }));
}

main().catch((e) => {
  console.error("bench_onnx: " + e.message);
  process.exit(1);
});
