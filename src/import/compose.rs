//! Compose files: the reader ([`yaml`], a YAML document as [`Yaml`] nodes with their line
//! numbers, anchors resolved) and the mapper (services with a `command:` become processes,
//! database and Redis images become `[postgresql]` / `[redis]`, a built web frontend becomes an
//! asset; each service's environment, env files, volumes, ports and health check are mapped or
//! reported).
//!
//! It may call the shared mappers ([`super::command`] for `command:`, [`super::variables`] for
//! `environment:`) and [`crate::shell::words`]; it records processes by service name and port
//! for the nginx mapper, which runs after it.

use std::path::Path;

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::Marker;

use super::{Importer, Input, file_name, slug};
use crate::draft::{Outcome, ProcessKind, Task};
use crate::shell::words;

/// A YAML node with the line it starts on.
#[derive(Debug, Clone, PartialEq)]
pub enum Yaml {
    /// A scalar, as written.
    Scalar(String, usize),
    /// A sequence.
    Seq(Vec<Yaml>, usize),
    /// A mapping with keys in order.
    Map(Vec<(String, Yaml)>, usize),
    /// `~` / empty.
    Null(usize),
}

impl Yaml {
    /// 1-based line.
    pub fn line(&self) -> usize {
        match self {
            Yaml::Scalar(_, l) | Yaml::Seq(_, l) | Yaml::Map(_, l) | Yaml::Null(l) => *l,
        }
    }

