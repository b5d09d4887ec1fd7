//! The project's packaging: its dependencies (`pyproject.toml`, Poetry's table included, else
//! `requirements.txt`), its lock files (noted: nixpkgs' versions are used), and its interpreter
//! (a `requires-python` decides, a `.python-version` / `runtime.txt` pin only without one).
//!
//! The files are read with import's readers ([`crate::import::python`]) and each dependency is
//! mapped by import's mapper; the interpreter's outcome is import's too. What differs from
//! import (and stays here so the output does not change): init reads Poetry's dependencies,
//! skips pip options silently, reads `requirements.txt` only without a `pyproject.toml`,
//! reports `[build-system]` before the dependencies, and words an unsatisfiable requirement
//! and the default interpreter its own way.

use super::Init;
use crate::draft::{Outcome, Source};
use crate::import::python::{Pyproject, chosen_interpreter, requirement_lines};

/// Lock files: uv's is built from (uv2nix); the others' versions are not reproduced.
const LOCK_FILES: &[&str] = &["uv.lock", "poetry.lock", "Pipfile.lock"];

impl Init<'_> {
    /// The dependencies and lock files; the `requires-python` found (value and line of
    /// `pyproject.toml`), for the interpreter.
    pub(super) fn packaging(&mut self) -> Option<(String, usize)> {
        let mut deps: Vec<(String, &str, usize)> = Vec::new(); // (spec, file, line)
        let mut requires_python = None;
        // With uv's lock, the environment is built from it (uv2nix): no dependency is mapped.
        let uv_lock = if self.project.has("uv.lock") {
            self.uv_lock()
        } else {
            None
        };
        if let Some(text) = self.project.read("pyproject.toml") {
            if let Some(py) = Pyproject::read(&text) {
                for (d, line) in py.dependencies() {
                    deps.push((d.to_string(), "pyproject.toml", line));
                }
                requires_python = py.requires_python().map(|(r, l)| (r.to_string(), l));
                let (python, packages) = py.poetry();
                if let Some((r, l)) = python {
                    requires_python = Some((r.to_string(), l));
                }
                for (k, line) in packages {
                    deps.push((k.to_string(), "pyproject.toml", line));
                }
                if let Some(line) = py.build_system().filter(|_| uv_lock.is_none()) {
                    self.draft.pyproject = true;
                    self.report.add(
                        Source::new("pyproject.toml", line),
                        "[build-system]",
                        Outcome::Mapped(
                            "layout = \"pyproject\": built with buildPythonPackage".into(),
                        ),
                    );
                }
            }
        } else if let Some(text) = self.project.read("requirements.txt") {
            for (line, l) in requirement_lines(&text) {
                if !l.starts_with('-') {
                    deps.push((l.to_string(), "requirements.txt", line));
                }
            }
        }
        for lock in LOCK_FILES.iter().filter(|l| **l != "uv.lock") {
            if self.project.has(lock) {
                self.report.add(Source::new(lock, 0), *lock, Outcome::Decided("locked versions are not reproduced: nixpkgs' versions of the same packages are used".into()));
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
        self.importing(|im| {
            im.uv_lock = uv_lock;
            for (spec, file, line) in &deps {
                im.dependency(file, *line, spec);
            }
            im.uv_lock = None;
        });
        requires_python
    }

    /// `uv.lock`, reported: its name when the environment is built from it; `None` when it
    /// cannot be (the dependencies are then mapped to nixpkgs packages).
    fn uv_lock(&mut self) -> Option<String> {
        let parsed = self
            .project
            .read("uv.lock")
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
        self.report
            .add(Source::new("uv.lock", 0), "uv.lock", outcome);
        used.then(|| "uv.lock".into())
    }

    /// The interpreter: what the project requires decides; a pin only when there is no
    /// requirement (see [`crate::python_version`]).
    pub(super) fn interpreter(&mut self, requires_python: Option<(String, usize)>) {
        let pin = [".python-version", "runtime.txt"].iter().find_map(|f| {
            self.project
                .read(f)
                .map(|t| (f.to_string(), t.trim().to_string()))
        });
        let from_requirement = requires_python.as_ref().map(|(rp, line)| {
            (
                Source::new("pyproject.toml", *line),
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
