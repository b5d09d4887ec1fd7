//! The module's units part: a context entry per process and per task (what each runs, where it
//! listens, what it runs before), and the setup target.
//!
//! May call: `model` (read only), [`crate::shell`] (quoting a command's words).

use std::collections::BTreeMap;

use serde::Serialize;

use super::servers;
use super::values::{Source, nix_value};
use crate::model::{
    Before, Command, Listen, Model, OnceRecord, Server, TaskRun, default_unit_description,
};
use crate::shell;

/// The target (`<app>-setup.target`) that tasks run before every process are ordered before.
const SETUP: &str = "setup";

#[derive(Debug, Serialize)]
pub(super) struct UnitsCtx {
    processes: Vec<ProcessCtx>,
    tasks: Vec<TaskCtx>,
    /// Processes listening on TCP, by name.
    tcp_processes: Vec<String>,
    /// Processes whose port is opened in the firewall.
    exposed: Vec<String>,
    /// `<app>-setup`: the target the tasks run before every process are ordered before.
    setup_target: Option<String>,
    /// Some ExecStart= takes arguments from options (`escapeExecArgs`).
    exec_args: bool,
    /// Some process, or some task, runs a shell script (a command).
    process_scripts: bool,
    task_scripts: bool,
    /// Some server or listening command is told which proxies to trust (`trustedProxies`).
    trusted_proxies: bool,
    /// Some run-once task is recorded in the database (`onceTasks`).
    once_in_database: bool,
    /// Some process runs uWSGI (`uwsgi`, nixpkgs' build with the app's interpreter).
    uwsgi: bool,
    /// Some unit has packages on its `PATH`.
    unit_packages: bool,
}

impl UnitsCtx {
    /// The units refer to `pkgs` (packages on a `PATH`, uWSGI, the run-once record).
    pub(super) fn uses_pkgs(&self) -> bool {
        self.unit_packages || self.uwsgi || self.once_in_database
    }

    /// A unit runs `psql` (the run-once record).
    pub(super) fn uses_psql(&self) -> bool {
        self.once_in_database
    }
}

#[derive(Debug, Serialize)]
struct ProcessCtx {
    name: String,
    unit: String,
    /// Where a unix-socket process listens.
    socket: String,
    /// Set when it is not the unit helpers' default (`<app> <name>`).
    description: Option<String>,
    /// The description every instance's starts with (the default one included).
    instance_description: String,
    /// `gunicorn`, `uvicorn`, `granian`, `hypercorn`, `daphne`, `uwsgi` or `command`.
    kind: String,
    /// For commands: the unit's shell script (a shell line as written, or `exec` and the
    /// argument vector quoted word by word).
    script: Option<String>,
    /// For servers: the program of `ExecStart=` (inside a Nix string) and its arguments.
    program: String,
    args: Vec<servers::Arg>,
    tcp: bool,
    unix: bool,
    address: String,
    port: u16,
    /// Has a `workers` option (servers but daphne).
    workers_option: bool,
    workers: u32,
    /// More than one identical unit: their count (the `instances` option's default).
    instances: Option<u32>,
    /// nixpkgs attribute paths on the unit's `PATH`, split at dots.
    path: Vec<Vec<String>>,
    /// gunicorn: the control socket goes to its own runtime directory.
    own_runtime_dir: bool,
    /// A listening command learns the proxies to trust from `FORWARDED_ALLOW_IPS`: `*` on a
    /// socket, `trustedProxies` on TCP (unless the description sets it).
    forwarded_allow_ips: Option<String>,
    env: BTreeMap<String, String>,
    server: bool,
}

#[derive(Debug, Serialize)]
struct TaskCtx {
    name: String,
    unit: String,
    /// Set when it is not the unit helpers' default (`<app> <name>`).
    description: Option<String>,
    /// The full description, for the timer of a scheduled task.
    timer_description: String,
    /// The unit's shell script (not for SQL files).
    script: Option<String>,
    sql: Option<String>,
    /// Runs before every process (through the setup target).
    setup: bool,
    /// The process units it runs before, when not all.
    before: Vec<String>,
    schedule: Option<String>,
    /// Runs once: `postgresql` (recorded in the database) or `stamp` (a file in the state
    /// directory).
    once: Option<String>,
    /// The task units it runs after.
    after: Vec<String>,
    /// nixpkgs attribute paths on the unit's `PATH`, split at dots.
    path: Vec<Vec<String>>,
    env: BTreeMap<String, String>,
}

