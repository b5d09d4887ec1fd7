//! Process managers' files shipped in the tree: a Procfile (`web`, `worker`, `release`, chains
//! with `;` / `&&`), uWSGI ini files (`module`, `wsgi-file`, `processes`, `attach-daemon`,
//! `hook-pre-app`), supervisor programs, systemd units (`contrib/*.service`) and the nginx
//! configuration beside them (body size, unbuffered locations, static aliases), and upgrade
//! scripts an operator runs (`upgrade.sh`).
//!
//! It may call [`super::script`], import's readers (systemd units, nginx) and the project's
//! files; it adds facts to the evidence and decides nothing.

use super::evidence::{Command, EnvValue, Evidence, Origin, RouteHint};
use super::scan::Project;
use super::script;
use crate::draft::Source;
use crate::import::parse::{Directive, nginx, systemd_unit};

/// Directories whose files are tests, examples or documentation, not the deployment.
fn incidental(rel: &str) -> bool {
    rel.split('/').any(|c| {
        let c = c.to_ascii_lowercase();
        c == "tests"
            || c == "test"
            || c == "docs"
            || c == "examples"
            || c == "example"
            || c.starts_with("test_")
    })
}

/// Read every process manager's file of the project.
pub(super) fn read(project: &Project, ev: &mut Evidence) {
    procfile(project, ev);
    for rel in project.names.iter().filter(|n| !incidental(n)) {
        let base = rel.rsplit('/').next().unwrap_or(rel);
        if base.ends_with(".ini") {
            if let Some(t) = project.read(rel)
                && t.contains("[uwsgi]")
            {
                uwsgi(rel, &t, ev, Origin::UwsgiDaemon);
            }
        } else if base.ends_with(".service") {
            if let Some(t) = project.read(rel) {
                unit(rel, &t, ev);
            }
        } else if base.ends_with(".conf")
            || base.starts_with("supervisord")
            || rel.contains("nginx")
        {
            let Some(t) = project.read(rel) else { continue };
            if t.contains("[program:") {
                supervisor(rel, &t, ev);
            } else if t.contains("location")
                || t.contains("server {")
                || t.contains("client_max_body_size")
            {
                nginx_conf(rel, &t, ev);
            }
        } else if is_upgrade_script(base)
            && let Some(t) = project.read(rel)
        {
            release_script(rel, &t, ev);
        }
    }
}

/// Scripts an operator runs to install or upgrade a deployment: each command a release step.
fn is_upgrade_script(base: &str) -> bool {
    matches!(
        base,
        "upgrade.sh"
            | "update.sh"
            | "install.sh"
            | "release.sh"
            | "prestart.sh"
            | "pre-start.sh"
            | "migrate.sh"
    )
}

/// A Procfile: the final command of each line is that kind's process; the commands a line's
/// chain runs before it (`flask db upgrade; gunicorn app:app`) run before it starts.
fn procfile(project: &Project, ev: &mut Evidence) {
    let Some(text) = project.read("Procfile") else {
        return;
    };
    for (i, l) in text.lines().enumerate() {
        let Some((kind, cmd)) = l.split_once(':') else {
            continue;
        };
        let kind = kind.trim();
        if kind.is_empty() || kind.starts_with('#') || kind.contains(char::is_whitespace) {
            continue;
        }
        let s = script::read(cmd);
        let n = s.commands.len();
        for (j, c) in s.commands.into_iter().enumerate() {
            let origin = if kind == "release" {
                Origin::Procfile("release".into())
            } else if j + 1 == n {
                Origin::Procfile(kind.to_string())
            } else {
                Origin::BeforeStart
            };
            ev.commands.push(Command {
                source: Source::new("Procfile", i + 1),
                origin,
                argv: c.words,
                env: c.assigns,
                cwd: c.cwd,
                conditional: None,
            });
        }
    }
}

