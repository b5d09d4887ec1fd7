//! Assets built from source: an asset whose directory holds a `package.json` is built from the
//! lock that pins it, its own or its workspace root's: npm's `package-lock.json` with nixpkgs'
//! `buildNpmPackage` (`importNpmLock`, no hash), bun's `bun.lock`, pnpm's `pnpm-lock.yaml` and
//! Yarn's `yarn.lock` with the package manager itself from a fixed-output download (`hash`), with
//! its build command, output directory and build-time environment. Build-time values end up
//! in the public bundle, so nothing secret may be one.
//!
//! Owns [`NpmBuild`]. May call [`super::check`], [`crate::lockfiles`] and [`crate::secrets`].

use std::collections::BTreeMap;
use std::path::Path;

use super::check::{Checker, is_dir_path, shown};
use crate::description::{self as d, Sp};
use crate::lockfiles::js;
pub use crate::lockfiles::js::Manager;
use crate::lockfiles::npm::{self, VITE_CONFIGS};

/// How an asset is built.
#[derive(Debug, Clone)]
pub struct NpmBuild {
    /// `package.json`'s name and version.
    pub name: String,
    pub version: String,
    /// What builds it.
    pub script: NpmScript,
    /// The output directory, relative to the asset's directory.
    pub out: String,
    /// Build-time environment.
    pub env: BTreeMap<String, String>,
    /// Packages in the lock.
    pub packages: usize,
    /// A Vite project (its output has content-hashed `assets/`).
    pub vite: bool,
    /// The package manager whose lock pins the dependencies.
    pub manager: Manager,
    /// The directory of the lock (the workspace's root), relative to the description; the
    /// asset's `src` itself unless the project is a workspace's member.
    pub root: String,
    /// The project relative to `root` (`""` when it is `root`).
    pub member: String,
    /// The output directory relative to `root`.
    pub out_from_root: String,
    /// The fixed-output hash of the dependencies (not npm's), when known.
    pub hash: Option<String>,
    /// Yarn 2+: `missing-hashes.json` beside the lock, for packages it records no checksum of.
    pub missing_hashes: bool,
}

/// The build command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NpmScript {
    /// `<manager> run <script>`.
    Run(String),
    /// Any other shell command.
    Command(String),
    /// Nothing: the output is the installed packages (`out = "node_modules"`).
    Install,
}

/// What was read of the project and its lock.
struct Read {
    project: npm::NpmProject,
    manager: Manager,
    root: String,
    member: String,
    missing_hashes: bool,
}

/// The build of asset `name` in `src` (relative to the description), when its directory holds
/// a `package.json`.
pub(super) fn build(
    c: &mut Checker,
    name: &Sp<String>,
    a: &d::Asset,
    src: &str,
    app: &str,
) -> Option<NpmBuild> {
    let dir = c.project_dir().join(src);
    // A package.json that is no regular file is reported when it is read, not ignored.
    if !crate::input::present(&dir.join("package.json")) {
        refuse_build_keys(c, a);
        return None;
    }
    let read = read(c, name, a, src)?;
    let manager = read.manager;
    let project = read.project;
    if !sources_stay_inside(c, name, a, src, &project) {
        return None;
    }
    let vite = uses_vite(&dir);
    let out = out_dir(c, a, &dir, vite)?;
    let script = script(c, a, &project, manager, &out)?;
    let member_prefix = format!("{}/", read.member);
    let Some(out_from_root) = crate::lockfiles::inside(&read.member, &out).filter(|o| {
        !o.is_empty() && *o != read.member && !member_prefix.starts_with(&format!("{o}/"))
    }) else {
        let span = a.out.as_ref().map_or(a.src.span(), |o| o.span());
        c.err(
            span,
            format!(
                "build output `{}` is not a directory inside the {}",
                shown(&out),
                if read.member.is_empty() {
                    "project"
                } else {
                    "workspace"
                }
            ),
            "give the directory the build writes, relative to the project (e.g. `dist`)",
        );
        return None;
    };
    let env = build_env(c, a);
    let hash = hash(c, name, a, manager, &read.root, app);
    c.note(format!(
        "asset `{}` is built from `{}` with {} ({}, {} locked packages{}), serving `{out}`",
        name.as_str(),
        if src.is_empty() { "." } else { src },
        manager.shown(),
        match &script {
            NpmScript::Run(s) => format!("`{} run {s}`", manager.as_str()),
            NpmScript::Command(cmd) => format!("`{}`", shown(cmd)),
            NpmScript::Install => "no build: the installed packages".into(),
        },
        project.packages,
        if read.member.is_empty() {
            String::new()
        } else {
            format!(
                " in the workspace at `{}`",
                if read.root.is_empty() {
                    "."
                } else {
                    &read.root
                }
            )
        }
    ));
    Some(NpmBuild {
        name: project.name,
        version: project.version,
        script,
        out,
        env,
        packages: project.packages,
        vite,
        manager,
        root: read.root,
        member: read.member,
        out_from_root,
        hash,
        missing_hashes: read.missing_hashes,
    })
}

