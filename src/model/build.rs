//! The source tree the units run in, as the package build makes it: `[build]` steps run in it
//! (collected static files, compiled translations), and `[files.*]`, the configuration files
//! rendered at start with the deployment's values and secrets, linked into it.
//!
//! Owns [`Build`], [`ConfigFile`], [`FileFormat`], [`Template`] and [`BUILD_SECRET`];
//! validates `[build]` and `[files.*]`.
//!
//! May call [`super::check`]; reads the package (steps and links need a source tree) and the
//! secrets (a step may not name one; a file may).

use std::collections::{BTreeMap, BTreeSet};

use super::check::{
    Checker, PLAIN_PATH_HELP, Places, is_plain_path, normalize_relative, path_to_slash, shown,
};
use super::package::Package;
use super::secrets::{Delivery, Secret};
use crate::description::{self as d, Sp};
use crate::placeholders::{self, Name, Text};

/// What every secret holds while the package builds, documented and not secret: the build has
/// no secrets (they would end up in the world-readable store), and settings modules that
/// refuse to import without one (Django's `SECRET_KEY`, a 50-character minimum) get this.
pub const BUILD_SECRET: &str = "app2nix-build-time-placeholder-not-a-secret-do-not-use-at-runtime";

/// `[build]`: steps run in the source tree when the package builds.
#[derive(Debug, Clone)]
pub struct Build {
    /// Shell command lines, in order.
    pub steps: Vec<String>,
    /// The steps' own environment (besides the app's).
    pub env: BTreeMap<String, Text>,
    /// nixpkgs attributes on the steps' `PATH`.
    pub packages: Vec<String>,
}

/// How values are written into a configuration file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    /// Python literals (`repr`).
    Python,
    /// JSON values.
    Json,
    /// YAML double-quoted scalars and flow sequences.
    Yaml,
    /// TOML basic strings and arrays.
    Toml,
    /// As they are (lists joined with `,`).
    Text,
}

impl FileFormat {
    /// The name the description and the renderer use.
    pub fn as_str(self) -> &'static str {
        match self {
            FileFormat::Python => "python",
            FileFormat::Json => "json",
            FileFormat::Yaml => "yaml",
            FileFormat::Toml => "toml",
            FileFormat::Text => "text",
        }
    }

    /// The extension of the rendered file (`None` for text, which keeps the one of `path`).
    fn extension(self) -> Option<&'static str> {
        match self {
            FileFormat::Python => Some("py"),
            FileFormat::Json => Some("json"),
            FileFormat::Yaml => Some("yaml"),
            FileFormat::Toml => Some("toml"),
            FileFormat::Text => None,
        }
    }

    /// The format a file name suggests.
    fn of_extension(file: &str) -> Option<Self> {
        let ext = file.rsplit_once('.')?.1;
        Some(match ext {
            "py" => FileFormat::Python,
            "json" => FileFormat::Json,
            "yml" | "yaml" => FileFormat::Yaml,
            "toml" => FileFormat::Toml,
            _ => return None,
        })
    }
}

/// Where a configuration file's template comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Template {
    /// A file of the project, relative to the description.
    Project(String),
    /// Written in the description.
    Inline(String),
}

/// A configuration file rendered at start (`[files.<name>]`).
#[derive(Debug, Clone)]
pub struct ConfigFile {
    /// Name (`/run/<app>-files/<file_name>`).
    pub name: String,
    /// The rendered file's name in the runtime directory.
    pub file_name: String,
    /// Where the source tree links to it, relative to the package source.
    pub path: Option<String>,
    /// The variable naming it.
    pub env: Option<String>,
    /// How values are written into it.
    pub format: FileFormat,
    /// Its template.
    pub template: Template,
    /// The secrets it names.
    pub secrets: Vec<String>,
    /// The deployment's values it names (not secrets).
    pub values: BTreeSet<Name>,
}

/// Largest template file read (a configuration file, not data).
const TEMPLATE_LIMIT: u64 = 1024 * 1024;

