//! The validated model: what a description means, with every rule checked. Building it is the
//! only place descriptions are judged; everything downstream may assume a valid model.
//!
//! This file owns [`Model`], [`Context`] and [`build`], which calls one validation per concern
//! in a fixed order. Each concern has its file, which owns its part of the model and the rules
//! about it:
//!
//! - `app`: the app's name, description and user; the flake's host.
//! - `data`: database, Redis, state directories, backups.
//! - `package`: the package, its assets and interpreter, and the environment of every unit.
//! - `processes`: processes, their commands and listening addresses, the health endpoint;
//!   `servers`: the servers of `wsgi` / `asgi` processes and what each can do; `tools`: the
//!   nixpkgs packages on a unit's `PATH`.
//! - `tasks`: one-shot and scheduled tasks.
//! - `secrets`: secrets, where their encrypted files live, agenix recipients.
//! - `build`: the steps run when the source tree is built, the configuration files linked
//!   into it.
//! - `sites`: nginx sites, domains, certificates, ACME and routes; `timeouts`: nginx's wait for a
//!   process and the process's request timeout, made to agree.
//! - `cluster`: several hosts (`[hosts.*]`): roles, private addresses, what cannot be shared.
//! - `monitoring`: failure alerts (`[alerts]`) and Prometheus metrics (`[metrics]`).
//! - `check`: the `Checker` collecting errors and notes, and the validators and predicates the
//!   concerns share. It calls no concern.
//!
//! A concern may read the model parts built before it (a route reads the processes); the order
//! in [`build`] is the order they are built in.

use std::collections::BTreeMap;
use std::path::Path;

use crate::description as d;
use crate::diagnostic::Diagnostics;
use crate::placeholders::Text;

mod app;
mod build;
mod check;
mod cluster;
mod data;
mod monitoring;
mod npm;
mod package;
mod processes;
mod secrets;
mod servers;
mod sites;
mod tasks;
mod timeouts;
mod tools;
mod uv;

pub use app::{Host, SYSTEMS};
pub use build::{BUILD_SECRET, Build, ConfigFile, FileFormat, Template};
pub use check::{WARNING, is_env_name, is_name, is_plain_path, suggest_name};
pub use cluster::{
    Cluster, ClusterHost, DATABASE_PASSWORD, REDIS_PASSWORD, Role, SCRIPT_NAMES, decrypted_by,
    python_name_taken,
};
pub use data::{
    Database, Parts, PostgresqlBackup, Redis, RedisLibrary, RedisUrl, Restic, ServerDatabase,
    UrlReader,
};
pub use monitoring::{Alerts, Metrics, MetricsEndpoint, Smtp};
pub use npm::{Manager, NpmBuild, NpmScript};
pub use package::{Asset, DEFAULT_PYTHON, Package, PythonPackage};
pub use processes::{Command, Health, Listen, Process, Server, default_unit_description};
pub use secrets::{Agenix, Delivery, Secret};
pub use servers::WorkerClass;
pub use sites::{Acme, Route, RouteTarget, Site, Tls, is_domain};
pub use tasks::{Before, OnceRecord, Task, TaskRun};
pub use uv::UvEnv;

