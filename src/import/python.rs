//! Python packaging: the readers of `requirements.txt` ([`requirement_lines`]) and
//! `pyproject.toml` ([`Pyproject`]), and the mappers shared by `import` and `init`: a requirement
//! becomes a nixpkgs attribute or is covered by app2nix ([`Importer::dependency`], which also
//! notes the database drivers that decide DATABASE_URLs), and a pin or a requirement decides the
//! interpreter ([`chosen_interpreter`]). Import also maps `.python-version` / `runtime.txt`
//! here.
//!
//! It may call [`crate::python_version`] and the draft; `init` calls the readers, the
//! dependency mapper and [`chosen_interpreter`] (its own findings differ where its inputs do).

use super::{Importer, Input, line_of, slug};
use crate::draft::{Draft, Outcome};
use crate::python_version;

/// Packages app2nix adds by itself (servers and database drivers).
const IMPLIED: &[&str] = &[
    "gunicorn",
    "uvicorn",
    "psycopg2",
    "psycopg2-binary",
    "psycopg",
    "psycopg-binary",
    "asyncpg",
];

/// PostgreSQL drivers, as nixpkgs attributes: they decide `[postgresql] driver`.
const DRIVERS: &[&str] = &[
    "psycopg2",
    "psycopg2-binary",
    "psycopg",
    "psycopg-binary",
    "asyncpg",
];

/// The lines of a requirements file that say something: (1-based line, text without its
/// comment). pip options among them start with `-`.
pub(crate) fn requirement_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines().enumerate().filter_map(|(i, line)| {
        let line = line.split('#').next().unwrap_or("").trim();
        (!line.is_empty()).then_some((i + 1, line))
    })
}

/// A value read from a file, with its 1-based line.
pub(crate) type Lined<'a> = (&'a str, usize);

/// A `pyproject.toml` that parses, with what app2nix reads of it.
pub(crate) struct Pyproject<'a> {
    text: &'a str,
    table: toml::Table,
}

impl<'a> Pyproject<'a> {
    /// Parse `text`; `None` when it is not TOML.
    pub(crate) fn read(text: &'a str) -> Option<Self> {
        let table = text.parse::<toml::Table>().ok()?;
        Some(Pyproject { text, table })
    }

    /// A key of the `[project]` table.
    fn project(&self, key: &str) -> Option<&toml::Value> {
        self.table.get("project").and_then(|p| p.get(key))
    }

    /// `[project] name`.
    pub(crate) fn name(&self) -> Option<&str> {
        self.project("name").and_then(|n| n.as_str())
    }

    /// `[project] requires-python`, with its line.
    pub(crate) fn requires_python(&self) -> Option<Lined<'_>> {
        let r = self.project("requires-python").and_then(|r| r.as_str())?;
        Some((r, line_of(self.text, "requires-python")))
    }

    /// `[project] dependencies`, each with its line.
    pub(crate) fn dependencies(&self) -> Vec<Lined<'_>> {
        self.project("dependencies")
            .and_then(|d| d.as_array())
            .into_iter()
            .flatten()
            .filter_map(|d| d.as_str())
            .map(|d| (d, line_of(self.text, d)))
            .collect()
    }

    /// Poetry's `[tool.poetry.dependencies]`: its `python` requirement and its packages, each
    /// with its line.
    pub(crate) fn poetry(&self) -> (Option<Lined<'_>>, Vec<Lined<'_>>) {
        let mut python = None;
        let mut packages = Vec::new();
        let table = self
            .table
            .get("tool")
            .and_then(|t| t.get("poetry"))
            .and_then(|p| p.get("dependencies"))
            .and_then(|d| d.as_table());
        for (k, v) in table.into_iter().flatten() {
            if k == "python" {
                if let Some(s) = v.as_str() {
                    python = Some((s, line_of(self.text, "python =")));
                }
            } else {
                packages.push((k.as_str(), line_of(self.text, k)));
            }
        }
        (python, packages)
    }

    /// The requirements of the PEP 735 dependency group `name` (`[dependency-groups]`), each
    /// with its line, following `{ include-group = "…" }`; `None` when there is no such group.
    pub(crate) fn dependency_group(&self, name: &str) -> Option<Vec<Lined<'_>>> {
        let groups = self.table.get("dependency-groups")?.as_table()?;
        let mut out = Vec::new();
        let mut todo = vec![name];
        let mut seen: Vec<&str> = Vec::new();
        // Includes may form a cycle (an error uv reports); each group is read once.
        while let Some(g) = todo.pop() {
            if seen.contains(&g) {
                continue;
            }
            seen.push(g);
            let Some(entries) = groups.get(g).and_then(|v| v.as_array()) else {
                if g == name {
                    return None;
                }
                continue;
            };
            for e in entries {
                if let Some(r) = e.as_str() {
                    out.push((r, line_of(self.text, r)));
                } else if let Some(inc) = e.get("include-group").and_then(|i| i.as_str()) {
                    todo.push(inc);
                }
            }
        }
        Some(out)
    }

    /// The line of `[build-system]`, when there is one (0 when it is written inline).
    pub(crate) fn build_system(&self) -> Option<usize> {
        self.table
            .get("build-system")
            .map(|_| line_of(self.text, "[build-system]"))
    }
}

