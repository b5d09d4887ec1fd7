//! A frontend built from source: the first `package.json` with a build (a `build` script, or
//! Nuxt's `generate`) becomes `[assets.frontend]`.
//!
//! - The package manager is the lock's: npm's `package-lock.json` beside it, or bun's, pnpm's or
//!   Yarn's there or at the root of the workspace it is a member of; app2nix builds it. Without
//!   a lock, the asset is its build output, which must be built before `generate`.
//! - The output directory: Vite's `build.outDir` (relative to its configuration), Nuxt's
//!   `.output/public`, else `dist`.
//! - An SPA has an `index.html` (Vite's entry, or `public/index.html`); a Vite project without
//!   one whose output is committed (a theme's `static/`) is no asset to build: the app reads the
//!   committed files. A project without a build script is none either.
//! - `into`: where the output lands in the Python package's source tree, when the build writes
//!   there (Vite's `outDir: "../backend/app/frontend"`), a Dockerfile copies it there
//!   (`COPY --from=frontend /app/dist /app/app/frontend`) or a Python file names the directory
//!   (`StaticFiles(directory="client/dist")`).
//!
//! It may call the project's files ([`super::scan`]), [`crate::lockfiles`], `serde_json` and
//! import's `line_of`.

use super::Init;
use crate::draft::{Outcome, Source};
use crate::import::line_of;
use crate::lockfiles::js;
use crate::lockfiles::npm::{VITE_CONFIGS, vite_out_dir};

/// What a `package.json` builds.
struct Frontend {
    /// The project's directory (`""` for the root).
    base: String,
    /// `scripts.build`, or `generate` for Nuxt.
    script: String,
    /// The output directory, relative to the project (may climb out of it).
    out: String,
    spa: bool,
    vite: bool,
}

