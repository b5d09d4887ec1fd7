export default {
  base: "/static/ui/",
  build: {
    // The pages the app renders load the bundle from its static files.
    outDir: "../shop/static/ui/",
    manifest: true,
    rollupOptions: { input: { main: "src/main.ts" } },
  },
}
