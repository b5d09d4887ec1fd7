//! systemd service units: the reader ([`systemd_unit`], `Key=Value` lines by section with their
//! line numbers) and the mapper (a unit becomes a process; `Environment=` and credentials become
//! variables and secrets, `ExecStartPre=` a task; the rest is covered by the module or reported).
//!
//! It may call the shared mappers ([`super::command`] for `ExecStart=`, [`super::variables`] for
//! `Environment=`), [`crate::shell::words`] and [`crate::secrets`].

use super::{Importer, Input, file_name, slug};
use crate::draft::{Outcome, Task};
use crate::secrets;
use crate::shell::words;

/// One `Key=Value` of a systemd unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitEntry {
    /// `Service`, `Unit`, `Install`.
    pub section: String,
    /// Setting name.
    pub key: String,
    /// Value (continuation lines joined).
    pub value: String,
    /// 1-based line.
    pub line: usize,
}

/// Read a systemd unit file.
pub fn systemd_unit(text: &str) -> Vec<UnitEntry> {
    let mut out = Vec::new();
    let mut section = String::new();
    let mut pending: Option<UnitEntry> = None;
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if let Some(mut p) = pending.take() {
            // systemd ignores comment lines between the lines of a continued value.
            if line.starts_with('#') || line.starts_with(';') {
                pending = Some(p);
                continue;
            }
            let (part, more) = match line.strip_suffix('\\') {
                Some(x) => (x, true),
                None => (line, false),
            };
            p.value.push(' ');
            p.value.push_str(part.trim());
            if more {
                pending = Some(p);
            } else {
                out.push(p);
            }
            continue;
        }
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(s) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = s.to_string();
            continue;
        }
        if let Some((k, v)) = line.split_once('=') {
            let v = v.trim();
            let (v, more) = match v.strip_suffix('\\') {
                Some(x) => (x.trim_end(), true),
                None => (v, false),
            };
            let entry = UnitEntry {
                section: section.clone(),
                key: k.trim().to_string(),
                value: v.to_string(),
                line: i + 1,
            };
            if more {
                pending = Some(entry);
            } else {
                out.push(entry);
            }
        }
    }
    out.extend(pending);
    out
}

/// A unit's name without `.service`.
fn stem(name: &str) -> String {
    file_name(name).trim_end_matches(".service").to_string()
}

impl Importer {
    /// A unit: its `ExecStart=` becomes a process, its other settings are mapped or reported.
    pub(super) fn unit(&mut self, input: &Input) {
        let stem = stem(&input.name);
        self.units.push(stem.clone());
        let entries = systemd_unit(&input.text);
        let exec = entries
            .iter()
            .find(|e| e.section == "Service" && e.key == "ExecStart");
        let Some(exec) = exec else {
            self.add(
                &input.name,
                0,
                "unit",
                Outcome::Unmapped("no ExecStart: nothing to run".into()),
            );
            return;
        };
        let name = self.process_name_for_unit(&stem);
        let args = words(exec.value.trim_start_matches(['-', '@', '+', '!', ':']));
        let Some(mut p) = self.server(&input.name, exec.line, &args) else {
            if args.is_empty() {
                self.add(
                    &input.name,
                    exec.line,
                    "ExecStart",
                    Outcome::Unmapped("empty command".into()),
                );
            }
            return;
        };
        self.add(
            &input.name,
            exec.line,
            format!("ExecStart={}", exec.value),
            Outcome::Mapped(format!("[processes.{name}]")),
        );
        if let Some(d) = entries
            .iter()
            .find(|e| e.section == "Unit" && e.key == "Description")
        {
            p.description = Some(d.value.clone());
            self.add(
                &input.name,
                d.line,
                format!("Description={}", d.value),
                Outcome::Mapped(format!("[processes.{name}] description")),
            );
        }
        self.register_port(&name, &p);
        self.draft.processes.insert(name.clone(), p);
        for e in &entries {
            self.unit_entry(input, &name, e);
        }
    }

