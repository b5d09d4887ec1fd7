//! `<app>-python.nix`: the app's Python environment built from `uv.lock` with uv2nix
//! (pyproject.nix's build packages, the lock's overlay with wheels preferred, the build systems
//! of build-system-pkgs), imported by the flake with those inputs.
//!
//! May call: `model` (read only), the template environment of [`super`], [`crate::secrets`].

use std::collections::{BTreeMap, BTreeSet};

use minijinja::Error;
use minijinja::value::Value;
use serde::Serialize;

use super::{Layout, environment, header};
use crate::model::{Model, Package, UvEnv};

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
    /// The locked packages the overlay changes: built from source, or given native inputs.
    package_overrides: Vec<PackageOverride>,
    /// Whether a package loads libraries by name (the helper that links them is written).
    links_libraries: bool,
    /// Whether `[package.python.native]` gives any package anything.
    has_native: bool,
    /// Packages the lock does not hold, built from nixpkgs' source of them.
    added: Vec<AddedCtx>,
}

/// One locked package's override: the build systems of a source build (`source_builds`) and
/// its `[package.python.native.<package>]`, nixpkgs attribute paths (checked by the model)
/// each as its segments (each escaped as an attribute name by the template).
#[derive(Debug, Serialize)]
struct PackageOverride {
    name: String,
    build_systems: Vec<String>,
    build_inputs: Vec<Vec<String>>,
    native_build_inputs: Vec<Vec<String>>,
    libraries: Vec<Vec<String>>,
}

/// The packages built from source and those given native inputs, one override each.
fn package_overrides(env: &UvEnv) -> Vec<PackageOverride> {
    let names: BTreeSet<&String> = env.source_builds.keys().chain(env.native.keys()).collect();
    names
        .into_iter()
        .map(|name| {
            let native = env.native.get(name).cloned().unwrap_or_default();
            PackageOverride {
                name: name.clone(),
                build_systems: env.source_builds.get(name).cloned().unwrap_or_default(),
                build_inputs: segments(&native.build_inputs),
                native_build_inputs: segments(&native.native_build_inputs),
                libraries: segments(&native.libraries),
            }
        })
        .collect()
}

/// Attribute paths as their segments.
fn segments(paths: &[String]) -> Vec<Vec<String>> {
    paths
        .iter()
        .map(|p| p.split('.').map(str::to_string).collect())
        .collect()
}

/// A package the lock does not hold, built from nixpkgs' source of it.
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
        package_overrides: package_overrides(env),
        links_libraries: env.native.values().any(|n| !n.libraries.is_empty()),
        has_native: !env.native.is_empty(),
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
