import { useState } from "react";
import "billcom-connection/element";
import "billcom-connection/style.css";

// React 19 sets properties and listens to custom events on custom elements:
// `headers` is passed as a property, `onbillcom-saved` listens to billcom-saved.
export default function App() {
  const [saved, setSaved] = useState(null);
  return (
    <main>
      <h1>Connect to Bill.com</h1>
      <billcom-connection-form
        action="/api/connections"
        api-type="spend-expense"
        headers={{ "X-Requested-With": "react-example" }}
        onbillcom-saved={(e) => setSaved(e.detail.connection)}
      />
      <p id="saved" role="status">{saved ? `Saved connection ${saved.id}.` : ""}</p>
    </main>
  );
}
