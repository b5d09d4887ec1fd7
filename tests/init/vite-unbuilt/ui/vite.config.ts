export default {
  base: "/static/ui/",
  build: {
    // Built by hand before deploying; nothing pins its packages.
    outDir: "build/ui",
    manifest: true,
    rollupOptions: { input: { main: "src/main.ts" } },
  },
}