    /// `self[key]` for mappings.
    pub fn get(&self, key: &str) -> Option<&Yaml> {
        match self {
            Yaml::Map(items, _) => items.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The scalar's text.
    pub fn str(&self) -> Option<&str> {
        match self {
            Yaml::Scalar(s, _) => Some(s),
            _ => None,
        }
    }
}

#[derive(Default)]
struct Builder {
    /// Open collections: the node, the key awaiting its value (mappings), its anchor.
    stack: Vec<(Yaml, Option<String>, usize)>,
    done: Option<Yaml>,
    anchors: std::collections::BTreeMap<usize, Yaml>,
}

impl Builder {
    fn push_value(&mut self, v: Yaml, anchor: usize) {
        if anchor > 0 {
            self.anchors.insert(anchor, v.clone());
        }
        match self.stack.last_mut() {
            None => self.done = Some(v),
            Some((Yaml::Seq(items, _), _, _)) => items.push(v),
            Some((Yaml::Map(items, _), key, _)) => match key.take() {
                None => {
                    *key = Some(match &v {
                        Yaml::Scalar(s, _) => s.clone(),
                        _ => String::new(),
                    })
                }
                Some(k) => items.push((k, v)),
            },
            Some(_) => {}
        }
    }
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        let line = mark.line();
        match ev {
            Event::Scalar(s, style, anchor, _) => {
                let v = if s == "~"
                    || (s.is_empty() && style == yaml_rust2::scanner::TScalarStyle::Plain)
                    || s == "null"
                {
                    Yaml::Null(line)
                } else {
                    Yaml::Scalar(s, line)
                };
                self.push_value(v, anchor);
            }
            // An anchor on a collection (`base: &defaults { … }`) names the whole of it, so
            // `<<: *defaults` and `*defaults` find it once it is complete.
            Event::SequenceStart(anchor, _) => {
                self.stack.push((Yaml::Seq(Vec::new(), line), None, anchor))
            }
            Event::MappingStart(anchor, _) => {
                self.stack.push((Yaml::Map(Vec::new(), line), None, anchor))
            }
            Event::SequenceEnd | Event::MappingEnd => {
                if let Some((v, _, anchor)) = self.stack.pop() {
                    self.push_value(v, anchor);
                }
            }
            Event::Alias(id) => {
                let v = self.anchors.get(&id).cloned().unwrap_or(Yaml::Null(line));
                self.push_value(v, 0);
            }
            _ => {}
        }
    }
}

/// Read a YAML document (the first one).
pub fn yaml(text: &str) -> Result<Yaml, String> {
    let mut b = Builder::default();
    let mut parser = Parser::new_from_str(text);
    parser.load(&mut b, false).map_err(|e| e.to_string())?;
    Ok(b.done.unwrap_or(Yaml::Null(1)))
}

/// Directory names that say where deployment files are kept, not which app they deploy.
const PLUMBING_DIRS: &[&str] = &[
    "deploy",
    "deploys",
    "deployment",
    "deployments",
    "docker",
    "compose",
    "ops",
    "devops",
    "infra",
    "infrastructure",
    "config",
    "conf",
    "ci",
    "prod",
    "production",
    "staging",
];

/// Directories of the file system itself: never an app's name.
const SYSTEM_DIRS: &[&str] = &[
    "srv", "opt", "home", "tmp", "var", "etc", "usr", "root", "mnt",
];

/// Compose's default project name for the Compose file at `path` (absolute): the name of the
/// directory holding it, lower-cased, without characters outside `[a-z0-9_-]` (as
/// `docker compose` normalizes it). A directory named for deployment plumbing (`deploy`,
/// `docker`, `ops`, `infra`, …) does not name the app: its parent does, if that is not
/// plumbing or a system directory (`/srv`, `/home`, …) too; else `None`.
pub(super) fn default_project_name(path: &Path) -> Option<String> {
    let normalized = |d: &Path| -> Option<String> {
        let n: String = d
            .file_name()?
            .to_string_lossy()
            .to_lowercase()
            .chars()
            .filter(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_' || *c == '-')
            .collect();
        let n = n.trim_start_matches(['_', '-']).to_string();
        (!n.is_empty()).then_some(n)
    };
    let dir = path.parent()?;
    let name = normalized(dir)?;
    let name = if PLUMBING_DIRS.contains(&name.as_str()) {
        normalized(dir.parent()?)?
    } else {
        name
    };
    (!PLUMBING_DIRS.contains(&name.as_str()) && !SYSTEM_DIRS.contains(&name.as_str()))
        .then_some(name)
}

impl Importer {
    /// A Compose file: the project's name, then each service.
    pub(super) fn compose(&mut self, input: &Input) -> Result<(), String> {
        let doc = yaml(&input.text).map_err(|e| {
            format!(
                "error: {}: not valid YAML: {e}\nhelp: check the file with `docker compose config`",
                input.name
            )
        })?;
        self.compose_top(input, &doc);
        let Some(Yaml::Map(services, _)) = doc.get("services") else {
            return Err(format!(
                "error: {}: no `services:`\nhelp: pass a Compose file",
                input.name
            ));
        };
        for (service, def) in services {
            self.compose_service(input, service, def);
        }
        Ok(())
    }

    /// The project's `name:` (else Compose's default, the directory's name) and the top-level
    /// keys besides `services:`.
    fn compose_top(&mut self, input: &Input, doc: &Yaml) {
        if doc.get("name").and_then(Yaml::str).is_none()
            && self.compose_dir_name.is_none()
            && let Some(n) = input.path.as_deref().and_then(default_project_name)
        {
            self.compose_dir_name = Some((slug(&n), input.name.clone()));
        }
        if let Some(n) = doc.get("name").and_then(Yaml::str) {
            self.compose_name = Some(slug(n));
            self.add(
                &input.name,
                doc.get("name").map_or(0, Yaml::line),
                format!("name: {n}"),
                Outcome::Mapped(format!("[app] name = {:?}", slug(n))),
            );
        }
        if let Yaml::Map(top, _) = doc {
            for (k, v) in top {
                match k.as_str() {
                    "name" | "services" => {}
                    "volumes" | "networks" | "version" => self.add(
                        &input.name,
                        v.line(),
                        k.clone(),
                        Outcome::Covered(
                            "container plumbing: state lives in /var/lib on NixOS".into(),
                        ),
                    ),
                    _ => self.add(
                        &input.name,
                        v.line(),
                        k.clone(),
                        Outcome::Unmapped("no equivalent in app2nix.toml".into()),
                    ),
                }
            }
        }
    }

    /// One service: a backing service (PostgreSQL, Redis), a process, a built web frontend or
    /// something app2nix cannot run; then its other settings.
    fn compose_service(&mut self, input: &Input, service: &str, def: &Yaml) {
        let image = def
            .get("image")
            .and_then(Yaml::str)
            .unwrap_or("")
            .to_string();
        let line = def.line();
        if image.starts_with("postgres") {
            self.draft.postgresql.get_or_insert(None);
            self.add(
                &input.name,
                line,
                format!("services.{service} (image {image})"),
                Outcome::Mapped(
                    "[postgresql]: NixOS's PostgreSQL with a database and role named after the app"
                        .into(),
                ),
            );
            self.compose_rest(input, service, def, true);
            return;
        }
        if image.starts_with("redis") || image.starts_with("valkey") {
            self.draft.redis = true;
            self.add(
                &input.name,
                line,
                format!("services.{service} (image {image})"),
                Outcome::Mapped("[redis]".into()),
            );
            self.compose_rest(input, service, def, true);
            return;
        }
        let command = def.get("command").map(|c| match c {
            Yaml::Seq(items, _) => items
                .iter()
                .filter_map(|i| i.str().map(String::from))
                .collect(),
            Yaml::Scalar(s, _) => words(s),
            _ => Vec::new(),
        });
        let name = slug(service);
        match command.filter(|c| !c.is_empty()) {
            Some(cmd) => self.compose_process(input, service, def, &name, &cmd),
            None if def.get("build").is_some() && looks_like_frontend(service, def) => {
                // Its build context is the npm project app2nix builds (its Dockerfile ran
                // `npm run build`); `check` says if it is not one.
                let src = frontend_project(def);
                let asset = crate::draft::AssetDraft {
                    src: src.clone(),
                    spa: true,
                    build_env: Default::default(),
                    ..Default::default()
                };
                self.draft.assets.insert(name.clone(), asset);
                self.by_service
                    .insert(service.to_string(), format!("asset:{name}"));
                if let Some(port) = published_port(def) {
                    self.by_port.insert(port, format!("asset:{name}"));
                }
                self.add(&input.name, line, format!("services.{service} (built web frontend)"), Outcome::Decided(format!(
                    "[assets.{name}] src = {src:?}: a single-page app built from source with npm (`npm run build`) and served by nginx"
                )));
            }
            None => {
                self.add(&input.name, line, format!("services.{service}"), Outcome::Unmapped("no `command:` (the image's CMD is not visible here): add the process by hand, or pass its Dockerfile".into()));
            }
        }
        self.compose_rest(input, service, def, false);
    }

    /// A service's `command:`: process `name`, listening where the service publishes its port
    /// unless the command says; a Python server's build context becomes the package's source.
    fn compose_process(
        &mut self,
        input: &Input,
        service: &str,
        def: &Yaml,
        name: &str,
        cmd: &[String],
    ) {
        let line = def.line();
        let cline = def.get("command").map_or(line, Yaml::line);
        let Some(mut p) = self.server(&input.name, cline, cmd) else {
            return;
        };
        if p.listen.is_none()
            && let Some(port) = published_port(def)
        {
            p.listen = Some(format!("127.0.0.1:{port}"));
        }
        self.add(
            &input.name,
            cline,
            format!("services.{service}.command"),
            Outcome::Mapped(format!("[processes.{name}]")),
        );
        if let Some(context) = build_context(def)
            && self.opts.src.is_none()
            && self.draft.python_src.as_deref() == Some(".")
            && !matches!(p.kind, ProcessKind::Command(_))
        {
            self.add(&input.name, def.get("build").map_or(line, Yaml::line), format!("services.{service}.build"), Outcome::Mapped(format!("[package.python] src = {context:?}: the service's build context (relative to the project root above the Compose file)")));
            self.draft.python_src = Some(context);
        }
        self.register_port(name, &p);
        self.by_service
            .insert(service.to_string(), name.to_string());
        self.draft.processes.insert(name.to_string(), p);
    }

    /// The settings of a Compose service other than image / command. `backing`: the service
    /// is PostgreSQL or Redis, which NixOS runs itself (its settings are the container's).
    fn compose_rest(&mut self, input: &Input, service: &str, def: &Yaml, backing: bool) {
        let Yaml::Map(items, _) = def else {
            return;
        };
        let process = self
            .by_service
            .get(service)
            .cloned()
            .filter(|p| !p.starts_with("asset:"));
        for (key, value) in items {
            let line = value.line();
            let what = format!("services.{service}.{key}");
            match key.as_str() {
                "command" if !backing => {}
                "build" if !backing => self.compose_build(input, service, value),
                "image" | "command" | "build" | "depends_on" | "restart" | "container_name"
                | "networks" => {
                    if !backing || key != "image" {
                        self.add(
                            &input.name,
                            line,
                            what,
                            Outcome::Covered(
                                match key.as_str() {
                                    "depends_on" => {
                                        "app2nix orders the units (database and tasks first)"
                                    }
                                    "restart" => "systemd restarts the units",
                                    "build" => "Nix builds the package",
                                    _ => "container plumbing, not needed on NixOS",
                                }
                                .into(),
                            ),
                        );
                    }
                }
                "environment" => {
                    self.compose_environment(input, value, backing, process.as_deref())
                }
                "env_file" => self.compose_env_files(input, &what, value, backing),
                "ports" => {
                    let outcome = if backing {
                        Outcome::Unmapped("a published database port: the local service listens on its unix socket only".into())
                    } else {
                        Outcome::Covered(
                            "nginx is the public entry point; the process listens on loopback"
                                .into(),
                        )
                    };
                    self.add(&input.name, line, what, outcome);
                }
                "volumes" => self.compose_volumes(input, value, backing),
                "healthcheck" => {
                    self.compose_healthcheck(input, what, value, backing, process.as_deref())
                }
                _ => self.add(
                    &input.name,
                    line,
                    what,
                    Outcome::Unmapped("no equivalent in app2nix.toml".into()),
                ),
            }
        }
    }

    /// A service's `environment:` (a mapping or a list of `KEY=value`): the variables of
    /// `process`, or the container's settings of a backing service.
    fn compose_environment(
        &mut self,
        input: &Input,
        value: &Yaml,
        backing: bool,
        process: Option<&str>,
    ) {
        let line = value.line();
        match value {
            Yaml::Map(vars, _) => {
                for (k, v) in vars {
                    let v = v.str().unwrap_or("").to_string();
                    if backing {
                        self.add(
                            &input.name,
                            line_of_from(&input.text, k, line),
                            format!("{k}=…"),
                            Outcome::Covered(
                                "settings of the database container: the local service needs none"
                                    .into(),
                            ),
                        );
                    } else {
                        self.variable(
                            &input.name,
                            line_of_from(&input.text, k, line),
                            k,
                            &v,
                            process,
                        );
                    }
                }
            }
            Yaml::Seq(vars, _) => {
                for v in vars {
                    if let Some((k, val)) = v.str().and_then(|s| s.split_once('=')) {
                        if backing {
                            self.add(&input.name, v.line(), format!("{k}=…"), Outcome::Covered("settings of the database container: the local service needs none".into()));
                        } else {
                            self.variable(&input.name, v.line(), k, val, process);
                        }
                    }
                }
            }
            _ => {}
        }
    }

    /// A service's `env_file:`: imported when the file is among the inputs (or is the only
    /// environment file given), else reported.
    fn compose_env_files(&mut self, input: &Input, what: &str, value: &Yaml, backing: bool) {
        let line = value.line();
        let files: Vec<String> = match value {
            Yaml::Seq(v, _) => v.iter().filter_map(|x| x.str().map(String::from)).collect(),
            Yaml::Scalar(s, _) => vec![s.clone()],
            _ => Vec::new(),
        };
        for f in files {
            let base = file_name(&f);
            if backing || self.env_files.contains(&base) {
                self.add(
                    &input.name,
                    line,
                    format!("{what}: {f}"),
                    Outcome::Covered(if backing {
                        "settings of the database container".into()
                    } else {
                        format!("imported from {base}")
                    }),
                );
            } else if let [only] = self.env_files.as_slice() {
                self.add(
                    &input.name,
                    line,
                    format!("{what}: {f}"),
                    Outcome::Decided(format!(
                        "taken to be {only}, the environment file given to import"
                    )),
                );
            } else {
                self.add(
                    &input.name,
                    line,
                    format!("{what}: {f}"),
                    Outcome::Unmapped(format!(
                        "pass {base} to `app2nix import` to turn it into [env] and [secrets]"
                    )),
                );
            }
        }
    }

    /// A service's `volumes:`: a database's SQL schema becomes a task, a log directory
    /// `[state] logs`; other directories are reported.
    fn compose_volumes(&mut self, input: &Input, value: &Yaml, backing: bool) {
        let Yaml::Seq(vols, _) = value else {
            return;
        };
        for v in vols {
            let spec = v.str().unwrap_or("").to_string();
            let (src, target) = spec.split_once(':').unwrap_or((spec.as_str(), ""));
            if backing && src.ends_with(".sql") {
                let file = file_name(src);
                self.draft.tasks.insert(
                    "schema".into(),
                    Task {
                        sql: Some(file.clone()),
                        once: true,
                        ..Task::default()
                    },
                );
                self.add(&input.name, v.line(), format!("volume {spec}"), Outcome::Mapped(format!("[tasks.schema] sql = {file:?}, once: loaded into the database on first start (the file is looked up in the package source)")));
            } else if backing {
                self.add(
                    &input.name,
                    v.line(),
                    format!("volume {spec}"),
                    Outcome::Covered("database storage: /var/lib/postgresql".into()),
                );
            } else if target.contains("log") {
                self.draft.logs = true;
                self.add(
                    &input.name,
                    v.line(),
                    format!("volume {spec}"),
                    Outcome::Mapped("[state] logs = true: /var/log/<app> (LOGS_DIRECTORY)".into()),
                );
            } else {
                self.add(
                    &input.name,
                    v.line(),
                    format!("volume {spec}"),
                    Outcome::Unmapped(
                        "add the directory to [state] dirs if the app keeps state there".into(),
                    ),
                );
            }
        }
    }

    /// A service's `healthcheck:`: `[health]` when its test fetches an HTTP path of `process`.
    fn compose_healthcheck(
        &mut self,
        input: &Input,
        what: String,
        value: &Yaml,
        backing: bool,
        process: Option<&str>,
    ) {
        let line = value.line();
        let test = value
            .get("test")
            .map(|t| match t {
                Yaml::Seq(items, _) => items
                    .iter()
                    .filter_map(|i| i.str())
                    .collect::<Vec<_>>()
                    .join(" "),
                Yaml::Scalar(s, _) => s.clone(),
                _ => String::new(),
            })
            .unwrap_or_default();
        let path = test.split_whitespace().find_map(|w| {
            w.split_once("://")
                .and_then(|(_, rest)| rest.find('/').map(|i| rest[i..].to_string()))
        });
        match (backing, path, process) {
            (true, _, _) => self.add(
                &input.name,
                line,
                what,
                Outcome::Covered("NixOS orders the app after the database".into()),
            ),
            (false, Some(p), Some(proc_)) => {
                self.draft.health = Some((p.clone(), Some(proc_.to_string())));
                self.add(
                    &input.name,
                    line,
                    what,
                    Outcome::Mapped(format!("[health] path = {p:?}")),
                );
            }
            _ => self.add(
                &input.name,
                line,
                what,
                Outcome::Unmapped("no HTTP health check found in `test`".into()),
            ),
        }
    }

    /// A frontend's build argument: a plain value becomes `build_env` (it is baked into the
    /// public bundle); a secret never does.
    fn build_arg(
        &mut self,
        input: &Input,
        service: &str,
        asset: &str,
        k: &str,
        v: Option<String>,
        line: usize,
    ) {
        let what = format!("services.{service}.build.args.{k}");
        let outcome = match v {
            _ if !crate::model::is_env_name(k) => {
                Outcome::Unmapped("not a variable name a build can read".into())
            }
            Some(v) if crate::secrets::is_secret(k, &v) => Outcome::Unmapped(
                "looks like a secret, and build-time values end up in the public bundle: keep it on the server".into(),
            ),
            Some(v) => {
                if let Some(a) = self.draft.assets.get_mut(asset) {
                    a.build_env.insert(k.to_string(), v);
                }
                Outcome::Mapped(format!("[assets.{asset}] build_env"))
            }
            None => Outcome::Unmapped(
                "its value comes from the build's environment: add it under build_env".into(),
            ),
        };
        self.add(&input.name, line, what, outcome);
    }

    /// A service's `build:`: the Python package is built by Nix; a frontend is built from
    /// source with npm, its build arguments becoming its build-time environment.
    fn compose_build(&mut self, input: &Input, service: &str, build: &Yaml) {
        let what = format!("services.{service}.build");
        let asset = self
            .by_service
            .get(service)
            .and_then(|p| p.strip_prefix("asset:").map(String::from));
        let Some(asset) = asset else {
            self.add(
                &input.name,
                build.line(),
                what,
                Outcome::Covered("Nix builds the Python package from [package.python] src".into()),
            );
            return;
        };
        self.add(
            &input.name,
            build.line(),
            what,
            Outcome::Mapped(format!("[assets.{asset}]: built from source with npm")),
        );
        let args: Vec<(String, Option<String>, usize)> = match build.get("args") {
            Some(Yaml::Map(args, _)) => args
                .iter()
                .map(|(k, v)| (k.clone(), v.str().map(String::from), v.line()))
                .collect(),
            Some(Yaml::Seq(args, _)) => args
                .iter()
                .map(|a| {
                    let text = a.str().unwrap_or("");
                    let (k, v) = match text.split_once('=') {
                        Some((k, v)) => (k.to_string(), Some(v.to_string())),
                        None => (text.to_string(), None),
                    };
                    (k, v, a.line())
                })
                .collect(),
            _ => Vec::new(),
        };
        for (k, v, line) in args {
            self.build_arg(input, service, &asset, &k, v, line);
        }
    }
}

/// The host port of a service's first published port (`"8080:80"` → 8080).
fn published_port(def: &Yaml) -> Option<u16> {
    let Yaml::Seq(ports, _) = def.get("ports")? else {
        return None;
    };
    let spec = ports.first()?.str()?;
    let parts: Vec<&str> = spec.split(':').collect();
    let host = if parts.len() >= 2 {
        parts[parts.len() - 2]
    } else {
        parts[0]
    };
    host.split('/').next()?.parse().ok()
}

fn looks_like_frontend(service: &str, def: &Yaml) -> bool {
    let dockerfile = def
        .get("build")
        .and_then(|b| b.get("dockerfile"))
        .and_then(Yaml::str)
        .unwrap_or("");
    ["front", "web", "ui", "spa", "client"]
        .iter()
        .any(|k| service.contains(k) || dockerfile.to_lowercase().contains(k))
}

/// A service's build context as a path below the project root the Compose file sits in
/// (`../backend` → `backend`), when it is not the root itself.
fn build_context(def: &Yaml) -> Option<String> {
    let context = match def.get("build")? {
        Yaml::Scalar(s, _) => s.clone(),
        b => b.get("context").and_then(Yaml::str)?.to_string(),
    };
    let context = context
        .trim_start_matches("./")
        .trim_start_matches("../")
        .trim_end_matches('/')
        .to_string();
    (!context.is_empty() && context != "." && !context.contains("..")).then_some(context)
}

/// A frontend's npm project: its build context, relative to the project root the Compose file
/// sits below.
fn frontend_project(def: &Yaml) -> String {
    build_context(def).unwrap_or_else(|| ".".into())
}

fn line_of_from(text: &str, needle: &str, from: usize) -> usize {
    text.lines()
        .enumerate()
        .skip(from.saturating_sub(1))
        .find(|(_, l)| l.contains(needle))
        .map_or(from, |(i, _)| i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Compose's default project name: the directory's, normalized as Compose does; plumbing
    /// directories defer to their parent.
    #[test]
    fn default_project_names_follow_compose() {
        let name = |p: &str| default_project_name(Path::new(p));
        assert_eq!(
            name("/home/me/My Shop.v2/compose.yml").as_deref(),
            Some("myshopv2")
        );
        assert_eq!(
            name("/home/me/shop_app/docker-compose.yml").as_deref(),
            Some("shop_app")
        );
        assert_eq!(
            name("/work/shop/deploy/docker-compose.yml").as_deref(),
            Some("shop")
        );
        assert_eq!(
            name("/work/shop/.docker/compose.yaml").as_deref(),
            Some("shop")
        );
        assert_eq!(name("/srv/deploy/docker-compose.yml"), None);
        assert_eq!(name("/infra/deploy/docker-compose.yml"), None);
        assert_eq!(name("/docker-compose.yml"), None);
    }

    /// A Compose file without `name:` names the app after its directory (as Compose names the
    /// project), below the names people chose (units, `--name`).
    #[test]
    fn compose_without_name_is_named_after_its_directory() {
        use crate::import::{Input, Options, import};
        let compose = |path: &str| Input {
            name: "docker-compose.yml".into(),
            text: "services:\n  web:\n    command: gunicorn --bind 0.0.0.0:8000 shop.wsgi:app\n"
                .into(),
            path: Some(path.into()),
        };
        let name_of = |inputs: &[Input], opts: &Options| {
            let (draft, report) = import(inputs, opts).expect("imports");
            (draft.name.unwrap_or_default(), report.render())
        };
        let (name, report) = name_of(
            &[compose("/work/Shop/deploy/docker-compose.yml")],
            &Options::default(),
        );
        assert_eq!(name, "shop");
        assert!(
            report.contains(
                "docker-compose.yml: app name: decided: `shop`, Compose's default project name"
            ),
            "{report}"
        );
        let src = Options {
            src: Some("server".into()),
            ..Options::default()
        };
        assert_eq!(
            name_of(&[compose("/work/shop/docker-compose.yml")], &src).0,
            "shop"
        );
        assert_eq!(
            name_of(&[compose("/srv/deploy/docker-compose.yml")], &src).0,
            "server"
        );
        let unit = Input {
            name: "tracker.service".into(),
            text: crate::import::testing::UNIT.into(),
            path: None,
        };
        assert_eq!(
            name_of(
                &[compose("/work/shop/docker-compose.yml"), unit],
                &Options::default()
            )
            .0,
            "tracker"
        );
    }

    #[test]
    fn yaml_with_lines() {
        let y =
            yaml("services:\n  web:\n    image: x\n    ports:\n      - \"80:80\"\n").expect("yaml");
        let web = y.get("services").and_then(|s| s.get("web")).expect("web");
        assert_eq!(web.get("image").and_then(Yaml::str), Some("x"));
        assert_eq!(web.get("ports").map(Yaml::line), Some(5));
    }

    /// An anchor on a mapping or a sequence names all of it (it used to name nothing: `*app`
    /// and `<<: *app` read as null).
    #[test]
    fn anchored_collections_are_kept_whole() {
        let y = yaml(
            "x-app: &app
  image: app
  env: &list [a, b]
web: *app
env: *list
",
        )
        .expect("yaml");
        assert_eq!(
            y.get("web")
                .and_then(|w| w.get("image"))
                .and_then(Yaml::str),
            Some("app")
        );
        assert!(matches!(y.get("env"), Some(Yaml::Seq(items, _)) if items.len() == 2));
    }
}
