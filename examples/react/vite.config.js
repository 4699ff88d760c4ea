import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// dist/www is what the reference backend serves at / (npm test drives it there).
export default defineConfig({ plugins: [react()], build: { outDir: "dist/www", emptyOutDir: true } });
