//! The NixOS module (`<app>.nix`) and the package expression beside it (`<app>-package.nix`):
//! their template context, built from the model one concern at a time: the app and its package
//! (`app`), processes and tasks (`units`), secrets (`secrets`), data and state (`data`), sites
//! (`sites`), failure alerts and metrics (`monitoring`). Each part is flattened into [`ModuleContext`], so the templates read one set of
//! names; what depends on several parts (which module arguments are needed, …) is decided here.
//!
//! May call: `model` (read only), the template environment of [`super`], [`crate::shell`] and
//! [`crate::secrets`] (the secret-file pattern).

mod app;
mod build;
mod cluster;
mod data;
mod monitoring;
mod secrets;
mod servers;
mod sites;
mod units;
mod values;

use minijinja::Error;
use minijinja::value::Value;
use serde::Serialize;

use super::{Layout, environment};
use crate::model::{Database, Delivery, Listen, Model, Package, Server, TaskRun};

/// Everything the module and package templates need.
#[derive(Debug, Serialize)]
pub struct ModuleContext {
    #[serde(flatten)]
    app: app::AppCtx,
    #[serde(flatten)]
    units: units::UnitsCtx,
    #[serde(flatten)]
    secrets: secrets::SecretsCtx,
    #[serde(flatten)]
    data: data::DataCtx,
    #[serde(flatten)]
    sites: sites::SitesCtx,
    #[serde(flatten)]
    build: build::BuildCtx,
    #[serde(flatten)]
    monitoring: monitoring::MonitoringCtx,
    #[serde(flatten)]
    needs: Needs,
    /// The machines of a deployment on several hosts (`None` on one).
    cluster: Option<cluster::ClusterCtx>,
}

/// What the module needs because of several concerns at once.
#[derive(Debug, Serialize)]
struct Needs {
    /// The module takes `pkgs`.
    uses_pkgs: bool,
    /// The module takes `options` (to see whether agenix is imported).
    uses_options: bool,
    /// `hostPort` is needed: something reaches a process over TCP.
    any_tcp_server: bool,
    /// Units wait for local PostgreSQL or Redis (`localServices`).
    requires_local: bool,
    /// The wrapper that exports the environment secrets before a server starts.
    secrets_wrapper: bool,
    /// The export lines of the environment secrets are needed (by the wrapper or the scripts).
    export_secrets: bool,
    /// A unit runs `psql` (SQL tasks; on several hosts, the wait for the database host).
    psql_client: bool,
}

impl ModuleContext {
    /// Build the module's context from a validated model.
    pub fn new(m: &Model, layout: &Layout) -> Self {
        let sites = sites::context(m);
        let monitoring = monitoring::context(m);
        let units = units::context(m);
        ModuleContext {
            needs: needs(m, &sites, &monitoring, &units),
            app: app::context(m, layout),
            build: build::context(m, &layout.to_project),
            units,
            secrets: secrets::context(m, layout),
            data: data::context(m),
            sites,
            monitoring,
            cluster: cluster::context(m),
        }
    }
}

