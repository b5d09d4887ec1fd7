//! The package and its environment: where the code comes from (a Python source tree, a
//! nixpkgs attribute or another flake's package), the built assets served beside it, the
//! interpreter and dependencies, the plain environment every unit gets, and which files of
//! the sources stay out of the Nix store.
//!
//! Owns [`Package`], [`PythonPackage`], [`Asset`] and [`DEFAULT_PYTHON`]; validates
//! `[package]`, `[assets.*]`, `env` and `environment_files`.
//!
//! May call [`super::check`]; reads the database (its driver is a dependency) and the
//! processes' servers from the description. `crate::secrets` lists the secret files of a
//! source tree, `crate::input` reads `pyproject.toml`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use super::check::{Checker, Places, is_dir_path, join_relative, shown};
use super::data::Database;
use super::npm::NpmBuild;
use super::uv::UvEnv;
use crate::description::{self as d, Sp};
use crate::placeholders::Text;

/// Where the code comes from.
#[derive(Debug, Clone)]
pub enum Package {
    /// Built from a source directory.
    Python(Box<PythonPackage>),
    /// A nixpkgs attribute path.
    Nixpkgs(String),
    /// `inputs.<input>.packages.<system>.<attr>`.
    Flake {
        /// Flake input name.
        input: String,
        /// Package attribute.
        attr: String,
    },
}

/// A Python application from source.
#[derive(Debug, Clone)]
pub struct PythonPackage {
    /// Source directory relative to the description's directory (`/`-separated; empty for the
    /// description's own directory).
    pub src: String,
    /// Whether `src` passed validation: checks that read the source tree skip an invalid one
    /// (its error is reported already).
    pub src_valid: bool,
    /// `312` for Python 3.12; `None` for nixpkgs' `python3` ([`DEFAULT_PYTHON`]).
    pub version: Option<String>,
    /// Built as a package (`pyproject`) rather than put on `PYTHONPATH`.
    pub pyproject: bool,
    /// nixpkgs Python attributes needed at run time, including server and driver.
    pub dependencies: BTreeSet<String>,
    /// Extras of dependencies (`django[argon2]`): package → extras, installed from the
    /// package's `optional-dependencies` in nixpkgs.
    pub extras: BTreeMap<String, BTreeSet<String>>,
    /// Packages replaced in the whole package set (`django` → `django_6`).
    pub overrides: BTreeMap<String, String>,
    /// Build backend packages (pyproject only).
    pub build_system: BTreeSet<String>,
    /// Version from `pyproject.toml` (`0` when it has none).
    pub package_version: String,
    /// Built from `uv.lock` with uv2nix (then `dependencies` are the locked packages).
    pub uv: Option<Box<UvEnv>>,
}

impl PythonPackage {
    /// `rel` (a path relative to the source) relative to the description's directory.
    pub fn in_source(&self, rel: &str) -> String {
        super::check::join_relative(&self.src, rel)
    }

    /// The nixpkgs attribute of the interpreter: `python3`, or `python312` for a pinned version.
    pub fn interpreter(&self) -> String {
        match &self.version {
            Some(v) => format!("python{v}"),
            None => "python3".into(),
        }
    }
}

/// A directory of built files.
#[derive(Debug, Clone)]
pub struct Asset {
    /// Name (`services.<app>.assets.<name>`).
    pub name: String,
    /// Directory relative to the description's directory.
    pub src: String,
    /// Unknown paths fall back to `index.html`.
    pub spa: bool,
    /// `assets/` (content-hashed build output) when the directory has one.
    pub hashed_dir: Option<String>,
    /// Built from source with npm (`src` is the npm project).
    pub build: Option<NpmBuild>,
    /// Where the built files are placed in the Python package's source tree (relative to it),
    /// for an app that reads them there.
    pub into: Option<String>,
}

/// nixos-26.05's `python3`: the one interpreter whose packages the binary cache holds.
pub const DEFAULT_PYTHON: &str = "3.13";