/// The project and the lock that pins it: npm's own `package-lock.json`, else bun's, pnpm's or
/// Yarn's in its directory or at its workspace's root.
fn read(c: &mut Checker, name: &Sp<String>, a: &d::Asset, src: &str) -> Option<Read> {
    let dir = c.project_dir().join(src);
    let asset = name.as_str();
    let cannot = |c: &mut Checker, e: String, help: &str| {
        c.err(
            a.src.span(),
            format!("asset `{asset}` cannot be built from `{src}`: {e}"),
            help,
        );
    };
    let found = match js::find(c.project_dir(), src) {
        Ok(f) => f,
        Err(e) => {
            cannot(c, e, "commit the text lockfile the package manager writes");
            return None;
        }
    };
    let Some(found) = found else {
        return match npm::read(&dir) {
            Ok(project) => Some(Read {
                project,
                manager: Manager::Npm,
                root: src.to_string(),
                member: String::new(),
                missing_hashes: false,
            }),
            Err(e) => {
                let help = if crate::input::present(&dir.join("package-lock.json")) {
                    "commit a package-lock.json made by npm (`npm install --package-lock-only --omit-lockfile-registry-resolved=false`)"
                } else {
                    "commit the project's lockfile: package-lock.json (npm), bun.lock, pnpm-lock.yaml or yarn.lock"
                };
                cannot(c, e, help);
                None
            }
        };
    };
    let mut project = match npm::manifest(&dir) {
        Ok(p) => p,
        Err(e) => {
            cannot(c, e, "fix package.json");
            return None;
        }
    };
    let root_dir = c.project_dir().join(&found.root);
    let lock = match js::read(&root_dir, found.manager) {
        Ok(l) => l,
        Err(e) => {
            let help = format!(
                "commit the `{}` that {} writes",
                found.manager.lock(),
                found.manager.shown()
            );
            cannot(c, e, &help);
            return None;
        }
    };
    let at_root = |f: &str| {
        if found.root.is_empty() {
            f.to_string()
        } else {
            format!("{}/{f}", found.root)
        }
    };
    if !found.member.is_empty() && !lock.members.is_empty() && !lock.members.contains(&found.member)
    {
        let e = format!(
            "`{}` locks the workspace members {}, not `{}`",
            at_root(found.manager.lock()),
            lock.members
                .iter()
                .map(|m| format!("`{m}`"))
                .collect::<Vec<_>>()
                .join(", "),
            found.member
        );
        let help = format!(
            "run `{} install` at the workspace's root and commit the lock",
            found.manager.as_str()
        );
        cannot(c, e, &help);
        return None;
    }
    // The lock's problems are the project's.
    project.problems.extend(lock.problems);
    let missing_hashes = crate::input::present(&root_dir.join("missing-hashes.json"));
    if found.manager == Manager::YarnBerry && !lock.unchecked.is_empty() && !missing_hashes {
        let e = format!(
            "`{}` records no checksum for {} package(s) Yarn skipped on this platform ({}…), which nixpkgs' fetchYarnBerryDeps needs",
            at_root("yarn.lock"),
            lock.unchecked.len(),
            lock.unchecked[0]
        );
        let help = format!(
            "write them with `nix run nixpkgs#yarn-berry-fetcher -- missing-hashes yarn.lock > missing-hashes.json` in `{}` and commit it",
            if found.root.is_empty() {
                "."
            } else {
                &found.root
            }
        );
        cannot(c, e, &help);
        return None;
    }
    project.packages = lock.packages;
    Some(Read {
        project,
        manager: found.manager,
        root: found.root,
        member: found.member,
        missing_hashes: missing_hashes && found.manager == Manager::YarnBerry,
    })
}

/// `hash`: refused for npm (importNpmLock needs none), an SRI SHA-256 for the others; without
/// it the first build prints the one to write, which `check` says.
fn hash(
    c: &mut Checker,
    name: &Sp<String>,
    a: &d::Asset,
    manager: Manager,
    root: &str,
    app: &str,
) -> Option<String> {
    let asset = name.as_str();
    match (&a.hash, manager) {
        (Some(h), Manager::Npm) => {
            c.err(
                h.span(),
                "npm projects need no `hash`: importNpmLock fetches each package by the integrity hash of package-lock.json",
                "remove `hash`",
            );
            None
        }
        (Some(h), _) => {
            let ok = h.strip_prefix("sha256-").is_some_and(|b| {
                b.len() == 44
                    && b.ends_with('=')
                    && b[..43]
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '+' || c == '/')
            });
            if !ok {
                c.err(
                    h.span(),
                    format!(
                        "`hash` `{}` is not a SHA-256 hash as Nix prints it",
                        shown(h)
                    ),
                    "copy the `got: sha256-…` value the build printed (44 characters after `sha256-`)",
                );
                return None;
            }
            Some(h.to_string())
        }
        (None, Manager::Npm) => None,
        (None, m) => {
            c.warn(format!(
                "asset `{asset}`: the hash of the dependencies {} downloads for `{}` is not known yet. The first `nix build .#{app}-{asset}` stops with `hash mismatch in fixed-output derivation` and `got: sha256-…`: write that value as `hash = \"sha256-…\"` under [assets.{asset}] and run `app2nix generate` again",
                m.shown(),
                if root.is_empty() {
                    m.lock().to_string()
                } else {
                    format!("{root}/{}", m.lock())
                },
            ));
            None
        }
    }
}

