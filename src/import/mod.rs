//! `app2nix import FILE...`: existing deployment files (systemd units, nginx server blocks,
//! `.env` files, Compose files, Dockerfiles, `gunicorn.conf.py`, requirements / pyproject /
//! `.python-version`) in, a description out, with a report of what became of every setting.
//! Nothing is dropped silently: what has no equivalent is reported as `not mapped` with its
//! file and line, and no value of a secret-looking variable is ever copied.
//!
//! This file owns the orchestration ([`import`]: detect each input's kind, map the kinds in
//! dependency order, conclude, order the report), the shared mapping state (`Importer`, which
//! fills one [`Draft`] and one [`Report`]) and the decisions no single input makes (the app
//! name, the closing findings). Each input kind has its own file holding its reader and its
//! mapper: `systemd`, `nginx`, `compose`, `env` (`.env`), `dockerfile`, `python` (packaging)
//! and `gunicorn` (`gunicorn.conf.py`, whose settings go to the gunicorn commands of the
//! others); `monitoring` maps what units and nginx say about alerts and metrics. Two mappers are shared by several kinds, and by `init`: `variables` (what an
//! environment variable becomes) and `command` (what a server command line becomes).
//! [`parse`] keeps the readers' public paths. The kind files may call this file, the shared
//! mappers, [`crate::draft`], [`crate::secrets`], [`crate::shell`] and
//! [`crate::python_version`] (`gunicorn` also tree-sitter, and [`crate::input`] for a `-c FILE`
//! in the `--src` directory); nothing here calls `init`.

mod command;
mod compose;
mod dockerfile;
mod env;
pub(crate) mod gunicorn;
mod monitoring;
mod nginx;
pub mod parse;
pub(crate) mod python;
mod systemd;
mod variables;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::draft::{Draft, Outcome, Process, Report, Source};

pub(crate) use command::SECRET_IN_COMMAND;
pub use command::server_from_command;

/// What a file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A systemd service unit.
    Systemd,
    /// nginx configuration.
    Nginx,
    /// `KEY=value` lines.
    Env,
    /// A Compose file.
    Compose,
    /// A Dockerfile.
    Dockerfile,
    /// `requirements.txt`.
    Requirements,
    /// `pyproject.toml`.
    Pyproject,
    /// `.python-version` or `runtime.txt`.
    PythonVersion,
    /// `uv.lock`: the environment is built from it with uv2nix.
    UvLock,
    /// A gunicorn configuration file (`gunicorn.conf.py`, `*.conf.py`): its settings go to the
    /// process of the gunicorn command that reads it.
    GunicornConf,
}

/// Guess a file's kind from its name, then its content.
pub fn detect(name: &str, text: &str) -> Option<Kind> {
    let base = Path::new(name)
        .file_name()
        .map(|n| n.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    if gunicorn::is_config_name(&base) {
        return Some(Kind::GunicornConf);
    }
    if base.ends_with(".service") || text.contains("[Service]") {
        return Some(Kind::Systemd);
    }
    if (base.contains("compose") && (base.ends_with(".yml") || base.ends_with(".yaml")))
        || ((base.ends_with(".yml") || base.ends_with(".yaml")) && text.contains("services:"))
    {
        return Some(Kind::Compose);
    }
    if base.starts_with("dockerfile") || base.ends_with(".dockerfile") {
        return Some(Kind::Dockerfile);
    }
    if base == ".env" || base.starts_with(".env.") || base.ends_with(".env") {
        return Some(Kind::Env);
    }
    if base.starts_with("requirements") && base.ends_with(".txt") {
        return Some(Kind::Requirements);
    }
    if base == "pyproject.toml" {
        return Some(Kind::Pyproject);
    }
    if base == "uv.lock" {
        return Some(Kind::UvLock);
    }
    if base == ".python-version" || base == "runtime.txt" {
        return Some(Kind::PythonVersion);
    }
    if base.ends_with(".conf") || text.contains("server_name") || text.contains("server {") {
        return Some(Kind::Nginx);
    }
    None
}

/// Packaging files `import --src DIR` reads from DIR when they are not among the inputs.
pub const PACKAGING_FILES: &[&str] = &[
    "pyproject.toml",
    "uv.lock",
    "requirements.txt",
    ".python-version",
    "runtime.txt",
];

/// One input.
#[derive(Debug, Clone, Default)]
pub struct Input {
    /// Name as given (shown in the report).
    pub name: String,
    /// Content.
    pub text: String,
    /// Where the file is (absolute, without `.` and `..`), when it was read from disk (a Compose file's
    /// directory names its project when it has no `name:`).
    pub path: Option<PathBuf>,
}

/// Options of an import.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// `[app] name` (default: from the unit or Compose project names).
    pub name: Option<String>,
    /// `[package.python] src`, relative to the description (default `.`).
    pub src: Option<String>,
    /// The `src` directory on disk, where a gunicorn command's `-c FILE` (or its default
    /// `gunicorn.conf.py`) is looked for when it is not among the inputs.
    pub src_dir: Option<PathBuf>,
}