pub(super) fn context(m: &Model) -> UnitsCtx {
    UnitsCtx {
        processes: m.processes.iter().map(|p| process(m, p)).collect(),
        tasks: m.tasks.iter().map(|t| task(m, t)).collect(),
        tcp_processes: m
            .processes
            .iter()
            .filter(|p| matches!(p.listen, Some(Listen::Tcp { .. })))
            .map(|p| p.name.clone())
            .collect(),
        exposed: m
            .processes
            .iter()
            .filter(|p| p.expose)
            .map(|p| p.name.clone())
            .collect(),
        setup_target: m
            .tasks
            .iter()
            .any(|t| t.before == Before::All)
            .then(|| m.prefixed(SETUP)),
        exec_args: m
            .processes
            .iter()
            .any(|p| !matches!(p.server, Server::Command(_)))
            || m.tasks.iter().any(|t| t.once.is_some()),
        process_scripts: m
            .processes
            .iter()
            .any(|p| matches!(p.server, Server::Command(_))),
        // SQL tasks are scripts too: psql to the module's database, or to the one the
        // configuration's URL names.
        task_scripts: !m.tasks.is_empty(),
        trusted_proxies: m.processes.iter().any(|p| {
            matches!(p.listen, Some(Listen::Tcp { .. }))
                && matches!(
                    p.server,
                    Server::Gunicorn { .. } | Server::Uvicorn { .. } | Server::Command(_)
                )
        }),
        once_in_database: m
            .tasks
            .iter()
            .any(|t| t.once == Some(OnceRecord::Postgresql)),
        uwsgi: m
            .processes
            .iter()
            .any(|p| matches!(p.server, Server::Uwsgi { .. })),
        unit_packages: m.processes.iter().any(|p| !p.path.is_empty())
            || m.tasks.iter().any(|t| !t.path.is_empty()),
    }
}

fn process(m: &Model, p: &crate::model::Process) -> ProcessCtx {
    let script = match &p.server {
        Server::Command(c) => Some(script(c)),
        _ => None,
    };
    let exec = servers::exec(m, p);
    let (address, port) = match &p.listen {
        Some(Listen::Tcp { host, port }) => (host.clone(), *port),
        _ => (String::new(), 0),
    };
    let sets_trust =
        m.env.contains_key(FORWARDED_ALLOW_IPS) || p.env.contains_key(FORWARDED_ALLOW_IPS);
    let forwarded_allow_ips = match (&p.server, &p.listen) {
        (Server::Command(_), Some(Listen::Unix)) if !sets_trust => Some("*".to_string()),
        (Server::Command(_), Some(Listen::Tcp { .. })) if !sets_trust => {
            Some("trustedProxies".to_string())
        }
        _ => None,
    };
    ProcessCtx {
        name: p.name.clone(),
        unit: m.prefixed(&p.name),
        socket: m.socket_path(&p.name),
        description: own_description(&m.name, &p.name, &p.description),
        instance_description: p.description.clone(),
        kind: p.server.name().into(),
        script,
        program: exec.as_ref().map(|e| e.program.clone()).unwrap_or_default(),
        args: exec.map(|e| e.args).unwrap_or_default(),
        tcp: matches!(p.listen, Some(Listen::Tcp { .. })),
        unix: p.listen == Some(Listen::Unix),
        address,
        port,
        workers_option: !matches!(p.server, Server::Command(_) | Server::Daphne { .. }),
        workers: p.workers,
        instances: (p.instances > 1).then_some(p.instances),
        path: attribute_paths(&p.path),
        own_runtime_dir: matches!(p.server, Server::Gunicorn { .. }),
        forwarded_allow_ips,
        env: p
            .env
            .iter()
            .map(|(k, v)| (k.clone(), nix_value(m, v, Source::Units, Some(&p.name))))
            .collect(),
        server: !matches!(p.server, Server::Command(_)),
    }
}

/// The variable gunicorn and uvicorn read the proxies to trust from.
const FORWARDED_ALLOW_IPS: &str = "FORWARDED_ALLOW_IPS";

/// Attribute paths (`poppler-utils`, `texlive.combined.scheme-small`) split at their dots, for
/// `pkgs.<a>.<b>` with each part an attribute name.
fn attribute_paths(path: &[String]) -> Vec<Vec<String>> {
    path.iter()
        .map(|a| a.split('.').map(str::to_string).collect())
        .collect()
}

fn task(m: &Model, t: &crate::model::Task) -> TaskCtx {
    let (script, sql) = match &t.run {
        TaskRun::Command(c) => (Some(script(c)), None),
        // Relative to the source tree (`appSource`) the module reads it from.
        TaskRun::Sql(p) => (None, Some(p.clone())),
    };
    TaskCtx {
        name: t.name.clone(),
        unit: m.prefixed(&t.name),
        description: own_description(&m.name, &t.name, &t.description),
        timer_description: t.description.clone(),
        script,
        sql,
        setup: t.before == Before::All,
        before: match &t.before {
            Before::All => vec![],
            Before::Processes(names) => names
                .iter()
                .map(|b| format!("{}.service", m.prefixed(b)))
                .collect(),
        },
        schedule: t.schedule.clone(),
        once: t.once.map(|o| {
            match o {
                OnceRecord::Postgresql => "postgresql",
                OnceRecord::StampFile => "stamp",
            }
            .to_string()
        }),
        after: t
            .after
            .iter()
            .map(|a| format!("{}.service", m.prefixed(a)))
            .collect(),
        path: attribute_paths(&t.path),
        env: t
            .env
            .iter()
            .map(|(k, v)| (k.clone(), nix_value(m, v, Source::Units, None)))
            .collect(),
    }
}

/// A unit's shell script: a shell line as written, or `exec` and the argument vector, each word
/// quoted for the shell here so the generated line reads like what one would type.
fn script(command: &Command) -> String {
    match command {
        Command::Shell(line) => line.clone(),
        Command::Args(args) => format!("exec {}", shell::join(args)),
    }
}

/// A unit's description when it is not the default the module's unit helpers write.
fn own_description(app: &str, name: &str, description: &str) -> Option<String> {
    (description != default_unit_description(app, name)).then(|| description.to_string())
}
