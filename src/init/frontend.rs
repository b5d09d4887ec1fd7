//! A Vite single-page app: the first `package.json` that builds with Vite becomes
//! `[assets.frontend]`: the npm project itself when npm's `package-lock.json` is there (app2nix
//! builds it), else its build output (`build.outDir` of its Vite config, else `dist`), which
//! must be built before `generate`; the report says which.
//!
//! It may call the project's files ([`super::scan`]), `serde_json` and import's `line_of`.

use super::Init;
use crate::draft::{Outcome, Source};
use crate::import::line_of;
use crate::lockfiles::npm::{VITE_CONFIGS, vite_out_dir};

impl Init<'_> {
    /// `[assets.frontend]` from the first Vite project found.
    pub(super) fn frontend(&mut self) {
        let project = self.project;
        for pkg in project.names.iter().filter(|n| n.ends_with("package.json")) {
            let Some(t) = project.read(pkg) else { continue };
            let Ok(json) = serde_json::from_str::<serde_json::Value>(&t) else {
                continue;
            };
            let uses_vite = ["dependencies", "devDependencies"]
                .iter()
                .any(|k| json.get(k).and_then(|d| d.get("vite")).is_some());
            let build = json
                .get("scripts")
                .and_then(|s| s.get("build"))
                .and_then(|b| b.as_str())
                .unwrap_or("");
            if !uses_vite && !build.contains("vite") {
                continue;
            }
            let base = pkg.trim_end_matches("package.json").trim_end_matches('/');
            let source = Source::new(pkg, line_of(&t, "\"build\""));
            let lock = if base.is_empty() {
                "package-lock.json".to_string()
            } else {
                format!("{base}/package-lock.json")
            };
            // With npm's lock, app2nix builds it (and reads the Vite config itself).
            let src = if project.has(&lock) {
                let src = if base.is_empty() {
                    ".".to_string()
                } else {
                    base.to_string()
                };
                self.report.add(source, format!("build: {build}"), Outcome::Mapped(format!("[assets.frontend] src = {src:?}: a single-page app built from source with npm (`npm run build`) from {lock}")));
                src
            } else {
                let out_dir = self.vite_out_dir(base);
                let src = if base.is_empty() {
                    out_dir.clone()
                } else {
                    format!("{base}/{out_dir}")
                };
                self.report.add(source, format!("build: {build}"), Outcome::Decided(format!("[assets.frontend] src = {src:?}: a single-page app; without npm's package-lock.json app2nix does not build it: run the build before `app2nix generate`")));
                src
            };
            let asset = crate::draft::AssetDraft {
                src,
                spa: true,
                build_env: Default::default(),
            };
            self.draft.assets.insert("frontend".into(), asset);
            break;
        }
    }

    /// The build output directory of the Vite project in `base` (relative to it): the `outDir`
    /// of the configuration Vite reads (the first of [`VITE_CONFIGS`]), else Vite's `dist`.
    fn vite_out_dir(&mut self, base: &str) -> String {
        for cfg in VITE_CONFIGS {
            let p = if base.is_empty() {
                cfg.to_string()
            } else {
                format!("{base}/{cfg}")
            };
            let Some(c) = self.project.read(&p) else {
                continue;
            };
            if let Some((d, l)) = vite_out_dir(&c) {
                self.report.add(
                    Source::new(&p, l),
                    format!("outDir: {d:?}"),
                    Outcome::Mapped("the built files".into()),
                );
                return d;
            }
            self.report.add(
                Source::new(&p, 0),
                "build.outDir",
                Outcome::Decided("not set: Vite's default `dist`".into()),
            );
            return "dist".into();
        }
        "dist".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vite_out_dir_values() {
        assert_eq!(
            vite_out_dir("export default { build: { outDir: 'public/app' } }"),
            Some(("public/app".into(), 1))
        );
        assert_eq!(vite_out_dir("export default {}"), None);
    }
}