/// `[build]`: steps, their environment and packages; `None` without one (or after an error
/// that leaves nothing to build).
pub(super) fn build(
    c: &mut Checker,
    desc: &d::Description,
    package: &Package,
    secrets: &[Secret],
) -> Option<Build> {
    let b = desc.build.as_ref()?;
    if !matches!(package, Package::Python(_)) {
        c.err(
            b.span(),
            "[build] steps run in the source tree of [package.python], and the package is not built from source",
            "build a nixpkgs or flake package where it is defined, or describe the app with [package.python]",
        );
        return None;
    }
    let steps = b
        .steps
        .iter()
        .filter(|s| step(c, s, secrets))
        .map(|s| s.to_string())
        .collect();
    let env = c.env_map(&b.env, &desc.secrets, &Places::of(desc));
    for k in b.env.keys().chain(desc.env.keys()) {
        derivation_variable(c, k);
    }
    let packages = b
        .packages
        .iter()
        .filter(|p| {
            let ok = super::package::is_attr_path(p);
            if !ok {
                c.err(
                    p.span(),
                    format!("`{}` is not a nixpkgs attribute", shown(p)),
                    "use a top-level nixpkgs attribute such as `gettext`, `nodejs` or `dart-sass`",
                );
            }
            ok
        })
        .map(|p| p.to_string())
        .collect();
    Some(Build {
        steps,
        env,
        packages,
    })
}

/// Programs whose subcommands download: the build has no network.
const DOWNLOADS: &[(&str, &[&str])] = &[
    ("pip", &["install", "download"]),
    ("pip3", &["install", "download"]),
    ("uv", &["sync", "pip", "add"]),
    ("poetry", &["install", "add"]),
    ("npm", &["install", "ci", "i", "add"]),
    ("yarn", &["install", "add"]),
    ("pnpm", &["install", "add", "i"]),
    ("git", &["clone", "fetch", "pull", "submodule"]),
    ("curl", &[]),
    ("wget", &[]),
];

/// One build step: text without NUL, no secret, nothing that needs the network.
fn step(c: &mut Checker, s: &Sp<String>, secrets: &[Secret]) -> bool {
    if !c.text(s, "build step") {
        return false;
    }
    if s.trim().is_empty() {
        c.err(s.span(), "a build step is empty", "remove it");
        return false;
    }
    if let Some(secret) = secrets
        .iter()
        .find(|x| names_variable(s, &x.name) || names_variable(s, &format!("{}_FILE", x.name)))
    {
        c.err_redacted(
            s.span(),
            format!("a build step uses the secret `{}`", secret.name),
            "the build has no secrets (its output is world-readable): each holds a placeholder there; run what needs the real value as a task",
        );
        return false;
    }
    if let Some(why) = crate::secrets::command_secret(&crate::shell::words(s)) {
        c.err_redacted(
            s.span(),
            format!("a build step holds a secret: {why}"),
            "the build's output is world-readable: declare the secret and use it in a task instead",
        );
        return false;
    }
    for segment in s.split(['\n', ';', '|', '&']) {
        let words = crate::shell::words(segment);
        let Some(program) = words.first() else {
            continue;
        };
        let program = program.rsplit('/').next().unwrap_or(program);
        if let Some((_, subs)) = DOWNLOADS.iter().find(|(p, _)| *p == program)
            && (subs.is_empty() || words.get(1).is_some_and(|w| subs.contains(&w.as_str())))
        {
            c.err(
                s.span(),
                format!("build step `{}` downloads, and the build has no network", shown(segment.trim())),
                "give dependencies as `dependencies` (or the uv.lock), build tools as [build] packages, and frontends as [assets.*]",
            );
            return false;
        }
    }
    true
}

/// Whether `text` refers to the shell variable `name` (`$NAME`, `${NAME}`, `${NAME:-…}`).
fn names_variable(text: &str, name: &str) -> bool {
    text.match_indices('$').any(|(i, _)| {
        let rest = &text[i + 1..];
        let rest = rest.strip_prefix('{').unwrap_or(rest);
        rest.strip_prefix(name).is_some_and(|after| {
            !after.starts_with(|ch: char| ch.is_ascii_alphanumeric() || ch == '_')
        })
    })
}

/// Attributes the derivation of the source tree has itself: an environment variable of the
/// build may not be one (nixpkgs refuses the overlap).
const DERIVATION_ATTRIBUTES: &[&str] = &[
    "name",
    "builder",
    "system",
    "args",
    "outputs",
    "out",
    "stdenv",
    "env",
    "buildCommand",
    "passAsFile",
    "nativeBuildInputs",
    "buildInputs",
    "enableParallelBuilding",
    "preferLocalBuild",
    "allowSubstitutes",
    "meta",
    "passthru",
];

