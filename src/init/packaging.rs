//! The package: where its source is (the directory the app's imports start from), its
//! dependencies (`uv.lock` at any level above the source, else `pyproject.toml` with Poetry's
//! table, else `requirements.txt` with its `-r` / `-c` includes, markers and extras, mapped to
//! nixpkgs' names), versions nixpkgs has under another attribute (`django_6`), the uv
//! dependency groups the production install selects, and the interpreter (a `requires-python`
//! decides, a `.python-version` / `runtime.txt` pin only without one).
//!
//! Dependencies are mapped by import's mapper; the interpreter's outcome is import's too.

use super::Init;
use crate::draft::{Outcome, Source};
use crate::import::python::{Pyproject, chosen_interpreter, requirement_lines};

/// Lock files whose versions app2nix does not reproduce (uv's is built from).
const OTHER_LOCKS: &[&str] = &["poetry.lock", "Pipfile.lock", "pdm.lock"];

/// The console scripts every `pyproject.toml` of the project declares (`[project.scripts]`,
/// `[tool.poetry.scripts]`).
pub(super) fn console_scripts(project: &super::scan::Project) -> Vec<String> {
    let mut out = Vec::new();
    for f in project.named("pyproject.toml") {
        let Some(t) = project.read(f).and_then(|t| t.parse::<toml::Table>().ok()) else {
            continue;
        };
        let tables = [
            t.get("project").and_then(|p| p.get("scripts")),
            t.get("tool")
                .and_then(|p| p.get("poetry"))
                .and_then(|p| p.get("scripts")),
        ];
        for table in tables.into_iter().flatten().filter_map(|x| x.as_table()) {
            out.extend(table.keys().cloned());
        }
    }
    out.sort();
    out.dedup();
    out
}

/// The project's own name: `[project] name` (or Poetry's) of the root `pyproject.toml`.
pub(super) fn project_name(project: &super::scan::Project) -> Option<(String, Source)> {
    let text = project.read("pyproject.toml")?;
    let t = text.parse::<toml::Table>().ok()?;
    let name = t
        .get("project")
        .and_then(|p| p.get("name"))
        .or_else(|| {
            t.get("tool")
                .and_then(|p| p.get("poetry"))
                .and_then(|p| p.get("name"))
        })?
        .as_str()?
        .to_string();
    Some((
        name,
        Source::new("pyproject.toml", crate::import::line_of(&text, "name")),
    ))
}