impl Init<'_> {
    /// `[assets.frontend]` from the first frontend with a build.
    pub(super) fn frontend(&mut self) {
        let project = self.project;
        for pkg in project.names.iter().filter(|n| n.ends_with("package.json")) {
            let Some(f) = self.read_frontend(pkg) else {
                continue;
            };
            let source = Source::new(
                pkg,
                line_of(&project.read(pkg).unwrap_or_default(), "\"build\""),
            );
            let out_path = join(&f.base, &f.out);
            // Built files that are committed are read from the source tree as they are.
            if !f.spa && project.is_dir(&out_path) {
                self.report.add(
                    source,
                    format!("build: {}", f.script),
                    Outcome::Decided(format!(
                        "not an asset to build: its output `{out_path}` is committed, and the app reads it from its source tree"
                    )),
                );
                continue;
            }
            let lock = self.lock_of(&f.base);
            // app2nix builds the tree the lock pins, and takes the output from it: a build that
            // writes elsewhere (Vite's `outDir: "../app/static/ui"` beside a lock of its own)
            // cannot be described; a frontend never makes init fail.
            let root = lock
                .as_ref()
                .and_then(|(_, l)| parent(l))
                .unwrap_or_default();
            let inside_root = crate::lockfiles::inside(&f.base, &f.out).is_some_and(|o| {
                !o.is_empty() && (root.is_empty() || o.starts_with(&format!("{root}/")))
            });
            if !inside_root {
                self.report.add(
                    source,
                    format!("build: {}", f.script),
                    Outcome::Unmapped(format!(
                        "not an asset: the build writes `{}` (relative to `{}`), outside the {} app2nix would build; build it before deploying, or describe [assets.frontend] by hand",
                        f.out,
                        if f.base.is_empty() { "." } else { &f.base },
                        if root.is_empty() { "project".to_string() } else { format!("npm project `{root}`") },
                    )),
                );
                return;
            }
            // Built output the tree already holds is where the app reads it: nothing to copy.
            let into = lock.as_ref().and_then(|_| self.placed_at(&out_path));
            // An SPA takes `/`, and the app then answers under a prefix: an app that renders
            // its own page at `/` makes the `index.html` a development page, not the site.
            if f.spa
                && into.is_none()
                && let Some(serves) = self.app_serves_root()
            {
                self.report.add(
                    serves,
                    "route /",
                    Outcome::Decided(format!(
                        "not an asset: the app serves `/` itself, so `{}` is not the site's single-page app; if the app reads its build, describe [assets.frontend] with `into` by hand",
                        if f.base.is_empty() { "." } else { &f.base }
                    )),
                );
                return;
            }
            let src = match &lock {
                Some((tool, lockfile)) => {
                    let src = if f.base.is_empty() {
                        ".".to_string()
                    } else {
                        f.base.clone()
                    };
                    self.report.add(
                        source,
                        format!("build: {}", f.script),
                        Outcome::Mapped(format!(
                            "[assets.frontend] src = {src:?}: {} built from source with {tool} from {lockfile} (`{tool} run {}`), output `{out_path}`",
                            if f.spa { "a single-page app" } else { "static files" },
                            if f.script.starts_with("nuxt generate") || f.script == "generate" { "generate" } else { "build" },
                        )),
                    );
                    src
                }
                None => {
                    self.report.add(source, format!("build: {}", f.script), Outcome::Decided(format!("[assets.frontend] src = {out_path:?}: {}; without a lockfile app2nix does not build it: run the build before `app2nix generate`", if f.spa { "a single-page app" } else { "static files" })));
                    out_path.clone()
                }
            };
            if let Some((into, s)) = &into {
                self.report.add(
                    s.clone(),
                    format!("{out_path} in the app's tree"),
                    Outcome::Mapped(format!(
                        "[assets.frontend] into = {into:?}: the app reads the build there"
                    )),
                );
            }
            let asset = crate::draft::AssetDraft {
                src,
                spa: f.spa,
                build_env: Default::default(),
                into: into.map(|(i, _)| i),
                build: lock
                    .as_ref()
                    .filter(|_| f.script == "generate")
                    .map(|(tool, _)| format!("{tool} run generate")),
                out: (lock.is_some() && !f.vite && f.out != "dist").then(|| f.out.clone()),
            };
            self.draft.assets.insert("frontend".into(), asset);
            return;
        }
        self.installed_packages();
    }

    /// `[assets.node-modules]`: the installed packages of a project without a build, when the
    /// app reads its `node_modules` (Django's `STATICFILES_DIRS`, a Dockerfile copying it from a
    /// build stage) and a lock pins them.
    fn installed_packages(&mut self) {
        let project = self.project;
        for pkg in project.names.iter().filter(|n| n.ends_with("package.json")) {
            let Some(t) = project.read(pkg) else { continue };
            let Ok(json) = serde_json::from_str::<serde_json::Value>(&t) else {
                continue;
            };
            let has_dependencies = ["dependencies", "devDependencies"].iter().any(|k| {
                json.get(k)
                    .and_then(|d| d.as_object())
                    .is_some_and(|d| !d.is_empty())
            });
            let builds = json.get("scripts").and_then(|s| s.get("build")).is_some();
            if !has_dependencies || builds {
                continue;
            }
            let base = pkg
                .trim_end_matches("package.json")
                .trim_end_matches('/')
                .to_string();
            let out = join(&base, "node_modules");
            let Some((into, evidence)) = self.placed_at(&out) else {
                continue;
            };
            let Some((tool, lockfile)) = self.lock_of(&base) else {
                continue;
            };
            let src = if base.is_empty() {
                ".".to_string()
            } else {
                base.clone()
            };
            self.report.add(
                evidence,
                "node_modules",
                Outcome::Mapped(format!(
                    "[assets.node-modules] src = {src:?}, out = \"node_modules\", into = {into:?}: the packages {tool} installs from {lockfile}, which the app reads"
                )),
            );
            self.draft.assets.insert(
                "node-modules".into(),
                crate::draft::AssetDraft {
                    src,
                    spa: false,
                    out: Some("node_modules".into()),
                    into: Some(into),
                    ..Default::default()
                },
            );
            return;
        }
    }

    /// The frontend `pkg` builds, if any.
    fn read_frontend(&mut self, pkg: &str) -> Option<Frontend> {
        let t = self.project.read(pkg)?;
        let json = serde_json::from_str::<serde_json::Value>(&t).ok()?;
        let has = |name: &str| {
            ["dependencies", "devDependencies"]
                .iter()
                .any(|k| json.get(k).and_then(|d| d.get(name)).is_some())
        };
        let script = |name: &str| {
            json.get("scripts")
                .and_then(|s| s.get(name))
                .and_then(|b| b.as_str())
                .map(str::to_string)
        };
        let base = pkg
            .trim_end_matches("package.json")
            .trim_end_matches('/')
            .to_string();
        let at = |f: &str| join(&base, f);
        if has("nuxt") {
            // `nuxt generate` prerenders every route to static files; `nuxt build` makes a
            // Node server, which app2nix does not run.
            script("generate").filter(|s| s.contains("nuxt generate"))?;
            return Some(Frontend {
                base,
                script: "generate".into(),
                out: ".output/public".into(),
                spa: true,
                vite: false,
            });
        }
        let build = script("build")?;
        let vite = has("vite") || build.contains("vite");
        if !vite
            && !build.contains("react-scripts")
            && !build.contains("webpack")
            && !build.contains("parcel")
        {
            return None;
        }
        let out = if vite {
            self.vite_out_dir(&base)?
        } else if build.contains("react-scripts") {
            "build".to_string()
        } else {
            "dist".to_string()
        };
        let out = out
            .trim_start_matches("./")
            .trim_end_matches('/')
            .to_string();
        // The entry Vite builds, Create React App's template, or a build output already there
        // (which the walk skips).
        let spa = self.project.has(&at("index.html"))
            || self.project.has(&at("public/index.html"))
            || self
                .project
                .path(&at(&format!("{out}/index.html")))
                .is_file();
        Some(Frontend {
            base,
            script: build,
            out: out
                .trim_start_matches("./")
                .trim_end_matches('/')
                .to_string(),
            spa,
            vite,
        })
    }

    /// Where the module the web process serves declares a view at `/` on the application
    /// (`@app.route("/")`, `@app.get("/")`), if it does.
    fn app_serves_root(&self) -> Option<Source> {
        let target = match &self.draft.processes.get("web")?.kind {
            crate::draft::ProcessKind::Wsgi(t) | crate::draft::ProcessKind::Asgi(t) => t.clone(),
            _ => return None,
        };
        let (module, attr) = target.split_once(':')?;
        let attr = attr.split('(').next().unwrap_or(attr).trim();
        let python = self.draft.python_src.clone().unwrap_or_default();
        let module = module.replace('.', "/");
        for file in [format!("{module}.py"), format!("{module}/__init__.py")] {
            let file = join(if python == "." { "" } else { &python }, &file);
            let Some(text) = self.project.read(&file) else {
                continue;
            };
            for (i, line) in text.lines().enumerate() {
                let l: String = line.chars().filter(|c| !c.is_whitespace()).collect();
                let root = ["app", attr].iter().any(|o| {
                    ["route", "get"].iter().any(|m| {
                        l.starts_with(&format!("@{o}.{m}(\"/\""))
                            || l.starts_with(&format!("@{o}.{m}('/'"))
                    })
                });
                if root {
                    return Some(Source::new(&file, i + 1));
                }
            }
        }
        None
    }

    /// The package manager whose lock pins the project in `base` (with where the lock is), or
    /// `None` without a lock.
    fn lock_of(&mut self, base: &str) -> Option<(&'static str, String)> {
        let dir = self.project.path("");
        let own = join(base, "package-lock.json");
        if self.project.has(&own) {
            return Some(("npm", own));
        }
        match js::find(&dir, base) {
            Ok(Some(found)) => {
                let lock = join(&found.root, found.manager.lock());
                Some((found.manager.as_str(), lock))
            }
            Ok(None) => None,
            Err(e) => {
                self.report.add(
                    Source::new(&join(base, "package.json"), 0),
                    "lockfile",
                    Outcome::Unmapped(e),
                );
                None
            }
        }
    }

    /// Where the app reads the build output `out` (relative to the project) in the Python
    /// package's source tree, relative to that tree, with the evidence.
    fn placed_at(&mut self, out: &str) -> Option<(String, Source)> {
        let python = self.draft.python_src.clone().unwrap_or_default();
        let python = if python == "." { String::new() } else { python };
        let within = |p: &str| -> Option<String> {
            if python.is_empty() {
                return Some(p.to_string());
            }
            p.strip_prefix(&format!("{python}/")).map(str::to_string)
        };
        let project = self.project;
        // The build writes into the Python package's tree.
        if let Some(rel) = within(out).filter(|r| !r.is_empty())
            && parent(out).is_some_and(|d| holds_python(project, Some(d)))
        {
            return Some((rel, Source::new(out, 0)));
        }
        // A Dockerfile copies the build output from a build stage into the app's tree.
        let last = out.rsplit('/').next().unwrap_or(out);
        for file in project.names.iter().filter(|n| {
            n.rsplit('/').next().is_some_and(|b| {
                b == "Dockerfile" || b.starts_with("Dockerfile.") || b.ends_with(".Dockerfile")
            })
        }) {
            let Some(text) = project.read(file) else {
                continue;
            };
            for (i, line) in text.lines().enumerate() {
                let words: Vec<&str> = line.split_whitespace().collect();
                if words
                    .first()
                    .is_none_or(|w| !w.eq_ignore_ascii_case("COPY"))
                    || !words.iter().any(|w| w.starts_with("--from="))
                {
                    continue;
                }
                let paths: Vec<&str> = words[1..]
                    .iter()
                    .copied()
                    .filter(|w| !w.starts_with("--"))
                    .collect();
                let [from, to] = paths.as_slice() else {
                    continue;
                };
                let from = from.trim_end_matches('/');
                if !(from.ends_with(&format!("/{out}"))
                    || from.ends_with(&format!("/{last}"))
                    || from == out)
                {
                    continue;
                }
                // The destination's place in the project: the longest tail of it whose parent
                // directory holds the app's Python files.
                let to = to.trim_end_matches('/');
                let parts: Vec<&str> = to.split('/').filter(|p| !p.is_empty()).collect();
                for start in 0..parts.len() {
                    let tail = parts[start..].join("/");
                    let Some(rel) = within(&tail).filter(|r| !r.is_empty()) else {
                        continue;
                    };
                    if holds_python(project, parent(&tail)) {
                        return Some((rel, Source::new(file, i + 1)));
                    }
                }
            }
        }
        // A Python file serves the directory (`StaticFiles(directory="client/dist")`,
        // `static_folder="../client/dist"`).
        for file in project.names.iter().filter(|n| n.ends_with(".py")) {
            let Some(rel) = within(out).or_else(|| Some(out.to_string())) else {
                continue;
            };
            let Some(text) = project.read(file) else {
                continue;
            };
            for (i, line) in text.lines().enumerate() {
                let serves = [
                    "STATICFILES_DIRS",
                    "StaticFiles(",
                    "static_folder",
                    "send_from_directory",
                    "directory=",
                ]
                .iter()
                .any(|k| line.contains(k));
                if serves
                    && (line.contains(&format!("\"{rel}\"")) || line.contains(&format!("'{rel}'")))
                {
                    return Some((rel, Source::new(file, i + 1)));
                }
            }
        }
        None
    }

    /// The build output directory of the Vite project in `base` (relative to it): the `outDir`
    /// of the configuration Vite reads (the first of [`VITE_CONFIGS`]), else Vite's `dist`;
    /// `None` (reported) when `outDir` is an expression app2nix does not evaluate.
    fn vite_out_dir(&mut self, base: &str) -> Option<String> {
        for cfg in VITE_CONFIGS {
            let p = join(base, cfg);
            let Some(c) = self.project.read(&p) else {
                continue;
            };
            if let Some((d, l)) = vite_out_dir(&c) {
                self.report.add(
                    Source::new(&p, l),
                    format!("outDir: {d:?}"),
                    Outcome::Mapped("the built files".into()),
                );
                return Some(d);
            }
            // `outDir: PATH.dist`, `outDir: resolve(…)`: the output is somewhere Vite computes;
            // guessing `dist` would build an asset whose files are not there.
            if let Some(l) = out_dir_expression(&c) {
                self.report.add(
                    Source::new(&p, l),
                    "build.outDir",
                    Outcome::Unmapped("not an asset: the output directory is an expression app2nix does not evaluate; if the app needs the build, describe [assets.frontend] with `out` by hand".into()),
                );
                return None;
            }
            self.report.add(
                Source::new(&p, 0),
                "build.outDir",
                Outcome::Decided("not set: Vite's default `dist`".into()),
            );
            return Some("dist".into());
        }
        Some("dist".into())
    }
}

