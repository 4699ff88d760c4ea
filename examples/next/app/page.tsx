"use client";
// A client page with the connection form. The element module is imported in an
// effect, so nothing of it runs during server rendering; React 19 passes
// `onbillcom-saved` as an event listener on the custom element.
import { useEffect, useState } from "react";

export default function Page() {
  const [saved, setSaved] = useState<string | null>(null);
  useEffect(() => {
    void import("billcom-connection/element");
  }, []);
  return (
    <main>
      <h1>Connect your BILL account</h1>
      <billcom-connection-form
        action="/api/connections"
        api-type="ap-ar-v3"
        onbillcom-saved={(e) => setSaved(e.detail.connection.name)}
      />
      {saved && <p id="saved-name">Saved: {saved}</p>}
    </main>
  );
}
