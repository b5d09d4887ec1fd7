//! A Python environment built from `uv.lock` with uv2nix: finding the lock (in the source or
//! the uv workspace above it), checking that it locks the app and what the processes and the
//! database need, the build systems of packages built from source, and what `check` says about
//! it. Without a lock, the versions `requirements.txt` or `pyproject.toml` pin and nixpkgs does
//! not honour.
//!
//! Owns [`UvEnv`]. May call [`super::check`] and [`crate::lockfiles`]; reads the description's
//! processes and database (what the environment must hold).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use super::check::{Checker, join_relative, normalize_relative, path_to_slash, shown};
use super::data::Database;
use super::package::DEFAULT_PYTHON;
use crate::description::{self as d, Sp};
use crate::diagnostic::did_you_mean;
use crate::lockfiles::normalize_python_name;
use crate::lockfiles::uv::{self, UvLock};

/// The app's environment, from a uv lock.
#[derive(Debug, Clone)]
pub struct UvEnv {
    /// The workspace root (the lock's directory), relative to the description's directory.
    pub root: String,
    /// Packages built from a source tree of the project: the members and local directories
    /// (`source = { directory = … }`). Their sources are filtered of secret files.
    pub local_sources: Vec<String>,
    /// Packages built from source, with the build systems each gets.
    pub source_builds: BTreeMap<String, Vec<String>>,
    /// Every locked package, by normalized name.
    pub packages: BTreeSet<String>,
    /// The app's own project (a member): the environment holds it and its dependencies, not
    /// the other members of its workspace.
    pub project: String,
}

impl UvEnv {
    /// The lock's path as the user knows it (relative to the description).
    pub fn lock_shown(&self) -> String {
        if self.root.is_empty() {
            "uv.lock".into()
        } else {
            format!("{}/uv.lock", self.root)
        }
    }
}

/// The lock of the package in `src`, when there is one and it is used.
pub(super) fn environment(
    c: &mut Checker,
    desc: &d::Description,
    py: &d::PythonPackage,
    src: &str,
    database: &Option<Database>,
) -> Option<UvEnv> {
    let (lock_path, span) = find(c, py, src)?;
    let lock = match uv::read(&c.project_dir().join(&lock_path)) {
        Ok(lock) => lock,
        Err(e) => {
            c.err(
                span,
                format!("`{lock_path}` cannot be used: {e}"),
                "recreate it with `uv lock`, or set `lock = false` to map `dependencies` to nixpkgs",
            );
            return None;
        }
    };
    let root = Path::new(&lock_path)
        .parent()
        .map(path_to_slash)
        .unwrap_or_default();
    refuse_nixpkgs_keys(c, py);
    if !c.project_dir().join(&root).join("pyproject.toml").is_file() {
        c.err(
            span.clone(),
            format!("the workspace of `{lock_path}` has no pyproject.toml beside the lock"),
            "uv2nix reads the workspace from the lock's directory: keep uv.lock beside the workspace's pyproject.toml",
        );
    }
    interpreter_fits(c, py, &lock_path, &lock);
    let project = locks_the_app(c, py, src, &lock_path, &lock);
    holds_what_processes_need(c, desc, py, database, &lock_path, &lock);
    let source_builds = source_builds(c, py, &lock);
    c.note(summary(&lock_path, &lock, &source_builds));
    Some(UvEnv {
        root,
        local_sources: lock.members.union(&lock.directories).cloned().collect(),
        source_builds,
        packages: lock.packages,
        project: project.unwrap_or_default(),
    })
}

/// The lock's path (relative to the description) and the span errors about it point at: the
/// `lock` key, else a `uv.lock` in `src` or the nearest directory above it in the project.
fn find(
    c: &mut Checker,
    py: &d::PythonPackage,
    src: &str,
) -> Option<(String, std::ops::Range<usize>)> {
    match py.lock.as_ref().map(|l| (l, &**l)) {
        Some((_, d::Lock::Use(false))) => None,
        Some((l, d::Lock::Use(true))) => {
            c.err(
                l.span(),
                "`lock = true` does not say which lock",
                "give the path of the uv.lock (relative to app2nix.toml), or leave `lock` out to find it",
            );
            None
        }
        Some((l, d::Lock::Path(p))) => match normalize_relative(p) {
            // uv2nix reads `uv.lock` of the workspace root: a lock of another name would be
            // checked here and not built there.
            Some(rel) if rel.file_name().is_some_and(|n| n != "uv.lock") => {
                c.err(
                    l.span(),
                    format!("lock `{}` is not named uv.lock", shown(p)),
                    "give the path of the workspace's uv.lock (uv2nix reads `uv.lock` beside the workspace's pyproject.toml)",
                );
                None
            }
            // Read (and refused if it is no regular file) with the rest of the lock.
            Some(rel) if crate::input::present(&c.project_dir().join(&rel)) => {
                Some((path_to_slash(&rel), l.span()))
            }
            _ => {
                c.err(
                    l.span(),
                    format!("lock `{}` is not a file of the project", shown(p)),
                    "give the path of the uv.lock relative to app2nix.toml",
                );
                None
            }
        },
        None => {
            let mut dir = Path::new(src).to_path_buf();
            loop {
                // Anything named uv.lock: a FIFO or device there is reported when it is read,
                // not taken for a project without a lock.
                if crate::input::present(&c.project_dir().join(&dir).join("uv.lock")) {
                    return Some((path_to_slash(&dir.join("uv.lock")), py.src.span()));
                }
                if !dir.pop() {
                    return None;
                }
            }
        }
    }
}

