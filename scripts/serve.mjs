#!/usr/bin/env node
// A dependency-free static server for the demo page (node:http only).
//
//   node scripts/serve.mjs [--port N]      (or PORT=N; default 8080; 0 picks a free port)
//
// Serves the repo's www/ at / (and at /www/) and the built package pkg/ at /pkg/,
// nothing else of the repo. Binds 127.0.0.1. Every response carries
// `Cache-Control: no-store` and the security headers below. Tests import
// `startServer` and start it on port 0 in-process.

import { createServer } from "node:http";
import { createReadStream, existsSync, realpathSync } from "node:fs";
import { realpath, stat } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** Scripts only from this origin, plus WebAssembly compilation; nothing inline,
 * no form submissions anywhere (the page never submits natively). */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

const HEADERS = {
  "Cache-Control": "no-store",
  "Content-Security-Policy": CONTENT_SECURITY_POLICY,
  "Referrer-Policy": "no-referrer",
  "X-Content-Type-Options": "nosniff",
  "X-Frame-Options": "DENY",
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Resource-Policy": "same-origin",
  "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
};

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".wasm": "application/wasm",
  ".ts": "text/plain; charset=utf-8",
  ".txt": "text/plain; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
};

function contentType(file) {
  return TYPES[path.extname(file).toLowerCase()] ?? "application/octet-stream";
}

function send(res, status, body, extra = {}) {
  const text = `${body}\n`;
  res.writeHead(status, {
    ...HEADERS,
    "Content-Type": "text/plain; charset=utf-8",
    "Content-Length": Buffer.byteLength(text),
    ...extra,
  });
  res.end(res.req.method === "HEAD" ? undefined : text);
}

/** Whether `p` is `dir` or inside it. */
function inside(dir, p) {
  return p === dir || p.startsWith(dir + path.sep);
}

/**
 * Maps a URL path to { dir, rest } (a mount point and the segments below it), or
 * an HTTP status to answer with instead.
 */
function route(urlPath, roots) {
  let decoded;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return { status: 400 };
  }
  // Segments are checked after decoding, so %2e%2e, %2f and %5c cannot sneak past.
  if (decoded.includes("\0") || decoded.includes("\\")) return { status: 400 };
  const segments = decoded.split("/").slice(1);
  if (segments.some((s) => s === "." || s === "..")) return { status: 400 };
  // No dotfiles, no empty segments (`//host` style paths) except a trailing slash.
  if (segments.some((s, i) => s.startsWith(".") || (s === "" && i < segments.length - 1))) {
    return { status: 404 };
  }
  if (segments[0] === "pkg") return { dir: roots.pkg, rest: segments.slice(1) };
  if (segments[0] === "www") return { dir: roots.www, rest: segments.slice(1) };
  return { dir: roots.www, rest: segments };
}

async function handle(req, res, roots) {
  if (req.method !== "GET" && req.method !== "HEAD") {
    return send(res, 405, "Method not allowed", { Allow: "GET, HEAD" });
  }
  let url;
  try {
    url = new URL(req.url ?? "/", "http://localhost");
  } catch {
    return send(res, 400, "Bad request");
  }
  const r = route(url.pathname, roots);
  if (r.status) return send(res, r.status, r.status === 400 ? "Bad request" : "Not found");

  let base;
  let file;
  let info;
  try {
    base = await realpath(r.dir);
    file = await realpath(path.join(r.dir, ...r.rest));
    // Symlinks must not lead out of the mount either.
    if (!inside(base, file)) return send(res, 404, "Not found");
    info = await stat(file);
    if (info.isDirectory()) {
      if (!url.pathname.endsWith("/")) {
        // Relative URLs in index.html need the trailing slash. The path was
        // checked above: it starts with exactly one "/".
        return send(res, 308, "Moved", { Location: `${url.pathname}/` });
      }
      file = await realpath(path.join(file, "index.html"));
      if (!inside(base, file)) return send(res, 404, "Not found");
      info = await stat(file);
    }
  } catch {
    return send(res, 404, "Not found");
  }
  if (!info.isFile()) return send(res, 404, "Not found");

  res.writeHead(200, {
    ...HEADERS,
    "Content-Type": contentType(file),
    "Content-Length": info.size,
  });
  if (req.method === "HEAD") return res.end();
  const stream = createReadStream(file);
  stream.on("error", () => res.destroy());
  stream.pipe(res);
}

/**
 * Starts the demo server and returns the `http.Server` (already asked to listen;
 * wait for its "listening" event, then read `server.address().port`).
 *
 * @param {{ port?: number, host?: string, root?: string }} [options]
 *   `root`: the repository whose `www/` and `pkg/` are served (default: this one).
 * @returns {import("node:http").Server}
 */
export function startServer({ port = 8080, host = "127.0.0.1", root = REPO } = {}) {
  const roots = { www: path.join(root, "www"), pkg: path.join(root, "pkg") };
  const server = createServer((req, res) => {
    handle(req, res, roots).catch(() => {
      if (!res.headersSent) send(res, 500, "Internal error");
      else res.destroy();
    });
  });
  server.listen(port, host);
  return server;
}

/** The port from `--port N`, `--port=N` or `PORT`, in that order; default 8080. */
export function parsePort(argv, env) {
  let raw = env.PORT;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--port") raw = argv[++i];
    else if (a.startsWith("--port=")) raw = a.slice("--port=".length);
    else throw new Error(`unknown argument: ${a} (usage: serve.mjs [--port N])`);
  }
  if (raw === undefined || raw === "") return 8080;
  if (!/^\d{1,5}$/.test(raw) || Number(raw) > 65535) {
    throw new Error(`invalid port: ${JSON.stringify(raw)}`);
  }
  return Number(raw);
}

function invokedDirectly() {
  if (!process.argv[1]) return false;
  try {
    return realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (invokedDirectly()) {
  let port;
  try {
    port = parsePort(process.argv.slice(2), process.env);
  } catch (e) {
    console.error(`serve.mjs: ${e.message}`);
    process.exit(2);
  }
  if (!existsSync(path.join(REPO, "pkg", "billcom_connection.js"))) {
    console.warn("serve.mjs: pkg/ is not built yet; run `bash scripts/build.sh` first.");
  }
  const host = "127.0.0.1";
  const server = startServer({ port, host });
  server.on("listening", () => {
    console.log(`Demo: http://${host}:${server.address().port}/`);
  });
  server.on("error", (e) => {
    console.error(`serve.mjs: ${e.message}`);
    process.exit(1);
  });
}
