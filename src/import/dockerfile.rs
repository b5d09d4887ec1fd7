//! Dockerfiles: a line-by-line mapper (no separate reader is needed). `FROM python:X` decides
//! the interpreter, `ENV` lines are environment variables; the container's command, build steps
//! and container settings are reported as decided or covered (Nix builds the package, the
//! Compose file or the unit defines the process).
//!
//! It may call [`super::python`] (the interpreter), [`super::variables`] and
//! [`crate::shell::words`].

use super::{Importer, Input};
use crate::draft::Outcome;
use crate::python_version;
use crate::shell::words;

impl Importer {
    /// A Dockerfile: its `FROM python:…` decides the interpreter and its `ENV` lines are
    /// variables; build steps and container settings are covered by Nix and the module.
    pub(super) fn dockerfile(&mut self, input: &Input) {
        for (i, raw) in input.text.lines().enumerate() {
            let line = raw.trim();
            let upper = line.to_ascii_uppercase();
            if let Some(image) = upper.strip_prefix("FROM ").map(|_| line[5..].trim()) {
                let image = image.split_whitespace().next().unwrap_or("");
                if let Some(tag) = image.strip_prefix("python:") {
                    let choice = python_version::from_pin(tag, &format!("the image {image}"));
                    self.interpreter(&input.name, i + 1, format!("FROM {image}"), choice);
                    continue;
                }
                self.add(
                    &input.name,
                    i + 1,
                    format!("FROM {image}"),
                    Outcome::Covered("the base image: NixOS provides the system".into()),
                );
            } else if upper.starts_with("CMD ") || upper.starts_with("ENTRYPOINT ") {
                self.add(&input.name, i + 1, line, Outcome::Decided("the container's command; the Compose `command:` (or the systemd unit) defines the process".into()));
            } else if upper.starts_with("RUN ")
                || upper.starts_with("COPY ")
                || upper.starts_with("WORKDIR ")
                || upper.starts_with("ADD ")
            {
                self.add(
                    &input.name,
                    i + 1,
                    line,
                    Outcome::Covered("build steps: Nix builds the package".into()),
                );
            } else if upper.starts_with("ENV ") {
                self.dockerfile_env(&input.name, i + 1, line[4..].trim());
            } else if upper.starts_with("EXPOSE ")
                || upper.starts_with("USER ")
                || upper.starts_with("HEALTHCHECK")
            {
                self.add(
                    &input.name,
                    i + 1,
                    line,
                    Outcome::Covered(
                        "container setting; the module defines ports, user and health".into(),
                    ),
                );
            }
        }
    }

    /// `ENV A=1 B="x y"` (any number of pairs) or the legacy `ENV KEY value`.
    fn dockerfile_env(&mut self, file: &str, line: usize, rest: &str) {
        let words = words(rest);
        if words.first().is_some_and(|w| w.contains('=')) {
            for w in &words {
                if let Some((k, v)) = w.split_once('=') {
                    self.variable(file, line, k, v, None);
                }
            }
        } else if let Some((k, v)) = rest.split_once(char::is_whitespace) {
            self.variable(file, line, k, v.trim().trim_matches('"'), None);
        }
    }
}
