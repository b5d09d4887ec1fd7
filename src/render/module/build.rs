//! The module's build part: the source tree the units run in when the module builds it
//! (`appSource` as a `pkgs.runCommand`: `[build]` steps with their environment, the
//! configuration files rendered for the build, then linked to their rendered copies), the
//! configuration files' unit (`<app>-files.service`) and the deployment's values they and the
//! environment name.
//!
//! May call: `model` (read only), [`super::values`], [`crate::nix`], [`crate::shell`].

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::values::{self, Bindings, Source, file_value, nix_value};
use crate::model::{BUILD_SECRET, ConfigFile, Delivery, Model, Package, Template};
use crate::nix;
use crate::placeholders::{self, Name};

/// The renderer of configuration files, shipped in the module (see its docstring).
const RENDERER: &str = include_str!("../../../templates/render-files.py");

#[derive(Debug, Serialize)]
pub(super) struct BuildCtx {
    /// `appSource` is a derivation built here.
    built_source: bool,
    /// `[build] steps`, as Nix strings.
    build_steps: Vec<String>,
    /// `[build] packages`.
    build_packages: Vec<String>,
    /// The build's environment: name → Nix expression.
    build_env: BTreeMap<String, String>,
    /// `buildSecret` is used (a secret is set to it while building).
    build_secret: Option<String>,
    /// Secrets delivered as files, which the build gets as `<NAME>_FILE` naming the placeholder.
    build_secret_files: Vec<String>,
    /// The configuration files.
    files: Vec<FileCtx>,
    /// Their values: name → Nix expression (`source` aside when `files_source`).
    file_values: BTreeMap<String, String>,
    /// The files name `{{source}}`: `configFiles` is a function of it.
    files_source: bool,
    /// The secrets some file names (its unit's credentials).
    files_secrets: Vec<String>,
    /// The files unit, `<app>-files`.
    files_unit: String,
    /// `/run/<app>-files`.
    files_dir: String,
    /// The renderer, as a Nix indented string.
    renderer: String,
    /// Variables naming rendered files, with their path in the units.
    file_variables: BTreeMap<String, String>,
    /// `{{runtime_dir}}` is named: the units get `/run/<app>`.
    runtime_dir: Option<String>,
    /// The deployment's values some value names.
    #[serde(flatten)]
    bindings: Bindings,
}

#[derive(Debug, Serialize)]
struct FileCtx {
    name: String,
    /// The rendered file's name in the runtime directory.
    file_name: String,
    format: String,
    /// A project file, as a path relative to the module.
    template: Option<String>,
    /// An inline template.
    text: Option<String>,
    secrets: Vec<String>,
    /// Secrets among them that are optional (empty in the build).
    optional: Vec<String>,
    /// Where the source tree links to it.
    path: Option<String>,
    /// The variable naming it, and its value while the source tree builds (a shell word).
    env: Option<String>,
    build_env_path: String,
}

/// The names of every value of the description that may name the deployment's.
fn used(m: &Model) -> BTreeSet<Name> {
    let mut texts: Vec<&placeholders::Text> = m.env.values().collect();
    texts.extend(m.processes.iter().flat_map(|p| p.env.values()));
    texts.extend(m.tasks.iter().flat_map(|t| t.env.values()));
    texts.extend(m.build.iter().flat_map(|b| b.env.values()));
    let mut used = placeholders::used(texts);
    used.extend(m.files.iter().flat_map(|f| f.values.iter().cloned()));
    used
}