/// A validated application.
#[derive(Debug, Clone)]
pub struct Model {
    /// `services.<name>`, unit prefix, default user.
    pub name: String,
    /// One-line description.
    pub description: String,
    /// System user (and group) the app runs as.
    pub user: String,
    /// The application package.
    pub package: Package,
    /// Static / SPA build outputs.
    pub assets: Vec<Asset>,
    /// Long-running processes, by name.
    pub processes: Vec<Process>,
    /// One-shot and scheduled tasks, by name.
    pub tasks: Vec<Task>,
    /// Plain environment for every unit (values may name the deployment's, see
    /// [`crate::placeholders`]).
    pub env: BTreeMap<String, Text>,
    /// `[build]` steps run in the source tree when the package builds.
    pub build: Option<Build>,
    /// Configuration files rendered at start.
    pub files: Vec<ConfigFile>,
    /// Environment files read at start.
    pub environment_files: Vec<String>,
    /// Named secrets.
    pub secrets: Vec<Secret>,
    /// Directory of the encrypted `<app>-<NAME>.age` files, relative to the description.
    pub secrets_dir: String,
    /// Subdirectories of the state directory.
    pub state_dirs: Vec<String>,
    /// Whether the app gets `/var/log/<app>`.
    pub logs: bool,
    /// The database, if any.
    pub database: Option<Database>,
    /// The app's own Redis server.
    pub redis: Option<Redis>,
    /// restic backup.
    pub restic: Option<Restic>,
    /// PostgreSQL dumps.
    pub postgresql_backup: Option<PostgresqlBackup>,
    /// MySQL dumps (`services.mysqlBackup`).
    pub mysql_backup: bool,
    /// Health endpoint.
    pub health: Option<Health>,
    /// nginx sites.
    pub sites: Vec<Site>,
    /// ACME settings (present when some site uses ACME).
    pub acme: Option<Acme>,
    /// agenix recipients (`secrets.nix` is generated when present and secrets exist).
    pub agenix: Option<Agenix>,
    /// The machine the flake deploys to.
    pub host: Option<Host>,
    /// The machines of a deployment on several hosts (instead of `host`).
    pub cluster: Option<Cluster>,
    /// Where failures of the app's units are reported.
    pub alerts: Option<Alerts>,
    /// What Prometheus scrapes.
    pub metrics: Option<Metrics>,
    /// What `check` and `generate` tell the user besides errors: choices with a cost, files left
    /// out of the package.
    pub notes: Vec<String>,
}

impl Model {
    /// `<app>-<part>`: the name of one of the app's units, timers, upstreams or agenix secrets.
    pub fn prefixed(&self, part: &str) -> String {
        format!("{}-{part}", self.name)
    }

    /// The user that owns secret `s` once agenix decrypts it: the ACME client for DNS
    /// credentials, root for the failure notifier's (systemd reads them as credentials), the
    /// app's user for the rest.
    pub fn secret_owner(&self, s: &Secret) -> &str {
        match s.delivery {
            Delivery::Acme => "acme",
            Delivery::Alerts => "root",
            Delivery::Env | Delivery::File => &self.user,
        }
    }

    /// The state directory the module defaults to (a systemd `StateDirectory=`).
    pub fn state_dir(&self) -> String {
        format!("/var/lib/{}", self.name)
    }

    /// The logs directory (`[state] logs`, a systemd `LogsDirectory=`).
    pub fn logs_dir(&self) -> String {
        format!("/var/log/{}", self.name)
    }

    /// The socket of a process that listens on a unix socket (in its `RuntimeDirectory=`).
    pub fn socket_path(&self, process: &str) -> String {
        format!("/run/{}/{process}.sock", self.prefixed(process))
    }

    /// The processes some site's route proxies to.
    pub fn routed_processes(&self) -> impl Iterator<Item = &Process> {
        sites::routed_processes(&self.sites, &self.processes)
    }

    /// Whether the units run in a source tree built here (`pkgs.runCommand`) rather than the
    /// package's own: `[build]` steps run in it, or configuration files are linked into it.
    /// Assets placed into the source tree (`into`) build it too.
    pub fn built_source(&self) -> bool {
        matches!(self.package, Package::Python(_))
            && (self.build.is_some()
                || self.files.iter().any(|f| f.path.is_some())
                || self.assets.iter().any(|a| a.into.is_some()))
    }

    /// The directory configuration files are rendered into (a `RuntimeDirectory=`).
    pub fn files_dir(&self) -> String {
        format!("/run/{}-files", self.name)
    }

    /// The site whose requests reach the health check's process: the first site (in the
    /// description's order) with a route to it, else the first site. Health probes send its
    /// first domain as `Host`, as nginx does, so an app that checks the host (Django's
    /// `ALLOWED_HOSTS`) answers them as it answers the site.
    pub fn health_site(&self) -> Option<&Site> {
        let h = self.health.as_ref()?;
        self.sites
            .iter()
            .find(|s| {
                s.routes
                    .iter()
                    .any(|r| matches!(&r.target, RouteTarget::Process(p) if *p == h.process))
            })
            .or(self.sites.first())
    }