/// `[package]`: exactly one of `python`, `nixpkgs` or `flake`.
pub(super) fn package(
    c: &mut Checker,
    desc: &d::Description,
    database: &mut Option<Database>,
) -> Package {
    let p = &desc.package;
    let given = [p.python.is_some(), p.nixpkgs.is_some(), p.flake.is_some()]
        .iter()
        .filter(|x| **x)
        .count();
    if given != 1 {
        c.err(p.span(), if given == 0 { "[package] names no package" } else { "[package] names more than one package" }, "give exactly one of `python` (built from source), `nixpkgs` (an attribute) or `flake` (another flake's package)");
    }
    if let Some(py) = &p.python {
        return Package::Python(Box::new(python_package(c, desc, py, database)));
    }
    if let Some(attr) = &p.nixpkgs {
        if !is_attr_path(attr) {
            c.err(
                attr.span(),
                format!("`{}` is not a nixpkgs attribute path", shown(attr)),
                "e.g. `netbox` or `python3Packages.datasette`",
            );
        }
        return Package::Nixpkgs(attr.to_string());
    }
    if let Some(f) = &p.flake {
        return flake_package(c, f);
    }
    Package::Nixpkgs(String::new())
}

/// `[package.python]`: a source tree, its interpreter, layout and dependencies.
fn python_package(
    c: &mut Checker,
    desc: &d::Description,
    py: &d::PythonPackage,
    database: &mut Option<Database>,
) -> PythonPackage {
    // `None` when the source is invalid (reported). The project's own directory (`src = "."`)
    // is the empty relative path: a valid source, so emptiness says nothing about validity.
    let checked = c.project_path(&py.src, "package source", true);
    let version = py.version.as_ref().and_then(|v| python_version(c, v));
    let uv = checked
        .as_deref()
        .and_then(|src| super::uv::environment(c, desc, py, src, database));
    let valid = checked.is_some();
    let src = checked.unwrap_or_default();
    if let Some(env) = uv {
        if let Some((name, _)) = py.overrides.iter().next() {
            c.err(
                name.span(),
                "with uv.lock, the lock decides every version: `overrides` does not apply",
                "remove `overrides` (change the version with `uv add`)",
            );
        }
        let package_version = pyproject_version(&c.project_dir().join(&src).join("pyproject.toml"));
        return PythonPackage {
            src,
            src_valid: valid,
            version,
            pyproject: true,
            dependencies: env.packages.clone(),
            extras: BTreeMap::new(),
            overrides: BTreeMap::new(),
            build_system: BTreeSet::new(),
            package_version,
            uv: Some(Box::new(env)),
        };
    }
    if let Some(g) = py.groups.first() {
        c.err(
            g.span(),
            "`groups` selects extras and dependency groups of a uv lock, and there is none",
            "lock the project with `uv lock`, or list the packages in `dependencies`",
        );
    }
    if let Some((name, _)) = py.source_builds.iter().next() {
        c.err(
            name.span(),
            "`source_builds` applies to environments built from uv.lock, and there is none",
            "lock the project with `uv lock`, or remove `source_builds`",
        );
    }
    if let Some((name, _)) = py.native.iter().next() {
        c.err(
            name.span(),
            "`native` applies to environments built from uv.lock, and there is none",
            "lock the project with `uv lock`; without one, nixpkgs' Python packages come with their libraries",
        );
    }
    if valid {
        super::uv::note_unhonoured_pins(c, &src);
    }
    let layout = c.choice(
        &py.layout,
        "layout",
        &["requirements", "pyproject"],
        "requirements",
    );
    let pyproject = layout == "pyproject";
    if pyproject && valid && !c.project_dir().join(&src).join("pyproject.toml").is_file() {
        c.err(
            py.layout.as_ref().map_or(py.src.span(), |l| l.span()),
            format!(
                "layout is `pyproject` but `{}` does not exist",
                join_relative(&src, "pyproject.toml")
            ),
            "add a pyproject.toml with a [build-system], or use layout = \"requirements\"",
        );
    }
    let (dependencies, extras) = dependencies(c, desc, py, database);
    let build_system = build_system(c, py, pyproject);
    let package_version = if pyproject {
        pyproject_version(&c.project_dir().join(&src).join("pyproject.toml"))
    } else {
        "0".into()
    };
    PythonPackage {
        src,
        src_valid: valid,
        version,
        pyproject,
        dependencies,
        extras,
        overrides: overrides(c, py),
        build_system,
        package_version,
        uv: None,
    }
}

