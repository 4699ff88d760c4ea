// A Node backend in plain node:http that validates connection submissions with
// billcom-connection/node — the same validator the browser ran — and stores nothing.
//
//   node server.mjs            # listens on 127.0.0.1:8787 (PORT to change)
//   POST /api/connections      # 201 + the connection without secrets, or 422 + items
import { createServer } from "node:http";
import { randomUUID } from "node:crypto";
import { normalize, validateSubmission } from "billcom-connection/node";

const MAX_BODY = 64 * 1024;

function send(res, status, body) {
  res.writeHead(status, { "Content-Type": "application/json", "Cache-Control": "no-store" });
  res.end(JSON.stringify(body));
}

async function readJson(req) {
  let size = 0;
  const chunks = [];
  for await (const chunk of req) {
    size += chunk.length;
    if (size > MAX_BODY) return { error: [413, "The body is over 64 KB."] };
    chunks.push(chunk);
  }
  try {
    return { body: JSON.parse(Buffer.concat(chunks).toString("utf8")) };
  } catch {
    return { error: [400, "The body is not JSON."] };
  }
}

export const server = createServer(async (req, res) => {
  if (req.url !== "/api/connections") return send(res, 404, { message: "Not found.", errors: [] });
  if (req.method !== "POST") return send(res, 405, { message: "Use POST.", errors: [] });
  if (!/^application\/json\b/.test(req.headers["content-type"] ?? "")) {
    return send(res, 415, { message: "Send application/json.", errors: [] });
  }
  const { body, error } = await readJson(req);
  if (error) return send(res, error[0], { message: error[1], errors: [] });
  const report = validateSubmission(body);
  if (!report.valid) return send(res, 422, { message: "The settings are not valid.", errors: report.errors });
  // Trimmed exactly as the reference backend stores it; secrets would go to your vault here.
  const { name, apiType, environment } = body;
  const settings = normalize({ name, apiType, environment, ...body.settings, ...body.secrets });
  const now = new Date().toISOString();
  send(res, 201, {
    id: randomUUID(),
    name: settings.name,
    apiType: body.apiType,
    environment: body.environment,
    settings: Object.fromEntries(Object.entries(settings).filter(([k]) => k in body.settings)),
    secretsSet: Object.keys(body.secrets),
    createdAt: now,
    updatedAt: now,
  });
});

if (import.meta.url === `file://${process.argv[1]}`) {
  const port = Number(process.env.PORT ?? 8787);
  server.listen(port, "127.0.0.1", () => console.log(`listening on http://127.0.0.1:${port}`));
}