    /// One setting of a unit whose process is `name` (`ExecStart=` and `Description=` are
    /// mapped already).
    fn unit_entry(&mut self, input: &Input, name: &str, e: &UnitEntry) {
        let what = format!("{}={}", e.key, e.value);
        match (e.section.as_str(), e.key.as_str()) {
            ("Service", "ExecStart") | ("Unit", "Description") => {}
            ("Unit", "After" | "Wants" | "Requires" | "Before") => {
                let outcome = if e.value.contains("postgresql") {
                    self.draft.postgresql.get_or_insert(None);
                    Outcome::Mapped("[postgresql]: the units start after the local PostgreSQL".into())
                } else {
                    Outcome::Covered("app2nix orders the units (network, database, tasks before processes)".into())
                };
                self.add(&input.name, e.line, what, outcome);
            }
            ("Unit", "OnFailure") => self.on_failure(input, e.line, &e.value),
            ("Install", _) => self.add(&input.name, e.line, what, Outcome::Covered("started with <app>.target from multi-user.target".into())),
            ("Service", "User" | "Group" | "DynamicUser") => self.add(&input.name, e.line, what, Outcome::Decided("the app runs as its own system user and group, created by the module".into())),
            ("Service", "WorkingDirectory") => self.add(&input.name, e.line, what, Outcome::Decided(format!(
                "the processes and tasks run in the application's source tree, `src = {:?}` (relative to app2nix.toml; read-only, the module's `workingDirectory`); state goes to the state directory (`$STATE_DIRECTORY`)",
                self.draft.python_src.clone().unwrap_or_default()
            ))),
            ("Service", "EnvironmentFile") => {
                let base = file_name(e.value.trim_start_matches('-'));
                if self.env_files.contains(&base) {
                    self.add(&input.name, e.line, what, Outcome::Mapped(format!("imported from {base}: [env] and [secrets]")));
                } else {
                    self.add(&input.name, e.line, what, Outcome::Unmapped(format!("pass {base} to `app2nix import` to turn it into [env] and [secrets], or list the file in `environment_files`")));
                }
            }
            ("Service", "Environment") => {
                for kv in words(&e.value) {
                    if let Some((k, v)) = kv.split_once('=') {
                        self.variable(&input.name, e.line, k, v, None);
                    }
                }
            }
            ("Service", "Type") if e.value == "simple" || e.value == "exec" => self.add(&input.name, e.line, what, Outcome::Covered("the default".into())),
            ("Service", "ExecStartPre") => self.exec_start_pre(input, name, e, what),
            ("Service", "SetCredential" | "SetCredentialEncrypted" | "LoadCredential" | "LoadCredentialEncrypted") => self.credential(input, e),
            _ => self.add(&input.name, e.line, what, Outcome::Unmapped(match e.key.as_str() {
                "Restart" | "RestartSec" => "app2nix restarts on failure after 5 seconds; other restart policies are not expressible".to_string(),
                _ => "no equivalent in app2nix.toml; the module's hardened defaults apply".to_string(),
            })),
        }
    }

    /// `ExecStartPre=`: a task run before the processes, unless the command holds a secret.
    fn exec_start_pre(&mut self, input: &Input, name: &str, e: &UnitEntry, what: String) {
        let command = e.value.trim_start_matches(['-', '@', '+', '!']).to_string();
        if secrets::command_secret(&words(&command)).is_some() {
            self.add(
                &input.name,
                e.line,
                what,
                Outcome::Unmapped(super::SECRET_IN_COMMAND.into()),
            );
            return;
        }
        let task = format!("{name}-pre");
        self.draft.tasks.insert(
            task.clone(),
            Task {
                command: Some(command),
                ..Task::default()
            },
        );
        self.add(
            &input.name,
            e.line,
            what,
            Outcome::Mapped(format!("[tasks.{task}], run before the processes")),
        );
    }

    /// `SetCredential=NAME:value` / `LoadCredential=NAME:path`: a secret by definition; the
    /// value is never copied.
    fn credential(&mut self, input: &Input, e: &UnitEntry) {
        let cred = e.value.split(':').next().unwrap_or("").to_string();
        let shown = format!("{}={cred}:…", e.key);
        if crate::model::is_env_name(&cred) {
            self.draft.secrets.insert(cred.clone(), "file".into());
            self.add(&input.name, e.line, shown, Outcome::Mapped(format!(
                "[secrets] {cred} = \"file\": the app reads the path in {cred}_FILE (the value is not copied: encrypt it with `agenix -e`)"
            )));
        } else {
            self.add(&input.name, e.line, shown, Outcome::Unmapped("a credential whose name is not a variable name: declare it under [secrets] by hand".into()));
        }
    }

    /// A unit's process name: what follows the app's name (`nanotrace-auth` → `auth`), `web`
    /// for the app's own unit, else the unit's name.
    fn process_name_for_unit(&self, stem: &str) -> String {
        let app = self.app_name_guess();
        match stem.strip_prefix(&format!("{app}-")) {
            Some(rest) if !rest.is_empty() => slug(rest),
            _ if stem == app => "web".into(),
            _ => slug(stem),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_keep_lines_and_continuations() {
        let u = systemd_unit("[Service]\n# c\nExecStart=/bin/x \\\n  --flag\nUser=me\n");
        assert_eq!(u[0].value, "/bin/x --flag");
        assert_eq!((u[1].key.as_str(), u[1].line), ("User", 5));
        // Comment lines between a value's lines are not part of it.
        let u = systemd_unit("[Service]\nExecStart=/bin/sh -c '\\\n  # why \\\n  exec x'\n");
        assert_eq!(u[0].value, "/bin/sh -c ' exec x'");
    }

    /// `WorkingDirectory=`: the report says where the units run (the source tree, as the
    /// module's `workingDirectory`), not the state directory.
    #[test]
    fn working_directory_is_reported_as_the_source_tree() {
        let unit = format!(
            "{}WorkingDirectory=/srv/app\n",
            crate::import::testing::UNIT
        );
        let (_, report) = crate::import::testing::imported(&[("app.service", &unit)]);
        let line = report
            .lines()
            .find(|l| l.contains("WorkingDirectory=/srv/app"))
            .expect("reported");
        assert!(
            line.contains("run in the application's source tree, `src = \".\"`"),
            "{line}"
        );
        assert!(!line.contains("units run in the state directory"), "{line}");
    }
}
