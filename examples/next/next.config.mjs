/** Nothing package-specific: billcom-connection needs no configuration. */
export default {};
