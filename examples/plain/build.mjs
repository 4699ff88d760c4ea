// No bundler: the page and the package's pkg/ are copied as they are into dist/,
// laid out for the reference backend (--static-dir dist serves www/ at / and pkg/ at /pkg/).
import { cpSync, mkdirSync, rmSync } from "node:fs";

rmSync("dist", { recursive: true, force: true });
mkdirSync("dist/www", { recursive: true });
for (const f of ["index.html", "main.js"]) cpSync(f, `dist/www/${f}`);
cpSync("node_modules/billcom-connection/pkg", "dist/pkg", { recursive: true });