impl Init<'_> {
    /// The package source: the directory the app's imports start from. A Django project's is
    /// the directory of its `manage.py`; a container's is the directory its image runs in
    /// (`WORKDIR`, mapped back to the project through `COPY`); otherwise the project's root.
    pub(super) fn source_root(&mut self) {
        let mut candidates: Vec<(String, Source, &str)> = Vec::new();
        for d in &self.ev.django {
            if d.source.file.ends_with("manage.py") {
                candidates.push((
                    d.root.clone(),
                    d.source.clone(),
                    "the directory of manage.py",
                ));
            }
        }
        for (r, s) in &self.ev.roots {
            // The image's directory may be filled from a directory of scripts and configuration
            // (`COPY ./container/ ./`): only one holding Python code is the package's source.
            let prefix = format!("{r}/");
            let holds_python = r.is_empty()
                || self
                    .project
                    .names
                    .iter()
                    .any(|n| n.starts_with(&prefix) && n.ends_with(".py"));
            if !holds_python {
                continue;
            }
            candidates.push((
                r.clone(),
                s.clone(),
                "the directory the production image runs in",
            ));
        }
        // The deepest directory that holds Python code of the project wins (a workspace member
        // inside the repository beats the repository's root).
        candidates.retain(|(d, _, _)| self.project.is_dir(d));
        candidates.sort_by_key(|(d, _, _)| {
            std::cmp::Reverse(d.matches('/').count() + usize::from(!d.is_empty()))
        });
        let chosen = candidates.into_iter().next();
        let src = chosen
            .as_ref()
            .map(|(d, _, _)| d.clone())
            .unwrap_or_default();
        let shown = if src.is_empty() {
            ".".to_string()
        } else {
            src.clone()
        };
        let (source, why) = match &chosen {
            Some((_, s, why)) => (s.clone(), *why),
            None => (Source::new(".", 0), "the project's root"),
        };
        self.report.add(
            source,
            "package source",
            Outcome::Decided(format!("[package.python] src = {shown:?}: {why}")),
        );
        self.draft.python_src = Some(shown);
        self.src = src;
    }

    /// A file of the package source or the nearest directory above it that has one.
    fn nearest(&self, name: &str) -> Option<String> {
        let mut dir = self.src.clone();
        loop {
            let p = join(&dir, name);
            if self.project.has(&p) {
                return Some(p);
            }
            if dir.is_empty() {
                return None;
            }
            dir = dir
                .rsplit_once('/')
                .map(|(d, _)| d.to_string())
                .unwrap_or_default();
        }
    }

    /// The dependencies and lock files; the `requires-python` found (value and its source).
    pub(super) fn packaging(&mut self) -> Option<(String, Source)> {
        let found_lock = self.nearest("uv.lock");
        let uv_lock = found_lock.as_ref().and_then(|l| self.uv_lock(l));
        // A lock uv2nix cannot read is left out in so many words (`check` would refuse it).
        self.draft.no_lock = found_lock.is_some() && uv_lock.is_none();
        let mut deps: Vec<(String, String, usize)> = Vec::new(); // (spec, file, line)
        let mut requires_python = None;
        let mut dynamic = false;
        let pyproject = self.nearest("pyproject.toml");
        if let Some(file) = &pyproject
            && let Some(text) = self.project.read(file)
            && let Some(py) = Pyproject::read(&text)
        {
            for (d, line) in py.dependencies() {
                deps.push((d.to_string(), file.clone(), line));
            }
            if let Some((r, l)) = py.requires_python() {
                requires_python = Some((r.to_string(), Source::new(file, l)));
            }
            let (python, packages) = py.poetry();
            if let Some((r, l)) = python {
                requires_python = Some((r.to_string(), Source::new(file, l)));
            }
            for (k, line) in packages {
                deps.push((k.to_string(), file.clone(), line));
            }
            // Without a lock, the dependency groups the production install selects (`pip
            // install --group main`) are the environment's packages too (with one, uv2nix
            // builds them: `groups`).
            if uv_lock.is_none() {
                for (g, s) in self.ev.groups.clone() {
                    let Some(reqs) = py.dependency_group(&g) else {
                        continue;
                    };
                    if development_group(&g) {
                        let why = format!(
                            "the dependency group `{g}` is for development (tests, type checks): \
                             not in the production environment"
                        );
                        self.report
                            .add(s, format!("--group {g}"), Outcome::Decided(why));
                        continue;
                    }
                    self.report.add(
                        s,
                        format!("--group {g}"),
                        Outcome::Decided(format!(
                            "the environment holds the dependency group `{g}` of {file}, as the production install does"
                        )),
                    );
                    for (d, line) in reqs {
                        deps.push((d.to_string(), file.clone(), line));
                    }
                }
            }
            dynamic = text.contains("dynamic")
                && text.parse::<toml::Table>().ok().is_some_and(|t| {
                    t.get("project")
                        .and_then(|p| p.get("dynamic"))
                        .and_then(|d| d.as_array())
                        .is_some_and(|d| d.iter().any(|x| x.as_str() == Some("dependencies")))
                });
            // Only a pyproject.toml in the package source builds it: one above the source (a
            // Django project whose manage.py lives in a subdirectory) lists the dependencies,
            // but its build backend would look for a package beside it, not in the source.
            let in_source = *file == join(&self.src, "pyproject.toml");
            if let Some(line) = py.build_system().filter(|_| {
                in_source && uv_lock.is_none() && !dynamic && deps.iter().any(|(_, f, _)| f == file)
            }) {
                self.draft.pyproject = true;
                self.report.add(
                    Source::new(file, line),
                    "[build-system]",
                    Outcome::Mapped("layout = \"pyproject\": built with buildPythonPackage".into()),
                );
            }
        }
        // The requirements files the production image installs, else requirements.txt: when
        // the pyproject lists no dependencies (or they are dynamic).
        let read_requirements = uv_lock.is_none() && (deps.is_empty() || dynamic);
        let mut files: Vec<String> = Vec::new();
        let usual = self.nearest("requirements.txt");
        for (f, s) in self.ev.requirement_files.clone() {
            if read_requirements && !files.contains(&f) {
                // Said only when it is not the file app2nix would read anyway.
                if usual.as_ref() != Some(&f) {
                    let why = format!(
                        "the dependencies are read from {f}, as the production image installs them"
                    );
                    self.report
                        .add(s, format!("pip install -r {f}"), Outcome::Decided(why));
                }
                files.push(f);
            }
        }
        if files.is_empty() {
            files.extend(usual);
        }
        for req in files.into_iter().filter(|_| read_requirements) {
            if dynamic {
                self.report.add(
                    Source::new(pyproject.as_deref().unwrap_or("pyproject.toml"), 0),
                    "dynamic dependencies",
                    Outcome::Decided(format!("read from {req}")),
                );
            }
            self.requirements(&req, &mut deps, 0);
        }
        for lock in OTHER_LOCKS {
            if let Some(l) = self.nearest(lock) {
                self.report.add(Source::new(&l, 0), *lock, Outcome::Decided("locked versions are not reproduced: nixpkgs' versions of the same packages are used".into()));
            }
        }
        self.python_packages = deps
            .iter()
            .map(|(spec, _, _)| {
                let name: String = spec
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || "-_.".contains(*c))
                    .collect();
                crate::lockfiles::normalize_python_name(&name)
            })
            .collect();
        if let Some(lock) = &uv_lock {
            let locked: Vec<String> =
                crate::lockfiles::uv::read(&self.project.path(""), std::path::Path::new(lock))
                    .map(|l| l.packages.into_iter().collect())
                    .unwrap_or_default();
            self.native_libraries(lock, &locked);
            self.python_packages.extend(locked);
        }
        self.importing(|im| {
            im.uv_lock = uv_lock.clone();
            for (spec, file, line) in &deps {
                im.dependency(file, *line, spec);
            }
            im.uv_lock = None;
        });
        if uv_lock.is_none() {
            self.versioned_packages(&deps);
        } else {
            self.groups();
        }
        requires_python
    }

    /// A requirements file's requirements, following `-r FILE` (and `-c FILE`: constraints
    /// add no package); markers that exclude Linux drop a requirement; pip options are
    /// reported.
    fn requirements(&mut self, file: &str, deps: &mut Vec<(String, String, usize)>, depth: usize) {
        let Some(text) = self.project.read(file) else {
            return;
        };
        let dir = file
            .rsplit_once('/')
            .map(|(d, _)| d.to_string())
            .unwrap_or_default();
        for (line, l) in requirement_lines(&text) {
            let l = l.to_string();
            if let Some(inc) = l
                .strip_prefix("-r")
                .or_else(|| l.strip_prefix("--requirement"))
            {
                let inc = inc.trim().trim_start_matches('=');
                let path = if dir.is_empty() {
                    inc.to_string()
                } else {
                    format!("{dir}/{inc}")
                };
                if depth < 8 && self.project.has(&path) {
                    self.requirements(&path, deps, depth + 1);
                } else {
                    self.report.add(
                        Source::new(file, line),
                        l.clone(),
                        Outcome::Unmapped("the included file is not in the project".into()),
                    );
                }
                continue;
            }
            if l.starts_with("-c") || l.starts_with("--constraint") {
                self.report.add(
                    Source::new(file, line),
                    l.clone(),
                    Outcome::Covered(
                        "constraints add no package: nixpkgs decides the versions".into(),
                    ),
                );
                continue;
            }
            if l.starts_with('-') {
                continue;
            }
            if let Some((_, marker)) = l.split_once(';')
                && excludes_linux(marker)
            {
                self.report.add(
                    Source::new(file, line),
                    l.clone(),
                    Outcome::Covered("its marker excludes Linux".into()),
                );
                continue;
            }
            deps.push((
                l.split(';').next().unwrap_or("").trim().to_string(),
                file.to_string(),
                line,
            ));
        }
    }

    /// A pin to a major version nixpkgs has under its own attribute (`Django==6.0` beside
    /// `django_6`): the whole package set uses that one (an override), since two of one package
    /// cannot share an environment.
    fn versioned_packages(&mut self, deps: &[(String, String, usize)]) {
        for (spec, file, line) in deps {
            let name: String = spec
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || "-_.".contains(*c))
                .collect();
            let attr = crate::lockfiles::normalize_python_name(&name);
            let Some(major) = pinned_major(&spec[name.len()..]) else {
                continue;
            };
            let versioned = format!("{}_{major}", attr.replace('-', "_"));
            if crate::nixpkgs::has_python_attr(&versioned) && attr != versioned {
                // Rebuilding every package that depends on it without the binary cache is the
                // user's call: written as a line to uncomment, and said.
                self.draft.comments.entry("package.python".into()).or_default().push(format!(
                    "{name} is pinned to {major} ({file}:{line}); nixpkgs' `{attr}` is another major version. To build against python3Packages.{versioned} (every package depending on it is then built here, without the binary cache), add: overrides = {{ {attr} = \"{versioned}\" }}"
                ));
                self.report.add(
                    Source::new(file, *line),
                    spec.clone(),
                    Outcome::Decided(format!(
                        "pins {name} {major}: nixpkgs' `{attr}` is another major version and has this one as python3Packages.{versioned}; written as a comment above [package.python]: add `overrides` to build against it"
                    )),
                );
            }
        }
    }

    /// uv dependency groups and extras the production install selects (`uv sync --group
    /// docker`, `pip wheel --group docker .`).
    fn groups(&mut self) {
        let mut groups: Vec<(String, Source, String)> = Vec::new();
        for (g, s) in self.ev.groups.clone() {
            if g == "--all-extras" {
                groups.extend(self.extras().into_iter().map(|e| {
                    let what = format!("the extra `{e}` (`--all-extras`)");
                    (e, s.clone(), what)
                }));
            } else {
                let what = format!("the dependency group `{g}`");
                groups.push((g, s, what));
            }
        }
        for (g, s, what) in groups {
            if !self.plan.groups.contains(&g) {
                self.plan.groups.push(g.clone());
                self.report.add(
                    s,
                    format!("--group {g}"),
                    Outcome::Decided(format!(
                        "the environment holds {what}, as the production install does"
                    )),
                );
            }
        }
    }

    /// With a uv lock: when none of `packages` is a dependency of the project but an extra of
    /// it declares one, the environment holds that extra (`what` says why, in the report).
    pub(super) fn select_extra(&mut self, packages: &[&str], what: &str) {
        if self.draft.no_lock || self.nearest("uv.lock").is_none() {
            return;
        }
        let Some(file) = self.nearest("pyproject.toml") else {
            return;
        };
        let Some(project) = self
            .project
            .read(&file)
            .and_then(|t| t.parse::<toml::Table>().ok())
            .and_then(|t| t.get("project").cloned())
        else {
            return;
        };
        let names = |v: Option<&toml::Value>| -> Vec<String> {
            v.and_then(|d| d.as_array())
                .map(|a| {
                    a.iter()
                        .filter_map(|r| r.as_str())
                        .map(requirement_name)
                        .collect()
                })
                .unwrap_or_default()
        };
        let provides = |deps: &[String]| deps.iter().any(|d| packages.contains(&d.as_str()));
        if provides(&names(project.get("dependencies"))) {
            return;
        }
        let Some(extras) = project
            .get("optional-dependencies")
            .and_then(|o| o.as_table())
        else {
            return;
        };
        let Some(extra) = extras
            .iter()
            .find(|(_, deps)| provides(&names(Some(deps))))
            .map(|(e, _)| e.clone())
        else {
            return;
        };
        if !self.plan.groups.contains(&extra) {
            self.plan.groups.push(extra.clone());
            self.report.add(
                Source::new(&file, 0),
                format!("extra {extra}"),
                Outcome::Decided(format!(
                    "the environment holds the extra `{extra}`: it provides {what}"
                )),
            );
        }
    }

    /// Leave out the selected extras whose every requirement is one of `packages` (`why` says
    /// why, in the report).
    pub(super) fn drop_extras_of(&mut self, packages: &[&str], why: &str) {
        let Some(file) = self.nearest("pyproject.toml") else {
            return;
        };
        let Some(extras) = self
            .project
            .read(&file)
            .and_then(|t| t.parse::<toml::Table>().ok())
            .and_then(|t| {
                t.get("project")?
                    .get("optional-dependencies")?
                    .as_table()
                    .cloned()
            })
        else {
            return;
        };
        for (extra, deps) in &extras {
            let names: Vec<String> = deps
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|r| r.as_str())
                        .map(requirement_name)
                        .collect()
                })
                .unwrap_or_default();
            if !names.is_empty()
                && names.iter().all(|n| packages.contains(&n.as_str()))
                && self.plan.groups.contains(extra)
            {
                self.plan.groups.retain(|g| g != extra);
                self.report.add(
                    Source::new(&file, 0),
                    format!("extra {extra}"),
                    Outcome::Decided(format!("left out of the environment: {why}")),
                );
            }
        }
    }

    /// The extras of the project (`[project.optional-dependencies]` of the nearest
    /// pyproject.toml).
    fn extras(&self) -> Vec<String> {
        self.nearest("pyproject.toml")
            .and_then(|f| self.project.read(&f))
            .and_then(|t| t.parse::<toml::Table>().ok())
            .and_then(|t| {
                Some(
                    t.get("project")?
                        .get("optional-dependencies")?
                        .as_table()?
                        .keys()
                        .cloned()
                        .collect(),
                )
            })
            .unwrap_or_default()
    }

    /// Locked packages that load a shared library by name at run time, which NixOS does not
    /// find: psycopg 3 without its `binary` or `c` implementation loads libpq with
    /// `ctypes.util.find_library("pq")`.
    fn native_libraries(&mut self, lock: &str, locked: &[String]) {
        let has = |p: &str| locked.iter().any(|l| l == p);
        if has("psycopg") && !has("psycopg-binary") && !has("psycopg-c") {
            self.draft
                .native_libraries
                .insert("psycopg".into(), vec!["libpq".into()]);
            self.report.add(
                Source::new(lock, 0),
                "psycopg",
                Outcome::Mapped("[package.python.native.psycopg] libraries = [\"libpq\"]: locked without its `binary` or `c` implementation, it loads libpq by name at run time, which NixOS does not find".into()),
            );
        }
    }

    /// `uv.lock`, reported: its path when the environment is built from it; `None` when it
    /// cannot be (the dependencies are then mapped to nixpkgs packages).
    fn uv_lock(&mut self, rel: &str) -> Option<String> {
        let parsed = self
            .project
            .read(rel)
            .map(|t| crate::lockfiles::uv::parse(&t));
        let (outcome, used) = match parsed {
            Some(Ok(lock)) => (
                Outcome::Mapped(format!(
                    "[package.python]: the environment is built from this lock with uv2nix ({} packages)",
                    lock.packages.len()
                )),
                true,
            ),
            Some(Err(e)) => (
                Outcome::Decided(format!(
                    "not a lock uv2nix reads ({e}): nixpkgs' packages are used; recreate it with `uv lock` to build from it"
                )),
                false,
            ),
            None => (Outcome::Unmapped("unreadable".into()), false),
        };
        self.report.add(Source::new(rel, 0), "uv.lock", outcome);
        used.then(|| rel.to_string())
    }

    /// The interpreter: what the project requires decides; a pin only when there is no
    /// requirement (see [`crate::python_version`]).
    pub(super) fn interpreter(&mut self, requires_python: Option<(String, Source)>) {
        let pin = [".python-version", "runtime.txt"].iter().find_map(|f| {
            let path = self.nearest(f)?;
            self.project
                .read(&path)
                .map(|t| (path, t.trim().to_string()))
        });
        let from_requirement = requires_python.as_ref().map(|(rp, source)| {
            (
                source.clone(),
                format!("requires-python {rp}"),
                crate::python_version::from_requirement(rp),
            )
        });
        let from_pin = pin.map(|(f, t)| {
            let choice = crate::python_version::from_pin(&t, &f);
            (Source::new(&f, 1), t, choice)
        });
        match from_requirement.into_iter().chain(from_pin).next() {
            Some((source, what, Some(choice))) => {
                let outcome = chosen_interpreter(&mut self.draft, choice);
                self.report.add(source, what, outcome);
            }
            Some((source, what, None)) => self.report.add(
                source,
                what,
                Outcome::Unmapped(format!(
                    "no Python nixos-26.05 has ({}) satisfies it",
                    crate::python_version::VERSIONS.join(", ")
                )),
            ),
            None => self.report.add(
                Source::new(".", 0),
                "Python version",
                Outcome::Decided(format!(
                    "nixos-26.05's python3 ({}): no .python-version, runtime.txt or requires-python",
                    crate::model::DEFAULT_PYTHON
                )),
            ),
        }
    }
}

