// The consumer projects under examples/, as scripts/consumers.sh installed (from the
// packed tarball) and built them: each is used the way its stack uses a package.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const EXAMPLES = path.join(REPO, "examples");
const LAUNCH = {
  executablePath: "/usr/bin/chromium",
  args: [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
  ],
};

// The Node example's module is imported from examples/node, so it resolves
// billcom-connection/node from the tarball installed there. (The browser examples
// plain, webpack and react are driven by scripts/examples.mjs.)
const { server: nodeBackend } = await import(path.join(EXAMPLES, "node/server.mjs"));

async function listen(server) {
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return `http://127.0.0.1:${server.address().port}`;
}


const VALID = {
  name: "Team cards",
  apiType: "spend-expense",
  environment: "sandbox",
  settings: {},
  secrets: { apiToken: "tok-0123456789abcdef" },
};

let browser;
before(async () => {
  browser = await chromium.launch(LAUNCH);
});
after(async () => {
  await browser?.close();
});

/** Fills the element's Spend & Expense form, saves, and returns the saved event's detail. */
async function saveSpendConnection(page, name) {
  const form = page.locator("billcom-connection-form");
  await form.getByLabel("API type").selectOption("spend-expense");
  await form.getByLabel("Name your connection").fill(name);
  await form.getByLabel("Environment").selectOption("sandbox");
  await form.getByLabel("API token", { exact: true }).fill("tok-0123456789abcdef");
  const saved = page.evaluate(
    () => new Promise((resolve) => addEventListener("billcom-saved", (e) => resolve(e.detail), { once: true })),
  );
  await form.getByRole("button", { name: "Save" }).click();
  return saved;
}

describe("Node ESM backend (billcom-connection/node, node:http)", () => {
  let base;
  before(async () => {
    base = await listen(nodeBackend);
  });
  after(() => nodeBackend.close());

  test("a valid submission is accepted and no secret comes back", async () => {
    const res = await fetch(`${base}/api/connections`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ ...VALID, name: "  Team cards  " }),
    });
    assert.equal(res.status, 201);
    const body = await res.json();
    assert.equal(body.name, "Team cards", "trimmed as the reference backend trims");
    assert.deepEqual(body.secretsSet, ["apiToken"]);
    assert.ok(!JSON.stringify(body).includes("tok-0123456789abcdef"));
  });

  test("an invalid submission gets the validator's items with a 422", async () => {
    const res = await fetch(`${base}/api/connections`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ ...VALID, environment: "staging", secrets: { apiToken: "has space" } }),
    });
    assert.equal(res.status, 422);
    const { errors } = await res.json();
    assert.deepEqual(
      errors.map((e) => [e.field, e.code]).sort(),
      [["apiToken", "invalid_format"], ["environment", "invalid_option"]],
    );
  });

  test("the entry is ready on import with no network: fetch is never called", async () => {
    const script = `
      globalThis.fetch = () => { throw new Error("fetch called"); };
      const m = await import("billcom-connection/node");
      console.log(m.apiTypes().length, m.validate({}).valid);
    `;
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], { cwd: path.join(EXAMPLES, "node") });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    const [code] = await once(child, "exit");
    assert.equal(code, 0, out);
    assert.equal(out.trim(), "4 false");
  });
});

describe("Next.js 16 (next build, then next start)", () => {
  let child;
  let base;
  before(async () => {
    const port = 30000 + Math.floor(Math.random() * 20000);
    child = spawn(path.join(EXAMPLES, "next/node_modules/.bin/next"), ["start", "-p", String(port), "-H", "127.0.0.1"], {
      cwd: path.join(EXAMPLES, "next"),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let log = "";
    await new Promise((resolve, reject) => {
      const onData = (d) => {
        log += d;
        if (/Ready in/.test(log)) resolve();
      };
      child.stdout.on("data", onData);
      child.stderr.on("data", onData);
      child.once("exit", (code) => reject(new Error(`next start exited ${code}: ${log}`)));
    });
    base = `http://127.0.0.1:${port}`;
  });
  after(() => child?.kill());

  test("the route handler validates a submission on the server", async () => {
    const bad = await fetch(`${base}/api/connections`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ ...VALID, secrets: {} }),
    });
    assert.equal(bad.status, 422);
    assert.deepEqual((await bad.json()).errors.map((e) => [e.field, e.code]), [["apiToken", "required"]]);
    const good = await fetch(`${base}/api/connections`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(VALID),
    });
    assert.equal(good.status, 201);
  });

  test("the client page renders the element and saves", async () => {
    const page = await browser.newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(base);
    const detail = await saveSpendConnection(page, "Next cards");
    assert.equal(detail.connection.name, "Next cards");
    await page.locator("#saved-name").getByText("Saved: Next cards").waitFor();
    assert.deepEqual(errors, []);
    await page.close();
  });
});