/// What the lock and package.json would put into the store is refused: the problems
/// [`npm::source_problems`] found (with their file and line), and local packages that lead out
/// of the npm project through a symbolic link. package.json's version must name a store path.
fn sources_stay_inside(
    c: &mut Checker,
    name: &Sp<String>,
    a: &d::Asset,
    src: &str,
    project: &npm::NpmProject,
) -> bool {
    let asset = name.as_str();
    let mut ok = true;
    for p in &project.problems {
        let at = match p.line {
            Some(l) => format!("`{src}/{}:{l}`", p.file),
            None => format!("`{src}/{}`", p.file),
        };
        c.err(
            a.src.span(),
            format!("asset `{asset}` cannot be built: {at}: {}", p.message),
            p.help.clone(),
        );
        ok = false;
    }
    let dir = c.project_dir().join(src);
    for l in &project.local {
        let path = l.trim_start_matches("file:");
        if let (Ok(root), Ok(real)) = (dir.canonicalize(), dir.join(path).canonicalize())
            && !real.starts_with(&root)
        {
            c.err(
                a.src.span(),
                format!(
                    "asset `{asset}` cannot be built: the local package `{}` of `{src}/package-lock.json` leads out of the npm project through a symbolic link",
                    shown(path)
                ),
                "keep local packages inside the npm project (a workspace package), or depend on a published version",
            );
            ok = false;
        }
    }
    if !crate::nix::is_store_path_name(&project.version) {
        c.err(
            a.src.span(),
            format!(
                "asset `{asset}` cannot be built: the version `{}` of `{src}/package.json` cannot name a Nix store path",
                shown(&project.version)
            ),
            "give package.json a semantic version (`1.2.0`): letters, digits and `.+-` only",
        );
        ok = false;
    }
    ok
}

/// `build`, `out` and `build_env` describe an npm build, which a directory of files is not.
fn refuse_build_keys(c: &mut Checker, a: &d::Asset) {
    let key = a
        .build
        .as_ref()
        .map(|b| b.span())
        .or_else(|| a.out.as_ref().map(|o| o.span()))
        .or_else(|| a.build_env.keys().next().map(|k| k.span()));
    if let Some(span) = key {
        c.err(
            span,
            "`build`, `out` and `build_env` are for npm projects, and this directory has no package.json",
            "point `src` at the npm project (its package.json and package-lock.json), or remove them",
        );
    }
}

/// `npm run <script>` (the default `npm run build`) or another command.
fn script(
    c: &mut Checker,
    a: &d::Asset,
    project: &npm::NpmProject,
    manager: Manager,
    out: &str,
) -> Option<NpmScript> {
    let Some(cmd) = &a.build else {
        // The installed packages themselves, read by the app (Django's STATICFILES_DIRS).
        if out == "node_modules" && !project.scripts.iter().any(|s| s == "build") {
            return Some(NpmScript::Install);
        }
        if !project.scripts.iter().any(|s| s == "build") {
            c.err(
                a.src.span(),
                "package.json has no `build` script, and no `build` command is given",
                format!(
                    "add a `build` script to package.json, or set `build` (e.g. `{} run compile`), or `out = \"node_modules\"` for the installed packages themselves",
                    manager.as_str()
                ),
            );
            return None;
        }
        return Some(NpmScript::Run("build".into()));
    };
    if !c.one_line(cmd, "build command") {
        return None;
    }
    let words = crate::shell::words(cmd);
    match words.as_slice() {
        [tool, run, s]
            if ["npm", "bun", "pnpm", "yarn"].contains(&tool.as_str())
                && (run == "run" || run == "run-script") =>
        {
            if project.scripts.contains(s) {
                Some(NpmScript::Run(s.clone()))
            } else {
                c.err(
                    cmd.span(),
                    format!("package.json has no `{}` script", shown(s)),
                    format!("its scripts: {}", project.scripts.join(", ")),
                );
                None
            }
        }
        _ if crate::secrets::command_secret(&words).is_some() => {
            c.err_redacted(
                cmd.span(),
                "the build command holds a secret",
                "build-time values end up in the public bundle: keep secrets out of the build",
            );
            None
        }
        _ => Some(NpmScript::Command(cmd.to_string())),
    }
}