/// A dependency group by the conventional names of development-only groups (uv's `dev`,
/// `test`, `lint`, `typing`, `docs`): test runners and type checkers, not the app's packages.
fn development_group(name: &str) -> bool {
    [
        "dev",
        "develop",
        "development",
        "test",
        "tests",
        "testing",
        "lint",
        "typing",
        "docs",
    ]
    .contains(&name.to_ascii_lowercase().as_str())
}

/// A marker no Linux host satisfies (`sys_platform == "win32"`, `platform_system == "Darwin"`).
fn excludes_linux(marker: &str) -> bool {
    let m = marker.replace(' ', "").replace('\'', "\"");
    [
        "sys_platform==\"win32\"",
        "sys_platform==\"darwin\"",
        "platform_system==\"Windows\"",
        "platform_system==\"Darwin\"",
        "os_name==\"nt\"",
    ]
    .iter()
    .any(|x| m.contains(x))
}

/// The major version an exact or compatible pin names (`==6.1`, `~=6.0`, `==6.0.*`).
fn pinned_major(constraint: &str) -> Option<u32> {
    let c = constraint.trim();
    let c = c
        .strip_prefix('[')
        .and_then(|r| r.split_once(']'))
        .map_or(c, |(_, r)| r.trim());
    let v = c.strip_prefix("==").or_else(|| c.strip_prefix("~="))?;
    v.trim().split('.').next()?.parse().ok()
}

/// The normalized name of a requirement (`psycopg[c,pool]==3.3` → `psycopg`).
fn requirement_name(spec: &str) -> String {
    let name: String = spec
        .trim()
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || "-_.".contains(*c))
        .collect();
    crate::lockfiles::normalize_python_name(&name)
}

/// `name` in the project-relative directory `dir` (the root when empty).
fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_string()
    } else {
        format!("{dir}/{name}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pins_and_markers() {
        assert_eq!(pinned_major("[argon2]==6.1"), Some(6));
        assert_eq!(pinned_major("==6.0.*"), Some(6));
        assert_eq!(pinned_major(">=4"), None);
        assert!(excludes_linux(" sys_platform == 'win32'"));
        assert!(!excludes_linux("python_version >= '3.10'"));
    }
}