fn derivation_variable(c: &mut Checker, k: &Sp<String>) {
    if DERIVATION_ATTRIBUTES.contains(&k.as_str()) || k.starts_with("NIX_") {
        c.err(
            k.span(),
            format!(
                "`{}` is a name the build of the source tree uses itself",
                k.as_str()
            ),
            "rename the variable: with [build], every variable of `env` is also the build's",
        );
    }
}

/// `[files.*]`: by name; invalid ones are left out.
pub(super) fn files(
    c: &mut Checker,
    desc: &d::Description,
    package: &Package,
    secrets: &[Secret],
) -> Vec<ConfigFile> {
    let mut out: Vec<ConfigFile> = Vec::new();
    for (name, f) in &desc.files {
        if let Some(file) = file(c, desc, package, secrets, name, f) {
            if let Some(p) = &file.path
                && let Some(other) = out.iter().find(|o| o.path.as_ref() == Some(p))
            {
                c.err(
                    name.span(),
                    format!(
                        "files `{}` and `{name}` are both linked at `{p}`",
                        other.name,
                        name = name.as_str()
                    ),
                    "give each file its own `path`",
                );
                continue;
            }
            if let Some(e) = &file.env
                && let Some(other) = out.iter().find(|o| o.env.as_ref() == Some(e))
            {
                c.err(
                    name.span(),
                    format!(
                        "files `{}` and `{name}` both set `{e}`",
                        other.name,
                        name = name.as_str()
                    ),
                    "give each file its own `env`",
                );
                continue;
            }
            out.push(file);
        }
    }
    out
}

/// One configuration file.
fn file(
    c: &mut Checker,
    desc: &d::Description,
    package: &Package,
    secrets: &[Secret],
    name: &Sp<String>,
    f: &Sp<d::ConfigFile>,
) -> Option<ConfigFile> {
    let name_ok = c.name(name, "file name");
    if f.path.is_none() && f.env.is_none() {
        c.err(
            f.span(),
            format!("file `{}` names no `path` nor `env`: the app would never find it", name.as_str()),
            "add `path` (where the app reads it, relative to [package.python] src) or `env` (a variable naming it)",
        );
    }
    let path = f.path.as_ref().and_then(|p| link_path(c, package, p));
    let env = f.env.as_ref().and_then(|e| file_variable(c, desc, e));
    let format = format(c, f);
    let (template, text) = template(c, f)?;
    let mut places = Places::of(desc);
    places.secrets = Some(
        secrets
            .iter()
            .filter(|s| s.delivery != Delivery::Acme)
            .map(|s| s.name.clone())
            .collect(),
    );
    let parsed = c.placeholders(&text, &places)?;
    if let Some(quoted) = quoted_placeholder(&text, format) {
        c.err(
            text.span(),
            format!("in a {} file `{quoted}` is a whole value, here inside quotes", format.as_str()),
            format!("remove the quotes: `{quoted}` is written as a {} string literal (a list for `{{{{domains}}}}` and `{{{{origins}}}}`)", format.as_str()),
        );
        return None;
    }
    let file_name = match (
        format.extension(),
        path.as_deref().and_then(|p| p.rsplit_once('.')),
    ) {
        (Some(ext), _) => format!("{}.{ext}", name.as_str()),
        (None, Some((_, ext))) if is_plain_path(ext) => format!("{}.{ext}", name.as_str()),
        _ => name.to_string(),
    };
    let mut secrets_named: Vec<String> = parsed
        .names()
        .filter_map(|n| match n {
            Name::Secret(s) => Some(s.clone()),
            _ => None,
        })
        .collect();
    secrets_named.sort();
    secrets_named.dedup();
    let values = parsed
        .names()
        .filter(|n| !matches!(n, Name::Secret(_)))
        .cloned()
        .collect();
    name_ok.then(|| ConfigFile {
        name: name.to_string(),
        file_name,
        path,
        env,
        format,
        template,
        secrets: secrets_named,
        values,
    })
}