/// The line (1-based) of a Vite configuration's `outDir:` whose value is no string literal (an
/// identifier, a call), if any.
fn out_dir_expression(config: &str) -> Option<usize> {
    config.lines().enumerate().find_map(|(i, l)| {
        let t = l.trim_start();
        if t.starts_with("//") || t.starts_with('*') {
            return None;
        }
        let value = t.split("outDir").nth(1)?.trim_start().strip_prefix(':')?;
        let first = value.trim_start().chars().next()?;
        (!matches!(first, '\'' | '"' | '`')).then_some(i + 1)
    })
}

/// `rel` in the directory `base` (`""` for the project), normalized (`..` resolved).
fn join(base: &str, rel: &str) -> String {
    crate::lockfiles::inside(base, rel).unwrap_or_else(|| rel.to_string())
}

/// Whether the directory `dir` (`None` for the project's root) holds Python files itself.
fn holds_python(project: &super::scan::Project, dir: Option<&str>) -> bool {
    project
        .names
        .iter()
        .any(|n| n.ends_with(".py") && parent(n) == dir)
}

/// The directory holding `path`, if it has one.
fn parent(path: &str) -> Option<&str> {
    path.rsplit_once('/').map(|(d, _)| d)
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
        assert_eq!(
            join("frontend", "../backend/app/frontend"),
            "backend/app/frontend"
        );
        assert_eq!(join("", "dist"), "dist");
        assert_eq!(
            out_dir_expression("build: {\n  outDir: PATH.dist,\n}"),
            Some(2)
        );
        assert_eq!(out_dir_expression("build: { outDir: 'dist' }"), None);
        assert_eq!(out_dir_expression("// outDir: where it goes\n"), None);
    }
}
