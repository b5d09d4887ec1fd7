//! The module's app part: names, the service user, the package (Python source tree, nixpkgs
//! attribute or flake input), its interpreter and dependencies, static assets, and where the
//! units run.
//!
//! May call: `model` (read only), [`crate::secrets`] (the secret-file pattern).

use serde::Serialize;

use super::package_file_name;
use crate::model::{Model, Package};
use crate::render::{Layout, header};

#[derive(Debug, Serialize)]
pub(super) struct AppCtx {
    header: String,
    name: String,
    title: String,
    state_dir: String,
    logs_dir: String,
    user: String,
    /// The service user's description (a passwd entry: no `:`).
    user_description: String,
    python: Option<PythonCtx>,
    nixpkgs: Option<String>,
    flake: Option<FlakeCtx>,
    assets: Vec<AssetCtx>,
    /// The source tree is put on `PYTHONPATH` (a plain, not pyproject, Python app).
    python_path: bool,
    server_packages: Vec<String>,
    /// The units' working directory: `source` (the package is the source tree), `package-src`
    /// (the built package's `src`) or `state`.
    working_dir: String,
    /// [`crate::secrets::SECRET_FILES`] for `builtins.match`.
    secret_file_regex: String,
    /// Some source is copied here (a pyproject source tree, an asset of files): the module
    /// needs its secret-file filter.
    filtered_sources: bool,
}

#[derive(Debug, Serialize)]
struct PythonCtx {
    attr: String,
    src: String,
    /// The source directory relative to the description.
    src_shown: String,
    /// The package file, relative to the module.
    package_file: String,
    pyproject: bool,
    version: String,
    dependencies: Vec<String>,
    /// Extras of dependencies: (package, extra), from nixpkgs' `optional-dependencies`.
    extras: Vec<(String, String)>,
    /// The interpreter with the package set's overrides, as Nix (`None` without overrides).
    overridden: Option<String>,
    /// The overrides, for the option's documentation: (package, replacement).
    overrides: Vec<(String, String)>,
    build_system: Vec<String>,
    /// Built from uv.lock with uv2nix.
    uv: Option<UvCtx>,
}

#[derive(Debug, Serialize)]
struct UvCtx {
    /// The environment's file, beside the module.
    file: String,
    /// The lock as the user knows it (relative to the description).
    lock_shown: String,
}

#[derive(Debug, Serialize)]
struct FlakeCtx {
    input: String,
    attr: String,
}

#[derive(Debug, Serialize)]
struct AssetCtx {
    name: String,
    src: String,
    spa: bool,
    /// Built from source: its package file, beside the module.
    package_file: Option<String>,
    /// What builds it (`npm`, `bun`, …), for the option's description.
    tool: String,
    /// Where the source tree holds a copy (`into`).
    into: Option<String>,
    /// Some route serves it.
    served: bool,
}

pub(super) fn context(m: &Model, layout: &Layout) -> AppCtx {
    let rel = |p: &str| format!("{}{}", layout.to_project, p);
    AppCtx {
        header: header(&layout.source_label),
        name: m.name.clone(),
        title: m.description.clone(),
        state_dir: m.state_dir(),
        logs_dir: m.logs_dir(),
        user: m.user.clone(),
        // passwd entries cannot hold `:` (nixpkgs types the description as passwdEntry).
        user_description: format!("{} service user", m.description.replace(':', " -")),
        python: match &m.package {
            Package::Python(py) => Some(PythonCtx {
                attr: py.interpreter(),
                src: rel(&py.src),
                src_shown: py.src.clone(),
                package_file: package_file_name(&m.name),
                pyproject: py.pyproject,
                version: py.package_version.clone(),
                dependencies: py.dependencies.iter().cloned().collect(),
                overridden: (!py.overrides.is_empty())
                    .then(|| crate::nix::python_interpreter(&py.interpreter(), &py.overrides)),
                overrides: py
                    .overrides
                    .iter()
                    .map(|(a, b)| (a.clone(), b.clone()))
                    .collect(),
                extras: py
                    .extras
                    .iter()
                    .flat_map(|(p, es)| es.iter().map(move |e| (p.clone(), e.clone())))
                    .collect(),
                build_system: py.build_system.iter().cloned().collect(),
                uv: py.uv.as_ref().map(|env| UvCtx {
                    file: super::python_env_file_name(&m.name),
                    lock_shown: env.lock_shown(),
                }),
            }),
            _ => None,
        },
        nixpkgs: match &m.package {
            Package::Nixpkgs(a) => Some(a.clone()),
            _ => None,
        },
        flake: match &m.package {
            Package::Flake { input, attr } => Some(FlakeCtx {
                input: input.clone(),
                attr: attr.clone(),
            }),
            _ => None,
        },
        assets: m
            .assets
            .iter()
            .map(|a| AssetCtx {
                name: a.name.clone(),
                src: rel(&a.src),
                spa: a.spa,
                package_file: a
                    .build
                    .as_ref()
                    .map(|_| super::asset_file_name(&m.name, &a.name)),
                tool: a
                    .build
                    .as_ref()
                    .map_or("npm", |b| b.manager.as_str())
                    .into(),
                into: a.into.clone(),
                served: m.sites.iter().any(|s| {
                    s.routes.iter().any(
                        |r| matches!(&r.target, crate::model::RouteTarget::Asset { name, .. } if *name == a.name),
                    )
                }),
            })
            .collect(),
        python_path: matches!(&m.package, Package::Python(_)),
        server_packages: match &m.package {
            Package::Python(_) => m
                .processes
                .iter()
                .flat_map(|p| p.server_packages())
                .map(str::to_string)
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect(),
            _ => vec![],
        },
        working_dir: match &m.package {
            Package::Python(py) if py.pyproject => "package-src",
            Package::Python(_) => "source",
            _ => "state",
        }
        .into(),
        secret_file_regex: crate::secrets::secret_file_regex(),
        filtered_sources: m.assets.iter().any(|a| a.build.is_none())
            || matches!(&m.package, Package::Python(py) if py.pyproject),
    }
}