/// The interpreter `choice` in the draft, and the report's outcome for it: mapped when the
/// description pins a version, decided when nixpkgs' python3 suits.
pub(crate) fn chosen_interpreter(draft: &mut Draft, choice: python_version::Choice) -> Outcome {
    draft.python_version = choice.version.clone();
    match choice.version {
        Some(_) => Outcome::Mapped(choice.why),
        None => Outcome::Decided(choice.why),
    }
}

impl Importer {
    /// `.python-version` or `runtime.txt`: an exact pin.
    pub(super) fn python_version(&mut self, input: &Input) {
        let text = input.text.trim();
        let choice = python_version::from_pin(text, &input.name);
        self.interpreter(&input.name, 1, text.to_string(), choice);
    }

    /// The interpreter, from the first pin or requirement found (see [`python_version`]).
    pub(super) fn interpreter(
        &mut self,
        file: &str,
        line: usize,
        what: String,
        choice: Option<python_version::Choice>,
    ) {
        let Some(choice) = choice else {
            self.add(
                file,
                line,
                what,
                Outcome::Unmapped(format!(
                    "not a Python version nixos-26.05 has ({})",
                    python_version::VERSIONS.join(", ")
                )),
            );
            return;
        };
        if self.python_decided {
            self.add(
                file,
                line,
                what,
                Outcome::Covered("the interpreter is decided by an earlier input".into()),
            );
            return;
        }
        self.python_decided = true;
        let outcome = chosen_interpreter(&mut self.draft, choice);
        self.add(file, line, what, outcome);
    }