/// The listed dependencies, and what the servers and the database driver need.
fn dependencies(
    c: &mut Checker,
    desc: &d::Description,
    py: &d::PythonPackage,
    database: &mut Option<Database>,
) -> (BTreeSet<String>, BTreeMap<String, BTreeSet<String>>) {
    let mut dependencies = BTreeSet::new();
    let mut extras: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for dep in &py.dependencies {
        // `django[argon2]`: the package and extras of it.
        let (name, wanted) = match dep.split_once('[') {
            Some((n, rest)) if rest.ends_with(']') => (n, Some(&rest[..rest.len() - 1])),
            _ => (dep.as_str(), None),
        };
        let wanted: Vec<&str> = wanted
            .map(|w| w.split(',').map(str::trim).collect())
            .unwrap_or_default();
        let extras_ok = wanted.iter().all(|e| {
            !e.is_empty()
                && e.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
        });
        if is_attr_path(name) && extras_ok {
            known_to_nixpkgs(c, &Sp::new(name.to_string(), dep.span()));
            dependencies.insert(name.to_string());
            if !wanted.is_empty() {
                extras
                    .entry(name.to_string())
                    .or_default()
                    .extend(wanted.iter().map(|e| e.to_string()));
            }
        } else {
            c.err(
                dep.span(),
                format!("`{}` is not a nixpkgs Python package attribute", shown(dep)),
                "use the attribute name from python3Packages, e.g. `flask-sqlalchemy` (with extras: `django[argon2]`)",
            );
        }
    }
    // The servers and their worker classes' packages.
    for pr in desc.processes.values() {
        dependencies.extend(super::servers::packages(pr).into_iter().map(str::to_string));
    }
    match database {
        Some(Database::Sqlite { scheme, .. }) if scheme == "sqlite+aiosqlite" => {
            dependencies.insert("aiosqlite".into());
        }
        Some(db) => {
            // The driver the description names, or the default when the app names none.
            let listed = dependencies.clone();
            if let Some(driver) = db.settle_driver(|p| listed.contains(p)) {
                dependencies.insert(driver);
            }
        }
        None => {}
    }
    (dependencies, extras)
}

/// The build backend of a pyproject layout (setuptools unless listed).
fn build_system(c: &mut Checker, py: &d::PythonPackage, pyproject: bool) -> BTreeSet<String> {
    let mut build_system: BTreeSet<String> = py
        .build_system
        .iter()
        .filter(|b| {
            let ok = is_attr_path(b);
            if !ok {
                c.err(
                    b.span(),
                    format!("`{}` is not a nixpkgs Python package attribute", shown(b)),
                    "e.g. `setuptools`, `hatchling`, `poetry-core`",
                );
            }
            ok
        })
        .map(|b| b.to_string())
        .collect();
    if pyproject && build_system.is_empty() {
        build_system.insert("setuptools".into());
    }
    if !pyproject && let Some(b) = py.build_system.first() {
        c.err(
            b.span(),
            "build_system is only used with layout = \"pyproject\"",
            "remove it, or set layout = \"pyproject\"",
        );
    }
    build_system
}

/// `[package.flake]`: an input and one of its packages.
fn flake_package(c: &mut Checker, f: &d::FlakePackage) -> Package {
    if !nix_ident(&f.input) {
        c.err(
            f.input.span(),
            format!("`{}` is not a valid flake input name", shown(&f.input)),
            "input names are Nix identifiers, e.g. `myapp`",
        );
    }
    let attr = match &f.attr {
        Some(a) if !nix_ident(a) => {
            c.err(
                a.span(),
                format!("`{}` is not a valid package attribute", shown(a)),
                "e.g. `default`",
            );
            String::new()
        }
        Some(a) => a.to_string(),
        None => "default".into(),
    };
    Package::Flake {
        input: f.input.to_string(),
        attr,
    }
}

/// A pinned interpreter: `312` for `3.12`. Any other than nixpkgs' default costs a full build of
/// every dependency, which the notes say.
fn python_version(c: &mut Checker, v: &Sp<String>) -> Option<String> {
    if !crate::python_version::VERSIONS.contains(&v.as_str()) {
        let help = format!(
            "use one of {} (nixpkgs' python3XX interpreters), or remove `version` for nixpkgs' python3 ({DEFAULT_PYTHON})",
            crate::python_version::VERSIONS.join(", ")
        );
        c.err(
            v.span(),
            format!("unsupported Python version `{}`", shown(v)),
            help,
        );
        return None;
    }
    if v.as_str() != DEFAULT_PYTHON {
        c.note(format!(
            "Python {v} is not nixos-26.05's python3 ({DEFAULT_PYTHON}), and the binary cache holds no packages built for it: building the app builds the interpreter's whole dependency tree from source (far longer than downloading them, and again after every nixpkgs update). Remove `version` unless the app needs {v}.",
            v = v.as_str()
        ));
    }
    Some(v.replace('.', ""))
}