/// Whether the project builds with Vite.
fn uses_vite(dir: &Path) -> bool {
    VITE_CONFIGS.iter().any(|f| dir.join(f).is_file())
        || crate::input::read_text_if_any(&dir.join("package.json"))
            .is_some_and(|t| t.contains("\"vite\""))
}

/// `out`, else Vite's `build.outDir` when it is a plain string, else `dist`.
fn out_dir(c: &mut Checker, a: &d::Asset, dir: &Path, vite: bool) -> Option<String> {
    let out = match &a.out {
        Some(o) => o.to_string(),
        None if vite => vite_out_dir(dir).unwrap_or_else(|| "dist".into()),
        None => "dist".into(),
    };
    let out = out
        .trim_start_matches("./")
        .trim_end_matches('/')
        .to_string();
    // `..` may lead from a workspace's member to another directory of the workspace
    // (`build.outDir: "../backend/app/frontend"`): `build` checks where it ends.
    if out.is_empty() || !out.split('/').all(|s| s == ".." || is_dir_path(s)) {
        let span = a.out.as_ref().map_or(a.src.span(), |o| o.span());
        c.err(
            span,
            format!(
                "build output `{}` is not a directory inside the project",
                shown(&out)
            ),
            "give the directory the build writes, relative to the npm project (e.g. `dist`)",
        );
        return None;
    }
    Some(out)
}

/// `build.outDir` of the Vite configuration Vite would read (the first of [`VITE_CONFIGS`]).
fn vite_out_dir(dir: &Path) -> Option<String> {
    VITE_CONFIGS
        .iter()
        .find_map(|f| crate::input::read_text_if_any(&dir.join(f)))
        .and_then(|text: String| npm::vite_out_dir(&text))
        .map(|(d, _)| d)
}

/// `build_env`: plain values, never secrets (they are compiled into the public bundle).
fn build_env(c: &mut Checker, a: &d::Asset) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for (k, v) in &a.build_env {
        if !c.env_name(k, "build-time variable") || !c.one_line(v, "build-time value") {
            continue;
        }
        // The crate's one classification, by the rule of `[env]`: a secret name is refused
        // whatever its value (`NPM_TOKEN = "${NPM_TOKEN}"` is no reference here: nothing
        // expands it), and so is a secret value (a `*_PASSWORD_FILE` holding a literal too).
        if crate::secrets::is_secret_name(k) || crate::secrets::is_secret(k, v) {
            // A UUID under a name that does not say what it identifies may be a key; a public
            // identifier is named for what it identifies.
            let uuid = crate::secrets::secret_value_of(k, v) == Some(crate::secrets::UUID_REASON)
                && !crate::secrets::is_secret_name(k);
            c.err_redacted(
                v.span(),
                if uuid {
                    format!("`{}` holds a UUID under a name that does not say what it identifies (several services' keys are UUIDs), and build-time values end up in the public bundle", k.as_str())
                } else {
                    format!("`{}` looks like a secret, and build-time values end up in the public bundle", k.as_str())
                },
                if uuid {
                    "keep keys on the server; a public identifier goes under a name that says what it identifies (`VITE_…_ID`, `VITE_…_CLIENT_ID`)"
                } else {
                    "keep secrets on the server: have the app serve what the frontend needs at run time"
                },
            );
            continue;
        }
        out.insert(k.to_string(), v.to_string());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vite_out_dir_is_read_when_literal() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(
            dir.path().join("vite.config.js"),
            "export default { build: { outDir: 'build/web', sourcemap: true } }",
        )
        .expect("write");
        assert_eq!(vite_out_dir(dir.path()).as_deref(), Some("build/web"));
        std::fs::write(
            dir.path().join("vite.config.js"),
            "export default { build: { outDir: dir } }",
        )
        .expect("write");
        assert_eq!(vite_out_dir(dir.path()), None);
    }

    /// The configuration Vite reads is the first of its list (`.js` before `.ts`), here and in
    /// `init` alike (a regression: `init` took the last one it read, the model the first).
    #[test]
    fn the_configuration_vite_reads_decides() {
        let dir = tempfile::tempdir().expect("tempdir");
        for (file, out) in [("vite.config.ts", "from-ts"), ("vite.config.js", "from-js")] {
            std::fs::write(
                dir.path().join(file),
                format!("export default {{ build: {{ outDir: '{out}' }} }}"),
            )
            .expect("write");
        }
        assert_eq!(vite_out_dir(dir.path()).as_deref(), Some("from-js"));
        assert_eq!(VITE_CONFIGS[0], "vite.config.js");
    }
}
