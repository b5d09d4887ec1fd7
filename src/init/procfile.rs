//! A Procfile: `web:` is the web process, `release:` the migration task, any other line another
//! process. Each command line is mapped by import's command mapper
//! ([`crate::import::server_from_command`]), so gunicorn and uvicorn options mean the same in a
//! Procfile as in a unit or a Compose file.
//!
//! It may call import's command mapper, [`crate::secrets`] and [`crate::shell::words`].

use super::Init;
use crate::draft::{Outcome, Process, Source, Task};
use crate::import::{SECRET_IN_COMMAND, server_from_command};
use crate::shell::words;

impl Init<'_> {
    /// The Procfile's processes and release task; the `web:` process, when there is one, is
    /// returned for the web step (which adds gunicorn's settings to it).
    pub(super) fn procfile(&mut self) -> Option<Process> {
        let mut web = None;
        let pf = self.project.read("Procfile")?;
        for (i, l) in pf.lines().enumerate() {
            let Some((kind, cmd)) = l.split_once(':') else {
                continue;
            };
            let (kind, cmd, line) = (kind.trim(), cmd.trim(), i + 1);
            if kind == "release" {
                self.release(cmd, line);
                continue;
            }
            // The command's findings go to the report, the secrets of a server's `--env` to
            // `[secrets]` (by name: their values are never copied).
            let Some(p) = server_from_command(
                &words(cmd),
                "Procfile",
                line,
                &mut self.report,
                &mut self.draft.secrets,
            ) else {
                continue;
            };
            let name = if kind == "web" {
                "web".to_string()
            } else {
                crate::model::suggest_name(kind)
            };
            self.report.add(
                Source::new("Procfile", line),
                format!("{kind}: {cmd}"),
                Outcome::Mapped(format!("[processes.{name}]")),
            );
            if kind == "web" {
                web = Some(p);
            } else {
                self.draft.processes.insert(name, p);
            }
        }
        web
    }

    /// `release: CMD`: the migration task, unless the command holds a secret.
    fn release(&mut self, cmd: &str, line: usize) {
        if crate::secrets::command_secret(&words(cmd)).is_some() {
            self.report.add(
                Source::new("Procfile", line),
                format!("release: {cmd}"),
                Outcome::Unmapped(SECRET_IN_COMMAND.into()),
            );
            return;
        }
        self.draft.tasks.insert(
            "migrate".into(),
            Task {
                command: Some(cmd.to_string()),
                ..Task::default()
            },
        );
        self.report.add(
            Source::new("Procfile", line),
            format!("release: {cmd}"),
            Outcome::Mapped("[tasks.migrate], run before the processes on every start".into()),
        );
    }
}