pub(super) fn context(m: &Model, to_project: &str) -> BuildCtx {
    let used = used(m);
    let files: Vec<FileCtx> = m.files.iter().map(|f| file(m, f, to_project)).collect();
    let file_values_used: BTreeSet<&Name> = m.files.iter().flat_map(|f| f.values.iter()).collect();
    let mut files_secrets: Vec<String> = m.files.iter().flat_map(|f| f.secrets.clone()).collect();
    files_secrets.sort();
    files_secrets.dedup();
    BuildCtx {
        built_source: m.built_source(),
        build_steps: m
            .build
            .iter()
            .flat_map(|b| b.steps.iter().map(|s| nix::string(s)))
            .collect(),
        build_packages: m.build.iter().flat_map(|b| b.packages.clone()).collect(),
        build_env: build_env(m),
        build_secret: (m.built_source()
            && (!m.files.is_empty()
                || !required(m, Delivery::Env).is_empty()
                || !required(m, Delivery::File).is_empty()))
        .then(|| BUILD_SECRET.to_string()),
        build_secret_files: if m.built_source() {
            required(m, Delivery::File)
        } else {
            Vec::new()
        },
        file_values: file_values_used
            .iter()
            .filter(|n| **n != &Name::Source)
            .map(|n| (n.written(), file_value(m, n, Source::Units)))
            .collect(),
        files_source: file_values_used.contains(&Name::Source),
        files,
        files_secrets,
        files_unit: m.prefixed("files"),
        files_dir: m.files_dir(),
        renderer: nix::indented_string(RENDERER),
        file_variables: m
            .files
            .iter()
            .filter_map(|f| {
                let var = f.env.clone()?;
                Some((var, format!("{}/{}", m.files_dir(), f.file_name)))
            })
            .collect(),
        runtime_dir: used
            .contains(&Name::RuntimeDir)
            .then(|| values::runtime_dir(m)),
        bindings: values::bindings(m, &used),
    }
}

/// The app's required secrets of one delivery (an optional one is left unset in the build: the
/// app must work without it, and a placeholder could turn a feature on).
fn required(m: &Model, delivery: Delivery) -> Vec<String> {
    m.secrets
        .iter()
        .filter(|s| s.delivery == delivery && !s.optional)
        .map(|s| s.name.clone())
        .collect()
}

/// The build's environment: `[env]` and `[build] env` (the latter wins), `{{source}}` as the
/// build's output, what the module wires (`PYTHONPATH` of a plain source tree), and the build
/// placeholder for every required secret delivered as a variable.
fn build_env(m: &Model) -> BTreeMap<String, String> {
    let mut env = BTreeMap::new();
    if !m.built_source() {
        return env;
    }
    for (k, v) in m
        .env
        .iter()
        .chain(m.build.iter().flat_map(|b| b.env.iter()))
    {
        env.insert(k.clone(), nix_value(m, v, Source::Build, None));
    }
    if matches!(&m.package, Package::Python(py) if !py.pyproject) {
        env.insert("PYTHONPATH".into(), "placeholder \"out\"".into());
    }
    // A bytecode file compiled from a build-time configuration file must not outlive it (and
    // none would be used: the store's files have other times than the build's).
    env.insert("PYTHONDONTWRITEBYTECODE".into(), nix::string("1"));
    for s in required(m, Delivery::Env) {
        env.insert(s, "buildSecret".into());
    }
    for s in required(m, Delivery::File) {
        env.insert(format!("{s}_FILE"), "\"${buildSecretFile}\"".into());
    }
    env
}

fn file(m: &Model, f: &ConfigFile, to_project: &str) -> FileCtx {
    let optional = f
        .secrets
        .iter()
        .filter(|s| m.secrets.iter().any(|x| &x.name == *s && x.optional))
        .cloned()
        .collect();
    let (template, text) = match &f.template {
        Template::Project(rel) => (Some(format!("{to_project}{rel}")), None),
        Template::Inline(t) => (None, Some(t.clone())),
    };
    let build_env_path = match &f.path {
        Some(p) => format!("$out/{}", crate::shell::quote(p)),
        None => format!(
            "$NIX_BUILD_TOP/app2nix-files/{}",
            crate::shell::quote(&f.file_name)
        ),
    };
    FileCtx {
        name: f.name.clone(),
        file_name: f.file_name.clone(),
        format: f.format.as_str().into(),
        template,
        text,
        secrets: f.secrets.clone(),
        optional,
        path: f.path.clone(),
        env: f.env.clone(),
        build_env_path,
    }
}
