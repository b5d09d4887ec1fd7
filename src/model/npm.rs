//! Assets built from source with npm: an asset whose directory holds a `package.json` is built
//! with nixpkgs' `buildNpmPackage` from its `package-lock.json` (`importNpmLock`), with its build
//! command, output directory and build-time environment. Build-time values end up in the
//! public bundle, so nothing secret may be one.
//!
//! Owns [`NpmBuild`]. May call [`super::check`], [`crate::lockfiles`] and [`crate::secrets`].

use std::collections::BTreeMap;
use std::path::Path;

use super::check::{Checker, is_plain_path, shown};
use crate::description::{self as d, Sp};
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
}

/// The package manager of a JavaScript project, by its lockfile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Manager {
    /// `package-lock.json`: nixpkgs' `importNpmLock`, no hash.
    Npm,
    /// `bun.lock`: `node_modules` as a fixed-output derivation.
    Bun,
    /// `pnpm-lock.yaml`: nixpkgs' `fetchPnpmDeps`.
    Pnpm,
    /// `yarn.lock` of Yarn 1: nixpkgs' `fetchYarnDeps`.
    Yarn,
    /// `yarn.lock` of Yarn 2 or newer (`__metadata`): nixpkgs' `fetchYarnBerryDeps`.
    YarnBerry,
}

impl Manager {
    /// The command that names it (`npm`, `bun`, `pnpm`, `yarn`).
    pub fn as_str(self) -> &'static str {
        match self {
            Manager::Npm => "npm",
            Manager::Bun => "bun",
            Manager::Pnpm => "pnpm",
            Manager::Yarn | Manager::YarnBerry => "yarn",
        }
    }
}

/// The build command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NpmScript {
    /// `npm run <script>`.
    Run(String),
    /// Any other shell command.
    Command(String),
}

/// The npm build of asset `name` in `src` (relative to the description), when its directory
/// holds a `package.json`.
pub(super) fn build(
    c: &mut Checker,
    name: &Sp<String>,
    a: &d::Asset,
    src: &str,
) -> Option<NpmBuild> {
    let dir = c.project_dir().join(src);
    // A package.json that is no regular file is reported when it is read, not ignored.
    if !crate::input::present(&dir.join("package.json")) {
        refuse_build_keys(c, a);
        return None;
    }
    let project = match npm::read(&dir) {
        Ok(p) => p,
        Err(e) => {
            c.err(
                a.src.span(),
                format!("asset `{}` cannot be built from `{src}`: {e}", name.as_str()),
                "commit a package-lock.json made by npm (`npm install --package-lock-only --omit-lockfile-registry-resolved=false`)",
            );
            return None;
        }
    };
    if !sources_stay_inside(c, name, a, src, &project) {
        return None;
    }
    let script = script(c, a, &project)?;
    let vite = uses_vite(&dir);
    let out = out_dir(c, a, &dir, vite)?;
    let env = build_env(c, a);
    c.note(format!(
        "asset `{}` is built from `{src}` with npm ({}, {} locked packages), serving `{out}`",
        name.as_str(),
        match &script {
            NpmScript::Run(s) => format!("`npm run {s}`"),
            NpmScript::Command(cmd) => format!("`{}`", shown(cmd)),
        },
        project.packages
    ));
    Some(NpmBuild {
        name: project.name,
        version: project.version,
        script,
        out,
        env,
        packages: project.packages,
        vite,
        manager: Manager::Npm,
    })
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
fn script(c: &mut Checker, a: &d::Asset, project: &npm::NpmProject) -> Option<NpmScript> {
    let Some(cmd) = &a.build else {
        if !project.scripts.iter().any(|s| s == "build") {
            c.err(
                a.src.span(),
                "package.json has no `build` script, and no `build` command is given",
                "add a `build` script to package.json, or set `build` (e.g. `npm run compile`)",
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
        [npm, run, s] if npm == "npm" && (run == "run" || run == "run-script") => {
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
    if !is_plain_path(&out) || out.split('/').any(|s| s == "..") {
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