/// `[project] version` (PEP 621) or `[tool.poetry] version`; `0` when absent or dynamic.
fn pyproject_version(path: &Path) -> String {
    let text = crate::input::read_text_if_any(path).unwrap_or_default();
    let Ok(doc) = text.parse::<toml::Table>() else {
        return "0".into();
    };
    let get = |t: &toml::Table, keys: &[&str]| -> Option<String> {
        let mut cur = t;
        for k in &keys[..keys.len() - 1] {
            cur = cur.get(*k)?.as_table()?;
        }
        cur.get(keys[keys.len() - 1])?.as_str().map(str::to_string)
    };
    get(&doc, &["project", "version"])
        .or_else(|| get(&doc, &["tool", "poetry", "version"]))
        .filter(|v| {
            v.chars()
                .all(|c| c.is_ascii_alphanumeric() || ".+-_".contains(c))
        })
        .unwrap_or_else(|| "0".into())
}

/// `[assets.*]`: directories of the project, by name; an invalid one is left out.
pub(super) fn assets(c: &mut Checker, desc: &d::Description) -> Vec<Asset> {
    let mut out = Vec::new();
    let mut placed: BTreeMap<String, String> = BTreeMap::new();
    for (name, a) in &desc.assets {
        c.name(name, "asset name");
        let spa = c.choice(&a.kind, "asset kind", &["spa", "static"], "static") == "spa";
        let into = a.into.as_ref().and_then(|i| into(c, desc, i));
        // Two assets copied to the same place, or one inside the other, would overwrite.
        if let (Some(i), Some(span)) = (&into, a.into.as_ref().map(|i| i.span())) {
            let clash = placed.iter().find(|(p, _)| {
                *p == i || i.starts_with(&format!("{p}/")) || p.starts_with(&format!("{i}/"))
            });
            if let Some((p, other)) = clash {
                c.err(
                    span,
                    format!("`into` `{i}` overlaps `{p}`, where asset `{other}` is copied"),
                    "give each asset a directory of its own",
                );
            }
            placed.insert(i.clone(), name.to_string());
        }
        if let Some(src) = c.project_path(&a.src, "asset directory", true) {
            // An npm project is built here: none of a build output's checks apply to it.
            let npm_project = c.project_dir().join(&src).join("package.json").is_file();
            let build = super::npm::build(c, name, a, &src, desc.app.name.as_str());
            if let Some(b) = build {
                out.push(Asset {
                    name: name.to_string(),
                    src,
                    spa,
                    // Vite's build output keeps its content-hashed files in `assets/`.
                    hashed_dir: b.vite.then(|| "assets".to_string()),
                    build: Some(b),
                    into,
                });
                continue;
            }
            if npm_project {
                continue;
            }
            if spa && !c.project_dir().join(&src).join("index.html").is_file() {
                c.err(
                    a.src.span(),
                    format!("SPA asset `{}` has no index.html in `{src}`", name.as_str()),
                    "point `src` at the build output (e.g. `frontend/dist`) and build it first",
                );
            }
            let hashed_dir = c
                .project_dir()
                .join(&src)
                .join("assets")
                .is_dir()
                .then(|| "assets".to_string());
            out.push(Asset {
                name: name.to_string(),
                src,
                spa,
                hashed_dir,
                build: None,
                into,
            });
        }
    }
    out
}

/// `into`: a plain path inside the Python package's source tree, which a package built
/// elsewhere (nixpkgs, another flake) has not.
fn into(c: &mut Checker, desc: &d::Description, i: &Sp<String>) -> Option<String> {
    let Some(py) = &desc.package.python else {
        c.err(
            i.span(),
            "`into` places the asset into the Python package's source tree, and [package] builds none",
            "remove `into` and serve the asset with a route, or build the app from source with [package.python]",
        );
        return None;
    };
    let path = i.trim_start_matches("./").trim_end_matches('/');
    if !is_dir_path(path) {
        c.err(
            i.span(),
            format!(
                "`into` `{}` is not a directory inside the source tree",
                shown(i)
            ),
            format!(
                "give the directory the app reads its files from, relative to `{}` (e.g. `app/frontend`)",
                shown(&py.src)
            ),
        );
        return None;
    }
    Some(path.to_string())
}