/// The state of an import; `init` borrows it (see `Init::importing`) to map dependencies,
/// environment files and gunicorn's `raw_env` the way import does.
pub(crate) struct Importer {
    draft: Draft,
    report: Report,
    opts: Options,
    /// Environment files given as inputs (by file name).
    env_files: Vec<String>,
    /// Processes by the port they listen on.
    by_port: BTreeMap<u16, String>,
    /// Processes by Compose service name.
    by_service: BTreeMap<String, String>,
    /// Unit names seen (stems), for the app name.
    units: Vec<String>,
    /// gunicorn configuration files, among the inputs or read from the `--src` directory.
    gunicorn_confs: Vec<gunicorn::Config>,
    /// Compose project name.
    compose_name: Option<String>,
    /// Compose's default project name (the directory holding a Compose file without `name:`),
    /// with the file it comes from.
    compose_dir_name: Option<(String, String)>,
    /// Certificate directory of each site (certbot's `live/<name>`).
    cert_dirs: Vec<Option<String>>,
    /// Domains of HTTP-only redirect servers.
    redirect_only: Vec<String>,
    /// Database drivers among the Python dependencies.
    drivers: Vec<String>,
    /// `[project] name` of a pyproject.toml.
    project_name: Option<String>,
    /// An input decided the interpreter already.
    python_decided: bool,
    /// The environment is built from this `uv.lock` with uv2nix: dependencies are not mapped
    /// to nixpkgs packages.
    pub(crate) uv_lock: Option<String>,
}

/// Import `inputs`: the draft description and the report.
pub fn import(inputs: &[Input], opts: &Options) -> Result<(Draft, Report), String> {
    let mut kinds = Vec::new();
    for i in inputs {
        let kind = detect(&i.name, &i.text).ok_or_else(|| {
            format!(
                "error: cannot tell what {} is\nhelp: import reads systemd units (*.service), nginx configuration (*.conf), .env files, Compose files (*compose*.yml), Dockerfiles, gunicorn configuration (gunicorn.conf.py, *.conf.py), requirements.txt, pyproject.toml, uv.lock and .python-version",
                i.name
            )
        })?;
        kinds.push(kind);
    }
    let mut im = Importer::new(opts);
    im.draft.python_src = Some(opts.src.clone().unwrap_or_else(|| ".".into()));
    // A uv lock decides how every dependency is built, so it is known before any is read.
    im.uv_lock = inputs
        .iter()
        .zip(&kinds)
        .find(|(_, k)| **k == Kind::UvLock)
        .map(|(i, _)| i.name.clone());
    // gunicorn configuration files are read before the commands that name them (`-c FILE`).
    let confs: Vec<&Input> = inputs
        .iter()
        .zip(&kinds)
        .filter(|(_, k)| **k == Kind::GunicornConf)
        .map(|(i, _)| i)
        .collect();
    im.gunicorn_configs(&confs);
    // Python packaging first (its database drivers decide DATABASE_URLs), then environment files,
    // then processes, then the sites that route to them.
    let order = [
        Kind::UvLock,
        Kind::PythonVersion,
        Kind::Requirements,
        Kind::Pyproject,
        Kind::Env,
        Kind::Dockerfile,
        Kind::Systemd,
        Kind::Compose,
        Kind::GunicornConf,
        Kind::Nginx,
    ];
    for k in order {
        for (i, kind) in inputs.iter().zip(&kinds) {
            if *kind == k {
                im.file(i, k)?;
            }
        }
    }
    im.finish();
    // The report follows the inputs' order, and each file's lines in order.
    let rank = |f: &str| {
        inputs
            .iter()
            .position(|i| i.name == f)
            .unwrap_or(usize::MAX)
    };
    im.report
        .findings
        .sort_by_key(|f| (rank(&f.source.file), f.source.line));
    Ok((im.draft, im.report))
}

