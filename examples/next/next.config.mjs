// Nothing package-specific: billcom-connection needs no configuration. The root is
// set only because this example sits inside the package's own repository, whose
// lockfile Next.js would otherwise take for the workspace root.
export default { turbopack: { root: import.meta.dirname }, outputFileTracingRoot: import.meta.dirname };
