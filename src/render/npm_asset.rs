//! `<app>-<asset>.nix`: an asset built from source: with nixpkgs' `buildNpmPackage`, its
//! dependencies from `package-lock.json` through `importNpmLock`, or with bun, pnpm or Yarn from
//! a fixed-output download of what their lock pins (`js-asset.nix`).
//!
//! May call: `model` (read only), the template environment of [`super`], [`crate::secrets`].

use std::collections::BTreeMap;

use minijinja::Error;
use minijinja::value::Value;
use serde::Serialize;

use super::{Layout, asset_file_name, environment, header};
use crate::model::{Asset, Manager, Model, NpmBuild, NpmScript};

#[derive(Debug, Serialize)]
struct NpmAssetContext {
    header: String,
    title: String,
    asset: String,
    /// The npm project, relative to the file.
    src: String,
    /// The npm project as the user knows it.
    src_shown: String,
    /// The build as one would type it (for the comment).
    command: String,
    /// `npm run <script>`: the script.
    script: Option<String>,
    /// Another build command.
    command_line: String,
    out: String,
    pname: String,
    version: String,
    env: BTreeMap<String, String>,
    secret_file_regex: String,
    /// package.json's name, for the comment.
    npm_name: String,
    /// No build: the output is the installed packages.
    install_only: bool,
    /// The name importNpmLock gets instead of package.json's, when that one cannot name a store
    /// path (a scoped `@acme/web`): it names its derivation `<name>-<version>-sources`.
    package_name: Option<String>,
}

/// Every asset built with npm: its file name and text.
pub fn npm_assets(m: &Model, layout: &Layout) -> Result<Vec<(String, String)>, Error> {
    let mut out = Vec::new();
    for a in &m.assets {
        if let Some(b) = &a.build {
            let text = npm_asset(m, a, b, layout)?;
            out.push((asset_file_name(&m.name, &a.name), text));
        }
    }
    Ok(out)
}

fn npm_asset(m: &Model, a: &Asset, b: &NpmBuild, layout: &Layout) -> Result<String, Error> {
    if b.manager != Manager::Npm {
        return js_asset(m, a, b, layout);
    }
    let (script, command_line) = match &b.script {
        NpmScript::Run(s) => (Some(s.clone()), format!("npm run {s}")),
        NpmScript::Command(c) => (None, c.clone()),
        NpmScript::Install => (None, "npm ci".to_string()),
    };
    let pname = format!("{}-{}", m.name, a.name);
    let deps_name = format!("{}-{}-sources", b.name, b.version);
    let package_name = (!crate::nix::is_store_path_name(&deps_name)).then(|| pname.clone());
    let ctx = NpmAssetContext {
        header: header(&layout.source_label),
        title: m.description.clone(),
        asset: a.name.clone(),
        src: format!("{}{}", layout.to_project, a.src),
        src_shown: if a.src.is_empty() {
            ".".into()
        } else {
            a.src.clone()
        },
        command: format!("`{command_line}`"),
        script,
        command_line,
        out: b.out.clone(),
        pname,
        version: b.version.clone(),
        env: b.env.clone(),
        secret_file_regex: crate::secrets::secret_file_regex(),
        npm_name: b.name.clone(),
        package_name,
        install_only: b.script == NpmScript::Install,
    };
    environment()
        .get_template("npm-asset.nix")?
        .render(Value::from(minijinja::value::Serde(&ctx)))
}

#[derive(Debug, Serialize)]
struct JsAssetContext {
    header: String,
    title: String,
    asset: String,
    /// `bun`, `pnpm`, `yarn` (1) or `yarn-berry`.
    manager: &'static str,
    /// The command (`bun`, `pnpm`, `yarn`).
    manager_cmd: &'static str,
    manager_shown: &'static str,
    manager_lock: &'static str,
    /// The lock as the user knows it.
    lock_shown: String,
    /// The lock's directory, relative to the file.
    root: String,
    /// The project as the user knows it.
    src_shown: String,
    /// The project relative to `root`, when it is a workspace's member.
    member: String,
    /// The build as one would type it (for the comment).
    command: String,
    /// `<manager> run <script>`: the script.
    script: Option<String>,
    /// Another build command.
    command_line: String,
    /// The output, relative to `root`.
    out: String,
    pname: String,
    version: String,
    env: BTreeMap<String, String>,
    secret_file_regex: String,
    hash: Option<String>,
    missing_hashes: bool,
    /// No build: the output is the installed packages.
    install_only: bool,
}

fn js_asset(m: &Model, a: &Asset, b: &NpmBuild, layout: &Layout) -> Result<String, Error> {
    let cmd = b.manager.as_str();
    let (script, command_line) = match &b.script {
        NpmScript::Run(s) => (Some(s.clone()), format!("{cmd} run {s}")),
        NpmScript::Command(c) => (None, c.clone()),
        NpmScript::Install => (None, format!("{cmd} install")),
    };
    let at_root = |f: &str| {
        if b.root.is_empty() {
            f.to_string()
        } else {
            format!("{}/{f}", b.root)
        }
    };
    let ctx = JsAssetContext {
        header: header(&layout.source_label),
        title: m.description.clone(),
        asset: a.name.clone(),
        manager: match b.manager {
            Manager::YarnBerry => "yarn-berry",
            other => other.as_str(),
        },
        manager_cmd: cmd,
        manager_shown: b.manager.shown(),
        manager_lock: b.manager.lock(),
        lock_shown: at_root(b.manager.lock()),
        root: format!("{}{}", layout.to_project, b.root),
        src_shown: if a.src.is_empty() {
            ".".into()
        } else {
            a.src.clone()
        },
        member: b.member.clone(),
        command: format!("`{command_line}`"),
        script,
        command_line,
        out: b.out_from_root.clone(),
        pname: format!("{}-{}", m.name, a.name),
        version: b.version.clone(),
        env: b.env.clone(),
        secret_file_regex: crate::secrets::secret_file_regex(),
        hash: b.hash.clone(),
        missing_hashes: b.missing_hashes,
        install_only: b.script == NpmScript::Install,
    };
    environment()
        .get_template("js-asset.nix")?
        .render(Value::from(minijinja::value::Serde(&ctx)))
}
