//! Tasks: one-shot and scheduled units, what they run and which processes wait for them.
//!
//! Owns [`Task`], [`TaskRun`] and [`Before`]; validates `[tasks.*]`.
//!
//! May call [`super::check`], and [`super::processes`] for commands (a task's command is judged
//! as a process's is); reads the processes, the package (SQL files are read from its source)
//! and the database (SQL runs against it).

use std::collections::BTreeMap;

use super::check::{Checker, Places, normalize_relative, path_to_slash, shown};
use super::data::Database;
use super::package::Package;
use super::processes::{Command, Process, command, command_needs, default_unit_description};
use crate::description::{self as d, Sp};
use crate::diagnostic::did_you_mean;
use crate::placeholders::Text;

/// What a task runs.
#[derive(Debug, Clone)]
pub enum TaskRun {
    /// A command.
    Command(Command),
    /// A SQL file, relative to the package source.
    Sql(String),
}

/// Which processes a task must finish before.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Before {
    /// Every process (the default for unscheduled tasks).
    All,
    /// These processes, by name (none for scheduled tasks).
    Processes(Vec<String>),
}

/// Where a run-once task records that it ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnceRecord {
    /// A row of `app2nix.once_tasks` in the app's PostgreSQL database: a restored dump says
    /// whether the task ran against that data, whatever the machine's state directory holds.
    Postgresql,
    /// A stamp file in the state directory (no database a unit can write to from a shell).
    StampFile,
}

impl OnceRecord {
    /// The record for an app with `database`: the one place that decides it per kind of
    /// database (a MySQL record would be added here and in the module's `onceTask` helpers).
    pub fn for_database(database: &Option<Database>) -> OnceRecord {
        match database {
            Some(Database::Postgresql { .. }) => OnceRecord::Postgresql,
            _ => OnceRecord::StampFile,
        }
    }
}

/// A one-shot or scheduled task.
#[derive(Debug, Clone)]
pub struct Task {
    /// Name; the unit is `<app>-<name>.service`.
    pub name: String,
    /// One-line description.
    pub description: String,
    /// What runs.
    pub run: TaskRun,
    /// Processes that start only after it succeeded.
    pub before: Before,
    /// `OnCalendar=` for scheduled tasks.
    pub schedule: Option<String>,
    /// Runs once, recorded where [`OnceRecord`] says.
    pub once: Option<OnceRecord>,
    /// Tasks that must succeed before it starts, by name.
    pub after: Vec<String>,
    /// nixpkgs attributes on the unit's `PATH`.
    pub path: Vec<String>,
    /// Environment for this task only.
    pub env: BTreeMap<String, Text>,
}

/// `[tasks.*]`, by name.
pub(super) fn tasks(
    c: &mut Checker,
    desc: &d::Description,
    processes: &[Process],
    package: &Package,
    database: &Option<Database>,
) -> Vec<Task> {
    let names: Vec<&str> = processes.iter().map(|p| p.name.as_str()).collect();
    let mut out = Vec::new();
    for (name, t) in &desc.tasks {
        c.name(name, "task name");
        let run = task_run(c, name, t, package, database);
        let schedule = t.schedule.as_ref().and_then(|s| c.schedule(s));
        let before = before(c, name, t, &schedule, &names);
        if t.once && schedule.is_some() {
            c.err(
                name.span(),
                format!("task `{}` is both `once` and scheduled", name.as_str()),
                "remove one of them",
            );
        }
        let description = match &t.description {
            Some(s) => {
                c.unit_text(s, "description");
                s.to_string()
            }
            None => default_unit_description(&desc.app.name, name.as_str()),
        };
        let env = c.env_map(&t.env, &BTreeMap::new(), &Places::of(desc));
        let path = super::tools::path(c, &t.path);
        if let Some(run) = run {
            out.push(Task {
                name: name.to_string(),
                description,
                run,
                before,
                schedule,
                once: t.once.then(|| OnceRecord::for_database(database)),
                after: t.after.iter().map(|a| a.to_string()).collect(),
                path,
                env,
            });
        }
    }
    after(c, desc);
    out
}