/// `path`: a plain relative path inside the package source, not a directory there.
fn link_path(c: &mut Checker, package: &Package, p: &Sp<String>) -> Option<String> {
    let Package::Python(py) = package else {
        c.err(
            p.span(),
            "`path` links the file into the source tree of [package.python], and the package is not built from source",
            "name the file with `env` instead (the variable every unit gets)",
        );
        return None;
    };
    let rel = normalize_relative(p)
        .map(|r| path_to_slash(&r))
        .filter(|r| is_plain_path(r));
    let Some(rel) = rel else {
        c.err(
            p.span(),
            format!(
                "file path `{}` is not a plain path inside the package source",
                shown(p)
            ),
            format!("a path relative to [package.python] src: {PLAIN_PATH_HELP}"),
        );
        return None;
    };
    if py.src_valid && c.project_dir().join(&py.src).join(&rel).is_dir() {
        c.err(
            p.span(),
            format!("file path `{rel}` is a directory of the package source"),
            "name the file itself, e.g. `myapp/configuration.py`",
        );
        return None;
    }
    Some(rel)
}

/// `env`: a variable name no other part of the description sets.
fn file_variable(c: &mut Checker, desc: &d::Description, e: &Sp<String>) -> Option<String> {
    if !c.env_name(e, "variable name") {
        return None;
    }
    if desc.env.contains_key(e.as_str()) || desc.secrets.contains_key(e.as_str()) {
        c.err(
            e.span(),
            format!("`{}` is also set in [env] or [secrets]", e.as_str()),
            "keep one: the file's `env` sets it to the rendered file's path",
        );
        return None;
    }
    Some(e.to_string())
}

/// `format`, or the one the extension of `path` or `template` suggests (else `text`).
fn format(c: &mut Checker, f: &d::ConfigFile) -> FileFormat {
    const FORMATS: &[&str] = &["python", "json", "yaml", "toml", "text"];
    if f.format.is_some() {
        return match c.choice(&f.format, "file format", FORMATS, "text").as_str() {
            "python" => FileFormat::Python,
            "json" => FileFormat::Json,
            "yaml" => FileFormat::Yaml,
            "toml" => FileFormat::Toml,
            _ => FileFormat::Text,
        };
    }
    [&f.path, &f.template]
        .into_iter()
        .flatten()
        .find_map(|p| FileFormat::of_extension(p))
        .unwrap_or(FileFormat::Text)
}

/// The template and its text (with the span to report at): exactly one of `template`, `text`.
fn template(c: &mut Checker, f: &Sp<d::ConfigFile>) -> Option<(Template, Sp<String>)> {
    match (&f.template, &f.text) {
        (Some(t), None) => {
            let rel = c.project_path(t, "template", false)?;
            if crate::secrets::is_secret_file(rel.rsplit('/').next().unwrap_or(&rel)) {
                c.err(
                    t.span(),
                    format!("template `{}` has the name of a file that can hold secrets, which never enters the store", shown(t)),
                    "rename it (e.g. `config.example.py`): a template holds placeholders, never values",
                );
                return None;
            }
            let full = c.project_dir().join(&rel);
            match crate::input::read_text(&full, TEMPLATE_LIMIT) {
                Ok(text) => Some((Template::Project(rel), Sp::new(text, t.span()))),
                Err(why) => {
                    c.err(
                        t.span(),
                        format!("template `{}`: {why}", shown(t)),
                        "give a text file of the project",
                    );
                    None
                }
            }
        }
        (None, Some(text)) => c
            .text(text, "file text")
            .then(|| (Template::Inline(text.to_string()), text.clone())),
        _ => {
            c.err(
                f.span(),
                "a file needs exactly one of `template` (a file of the project) and `text`",
                "e.g. `template = \"app/settings.example.py\"` or `text = '''…'''`",
            );
            None
        }
    }
}

/// A placeholder written between quotes (`"{{domain}}"`) in a typed format, where it already
/// is a string literal.
fn quoted_placeholder(text: &str, format: FileFormat) -> Option<String> {
    if format == FileFormat::Text {
        return None;
    }
    for q in ['"', '\''] {
        for (i, _) in text.match_indices(q) {
            let rest = &text[i + 1..];
            if let Some(end) = rest.find("}}")
                && rest.starts_with("{{")
                && rest[end + 2..].starts_with(q)
                && placeholders::parse(&rest[..end + 2]).is_ok_and(|t| t.names().count() == 1)
            {
                return Some(rest[..end + 2].to_string());
            }
        }
    }
    None
}
