//! `<app>-<asset>.nix`: an asset built from source with nixpkgs' `buildNpmPackage`, its
//! dependencies from `package-lock.json` through `importNpmLock`.
//!
//! May call: `model` (read only), the template environment of [`super`], [`crate::secrets`].

use std::collections::BTreeMap;

use minijinja::Error;
use minijinja::value::Value;
use serde::Serialize;

use super::{Layout, asset_file_name, environment, header};
use crate::model::{Asset, Model, NpmBuild, NpmScript};

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
    let (script, command_line) = match &b.script {
        NpmScript::Run(s) => (Some(s.clone()), format!("npm run {s}")),
        NpmScript::Command(c) => (None, c.clone()),
    };
    let pname = format!("{}-{}", m.name, a.name);
    let deps_name = format!("{}-{}-sources", b.name, b.version);
    let package_name = (!crate::nix::is_store_path_name(&deps_name)).then(|| pname.clone());
    let ctx = NpmAssetContext {
        header: header(&layout.source_label),
        title: m.description.clone(),
        asset: a.name.clone(),
        src: format!("{}{}", layout.to_project, a.src),
        src_shown: a.src.clone(),
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
    };
    environment()
        .get_template("npm-asset.nix")?
        .render(Value::from(minijinja::value::Serde(&ctx)))
}
