// The element's types (`billcom-connection/element`), under the same tsc --strict.
import { BillcomConnectionForm } from "billcom-connection/element";

const form = document.createElement("billcom-connection-form");
const typed: BillcomConnectionForm = form;
typed.headers = { "X-CSRF-Token": "t" };
typed.timeoutMs = 5000;
typed.connection = null;
const flags: [boolean, boolean] = [typed.dirty, typed.valid];
// @ts-expect-error dirty is read-only
typed.dirty = true;
form.addEventListener("billcom-saved", (e) => {
  const id: string = e.detail.connection.id;
  void id;
});
form.addEventListener("billcom-change", (e) => {
  const valid: boolean = e.detail.valid;
  void valid;
});
async function run(): Promise<void> {
  await typed.ready;
  const r = await typed.save();
  if (r.ok) console.log(r.connection.id);
  const t = await typed.test();
  console.log(t.ok, flags);
  typed.reset();
}
void run;
