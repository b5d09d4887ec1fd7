import { resolve } from "node:path";

const TOP = "../";
const OUT = resolve(TOP, "site/static/theme/");

export default {
  build: {
    outDir: OUT,
    emptyOutDir: true,
    rollupOptions: { input: { main: "src/main.ts" } },
  },
}