fn needs(
    m: &Model,
    sites: &sites::SitesCtx,
    monitoring: &monitoring::MonitoringCtx,
    units: &units::UnitsCtx,
) -> Needs {
    let any_command = m
        .processes
        .iter()
        .any(|p| matches!(p.server, Server::Command(_)))
        || m.tasks.iter().any(|t| matches!(t.run, TaskRun::Command(_)));
    let any_server = m
        .processes
        .iter()
        .any(|p| !matches!(p.server, Server::Command(_)));
    let env_secrets = m.secrets.iter().any(|s| s.delivery == Delivery::Env);
    let any_sql = m.tasks.iter().any(|t| matches!(t.run, TaskRun::Sql(_)));
    let any_sql_or_once = m
        .tasks
        .iter()
        .any(|t| t.once.is_some() || matches!(t.run, TaskRun::Sql(_)));
    let health_tcp = m.health.as_ref().is_some_and(|h| {
        m.processes
            .iter()
            .any(|p| p.name == h.process && matches!(p.listen, Some(Listen::Tcp { .. })))
    });
    // The servers that take `host:port` in one argument.
    let server_tcp = m.processes.iter().any(|p| {
        matches!(
            p.server,
            Server::Gunicorn { .. } | Server::Hypercorn { .. } | Server::Uwsgi { .. }
        ) && matches!(p.listen, Some(Listen::Tcp { .. }))
    });
    // The flake builds a uv environment: the module only receives it.
    let built_here = match &m.package {
        Package::Python(py) => py.uv.is_none(),
        Package::Nixpkgs(_) => true,
        Package::Flake { .. } => false,
    };
    Needs {
        // Exactly the parts whose Nix reads `pkgs` (deadnix refuses an unused argument).
        uses_pkgs: built_here
            || any_sql_or_once
            || m.health.is_some()
            || m.restic.is_some()
            // The failure notifier runs curl and jq.
            || m.alerts.is_some()
            || (env_secrets && any_server)
            || m.assets.iter().any(|a| a.build.is_some())
            // The built source tree (`pkgs.runCommand`) and the files' renderer (`pkgs.python3`).
            || m.built_source()
            || !m.files.is_empty()
            || units.uses_pkgs()
            // On several hosts the app's units wait for the database host.
            || (m.cluster.is_some() && matches!(m.database, Some(Database::Postgresql { .. })))
            // MariaDB is the server's default package.
            || matches!(m.database, Some(Database::Mysql(_))),
        uses_options: !m.secrets.is_empty(),
        // On several hosts `hostPort` also writes the database host's address.
        any_tcp_server: server_tcp
            || health_tcp
            || sites.any_tcp_upstream()
            || monitoring.needs_host_port()
            || m.cluster.is_some()
            || names_tcp_listen(m),
        requires_local: matches!(
            m.database,
            Some(Database::Postgresql(_) | Database::Mysql(_))
        ) || m.redis.is_some(),
        secrets_wrapper: env_secrets && any_server,
        // On several hosts a SQL task's script exports the database password first.
        export_secrets: env_secrets
            && (any_server || any_command || (m.cluster.is_some() && any_sql)),
        psql_client: any_sql
            || units.uses_psql()
            || (m.cluster.is_some() && matches!(m.database, Some(Database::Postgresql { .. }))),
    }
}

/// Whether a TCP process's `env` names `{{listen}}` (written with `hostPort`).
fn names_tcp_listen(m: &Model) -> bool {
    m.processes.iter().any(|p| {
        matches!(p.listen, Some(Listen::Tcp { .. }))
            && p.env
                .values()
                .any(|v| v.names().any(|n| *n == crate::placeholders::Name::Listen))
    })
}

/// Render the module for `m`.
pub fn module(m: &Model, layout: &Layout) -> Result<String, Error> {
    let ctx = ModuleContext::new(m, layout);
    environment()
        .get_template("module.nix")?
        .render(Value::from(minijinja::value::Serde(&ctx)))
}

/// Render the package expression (`callPackage` style) of an app built from source, written
/// beside the module; `None` for packages taken from nixpkgs or a flake input, and for
/// environments built from uv.lock (see [`super::python_env`]).
pub fn package(m: &Model, layout: &Layout) -> Result<Option<String>, Error> {
    if !matches!(&m.package, Package::Python(py) if py.uv.is_none()) {
        return Ok(None);
    }
    let ctx = ModuleContext::new(m, layout);
    environment()
        .get_template("package.nix")?
        .render(Value::from(minijinja::value::Serde(&ctx)))
        .map(Some)
}

/// File name of the package expression generated beside the module for apps built from source.
pub fn package_file_name(app: &str) -> String {
    format!("{app}-package.nix")
}

/// File name of an asset built from source with npm, beside the module.
pub fn asset_file_name(app: &str, asset: &str) -> String {
    format!("{app}-{asset}.nix")
}

/// File name of the Python environment built from uv.lock, beside the module.
pub fn python_env_file_name(app: &str) -> String {
    format!("{app}-python.nix")
}