/// The last component of a path (empty when there is none).
fn file_name(path: &str) -> String {
    Path::new(path)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// A name as the description spells names (see [`crate::model::suggest_name`]).
fn slug(s: &str) -> String {
    crate::model::suggest_name(s)
}

impl Importer {
    /// Continue `draft` and `report` (used by `init`).
    pub(crate) fn resume(draft: Draft, report: Report) -> Self {
        Importer {
            draft,
            report,
            ..Importer::new(&Options::default())
        }
    }

    /// Database drivers found in the dependencies beforehand (they decide DATABASE_URLs).
    pub(crate) fn use_drivers(&mut self, drivers: &[String]) {
        self.drivers = drivers.to_vec();
    }

    /// The draft, the report and the database drivers among the dependencies.
    pub(crate) fn into_parts(self) -> (Draft, Report, Vec<String>) {
        (self.draft, self.report, self.drivers)
    }

    fn new(opts: &Options) -> Self {
        Importer {
            draft: Draft::default(),
            report: Report::default(),
            opts: opts.clone(),
            env_files: Vec::new(),
            by_port: BTreeMap::new(),
            by_service: BTreeMap::new(),
            units: Vec::new(),
            gunicorn_confs: Vec::new(),
            compose_name: None,
            compose_dir_name: None,
            cert_dirs: Vec::new(),
            redirect_only: Vec::new(),
            drivers: Vec::new(),
            project_name: None,
            python_decided: false,
            uv_lock: None,
        }
    }

    fn add(&mut self, file: &str, line: usize, what: impl Into<String>, outcome: Outcome) {
        self.report.add(Source::new(file, line), what, outcome);
    }

    fn file(&mut self, input: &Input, kind: Kind) -> Result<(), String> {
        match kind {
            Kind::Env => self.env_file(input),
            Kind::PythonVersion => self.python_version(input),
            Kind::Requirements => self.requirements(input),
            Kind::Pyproject => self.pyproject(input),
            Kind::UvLock => self.uv_lock_file(input),
            Kind::Dockerfile => self.dockerfile(input),
            Kind::Systemd => self.unit(input),
            Kind::Compose => self.compose(input)?,
            Kind::Nginx => self.nginx(input)?,
            Kind::GunicornConf => self.unused_gunicorn_config(input),
        }
        Ok(())
    }

    /// Remember the port `p` listens on, so that nginx's `proxy_pass` finds process `name`.
    fn register_port(&mut self, name: &str, p: &Process) {
        if let Some(port) = p
            .listen
            .as_deref()
            .and_then(|l| l.rsplit_once(':'))
            .and_then(|(_, port)| port.parse().ok())
        {
            self.by_port.insert(port, name.to_string());
        }
    }

    /// The app's name, from the most deliberate name to the least: `--name`; the Compose
    /// file's `name:`; the pyproject's `[project] name`; the units' names (someone chose them
    /// for this app); Compose's default project name, the directory holding the Compose file
    /// (a guess Compose itself makes, see [`compose::default_project_name`]); the `--src`
    /// directory's name (often `backend`, `server`: the part, not the app); else `app`.
    fn app_name_guess(&self) -> String {
        self.app_name_source().0
    }

    /// [`Self::app_name_guess`] and whether it is Compose's default project name.
    fn app_name_source(&self) -> (String, bool) {
        if let Some(n) = &self.opts.name {
            return (n.clone(), false);
        }
        if let Some(n) = &self.compose_name {
            return (n.clone(), false);
        }
        if let Some(n) = &self.project_name {
            return (n.clone(), false);
        }
        // The shortest unit name is the app (`nanotrace` beside `nanotrace-auth`).
        if let Some(u) = self.units.iter().min_by_key(|u| u.len()) {
            return (slug(u), false);
        }
        if let Some((n, _)) = &self.compose_dir_name {
            return (n.clone(), true);
        }
        let from_src = self.opts.src.as_deref().and_then(|src| {
            let base = Path::new(src).file_name()?.to_string_lossy().into_owned();
            Some(slug(&base))
        });
        (from_src.unwrap_or_else(|| "app".into()), false)
    }

    /// What every input has been read for: the app name, the sites' closing decisions, and what
    /// none of the inputs said.
    fn finish(&mut self) {
        let (name, from_compose_dir) = self.app_name_source();
        if from_compose_dir && let Some((_, file)) = &self.compose_dir_name {
            self.report.add(Source::new(file, 0), "app name", Outcome::Decided(format!(
                "`{name}`, Compose's default project name (the directory holding the file, which has no `name:`); pass --name to choose another"
            )));
        }
        self.draft.name = Some(name.clone());
        self.finish_sites();
        if self.draft.processes.is_empty() {
            self.report.add(
                Source::new("(import)", 0),
                "processes",
                Outcome::Unmapped("no process found: add one under [processes]".into()),
            );
        }
        if !self.python_decided {
            self.report.add(Source::new("(import)", 0), "Python version", Outcome::Decided(format!("nixos-26.05's python3 ({}): no .python-version, Dockerfile or requires-python among the inputs", crate::model::DEFAULT_PYTHON)));
        }
        self.draft.intro = vec![
            format!(
                "{name}: imported by `app2nix import`. Review the `decided` and `not mapped` lines of"
            ),
            "its report, then run `app2nix generate`.".into(),
        ];
    }
}

/// The 1-based line of the first occurrence of `needle` (0 when absent).
pub(crate) fn line_of(text: &str, needle: &str) -> usize {
    text.lines()
        .position(|l| l.contains(needle))
        .map_or(0, |i| i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_from_names_and_content() {
        assert_eq!(detect("nanotrace.service", ""), Some(Kind::Systemd));
        assert_eq!(detect("prod-docker-compose.yml", ""), Some(Kind::Compose));
        assert_eq!(
            detect("sites/nanotrace", "server {\n server_name a;\n}"),
            Some(Kind::Nginx)
        );
        assert_eq!(detect(".env.prod", ""), Some(Kind::Env));
        assert_eq!(detect("notes.txt", "hello"), None);
    }
}

#[cfg(test)]
pub(crate) mod testing {
    //! What the mappers' tests share: an import of named texts, as TOML and a rendered report.

    use super::{Input, Options, import};

    /// A unit serving a WSGI app with gunicorn.
    pub(crate) const UNIT: &str = "[Service]\nExecStart=/srv/venv/bin/gunicorn --bind 127.0.0.1:8000 --keep-alive 5 --max-requests 1000 app.wsgi:app\n";

    /// Import `inputs` (name, text): the description as TOML, and the report.
    pub(crate) fn imported(inputs: &[(&str, &str)]) -> (toml::Table, String) {
        let inputs: Vec<Input> = inputs
            .iter()
            .map(|(n, t)| Input {
                name: n.to_string(),
                text: t.to_string(),
                path: None,
            })
            .collect();
        let (draft, report) = import(&inputs, &Options::default()).expect("imports");
        let text = draft.to_toml();
        (
            text.parse().unwrap_or_else(|e| panic!("{text}\n{e}")),
            report.render(),
        )
    }
}
