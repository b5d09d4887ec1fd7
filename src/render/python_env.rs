//! `<app>-python.nix`: the app's Python environment built from `uv.lock` with uv2nix
//! (pyproject.nix's build packages, the lock's overlay with wheels preferred, the build systems
//! of build-system-pkgs), imported by the flake with those inputs.
//!
//! May call: `model` (read only), the template environment of [`super`], [`crate::secrets`].

use std::collections::BTreeMap;

use minijinja::Error;
use minijinja::value::Value;
use serde::Serialize;

use super::{Layout, environment, header};
use crate::model::{Model, Package};

#[derive(Debug, Serialize)]
struct PythonEnvContext {
    header: String,
    name: String,
    title: String,
    /// The lock as the user knows it (relative to the description).
    lock_shown: String,
    /// The workspace root, relative to the environment's file.
    root: String,
    /// Packages built from the project's own source trees (members, local directories).
    local_sources: Vec<String>,
    source_builds: BTreeMap<String, Vec<String>>,
    secret_file_regex: String,
    env_name: String,
    /// The app's project: the environment's one member (with its dependencies).
    project: String,
    /// Its extras and dependency groups the environment holds.
    groups: Vec<String>,
    /// Packages the lock does not hold, built from nixpkgs' source of them.
    added: Vec<AddedCtx>,
}

#[derive(Debug, Serialize)]
struct AddedCtx {
    name: String,
    build_system: String,
    dependencies: Vec<String>,
}

/// Render the environment when the app is built from uv.lock.
pub fn python_env(m: &Model, layout: &Layout) -> Result<Option<String>, Error> {
    let Package::Python(py) = &m.package else {
        return Ok(None);
    };
    let Some(env) = &py.uv else {
        return Ok(None);
    };
    let root = format!("{}{}", layout.to_project, env.root);
    let ctx = PythonEnvContext {
        header: header(&layout.source_label),
        name: m.name.clone(),
        title: m.description.clone(),
        lock_shown: env.lock_shown(),
        root: match root.trim_end_matches('/') {
            "" => ".".into(),
            r => r.into(),
        },
        local_sources: env.local_sources.clone(),
        source_builds: env.source_builds.clone(),
        secret_file_regex: crate::secrets::secret_file_regex(),
        env_name: format!("{}-env", m.name),
        project: env.project.clone(),
        groups: env.groups.clone(),
        added: env
            .added
            .iter()
            .map(|a| AddedCtx {
                name: a.name.clone(),
                build_system: a.build_system.clone(),
                dependencies: a.dependencies.clone(),
            })
            .collect(),
    };
    environment()
        .get_template("python-env.nix")?
        .render(Value::from(minijinja::value::Serde(&ctx)))
        .map(Some)
}
