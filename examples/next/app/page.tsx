"use client";
// A client page with the connection form. The element module is imported in an
// effect, so nothing of it runs during server rendering. The saved event is
// listened to through a ref: React 19 attaches `onbillcom-saved` on a custom
// element it renders, but not on one it hydrates from the server's HTML.
import { useEffect, useRef, useState } from "react";

export default function Page() {
  const [saved, setSaved] = useState<string | null>(null);
  const form = useRef<HTMLElement>(null);
  useEffect(() => {
    void import("billcom-connection/element");
    const el = form.current;
    const onSaved = (e: Event) => setSaved((e as CustomEvent<{ connection: { name: string } }>).detail.connection.name);
    el?.addEventListener("billcom-saved", onSaved);
    return () => el?.removeEventListener("billcom-saved", onSaved);
  }, []);
  return (
    <main>
      <h1>Connect your BILL account</h1>
      <billcom-connection-form ref={form} action="/api/connections" api-type="ap-ar-v3" />
      {saved && <p id="saved-name">Saved: {saved}</p>}
    </main>
  );
}