/// `after`: unscheduled tasks of the description, without cycles.
fn after(c: &mut Checker, desc: &d::Description) {
    let unscheduled: Vec<&str> = desc
        .tasks
        .iter()
        .filter(|(_, t)| t.schedule.is_none())
        .map(|(n, _)| n.as_str())
        .collect();
    for (name, t) in &desc.tasks {
        let mut seen = std::collections::BTreeSet::new();
        for a in &t.after {
            if !seen.insert(a.as_str()) {
                c.err(
                    a.span(),
                    format!("`{}` is listed twice", shown(a)),
                    "keep one of them",
                );
            } else if desc
                .tasks
                .get(a.as_str())
                .is_some_and(|o| o.schedule.is_some())
            {
                c.err(
                    a.span(),
                    format!("task `{}` runs after `{}`, which runs on a schedule", name.as_str(), a.as_str()),
                    "order it after tasks that run at start (migrations, setup); a scheduled task runs on its timer",
                );
            } else if !desc.tasks.contains_key(a.as_str()) {
                let help = match did_you_mean(a, unscheduled.iter().copied()) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None if unscheduled.is_empty() => {
                        "there is no task to run after; remove `after`".to_string()
                    }
                    None => format!(
                        "name a task: {}",
                        unscheduled
                            .iter()
                            .map(|n| format!("`{n}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                };
                c.err(
                    a.span(),
                    format!(
                        "task `{}` runs after `{}`, which is not a task",
                        name.as_str(),
                        shown(a)
                    ),
                    help,
                );
            } else if let Some(cycle) = cycle_through(desc, name.as_str(), a.as_str()) {
                c.err(
                    a.span(),
                    format!(
                        "tasks wait for each other in a cycle: {}",
                        cycle.join(" → ")
                    ),
                    "remove one `after` of the cycle: none of them could ever start",
                );
            }
        }
    }
}

/// The tasks from `from` back to `start` through `after`, when `start` runs after `from` and
/// `from` (through others) after `start`: `[start, from, …, start]`.
fn cycle_through(desc: &d::Description, start: &str, from: &str) -> Option<Vec<String>> {
    let mut stack = vec![vec![start.to_string(), from.to_string()]];
    let mut visited = std::collections::BTreeSet::new();
    while let Some(trail) = stack.pop() {
        let last = trail.last()?.clone();
        if last == start {
            return Some(trail);
        }
        if !visited.insert(last.clone()) {
            continue;
        }
        for next in desc
            .tasks
            .get(last.as_str())
            .map(|t| t.after.as_slice())
            .unwrap_or(&[])
        {
            let mut longer = trail.clone();
            longer.push(next.to_string());
            stack.push(longer);
        }
    }
    None
}

/// What a task runs: exactly one of `command` or `sql`.
fn task_run(
    c: &mut Checker,
    name: &Sp<String>,
    t: &d::Task,
    package: &Package,
    database: &Option<Database>,
) -> Option<TaskRun> {
    match (&t.command, &t.sql) {
        (Some(cmd), None) => command(c, cmd, "command").map(|run| {
            command_needs(c, cmd, &run, package);
            TaskRun::Command(run)
        }),
        (None, Some(sql)) => sql_run(c, sql, package, database),
        _ => {
            c.err(
                name.span(),
                format!(
                    "task `{}` must have exactly one of `command` or `sql`",
                    name.as_str()
                ),
                "e.g. `command = \"flask db upgrade\"` or `sql = \"schema.sql\"`",
            );
            None
        }
    }
}

/// A SQL file of the package source, run against the local PostgreSQL database.
fn sql_run(
    c: &mut Checker,
    sql: &Sp<String>,
    package: &Package,
    database: &Option<Database>,
) -> Option<TaskRun> {
    if !matches!(database, Some(Database::Postgresql { .. })) {
        c.err(
            sql.span(),
            "`sql` tasks run against the local PostgreSQL database, but there is no [postgresql]",
            "add [postgresql], or run the file with a `command`",
        );
    }
    match package {
        Package::Python(py) if py.src_valid => {
            let full = Sp::new(py.in_source(sql), sql.span());
            // The source's own prefix (`app/`; nothing for the description's directory).
            let prefix = py.in_source("");
            // Read from the source tree the module builds: it must be inside it
            // (`../app/schema.sql` with `src = "app"` is; `../schema.sql` is not).
            let inside = normalize_relative(&full)
                .map(|p| path_to_slash(&p))
                .is_some_and(|p| p.starts_with(&prefix));
            if !inside {
                c.err(
                    sql.span(),
                    format!("SQL file `{}` is outside the package source `{}`", shown(sql), py.src),
                    "move it into the source directory (it is read from the package the module builds)",
                );
                None
            } else {
                c.project_path(&full, "SQL file", false)
                    .and_then(|p| p.strip_prefix(&prefix).map(|p| TaskRun::Sql(p.to_string())))
            }
        }
        Package::Python(_) => None,
        _ => {
            c.err(
                sql.span(),
                "`sql` files are read from the package source, which needs [package.python]",
                "use a `command` that runs psql on the file",
            );
            None
        }
    }
}

/// The processes a task runs before: every one by default, the named ones, or none for a
/// scheduled task. `names` are the processes.
fn before(
    c: &mut Checker,
    name: &Sp<String>,
    t: &d::Task,
    schedule: &Option<String>,
    names: &[&str],
) -> Before {
    let mut before = Vec::new();
    match (&t.before, schedule) {
        // A one-shot task runs because a process needs it first: with none, nothing would
        // ever start it.
        (Some(list), None) if list.is_empty() => c.err(
            name.span(),
            format!(
                "task `{}` runs before no process, so nothing would start it",
                name.as_str()
            ),
            "remove `before = []` to run it before every process, or give it a `schedule`",
        ),
        (None, None) if names.is_empty() => c.err(
            name.span(),
            format!(
                "task `{}` would never start: there is no process for it to run before",
                name.as_str()
            ),
            "give it a `schedule`, or add the process it prepares",
        ),
        (Some(list), Some(_)) if !list.is_empty() => {
            c.err(
                list[0].span(),
                format!(
                    "task `{}` has a schedule, so it cannot run before processes",
                    name.as_str()
                ),
                "remove `before` (scheduled tasks run on their timer), or remove `schedule`",
            );
        }
        (Some(list), None) => {
            for b in list {
                if names.contains(&b.as_str()) {
                    before.push(b.to_string());
                } else {
                    unknown_process(c, name, b, names);
                }
            }
        }
        (None, None) => return Before::All,
        _ => {}
    }
    Before::Processes(before)
}

/// `before` names `b`, which is not a process.
fn unknown_process(c: &mut Checker, name: &Sp<String>, b: &Sp<String>, names: &[&str]) {
    let help = match did_you_mean(b, names.iter().copied()) {
        Some(s) => format!("did you mean `{s}`?"),
        None if names.is_empty() => "there are no processes; remove `before`".to_string(),
        None => format!(
            "known processes: {}",
            names
                .iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    c.err(
        b.span(),
        format!(
            "task `{}` is ordered before `{}`, which is not a process",
            name.as_str(),
            shown(b)
        ),
        help,
    );
}