    /// One Python requirement (`flask>=3`, `Django[argon2]==6.1; python_version >= "3.12"`): a
    /// nixpkgs attribute (by nixpkgs' names and aliases), covered by app2nix, or a package
    /// nixpkgs lacks (reported with the closest name, never written: `check` would refuse it).
    pub(crate) fn dependency(&mut self, file: &str, line: usize, spec: &str) {
        let name: String = spec
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || "-_.".contains(*c))
            .collect();
        if name.is_empty() {
            return;
        }
        // nixpkgs names `python3Packages` after the PEP 503 name.
        let normalized = crate::lockfiles::normalize_python_name(&name);
        if DRIVERS.contains(&normalized.as_str()) {
            self.drivers
                .push(normalized.trim_end_matches("-binary").to_string());
        }
        if let Some(lock) = &self.uv_lock {
            let outcome = Outcome::Covered(format!("locked in {lock}: built from it with uv2nix"));
            self.add(file, line, spec, outcome);
            return;
        }
        if IMPLIED.contains(&normalized.as_str()) {
            self.add(
                file,
                line,
                spec,
                Outcome::Covered("added by app2nix with the server / database driver".into()),
            );
            return;
        }
        let extras = spec[name.len()..]
            .trim_start()
            .strip_prefix('[')
            .and_then(|r| r.split_once(']'))
            .map(|(e, _)| e.trim().to_string())
            .filter(|e| !e.is_empty());
        // Extras go with the package (`django[argon2]`): nixpkgs' `optional-dependencies`.
        let extras: Vec<String> = extras
            .map(|e| {
                e.split(',')
                    .map(|x| crate::lockfiles::normalize_python_name(x.trim()))
                    .filter(|x| !x.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        let with_extras = if extras.is_empty() {
            String::new()
        } else {
            let shown: Vec<String> = extras.iter().map(|e| format!("`{e}`")).collect();
            format!(", with its extras {}", shown.join(", "))
        };
        let (attr, how) = match crate::nixpkgs::python_attr(&normalized) {
            crate::nixpkgs::PythonAttr::Found(a) => (a, String::new()),
            crate::nixpkgs::PythonAttr::Renamed(a) => {
                (a.clone(), format!(", nixpkgs' name for `{name}`"))
            }
            crate::nixpkgs::PythonAttr::Missing(close) => {
                let hint = close
                    .map(|c| format!(" (the closest name is `{c}`: add it to `dependencies` if it is the same package)"))
                    .unwrap_or_default();
                self.add(
                    file,
                    line,
                    spec,
                    Outcome::Unmapped(format!(
                        "nixpkgs has no python3Packages.{normalized}{hint}: package it, or lock the project with `uv lock` to build from the lock"
                    )),
                );
                return;
            }
        };
        let entry = if extras.is_empty() {
            attr.clone()
        } else {
            format!("{attr}[{}]", extras.join(","))
        };
        if !self.draft.dependencies.contains(&entry) {
            self.draft.dependencies.push(entry);
        }
        self.add(
            file,
            line,
            spec,
            Outcome::Mapped(format!(
                "python3Packages.{attr} (the version comes from nixpkgs{how}){with_extras}"
            )),
        );
    }

    /// `requirements*.txt`: each requirement; pip options are reported.
    pub(super) fn requirements(&mut self, input: &Input) {
        for (line, text) in requirement_lines(&input.text) {
            if text.starts_with('-') {
                self.add(
                    &input.name,
                    line,
                    text,
                    Outcome::Unmapped("pip options have no equivalent".into()),
                );
                continue;
            }
            self.dependency(&input.name, line, text);
        }
    }

    /// `pyproject.toml`: the project's name, its `requires-python`, its dependencies and its
    /// build system.
    pub(super) fn pyproject(&mut self, input: &Input) {
        let Some(py) = Pyproject::read(&input.text) else {
            self.add(
                &input.name,
                0,
                "pyproject.toml",
                Outcome::Unmapped("not valid TOML".into()),
            );
            return;
        };
        if let Some(n) = py.name() {
            self.project_name = Some(slug(n));
        }
        if let Some((r, line)) = py.requires_python() {
            let choice = python_version::from_requirement(r);
            self.interpreter(
                &input.name,
                line,
                format!("requires-python = {r:?}"),
                choice,
            );
        }
        for (d, line) in py.dependencies() {
            self.dependency(&input.name, line, d);
        }
        if let Some(line) = py.build_system() {
            let outcome = if self.uv_lock.is_some() {
                Outcome::Covered("uv2nix builds the project with it".into())
            } else {
                self.draft.pyproject = true;
                Outcome::Mapped("[package.python] layout = \"pyproject\"".into())
            };
            self.add(&input.name, line, "[build-system]", outcome);
        }
    }

    /// `uv.lock`: the environment is built from it with uv2nix (the description needs no
    /// `dependencies`; `check` reads the lock).
    pub(super) fn uv_lock_file(&mut self, input: &Input) {
        let outcome = match crate::lockfiles::uv::parse(&input.text) {
            Ok(lock) => Outcome::Mapped(format!(
                "[package.python]: the environment is built from this lock with uv2nix ({} packages)",
                lock.packages.len()
            )),
            Err(e) => Outcome::Unmapped(format!("not a lock uv2nix reads: {e}")),
        };
        self.add(&input.name, 0, "uv.lock", outcome);
    }
}
