// billcom-connection/contracts under tsc --strict: typed data, misuse rejected.
import { httpSettings, jsonSchema, type HttpSettings } from "billcom-connection/contracts";

const d: HttpSettings = httpSettings("ap-ar-v3", "sandbox");
const base: string = d.baseUri;
const auth: "session" | "apiKeyHeader" = d.auth;
const loginUrl: string | undefined = d.login?.url;
const carried: string | undefined = d.authenticatedCalls.values["devKey"];
const schema: { [key: string]: unknown } = jsonSchema();
jsonSchema("partner");
// @ts-expect-error not an API type
httpSettings("ap-ar-v4", "sandbox");
// @ts-expect-error not an environment
httpSettings("partner", "staging");
void [base, auth, loginUrl, carried, schema];