/// A uWSGI ini file: the app it serves (as a uWSGI command line the classification reads),
/// its daemons and its pre-app hooks. Lines inside `if-env` blocks depend on a variable the
/// deployment may not set: they are skipped; `if-not-env` blocks are what runs by default.
pub(super) fn uwsgi(rel: &str, text: &str, ev: &mut Evidence, daemon_origin: Origin) {
    let mut in_section = false;
    let mut skipping = 0usize;
    let mut server = vec!["uwsgi".to_string()];
    let mut server_line = 0;
    let mut chdir = String::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.starts_with('[') {
            in_section = line == "[uwsgi]";
            continue;
        }
        if !in_section || line.starts_with('#') || line.starts_with(';') || line.is_empty() {
            continue;
        }
        let (key, value) = match line.split_once('=') {
            Some((k, v)) => (k.trim(), v.trim()),
            None => (line, ""),
        };
        match key {
            "if-env" | "if-exists" | "if-file" | "if-dir" | "if-opt" => {
                skipping += 1;
                continue;
            }
            "if-not-env" | "if-not-exists" | "if-not-file" | "if-not-dir" | "if-not-opt" => {
                continue;
            }
            "endif" => {
                skipping = skipping.saturating_sub(1);
                continue;
            }
            _ => {}
        }
        if skipping > 0 {
            continue;
        }
        let source = Source::new(rel, i + 1);
        match key {
            "module" | "wsgi" | "wsgi-file" | "callable" | "processes" | "workers" | "threads"
            | "harakiri" => {
                server.push(format!("--{key}"));
                server.push(value.to_string());
                if server_line == 0 || key == "module" || key == "wsgi-file" {
                    server_line = i + 1;
                }
            }
            "chdir" => chdir = value.to_string(),
            "attach-daemon"
            | "attach-daemon2"
            | "smart-attach-daemon"
            | "attach-control-daemon" => {
                let cmd = value.trim_start_matches("cmd=");
                push_line(ev, &source, daemon_origin.clone(), cmd, &chdir);
            }
            "hook-pre-app" | "exec-pre-app" | "hook-asap" | "exec-asap" => {
                if let Some(cmd) = value
                    .strip_prefix("exec:")
                    .or((key.starts_with("exec")).then_some(value))
                {
                    push_line(ev, &source, Origin::UwsgiHook, cmd, &chdir);
                }
            }
            "env" => {
                if let Some((k, v)) = value.split_once('=') {
                    ev.env_values.push(EnvValue {
                        source,
                        name: k.trim().to_string(),
                        value: v.trim().to_string(),
                        example: false,
                    });
                }
            }
            _ => {}
        }
    }
    if server_line > 0 {
        ev.commands.push(Command {
            source: Source::new(rel, server_line),
            origin: Origin::Unit(format!("uwsgi {rel}")),
            argv: server,
            env: Vec::new(),
            cwd: String::new(),
            conditional: None,
        });
    }
}

fn push_line(ev: &mut Evidence, source: &Source, origin: Origin, cmd: &str, _chdir: &str) {
    let s = script::read(cmd);
    for c in s.commands {
        ev.commands.push(Command {
            source: source.clone(),
            origin: origin.clone(),
            argv: c.words,
            env: c.assigns,
            cwd: String::new(),
            conditional: None,
        });
    }
}

/// supervisor's `%(ENV_NAME)s` (the variable of its environment) as the shell's `${NAME}`, so a
/// command reads the variable instead of the expansion's literal text.
fn supervisor_env(command: &str) -> String {
    let mut out = String::new();
    let mut rest = command;
    while let Some(at) = rest.find("%(ENV_") {
        let after = &rest[at + 6..];
        let Some(end) = after.find(")s") else { break };
        let name = &after[..end];
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            break;
        }
        out.push_str(&rest[..at]);
        out.push_str(&format!("${{{name}}}"));
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    out
}

/// supervisor's `[program:x]` sections.
fn supervisor(rel: &str, text: &str, ev: &mut Evidence) {
    let mut program: Option<String> = None;
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if let Some(name) = line
            .strip_prefix("[program:")
            .and_then(|l| l.strip_suffix(']'))
        {
            program = Some(name.to_string());
            continue;
        }
        if line.starts_with('[') {
            program = None;
            continue;
        }
        let Some(name) = &program else { continue };
        let Some((k, v)) = line.split_once('=') else {
            continue;
        };
        let source = Source::new(rel, i + 1);
        match k.trim() {
            "command" => push_line(
                ev,
                &source,
                Origin::Supervisor(name.clone()),
                &supervisor_env(v.trim()),
                "",
            ),
            "environment" => {
                for pair in v.split(',') {
                    if let Some((k, val)) = pair.split_once('=') {
                        ev.env_values.push(EnvValue {
                            source: source.clone(),
                            name: k.trim().to_string(),
                            value: val.trim().trim_matches('"').to_string(),
                            example: false,
                        });
                    }
                }
            }
            _ => {}
        }
    }
}

/// The script of `sh -c SCRIPT` (`/bin/bash -c`, `bash -lc`).
fn shell_c(line: &str) -> Option<String> {
    let words = crate::shell::words(line);
    let shell = words.first()?.rsplit('/').next()?;
    if !matches!(shell, "sh" | "bash" | "dash") {
        return None;
    }
    let at = words
        .iter()
        .position(|w| w.starts_with('-') && !w.starts_with("--") && w.ends_with('c'))?;
    words.get(at + 1).cloned()
}

