const path = require("node:path");

// dist/www is what the reference backend serves at / (npm test drives it there).
module.exports = {
  entry: "./src/index.js",
  output: { path: path.resolve(__dirname, "dist/www"), filename: "main.js", clean: true },
};
