export default {
  build: {
    outDir: "static",
    rollupOptions: { input: { admin: "assets/admin.js" } },
  },
}
