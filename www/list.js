// The saved-connections list: rows with Test, Edit and Delete. Secrets appear only as
// "set" (the backend returns their names, never a value). Buttons are never
// `disabled` (that would drop focus); a busy one is aria-disabled and ignores clicks.

import { apiTypes, formSpec } from "../pkg/billcom_connection.js";

export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) if (v != null && v !== false) e.setAttribute(k, v === true ? "" : v);
  e.append(...children.filter((c) => c != null));
  return e;
}

const text = (v) => (typeof v === "string" ? v : "");

function fieldsOf(apiType) {
  try {
    return formSpec(apiType).fields;
  } catch {
    return []; // an API type this package does not know: no labels to show
  }
}

/** One line `{ text, code, named }` per distinct message, naming its fields (BDC_1101 blames two). */
export function failureLines(apiType, errors) {
  const labels = new Map(fieldsOf(apiType).map((f) => [f.id, f.label]));
  const byMessage = new Map();
  for (const item of Array.isArray(errors) ? errors : []) {
    if (!item || typeof item.message !== "string") continue;
    const entry = byMessage.get(item.message) ?? { named: [], code: typeof item.code === "string" ? item.code : null };
    if (labels.has(item.field)) entry.named.push(labels.get(item.field));
    byMessage.set(item.message, entry);
  }
  return [...byMessage].map(([m, { named, code }]) => ({ text: named.length ? `${named.join(", ")}: ${m}` : m, code, named: named.length > 0 }));
}

/**
 * Renders `list` into `ul`, calling `on.test(c)`, `on.edit(c)`, `on.remove(c)`;
 * `rowState(id)` gives a row's test outcome to show ({ busy } or { ok, lines }).
 */
export function renderList(ul, list, on, rowState, currentId) {
  const types = new Map(apiTypes().map((t) => [t.id, t]));
  ul.replaceChildren(
    ...list.map((c) => {
      const name = text(c.name);
      const fields = fieldsOf(c.apiType);
      const env = fields.find((f) => f.id === "environment")?.options.find((o) => o.value === c.environment);
      const set = new Set(Array.isArray(c.secretsSet) ? c.secretsSet : []);
      const secrets = fields.filter((f) => f.secret && set.has(f.id));
      const button = (label, action, cls) =>
        el("button", { type: "button", class: cls, "data-action": action, "aria-label": `${label} ${name}` }, label);
      const li = el(
        "li",
        { class: "conn", "data-id": text(c.id), "data-api-type": text(c.apiType), "aria-current": c.id === currentId ? "true" : null },
        el("h3", { tabindex: "-1" }, name),
        el(
          "dl",
          {},
          el("dt", {}, "API type"),
          el("dd", {}, types.get(c.apiType)?.label ?? text(c.apiType)),
          el("dt", {}, "Environment"),
          el("dd", {}, env?.label ?? text(c.environment)),
          el("dt", {}, "Base URL"),
          el("dd", {}, el("code", {}, text(c.baseUrl))),
          el("dt", {}, "Secrets"),
          el(
            "dd",
            {},
            secrets.length
              ? el("ul", { class: "secrets" }, ...secrets.map((f) => el("li", { "data-secret": f.id }, `${f.label}: set`)))
              : "None set",
          ),
        ),
        el("div", { class: "row-actions" }, button("Test", "test", "secondary"), button("Edit", "edit", "secondary"), button("Delete", "delete", "danger")),
        el("p", { class: "status row-status", role: "status" }),
        el("div", { class: "banner row-alert", role: "alert" }),
      );
      li.querySelector("[data-action=test]").addEventListener("click", () => on.test(c));
      li.querySelector("[data-action=edit]").addEventListener("click", () => on.edit(c));
      li.querySelector("[data-action=delete]").addEventListener("click", () => on.remove(c));
      showRow(li, rowState(c.id));
      return li;
    }),
  );
}

/** Shows a row's test: running, connected, or what went wrong. */
export function showRow(li, t) {
  if (!li) return;
  const status = li.querySelector(".row-status");
  const alert = li.querySelector(".row-alert");
  const button = li.querySelector("[data-action=test]");
  if (t?.busy) button.setAttribute("aria-disabled", "true");
  else button.removeAttribute("aria-disabled");
  status.textContent = t?.busy ? "Testing with BILL…" : t?.ok ? t.lines[0] : "";
  const line = (l, i) => {
    const { text, code } = typeof l === "string" ? { text: l } : l;
    return el("p", { "data-code": code }, i === 0 ? el("strong", {}, text) : text);
  };
  alert.replaceChildren(...(t && !t.busy && !t.ok ? t.lines.map(line) : []));
}
