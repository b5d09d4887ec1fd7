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
    /// The project's extras and dependency groups the environment holds too.
    pub groups: Vec<String>,
    /// Native libraries of locked packages (`[package.python.native]`), by normalized name.
    pub native: BTreeMap<String, NativeInputs>,
    /// The source trees of [`UvEnv::local_sources`], relative to the description's directory:
    /// `check` names the files their filtered copies leave out.
    pub local_dirs: Vec<String>,
    /// Packages the app's server needs that the lock does not hold: nixpkgs' release of each,
    /// built from its source into the environment.
    pub added: Vec<Added>,
}

/// A package added to a uv environment from nixpkgs' source (see [`ADDABLE`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Added {
    /// Its name, as in nixpkgs' Python package set and uv2nix's.
    pub name: String,
    /// The build system its source needs.
    pub build_system: String,
    /// What it depends on at run time.
    pub dependencies: Vec<String>,
}

/// Pure-Python servers (and what they depend on) app2nix adds when the lock lacks them (a
/// guide that says `pip install gunicorn` beside the project, a project that runs uWSGI):
/// name, build system, dependencies.
const ADDABLE: &[(&str, &str, &[&str])] = &[
    ("gunicorn", "setuptools", &["packaging"]),
    ("packaging", "flit-core", &[]),
];

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

/// What a locked package gets of nixpkgs (`[package.python.native.<package>]`): attribute
/// paths of `pkgs`, checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NativeInputs {
    /// `buildInputs` of its build.
    pub build_inputs: Vec<String>,
    /// `nativeBuildInputs` of its build.
    pub native_build_inputs: Vec<String>,
    /// Packages whose shared libraries it loads by name at run time.
    pub libraries: Vec<String>,
}

