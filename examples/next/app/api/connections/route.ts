// Validates a submission on the server with the very validator the browser ran.
// This example stores nothing: it answers as a real backend would, without secrets.
import { randomUUID } from "node:crypto";
import { validateSubmission } from "billcom-connection/node";

export async function POST(request: Request): Promise<Response> {
  let body: unknown;
  try {
    body = await request.json();
  } catch {
    return Response.json({ message: "The body is not JSON.", errors: [] }, { status: 400 });
  }
  const report = validateSubmission(body);
  if (!report.valid) {
    return Response.json({ message: "The settings are not valid.", errors: report.errors }, { status: 422 });
  }
  const { name, apiType, environment, settings, secrets } = body as {
    name: string;
    apiType: string;
    environment: string;
    settings: Record<string, string>;
    secrets: Record<string, string>;
  };
  const now = new Date().toISOString();
  const connection = {
    id: randomUUID(),
    name,
    apiType,
    environment,
    settings,
    secretsSet: Object.keys(secrets),
    createdAt: now,
    updatedAt: now,
  };
  return Response.json(connection, { status: 201, headers: { "Cache-Control": "no-store" } });
}