/// The interpreter satisfies the lock's `requires-python` (uv2nix asserts it).
fn interpreter_fits(c: &mut Checker, py: &d::PythonPackage, lock_path: &str, lock: &UvLock) {
    let Some(requirement) = &lock.requires_python else {
        return;
    };
    let version = py.version.as_ref().map_or(DEFAULT_PYTHON, |v| v.as_str());
    if crate::python_version::satisfies_requirement(version, requirement) == Some(false) {
        let help = match crate::python_version::from_requirement(requirement) {
            Some(choice) => match choice.version {
                Some(v) => format!("set `version = \"{v}\"` under [package.python]"),
                None => "remove `version`: nixpkgs' python3 satisfies it".to_string(),
            },
            None => "choose an interpreter the lock allows with `version`".to_string(),
        };
        c.err(
            py.version.as_ref().map_or(py.src.span(), |v| v.span()),
            format!("`{lock_path}` requires Python `{requirement}`, and the environment would use {version}"),
            help,
        );
    }
}

/// `dependencies`, `build_system` and `layout = "requirements"` describe the nixpkgs mapping.
fn refuse_nixpkgs_keys(c: &mut Checker, py: &d::PythonPackage) {
    if let Some(dep) = py.dependencies.first() {
        c.err(
            dep.span(),
            "with uv.lock, the environment holds what the lock holds: `dependencies` is not used",
            "remove `dependencies` (add packages with `uv add`), or set `lock = false` to use nixpkgs' packages",
        );
    }
    if let Some(b) = py.build_system.first() {
        c.err(
            b.span(),
            "with uv.lock, the app is built with the build system its pyproject.toml names",
            "remove `build_system`",
        );
    }
    if let Some(l) = py.layout.as_ref().filter(|l| l.as_str() == "requirements") {
        c.err(
            l.span(),
            "a uv project is built as a package: `layout = \"requirements\"` does not apply",
            "remove `layout`, or set `lock = false` to put the source on PYTHONPATH",
        );
    }
}

/// The project in `src` is one of the lock's workspace packages.
fn locks_the_app(
    c: &mut Checker,
    py: &d::PythonPackage,
    src: &str,
    lock_path: &str,
    lock: &UvLock,
) -> Option<String> {
    let pyproject = c.project_dir().join(src).join("pyproject.toml");
    let name = crate::input::read_text_if_any(&pyproject)
        .and_then(|t| t.parse::<toml::Table>().ok())
        .and_then(|t| {
            t.get("project")?
                .get("name")?
                .as_str()
                .map(normalize_python_name)
        });
    match name {
        None => {
            c.err(
                py.src.span(),
                format!(
                    "`{}` names no project (`[project] name`)",
                    join_relative(src, "pyproject.toml")
                ),
                "uv2nix builds the project the lock names: add `[project]` with its name",
            );
            None
        }
        Some(n) if !lock.members.contains(&n) => {
            c.err(
                py.src.span(),
                format!("`{lock_path}` does not lock the project `{n}` of `{src}`"),
                "run `uv lock` in the project (or its workspace) to lock it",
            );
            None
        }
        Some(n) => Some(n),
    }
}

/// The servers the processes run and the database driver are in the lock.
fn holds_what_processes_need(
    c: &mut Checker,
    desc: &d::Description,
    py: &d::PythonPackage,
    database: &Option<Database>,
    lock_path: &str,
    lock: &UvLock,
) {
    let mut needed: BTreeSet<&str> = BTreeSet::new();
    for p in desc.processes.values() {
        needed.extend(super::servers::packages(p));
    }
    match database {
        Some(Database::Postgresql { scheme, .. }) => {
            if let Some(driver) = scheme.strip_prefix("postgresql+") {
                needed.insert(driver);
            }
        }
        Some(Database::Sqlite { scheme, .. }) if scheme == "sqlite+aiosqlite" => {
            needed.insert("aiosqlite");
        }
        _ => {}
    }
    for package in needed {
        // `psycopg2-binary` and `psycopg[binary]` provide the driver too.
        let binary = format!("{package}-binary");
        if !lock.packages.contains(package) && !lock.packages.contains(&binary) {
            c.err(
                py.src.span(),
                format!("`{package}` is not in `{lock_path}`, and the app needs it"),
                format!("add it with `uv add {package}` and commit the new lock"),
            );
        }
    }
}

