//! The module's units part: a context entry per process and per task (what each runs, where it
//! listens, what it runs before), and the setup target.
//!
//! May call: `model` (read only), [`crate::shell`] (quoting a command's words).

use std::collections::BTreeMap;

use serde::Serialize;

use super::values::{Source, nix_value};
use crate::model::{Before, Command, Listen, Model, Server, TaskRun, default_unit_description};
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
}

#[derive(Debug, Serialize)]
struct ProcessCtx {
    name: String,
    unit: String,
    /// Where a unix-socket process listens.
    socket: String,
    /// Set when it is not the unit helpers' default (`<app> <name>`).
    description: Option<String>,
    /// `gunicorn`, `uvicorn` or `command`.
    kind: String,
    app: String,
    asgi: bool,
    /// For commands: the unit's shell script (a shell line as written, or `exec` and the
    /// argument vector quoted word by word).
    script: Option<String>,
    tcp: bool,
    unix: bool,
    address: String,
    port: u16,
    workers: u32,
    timeout: Option<u32>,
    max_requests: Option<u32>,
    keepalive: Option<u32>,
    access_log: String,
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
    once: bool,
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
            || m.tasks.iter().any(|t| t.once),
        process_scripts: m
            .processes
            .iter()
            .any(|p| matches!(p.server, Server::Command(_))),
        // SQL tasks are scripts too: psql to the module's database, or to the one the
        // configuration's URL names.
        task_scripts: !m.tasks.is_empty(),
    }
}

fn process(m: &Model, p: &crate::model::Process) -> ProcessCtx {
    let (kind, app, asgi, script) = match &p.server {
        Server::Gunicorn { app, asgi } => ("gunicorn", app.clone(), *asgi, None),
        Server::Uvicorn { app } => ("uvicorn", app.clone(), true, None),
        Server::Command(c) => ("command", String::new(), false, Some(script(c))),
    };
    let (address, port) = match &p.listen {
        Some(Listen::Tcp { host, port }) => (host.clone(), *port),
        _ => (String::new(), 0),
    };
    ProcessCtx {
        name: p.name.clone(),
        unit: m.prefixed(&p.name),
        socket: m.socket_path(&p.name),
        description: own_description(&m.name, &p.name, &p.description),
        kind: kind.into(),
        app,
        asgi,
        script,
        tcp: matches!(p.listen, Some(Listen::Tcp { .. })),
        unix: p.listen == Some(Listen::Unix),
        address,
        port,
        workers: p.workers,
        timeout: p.timeout,
        max_requests: p.max_requests,
        keepalive: p.keepalive,
        access_log: if p.access_log_file {
            m.access_log_path(&p.name)
        } else {
            "-".into()
        },
        env: p
            .env
            .iter()
            .map(|(k, v)| (k.clone(), nix_value(m, v, Source::Units, Some(&p.name))))
            .collect(),
        server: kind != "command",
    }
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
        once: t.once,
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
