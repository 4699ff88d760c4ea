// `npm test`'s examples step: packs the package (`npm pack`), installs the tarball into
// a copy of each example (plain: no bundler; webpack: webpack 5; react: Vite + React 19)
// with its committed lockfile, builds it, serves it with the reference backend (strict
// CSP) and saves a connection end to end in headless Chromium.
//   node scripts/examples.mjs            (after scripts/build.sh and the server build)
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { chromium } from "playwright-core";
import { LAUNCH, REPO, apiGet, pageConsole, startBackend } from "../tests/e2e/helpers.mjs";

const run = (cmd, args, cwd) => execFileSync(cmd, args, { cwd, stdio: ["ignore", "inherit", "inherit"] });
const work = mkdtempSync(path.join(tmpdir(), "billcom-examples-"));
let failed = false;
try {
  // The tarball, exactly what `npm publish` would upload.
  mkdirSync(path.join(work, ".pack"));
  execFileSync("npm", ["pack", "--ignore-scripts", "--silent", "--pack-destination", path.join(work, ".pack")], { cwd: REPO });
  renameSync(path.join(work, ".pack/billcom-connection-0.1.0.tgz"), path.join(work, ".pack/billcom-connection.tgz"));
  const browser = await chromium.launch(LAUNCH);
  for (const name of ["plain", "react", "webpack"]) {
    const dir = path.join(work, name);
    const src = path.join(REPO, "examples", name);
    cpSync(src, dir, { recursive: true, filter: (p) => !/[/\\](node_modules|dist)$/.test(p) });
    // The lockfile pins every registry package; the tarball is rebuilt each run, so its
    // own checksum is the one entry not checked.
    const lock = JSON.parse(readFileSync(path.join(dir, "package-lock.json"), "utf8"));
    delete lock.packages["node_modules/billcom-connection"].integrity;
    writeFileSync(path.join(dir, "package-lock.json"), JSON.stringify(lock, null, 2));
    run("npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"], dir);
    run("npm", ["run", "-s", "build"], dir);

    const backend = await startBackend({ staticDir: path.join(dir, "dist") });
    const context = await browser.newContext();
    const page = await context.newPage();
    const messages = [];
    page.on("console", (m) => messages.push(`${m.type()}: ${m.text()}`));
    page.on("pageerror", (e) => messages.push(`pageerror: ${e.message}`));
    try {
      const res = await page.goto(backend.url);
      assert.match(res.headers()["content-security-policy"], /script-src 'self' 'wasm-unsafe-eval'/);
      const form = page.locator("billcom-connection-form");
      await page.waitForSelector("billcom-connection-form:not([aria-busy]) form");
      await page.getByLabel("Name your connection", { exact: true }).fill(`Example ${name}`);
      await page.getByLabel("Environment", { exact: true }).selectOption("sandbox");
      await page.getByLabel("API token", { exact: true }).fill(`example-${name}-token`);
      await page.getByRole("button", { name: "Save", exact: true }).click();
      await page.locator("#saved").filter({ hasText: "Saved connection" }).waitFor({ timeout: 10_000 });
      assert.equal(await form.evaluate((f) => f.connection?.name), `Example ${name}`);
      const all = (await apiGet(backend)).body;
      assert.deepEqual(all.map((c) => [c.name, c.apiType, c.secretsSet]), [[`Example ${name}`, "spend-expense", ["apiToken"]]]);
      assert.deepEqual(pageConsole(messages).filter((m) => !/^verbose/.test(m)), [], "no console output (a CSP violation would be one)");
      console.log(`examples/${name}: built from the packed tarball, saved a connection in Chromium`);
    } catch (e) {
      failed = true;
      console.error(`examples/${name} failed:`, e);
      console.error(backend.logs().slice(-2000));
    } finally {
      await context.close();
      await backend.stop();
    }
  }
  await browser.close();
} finally {
  rmSync(work, { recursive: true, force: true });
}
if (failed) process.exit(1);
