//! The migration task: Django's `migrate`, Alembic's `upgrade head` (or Flask-Migrate's
//! `flask db upgrade`), unless the Procfile's `release:` line gave one already.
//!
//! It may call the project's file list ([`super::scan`]) and the Python packages the packaging
//! step (which runs first) found.

use super::Init;
use crate::draft::{Outcome, Source, Task};

impl Init<'_> {
    /// `[tasks.migrate]` from the framework (`Django`) or the migration tool's files.
    pub(super) fn migrations(&mut self, framework: &str) {
        if self.draft.tasks.contains_key("migrate") {
            return;
        }
        let flask_migrate = self.python_packages.iter().any(|d| d == "flask-migrate");
        let (file, what, cmd) = if framework == "Django" {
            ("manage.py", "Django", "python -m django migrate --noinput")
        } else if self.project.has("alembic.ini") {
            let cmd = if flask_migrate {
                "flask db upgrade"
            } else {
                "alembic upgrade head"
            };
            ("alembic.ini", "Alembic", cmd)
        } else if self
            .project
            .names
            .iter()
            .any(|n| n.ends_with("migrations/env.py"))
            && flask_migrate
        {
            ("migrations/env.py", "Flask-Migrate", "flask db upgrade")
        } else {
            return;
        };
        self.draft.tasks.insert(
            "migrate".into(),
            Task {
                command: Some(cmd.into()),
                ..Task::default()
            },
        );
        self.report.add(
            Source::new(file, 0),
            what,
            Outcome::Mapped(format!("[tasks.migrate] `{cmd}` before the processes")),
        );
    }
}