/// Directories whose files become store paths (the package source, the local projects of a uv
/// lock and the assets, with their local npm packages) are filtered; say which files the filter
/// leaves out, so nobody wonders where their `.env` went.
pub(super) fn note_secret_files(c: &mut Checker, package: &Package, assets: &[Asset]) {
    let mut dirs: Vec<&str> = assets.iter().map(|a| a.src.as_str()).collect();
    if let Package::Python(py) = package {
        dirs.insert(0, &py.src);
        if let Some(uv) = &py.uv {
            dirs.extend(uv.local_dirs.iter().map(String::as_str));
        }
    }
    let mut left_out = Vec::new();
    for dir in dirs {
        let full = c.project_dir().join(dir);
        for f in crate::secrets::secret_files_in(&full, 50_000) {
            left_out.push(if dir.is_empty() {
                f
            } else {
                format!("{dir}/{f}")
            });
        }
    }
    left_out.sort();
    left_out.dedup();
    if left_out.is_empty() {
        return;
    }
    const SHOWN: usize = 10;
    let mut list = left_out
        .iter()
        .take(SHOWN)
        .map(|f| format!("`{}`", shown(f)))
        .collect::<Vec<_>>()
        .join(", ");
    if left_out.len() > SHOWN {
        list.push_str(&format!(" and {} more", left_out.len() - SHOWN));
    }
    c.note(format!(
        "left out of the generated sources: {list}. Files that can hold secrets (`.env*`, keys, certificates, credentials of tools) never enter the world-readable Nix store; deliver their values as [secrets] or `environment_files`."
    ));
}

/// `env`: the plain environment of every unit (none of it a declared secret).
pub(super) fn environment(c: &mut Checker, desc: &d::Description) -> BTreeMap<String, Text> {
    c.env_map(&desc.env, &desc.secrets, &Places::of(desc))
}

/// `environment_files`: absolute paths outside the Nix store, read by every unit at start.
pub(super) fn environment_files(c: &mut Checker, desc: &d::Description) -> Vec<String> {
    let mut environment_files = Vec::new();
    for f in &desc.environment_files {
        if c.one_line(f, "environment file") {
            if !f.starts_with('/') || f.starts_with("/nix/store") {
                c.err(
                    f.span(),
                    format!(
                        "environment file `{}` must be an absolute path outside the Nix store",
                        shown(f)
                    ),
                    "use a path such as `/etc/<app>/env`; files in the store are world-readable",
                );
            } else {
                environment_files.push(f.to_string());
            }
        }
    }
    environment_files
}

fn nix_ident(s: &str) -> bool {
    crate::nix::is_identifier(s) && !s.contains('\'')
}

/// `a.b-c.d`: dotted Nix identifiers.
/// `overrides`: both sides are nixpkgs' own attributes.
fn overrides(c: &mut Checker, py: &d::PythonPackage) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for (from, to) in &py.overrides {
        let ok = is_attr_path(from) && is_attr_path(to) && !from.contains('.') && !to.contains('.');
        if !ok {
            c.err(
                from.span(),
                format!(
                    "`{} = {}` does not replace one python3Packages attribute by another",
                    shown(from),
                    shown(to)
                ),
                "e.g. `overrides = { django = \"django_6\" }`",
            );
            continue;
        }
        known_to_nixpkgs(c, from);
        known_to_nixpkgs(c, to);
        out.insert(from.to_string(), to.to_string());
    }
    out
}

/// A dependency nixpkgs has under that very name (`check` fails where evaluation would, with
/// the name nixpkgs uses instead). Attribute paths (`django.optional-dependencies.argon2`) are
/// left to the evaluation.
fn known_to_nixpkgs(c: &mut Checker, dep: &Sp<String>) {
    if dep.contains('.') {
        return;
    }
    match crate::nixpkgs::python_attr(dep) {
        crate::nixpkgs::PythonAttr::Found(name) if name == **dep => {}
        crate::nixpkgs::PythonAttr::Found(name) | crate::nixpkgs::PythonAttr::Renamed(name) => c.err(
            dep.span(),
            format!("nixpkgs calls `{}` `{name}`", shown(dep)),
            format!("write `{name}`: python3Packages attributes are nixpkgs' own names"),
        ),
        crate::nixpkgs::PythonAttr::Missing(close) => c.err(
            dep.span(),
            format!("nixpkgs has no python3Packages.{}", shown(dep)),
            match close {
                Some(n) => format!("did you mean `{n}`? (or lock the project with `uv lock`: the environment is then built from the lock)"),
                None => "package it in an overlay, or lock the project with `uv lock`: the environment is then built from the lock".into(),
            },
        ),
    }
}

pub(super) fn is_attr_path(s: &str) -> bool {
    s.split('.').all(nix_ident)
}