    /// The access log of a process with `access_log_file`.
    pub fn access_log_path(&self, process: &str) -> String {
        format!("{}/{process}-access.log", self.logs_dir())
    }
}

/// Names and paths validation needs from outside the description.
pub struct Context<'a> {
    /// Directory holding the description; relative paths start here and may not leave it.
    pub project_dir: &'a Path,
}

/// Validate a parsed description. All problems are reported together, in source order.
///
/// Each step reads only what the steps before it built. Errors are sorted by position at the
/// end, but errors at the same position and the notes keep the order of the steps: do not
/// reorder them without looking at `tests/bad-inputs`.
pub fn build(desc: &d::Description, ctx: &Context) -> Result<Model, Diagnostics> {
    let mut c = check::Checker::new(ctx);
    let app = app::identity(&mut c, desc);
    let mut database = data::database(&mut c, desc);
    let package = package::package(&mut c, desc, &mut database);
    let mut processes = processes::processes(&mut c, desc, &package, &app.name);
    let tasks = tasks::tasks(&mut c, desc, &processes, &package, &database);
    let env = package::environment(&mut c, desc);
    let mut secrets = secrets::secrets(&mut c, desc);
    let environment_files = package::environment_files(&mut c, desc);
    let state_dirs = data::state_dirs(&mut c, desc);
    let secrets_dir = secrets::secrets_dir(&mut c, desc, &app.name);
    secrets::mark_encrypted(&c, &mut secrets, &secrets_dir, &app.name);
    let assets = package::assets(&mut c, desc);
    let build = build::build(&mut c, desc, &package, &secrets);
    let files = build::files(&mut c, desc, &package, &secrets);
    package::note_secret_files(&mut c, &package, &assets);
    let backups = data::backups(&mut c, desc);
    let health = processes::health(&mut c, desc, &processes);
    let redis = data::redis(&mut c, desc);
    data::generated_variables(&mut c, desc, &database, &redis);
    let acme = sites::acme(&mut c, desc, &secrets);
    let source_tree = match &package {
        Package::Python(py) => Some((py.src.as_str(), build.is_some())),
        _ => None,
    };
    let mut sites = sites::sites(
        &mut c,
        desc,
        &processes,
        &assets,
        &state_dirs,
        &acme,
        source_tree,
    );
    timeouts::agree(&mut c, desc, &mut processes, &mut sites);
    let agenix = secrets::agenix(&mut c, desc);
    let host = app::host(&mut c, desc);
    let placed = cluster::Placed {
        processes: &processes,
        sites: &sites,
        database: &database,
        secrets: &secrets,
    };
    let cluster = cluster::cluster(&mut c, desc, &placed);
    let alerts = monitoring::alerts(&mut c, desc, &secrets);
    let scraped = monitoring::Scraped {
        processes: &processes,
        sites: &sites,
        health: &health,
        cluster: cluster.is_some(),
    };
    let metrics = monitoring::metrics(&mut c, desc, &scraped);
    if cluster.is_some() && matches!(database, Some(Database::Postgresql { .. })) {
        secrets::add_generated(&mut secrets, DATABASE_PASSWORD);
    }
    // Redis on loopback TCP (or on the database host) requires a password.
    if redis.as_ref().is_some_and(|r| r.tcp || cluster.is_some()) {
        secrets::add_generated(&mut secrets, REDIS_PASSWORD);
    }
    let notes = c.finish()?;
    Ok(Model {
        name: app.name,
        description: app.description,
        user: app.user,
        package,
        assets,
        processes,
        tasks,
        env,
        build,
        files,
        environment_files,
        secrets,
        secrets_dir,
        state_dirs,
        logs: desc.state.logs,
        database,
        redis,
        restic: backups.restic,
        postgresql_backup: backups.postgresql,
        mysql_backup: backups.mysql,
        health,
        sites,
        acme,
        agenix,
        host,
        cluster,
        alerts,
        metrics,
        notes,
    })
}