/// The lock of the package in `src`, when there is one and it is used.
pub(super) fn environment(
    c: &mut Checker,
    desc: &d::Description,
    py: &d::PythonPackage,
    src: &str,
    database: &mut Option<Database>,
) -> Option<UvEnv> {
    let (lock_path, span) = find(c, py, src)?;
    let lock = match uv::read(c.project_dir(), Path::new(&lock_path)) {
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
    let local_dirs = sources_stay_inside(c, py, &lock_path, &root, &lock);
    credentials_in_project_files(c, py, &root, &lock);
    interpreter_fits(c, py, &lock_path, &lock);
    let project = locks_the_app(c, py, src, &lock_path, &lock);
    let groups = groups(c, py, project.as_deref(), &lock_path, &lock);
    let held = match &project {
        Some(p) => lock.closure(p, &groups),
        None => lock.packages.clone(),
    };
    let added = holds_what_processes_need(c, desc, py, database, &lock_path, &lock, &held);
    let source_builds = source_builds(c, py, &lock);
    let native = native(c, py, &lock);
    c.note(summary(&lock_path, &lock, &source_builds));
    libpq_by_name(c, &held, &native);
    Some(UvEnv {
        root,
        local_sources: lock.members.union(&lock.directories).cloned().collect(),
        source_builds,
        packages: lock.packages,
        project: project.unwrap_or_default(),
        groups,
        native,
        local_dirs,
        added,
    })
}

/// Archives a `path` source or a local index may be: uv2nix copies them whole.
const ARCHIVES: &[&str] = &[
    ".whl", ".tar.gz", ".tgz", ".zip", ".tar.bz2", ".tar.xz", ".tar",
];

/// Everything the lock takes from this machine stays inside the project and goes through the
/// source filter, and no URL of it holds a credential or reads a local file: uv2nix copies a
/// local source into the store as `workspaceRoot + "/" + path` (a `directory` or member
/// filtered by the environment's overrides, a `path` archive whole), fetches a `file:` URL from
/// this machine and writes every URL into a derivation. The source trees, relative to the
/// project.
fn sources_stay_inside(
    c: &mut Checker,
    py: &d::PythonPackage,
    lock_path: &str,
    root: &str,
    lock: &UvLock,
) -> Vec<String> {
    let mut dirs = Vec::new();
    let project = c.project_dir().to_path_buf();
    for s in &lock.local {
        let at = at_line(lock_path, s.line);
        let shown_path = shown(&s.path);
        let Some(rel) = crate::lockfiles::inside(root, &s.path) else {
            c.err(
                py.src.span(),
                format!("{at}: the source `{shown_path}` of `{}` is outside the project, and uv2nix would copy it into the store", s.package),
                "keep local packages inside the project (a workspace member, or a directory of it), or depend on a published version",
            );
            continue;
        };
        let full = project.join(&rel);
        let escapes = matches!(
            (project.canonicalize(), full.canonicalize()),
            (Ok(root), Ok(real)) if !real.starts_with(&root)
        );
        let hidden = rel.split('/').find(|p| {
            crate::secrets::is_secret_file(p)
                || crate::secrets::excluded_dirs().iter().any(|d| d == p)
        });
        let archive = ARCHIVES.iter().any(|e| rel.ends_with(e)) && full.is_file();
        let problem = if escapes {
            Some("leads out of the project through a symbolic link".to_string())
        } else if let Some(part) = hidden {
            Some(format!(
                "is in `{}`, which the sources leave out (it can hold secrets)",
                shown(part)
            ))
        } else if matches!(s.kind, "path" | "registry") && !archive {
            Some("is not an archive of the project (a `.whl`, `.tar.gz` or `.zip` file): uv2nix copies such a source whole, unfiltered".to_string())
        } else if !matches!(s.kind, "path" | "registry") && full.exists() && !full.is_dir() {
            Some("is not a directory".to_string())
        } else {
            None
        };
        if let Some(problem) = problem {
            c.err(
                py.src.span(),
                format!("{at}: the source `{shown_path}` of `{}` {problem}", s.package),
                "keep local packages in directories of the project (a workspace member, or `uv add --editable ./libs/x`), or depend on a published version",
            );
        } else if matches!(s.kind, "editable" | "directory") {
            // A virtual project builds nothing from its tree.
            dirs.push(rel);
        }
    }
    for u in &lock.urls {
        let at = at_line(lock_path, u.line);
        let local = u.url.starts_with("file:")
            || u.url.starts_with("git+file:")
            || (u.kind == "git" && !u.url.contains("://"));
        if let Some(why) = crate::lockfiles::url_credential(&u.url) {
            c.err(
                py.src.span(),
                format!("{at}: a URL of `{}` holds a credential ({why}); the lock and the fetches it makes are copied into the world-readable store", u.package),
                crate::lockfiles::CREDENTIAL_HELP,
            );
        } else if local {
            c.err(
                py.src.span(),
                format!("{at}: `{}` comes from a file of this machine (a `file:` URL or a local git repository), which Nix would copy into the store", u.package),
                "lock packages from an index or a remote repository, or from a directory of the project",
            );
        }
    }
    dirs.sort();
    dirs.dedup();
    dirs
}

/// `uv.lock:12`, or the lock alone when the line is unknown.
fn at_line(lock_path: &str, line: Option<usize>) -> String {
    match line {
        Some(l) => format!("`{lock_path}:{l}`"),
        None => format!("`{lock_path}`"),
    }
}

/// No URL of the workspace's `pyproject.toml` files or its `uv.toml` holds a credential (an
/// `index-url = "https://user:token@…"`): they are copied into the store with the sources.
fn credentials_in_project_files(c: &mut Checker, py: &d::PythonPackage, root: &str, lock: &UvLock) {
    let mut files: Vec<String> = vec![
        crate::lockfiles::inside(root, "pyproject.toml").unwrap_or_default(),
        crate::lockfiles::inside(root, "uv.toml").unwrap_or_default(),
    ];
    for s in lock
        .local
        .iter()
        .filter(|s| !matches!(s.kind, "path" | "registry"))
    {
        if let Some(rel) = crate::lockfiles::inside(root, &format!("{}/pyproject.toml", s.path)) {
            files.push(rel);
        }
    }
    files.sort();
    files.dedup();
    for file in files {
        let Ok(text) = crate::input::read_text_within(
            c.project_dir(),
            Path::new(&file),
            crate::input::MAX_INPUT_BYTES,
        ) else {
            continue;
        };
        let Ok(table) = text.parse::<toml::Table>() else {
            continue;
        };
        let table = toml::Value::Table(table);
        let mut strings = Vec::new();
        toml_strings(&table, &mut strings);
        for value in strings {
            if let Some(why) = crate::lockfiles::url_credential(value) {
                let line = crate::lockfiles::line_of(&text, &format!("\"{value}\""))
                    .or_else(|| crate::lockfiles::line_of(&text, &format!("'{value}'")));
                c.err(
                    py.src.span(),
                    format!(
                        "{}: a URL holds a credential ({why}); the file is copied into the world-readable store with the sources",
                        at_line(&file, line)
                    ),
                    crate::lockfiles::CREDENTIAL_HELP,
                );
            }
        }
    }
}

/// Every string of a TOML value (keys aside), depth first.
fn toml_strings<'a>(v: &'a toml::Value, out: &mut Vec<&'a str>) {
    match v {
        toml::Value::String(s) => out.push(s),
        toml::Value::Array(a) => a.iter().for_each(|x| toml_strings(x, out)),
        toml::Value::Table(t) => t.values().for_each(|x| toml_strings(x, out)),
        _ => {}
    }
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
    let fits = crate::python_version::satisfies_requirement(version, requirement);
    if crate::python_version::satisfies_requirement(DEFAULT_PYTHON, requirement).is_none() {
        // uv2nix parses it (PEP 440) and asserts it: an unreadable one fails the evaluation.
        c.err(
            py.src.span(),
            format!("`{lock_path}` requires Python `{}`, which is no version specifier app2nix can read", shown(requirement)),
            "recreate the lock with `uv lock` after fixing `requires-python` in pyproject.toml (e.g. `>=3.11`)",
        );
        return;
    }
    if fits == Some(false) {
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

/// The member whose closure `held` is (the one member it holds), for messages.
fn project_name<'a>(lock: &'a UvLock, held: &BTreeSet<String>) -> &'a str {
    lock.members
        .iter()
        .find(|m| held.contains(*m))
        .map_or("", String::as_str)
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
    // The app's code may live in a directory of the project (`src/manage.py` beside a
    // `pyproject.toml` above it): the project is the nearest pyproject.toml from `src` up to
    // the lock's directory.
    let root = Path::new(lock_path).parent().unwrap_or(Path::new(""));
    let dir = Path::new(src)
        .ancestors()
        .take_while(|d| d.starts_with(root))
        .find(|d| c.project_dir().join(d).join("pyproject.toml").is_file())
        .map_or_else(|| src.to_string(), path_to_slash);
    let src = dir.as_str();
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

/// `groups`: extras and dependency groups the project declares in the lock.
fn groups(
    c: &mut Checker,
    py: &d::PythonPackage,
    project: Option<&str>,
    lock_path: &str,
    lock: &UvLock,
) -> Vec<String> {
    let Some(project) = project else {
        return Vec::new();
    };
    let declared = lock.groups_of(project);
    let mut out = Vec::new();
    for g in &py.groups {
        if declared.contains(g.as_str()) {
            out.push(g.to_string());
            continue;
        }
        let help = match did_you_mean(g, declared.iter().map(String::as_str)) {
            Some(s) => format!("did you mean `{s}`?"),
            None if declared.is_empty() => "the project declares none: remove `groups`".to_string(),
            None => format!(
                "the project declares {}",
                declared
                    .iter()
                    .map(|d| format!("`{d}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        c.err(
            g.span(),
            format!(
                "`{}` is not an extra or dependency group of `{project}` in `{lock_path}`",
                shown(g)
            ),
            help,
        );
    }
    out
}

/// The servers the processes run and the database driver are in the environment: in what the
/// project and its selected groups depend on, not merely somewhere in the lock.
fn holds_what_processes_need(
    c: &mut Checker,
    desc: &d::Description,
    py: &d::PythonPackage,
    database: &mut Option<Database>,
    lock_path: &str,
    lock: &UvLock,
    held: &BTreeSet<String>,
) -> Vec<Added> {
    let mut needed: BTreeSet<&str> = BTreeSet::new();
    for p in desc.processes.values() {
        needed.extend(super::servers::packages(p));
    }
    let driver = match database {
        Some(Database::Sqlite { scheme, .. }) if scheme == "sqlite+aiosqlite" => {
            Some("aiosqlite".to_string())
        }
        Some(db) => {
            let given = db.server().is_some_and(|s| s.driver_given);
            let missing =
                db.settle_driver(|p| held.contains(p) || held.contains(&format!("{p}-binary")));
            match missing {
                // The lock is the environment: a driver app2nix would add must come from it.
                Some(d) if !given => {
                    c.note(format!("`{lock_path}` holds no Python driver for the database: if the app connects from Python, add one (`uv add {d}`)"));
                    None
                }
                d => d,
            }
        }
        None => None,
    };
    needed.extend(driver.as_deref());
    let mut added: Vec<Added> = Vec::new();
    for package in needed {
        // `psycopg2-binary` and `psycopg[binary]` provide the driver too.
        let binary = format!("{package}-binary");
        if held.contains(package) || held.contains(&binary) {
            continue;
        }
        if locks(lock, package) {
            // Locked, but only in an extra or dependency group the environment leaves out.
            let all = lock
                .groups_of(project_name(lock, held))
                .into_iter()
                .filter(|g| {
                    lock.closure(project_name(lock, held), std::slice::from_ref(g))
                        .contains(package)
                })
                .collect::<Vec<_>>();
            c.err(
                py.src.span(),
                format!("`{package}` is locked in `{lock_path}` but not among what the app's environment holds"),
                match all.first() {
                    Some(g) => format!("it comes with the group or extra `{g}`: add `groups = [\"{g}\"]` under [package.python]"),
                    None => format!("make it a dependency of the project (`uv add {package}`)"),
                },
            );
        } else if let Some(a) = addable(package, lock) {
            c.note(format!(
                "`{package}` is not in `{lock_path}`: nixpkgs' release of it is built into the environment (to pin its version, `uv add {package}` and commit the new lock)"
            ));
            added.extend(a);
        } else {
            c.err(
                py.src.span(),
                format!("`{package}` is not in `{lock_path}`, and the app needs it"),
                format!("add it with `uv add {package}` and commit the new lock"),
            );
        }
    }
    added
}

/// `package` from [`ADDABLE`] and what it depends on that the lock does not hold either.
fn addable(package: &str, lock: &UvLock) -> Option<Vec<Added>> {
    let (name, build_system, deps) = ADDABLE.iter().find(|(n, _, _)| *n == package)?;
    let mut out = vec![Added {
        name: (*name).to_string(),
        build_system: (*build_system).to_string(),
        dependencies: deps.iter().map(|d| (*d).to_string()).collect(),
    }];
    for d in *deps {
        if !lock.packages.contains(*d) {
            out.extend(addable(d, lock)?);
        }
    }
    Some(out)
}

/// Whether `lock` holds `package`: `psycopg2-binary` and `psycopg[binary]` provide the driver
/// too.
fn locks(lock: &UvLock, package: &str) -> bool {
    lock.packages.contains(package) || lock.packages.contains(&format!("{package}-binary"))
}

/// `source_builds`: packages of the lock built from source, and their build systems.
fn source_builds(
    c: &mut Checker,
    py: &d::PythonPackage,
    lock: &UvLock,
) -> BTreeMap<String, Vec<String>> {
    let mut given = BTreeMap::new();
    for (name, systems) in &py.source_builds {
        let Some(n) = locked_package(c, name, lock) else {
            continue;
        };
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

/// `name` as uv.lock spells its packages, when the lock has it; else an error at `name`.
fn locked_package(c: &mut Checker, name: &Sp<String>, lock: &UvLock) -> Option<String> {
    let n = normalize_python_name(name);
    if lock.packages.contains(&n) {
        return Some(n);
    }
    let help = match did_you_mean(&n, lock.packages.iter().map(String::as_str)) {
        Some(s) => format!("did you mean `{s}`?"),
        None => "name a package of uv.lock".into(),
    };
    c.err(
        name.span(),
        format!("`{}` is not in uv.lock", shown(name)),
        help,
    );
    None
}

/// `[package.python.native]`: packages of the lock, and the nixpkgs attributes each gets.
fn native(c: &mut Checker, py: &d::PythonPackage, lock: &UvLock) -> BTreeMap<String, NativeInputs> {
    let mut out = BTreeMap::new();
    for (name, inputs) in &py.native {
        let Some(n) = locked_package(c, name, lock) else {
            continue;
        };
        let given = NativeInputs {
            build_inputs: super::tools::attribute_list(c, "build_inputs", &inputs.build_inputs),
            native_build_inputs: super::tools::attribute_list(
                c,
                "native_build_inputs",
                &inputs.native_build_inputs,
            ),
            libraries: super::tools::attribute_list(c, "libraries", &inputs.libraries),
        };
        if given == NativeInputs::default() {
            c.err(
                name.span(),
                format!("`native.{}` gives the package nothing", shown(name)),
                "list `build_inputs`, `native_build_inputs` or `libraries` (nixpkgs attributes), or remove it",
            );
            continue;
        }
        out.insert(n, given);
    }
    out
}

/// psycopg 3 without its `binary` or `c` implementation (extras that lock `psycopg-binary` /
/// `psycopg-c`) is pure Python: it loads libpq with `ctypes.util.find_library("pq")`, which
/// finds nothing on NixOS, and the app fails at its first import of psycopg.
fn libpq_by_name(
    c: &mut Checker,
    held: &BTreeSet<String>,
    native: &BTreeMap<String, NativeInputs>,
) {
    let pure =
        held.contains("psycopg") && !held.contains("psycopg-binary") && !held.contains("psycopg-c");
    let given = native
        .get("psycopg")
        .is_some_and(|n| !n.libraries.is_empty());
    if pure && !given {
        c.note(
            "psycopg is locked without its `binary` or `c` implementation: it loads libpq by name at run time, which NixOS does not find; give it the library with `[package.python.native.psycopg]` `libraries = [\"libpq\"]`, or lock `psycopg[binary]`".into(),
        );
    }
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
