// Runs the bench's speed loop in headless Chromium (Debian's, via playwright-core)
// and returns the samples per contender, for run.mjs to print beside Node's.
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";

const ROOT = new URL("../", import.meta.url);

export async function chromiumSpeed({ rounds, roundMs }) {
  const esbuild = await import("esbuild");
  const { chromium } = await import("playwright-core");
  const bundle = await esbuild.build({
    entryPoints: [new URL("bench/browser-entry.mjs", ROOT).pathname],
    bundle: true, format: "esm", platform: "browser", write: false, logLevel: "error",
  });
  const js = Buffer.from(bundle.outputFiles[0].contents);
  const server = createServer(async (req, res) => {
    const path = new URL(req.url, "http://x").pathname;
    if (path === "/") {
      res.writeHead(200, { "content-type": "text/html" });
      return res.end('<!doctype html><meta charset="utf-8"><script type="module" src="/bench.js"></script>');
    }
    if (path === "/bench.js") {
      res.writeHead(200, { "content-type": "text/javascript" });
      return res.end(js);
    }
    if (/^\/pkg\/[\w.-]+\.wasm$/.test(path)) {
      res.writeHead(200, { "content-type": "application/wasm" });
      return res.end(await readFile(new URL(path.slice(1), ROOT)));
    }
    res.writeHead(404);
    res.end();
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  try {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${server.address().port}/`);
    await page.waitForFunction(() => typeof window.runBench === "function");
    return await page.evaluate((o) => window.runBench(o), { rounds, roundMs });
  } finally {
    await browser.close();
    server.closeAllConnections();
    server.close();
  }
}