/// A systemd unit shipped in the tree: `ExecStart=` is a process, `ExecStartPre=` a task,
/// `Environment=` variables. A unit that is only a timer's one-shot is reported.
fn unit(rel: &str, text: &str, ev: &mut Evidence) {
    let name = rel
        .rsplit('/')
        .next()
        .unwrap_or(rel)
        .trim_end_matches(".service")
        .to_string();
    let entries = systemd_unit(text);
    let oneshot = entries
        .iter()
        .any(|e| e.key == "Type" && e.value == "oneshot");
    for e in &entries {
        let source = Source::new(rel, e.line);
        let value = e.value.trim_start_matches(['-', '@', '+', '!', ':']);
        match e.key.as_str() {
            "ExecStart" if oneshot => {
                ev.unread.push((source, format!("ExecStart= of the one-shot unit {name}: a scheduled or manual job, not a process")));
            }
            "ExecStart" => match shell_c(value) {
                // `sh -c '…; exec granian …'`: the script's final command is the process, the
                // commands before it run first.
                Some(inner) => {
                    let s = script::read(&inner);
                    let last = s.final_command().or(s.commands.len().checked_sub(1));
                    for (i, c) in s.commands.into_iter().enumerate() {
                        let origin = if Some(i) == last {
                            Origin::Unit(name.clone())
                        } else {
                            Origin::UnitPre(name.clone())
                        };
                        ev.commands.push(Command {
                            source: source.clone(),
                            origin,
                            argv: c.words,
                            env: c.assigns,
                            cwd: String::new(),
                            conditional: c.condition,
                        });
                    }
                }
                None => push_line(ev, &source, Origin::Unit(name.clone()), value, ""),
            },
            "ExecStartPre" => push_line(ev, &source, Origin::UnitPre(name.clone()), value, ""),
            "Environment" => {
                for w in crate::shell::words(&e.value) {
                    if let Some((k, v)) = w.split_once('=') {
                        ev.env_values.push(EnvValue {
                            source: source.clone(),
                            name: k.to_string(),
                            value: v.to_string(),
                            example: false,
                        });
                    }
                }
            }
            _ => {}
        }
    }
}

/// nginx configuration shipped for the app: its body size limit and the locations that must
/// not be buffered (server-sent events) or are served from files.
fn nginx_conf(rel: &str, text: &str, ev: &mut Evidence) {
    let Ok(ds) = nginx(text) else {
        ev.unread.push((
            Source::new(rel, 0),
            "nginx configuration that does not parse".into(),
        ));
        return;
    };
    let mut stack: Vec<&Directive> = ds.iter().collect();
    while let Some(d) = stack.pop() {
        if d.name == "client_max_body_size"
            && let Some(v) = d.args.first()
        {
            ev.body_size.push((v.clone(), Source::new(rel, d.line)));
        }
        if d.name == "location"
            && let Some(block) = &d.block
        {
            let path = d.args.last().cloned().unwrap_or_default();
            let off = |name: &str| {
                block
                    .iter()
                    .any(|x| x.name == name && x.args.first().is_some_and(|a| a == "off"))
            };
            if path.starts_with('/') && off("proxy_buffering") {
                ev.routes.push(RouteHint {
                    source: Source::new(rel, d.line),
                    path,
                    unbuffered: true,
                });
            }
        }
        if let Some(b) = &d.block {
            stack.extend(b.iter());
        }
    }
}

/// An upgrade or pre-start script: its commands in order, release steps (or build steps).
fn release_script(rel: &str, text: &str, ev: &mut Evidence) {
    let s = script::read(text);
    for c in s.commands {
        ev.commands.push(Command {
            source: Source::new(rel, c.line),
            origin: Origin::ReleaseScript,
            argv: c.words,
            env: c.assigns,
            cwd: c.cwd,
            conditional: c.condition,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uwsgi_ini_daemons_hooks_and_conditional_blocks() {
        let mut ev = Evidence::default();
        uwsgi(
            "docker/uwsgi.ini",
            "[uwsgi]\nif-not-env = P\nprocesses = 4\nendif =\nmodule = pulse.wsgi:application\nhook-pre-app = exec:./manage.py migrate\nattach-daemon = ./manage.py sendalerts\nif-env = SMTPD_PORT\nattach-daemon = ./manage.py smtpd\nendif =\n",
            &mut ev,
            Origin::UwsgiDaemon,
        );
        let cmds: Vec<(String, &Origin)> = ev
            .commands
            .iter()
            .map(|c| (c.argv.join(" "), &c.origin))
            .collect();
        assert_eq!(cmds.len(), 3, "{cmds:?}");
        assert_eq!(
            cmds[0],
            ("./manage.py migrate".to_string(), &Origin::UwsgiHook)
        );
        assert_eq!(
            cmds[1],
            ("./manage.py sendalerts".to_string(), &Origin::UwsgiDaemon)
        );
        assert_eq!(
            cmds[2].0,
            "uwsgi --processes 4 --module pulse.wsgi:application"
        );
    }

    #[test]
    fn supervisor_programs() {
        let mut ev = Evidence::default();
        supervisor(
            "deploy/app.conf",
            "[program:tasks]\ncommand=/srv/venv/bin/rq worker q\nenvironment=A=\"1\",B=2\n",
            &mut ev,
        );
        assert_eq!(ev.commands[0].argv, ["/srv/venv/bin/rq", "worker", "q"]);
        assert_eq!(ev.commands[0].origin, Origin::Supervisor("tasks".into()));
        assert_eq!(ev.env_values.len(), 2);
        assert_eq!(
            supervisor_env("./manage.py rq worker %(ENV_QUEUES)s -n %(process_num)s"),
            "./manage.py rq worker ${QUEUES} -n %(process_num)s"
        );
    }
}
