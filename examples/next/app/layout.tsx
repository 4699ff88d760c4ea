import type { ReactNode } from "react";
import "billcom-connection/style.css";

export const metadata = { title: "billcom-connection in Next.js" };

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>{children}</body>
    </html>
  );
}