/// `source_builds`: packages of the lock built from source, and their build systems.
fn source_builds(
    c: &mut Checker,
    py: &d::PythonPackage,
    lock: &UvLock,
) -> BTreeMap<String, Vec<String>> {
    let mut given = BTreeMap::new();
    for (name, systems) in &py.source_builds {
        let n = normalize_python_name(name);
        if !lock.packages.contains(&n) {
            let help = match did_you_mean(&n, lock.packages.iter().map(String::as_str)) {
                Some(s) => format!("did you mean `{s}`?"),
                None => "name a package of uv.lock".into(),
            };
            c.err(
                name.span(),
                format!("`{}` is not in uv.lock", shown(name)),
                help,
            );
            continue;
        }
        let valid: Vec<String> = systems
            .iter()
            .filter(|s| python_name(c, s))
            .map(|s| normalize_python_name(s))
            .collect();
        given.insert(n, valid);
    }
    // A package with wheels can be named too (to build it from source anyway is uv2nix's
    // `sourcePreference`, not this): only packages built from source get an override.
    let version = py.version.as_ref().map_or(DEFAULT_PYTHON, |v| v.as_str());
    let minor = version
        .strip_prefix("3.")
        .and_then(|m| m.parse().ok())
        .unwrap_or(13);
    uv::build_systems(lock, minor, &given)
}

fn python_name(c: &mut Checker, s: &Sp<String>) -> bool {
    let ok = !s.is_empty()
        && s.chars()
            .all(|ch| ch.is_ascii_alphanumeric() || "-_.".contains(ch));
    if !ok {
        c.err(
            s.span(),
            format!("`{}` is not a Python package name", shown(s)),
            "e.g. `setuptools`, `hatchling`, `cython`",
        );
    }
    ok
}

/// What `check` says about the environment.
fn summary(lock_path: &str, lock: &UvLock, builds: &BTreeMap<String, Vec<String>>) -> String {
    let mut s = format!(
        "the Python environment is built from `{lock_path}` with uv2nix: {} locked packages, from their wheels where the lock has them",
        lock.packages.len()
    );
    if !builds.is_empty() {
        let list: Vec<String> = builds
            .iter()
            .map(|(p, systems)| format!("{p} ({})", systems.join(", ")))
            .collect();
        s.push_str(&format!(
            "; built from source, with these build systems (uv does not lock them; set others under `source_builds`): {}",
            list.join(", ")
        ));
    }
    s
}

/// Without a lock: the version constraints of `requirements.txt` and `pyproject.toml` that
/// nixpkgs' packages do not honour (nixpkgs has one version of each).
pub(super) fn note_unhonoured_pins(c: &mut Checker, src: &str) {
    let dir = c.project_dir().join(src);
    let mut pins = Vec::new();
    if let Some(text) = crate::input::read_text_if_any(&dir.join("requirements.txt")) {
        pins.extend(
            text.lines()
                .filter_map(constrained)
                .map(|r| format!("{r} (requirements.txt)")),
        );
    }
    if let Some(deps) = crate::input::read_text_if_any(&dir.join("pyproject.toml"))
        .and_then(|t| t.parse::<toml::Table>().ok())
        .and_then(|t| t.get("project")?.get("dependencies")?.as_array().cloned())
    {
        pins.extend(
            deps.iter()
                .filter_map(|d| d.as_str())
                .filter_map(constrained)
                .map(|r| format!("{r} (pyproject.toml)")),
        );
    }
    if pins.is_empty() {
        return;
    }
    const SHOWN: usize = 8;
    let mut list = pins
        .iter()
        .take(SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if pins.len() > SHOWN {
        list.push_str(&format!(" and {} more", pins.len() - SHOWN));
    }
    c.note(format!(
        "nixpkgs has one version of each Python package, so these constraints are not honoured: {list}. To build exactly the versions you chose, lock the project with uv (`uv lock`): app2nix then builds it from uv.lock with uv2nix"
    ));
}

/// A requirement line with a version constraint (`fastapi==0.110.0`, `sqlalchemy<2`).
fn constrained(line: &str) -> Option<String> {
    let line = line.split('#').next()?.trim();
    if line.is_empty() || line.starts_with('-') {
        return None;
    }
    let spec = line.split(';').next()?.trim();
    let op = spec.find(['=', '<', '>', '!', '~'])?;
    let name = spec[..op].split('[').next()?.trim();
    (!name.is_empty()).then(|| shown(&spec.replace(' ', "")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constraints_of_requirement_lines() {
        assert_eq!(
            constrained("fastapi==0.110.0").as_deref(),
            Some("fastapi==0.110.0")
        );
        assert_eq!(
            constrained("SQLAlchemy[asyncio] >= 2, <3 ; python_version > '3.8'").as_deref(),
            Some("SQLAlchemy[asyncio]>=2,<3")
        );
        assert_eq!(constrained("flask"), None);
        assert_eq!(constrained("-r base.txt"), None);
        assert_eq!(constrained("# comment"), None);
    }
}
