//! The web process and its health check, from what the sources declare ([`super::sources`]):
//! Django's WSGI/ASGI setting, a Flask factory's call, an application object or a factory
//! gunicorn calls (when the Procfile has no `web:` line), then the settings of a
//! `gunicorn.conf.py`, a loopback listen address behind nginx, and a health route.
//!
//! It may call import's gunicorn configuration mapper (the settings of `gunicorn.conf.py`, its
//! `raw_env` through import's variable classification; through [`Init::importing`]),
//! [`crate::draft`] and [`crate::model`].

use super::Init;
use super::sources::Found;
use crate::draft::{Outcome, Process, ProcessKind, Source};
use crate::import::gunicorn::Overrides;

/// A WSGI/ASGI target: `module:variable`, whether it is ASGI, and the framework.
type Target = (String, bool, &'static str);

impl Init<'_> {
    /// The web process the sources declare, with its framework (`""` when none is found).
    pub(super) fn application(&mut self) -> (Option<Process>, &'static str) {
        let found = std::mem::take(&mut self.found);
        let out = self.application_of(&found);
        self.found = found;
        out
    }

    fn application_of(&mut self, found: &Found) -> (Option<Process>, &'static str) {
        let target = self.app_target(found);
        if found.apps.len() + found.django.len() > 1 {
            for (m, v, f, l, fw) in found.apps.iter().skip(1) {
                self.report.add(
                    Source::new(f, *l),
                    format!("{v} = {fw}(…) in {m}"),
                    Outcome::Unmapped(
                        "another application object: add a process for it if it is served too"
                            .into(),
                    ),
                );
            }
        }
        let Some((target, asgi, framework)) = target else {
            return (None, "");
        };
        let p = Process {
            kind: if asgi {
                ProcessKind::Asgi(target)
            } else {
                ProcessKind::Wsgi(target)
            },
            listen: Some("127.0.0.1:8000".into()),
            ..Process::default()
        };
        (Some(p), framework)
    }

    /// The application to serve, in order of certainty: Django's setting, a module calling a
    /// factory, an application object (preferably in a `wsgi`, `main` or `app` module), a
    /// factory gunicorn calls.
    fn app_target(&mut self, found: &Found) -> Option<Target> {
        if let Some(django) = found.django.first() {
            return Some(self.django(django));
        }
        // Modules that are scripts (an export, a seed, a dev server) may do work when imported:
        // never serve one.
        let app_module = |m: &str| !is_script_module(m);
        // Several modules may call the factory (a WSGI entry point, a Celery worker's bootstrap):
        // the one named for the server wins, as deployment guides point gunicorn at it.
        if let Some((m, v, f, c, l)) = found
            .factory_calls
            .iter()
            .filter(|(m, _, f, _, _)| {
                app_module(m) && found.factories.iter().any(|(_, n, _, _)| n == f)
            })
            .min_by_key(|(m, _, _, _, _)| server_module_rank(m))
        {
            let t = format!("{}:{v}", self.relative_module(m));
            let asgi = found
                .asgi_factories
                .iter()
                .find(|(n, _)| n == f)
                .map(|(_, fw)| *fw);
            self.report.add(
                Source::new(c, *l),
                format!("{v} = {f}()"),
                Outcome::Mapped(format!(
                    "{} `{t}` (application factory `{f}`{})",
                    if asgi.is_some() {
                        "uvicorn"
                    } else {
                        "gunicorn"
                    },
                    asgi.map(|fw| format!(", {fw}")).unwrap_or_default()
                )),
            );
            return Some((t, asgi.is_some(), asgi.unwrap_or("Flask")));
        }
        let apps: Vec<_> = found.apps.iter().filter(|a| app_module(&a.0)).collect();
        if let Some((m, v, f, l, fw)) = apps
            .iter()
            .find(|a| {
                a.0.ends_with("wsgi")
                    || a.0.ends_with("main")
                    || a.0.ends_with("app")
                    || a.0.ends_with("asgi")
            })
            .or(apps.first())
            .copied()
        {
            let asgi = *fw != "Flask";
            let t = format!("{}:{v}", self.relative_module(m));
            self.report.add(
                Source::new(f, *l),
                format!("{v} = {fw}(…)"),
                Outcome::Mapped(format!(
                    "{} `{t}` ({fw})",
                    if asgi { "uvicorn" } else { "gunicorn" }
                )),
            );
            return Some((t, asgi, fw));
        }
        let (m, fname, f, l) = found.factories.iter().find(|x| app_module(&x.0))?;
        let t = format!("{}:{fname}()", self.relative_module(m));
        let asgi = found
            .asgi_factories
            .iter()
            .find(|(n, _)| n == fname)
            .map(|(_, fw)| *fw);
        let server = if asgi.is_some() {
            "uvicorn"
        } else {
            "gunicorn"
        };
        self.report.add(
            Source::new(f, *l),
            format!("def {fname}()"),
            Outcome::Decided(format!(
                "{server} `{t}`: no module calls the factory, so {server} calls it"
            )),
        );
        Some((t, asgi.is_some(), asgi.unwrap_or("Flask")))
    }

    /// Django's `WSGI_APPLICATION` / `ASGI_APPLICATION`: the target (the settings module is
    /// decided with the environment).
    fn django(&mut self, django: &(String, String, bool, String, usize)) -> Target {
        let (_, target, asgi, file, l) = django;
        let (m, v) = target.rsplit_once('.').unwrap_or((target, "application"));
        let t = format!("{m}:{v}");
        self.report.add(
            Source::new(file, *l),
            format!(
                "{} = {target:?}",
                if *asgi {
                    "ASGI_APPLICATION"
                } else {
                    "WSGI_APPLICATION"
                }
            ),
            Outcome::Mapped(format!(
                "{} `{t}` (Django)",
                if *asgi { "uvicorn" } else { "gunicorn" }
            )),
        );
        (t, *asgi, "Django")
    }

    /// `[processes.web]`: `web` with gunicorn.conf.py's settings, on loopback behind nginx; or
    /// the finding that there is none.
    pub(super) fn web_process(&mut self, web: Option<Process>) {
        let found = std::mem::take(&mut self.found);
        self.web_process_of(web, &found);
        self.found = found;
    }

    fn web_process_of(&mut self, web: Option<Process>, found: &Found) {
        let Some(mut p) = web else {
            self.report.add(Source::new(".", 0), "web process", Outcome::Unmapped("no Django settings, Flask or FastAPI application, or Procfile `web:` line found: add [processes.web] by hand".into()));
            return;
        };
        // Mapped by import's mapper, as a gunicorn command's `-c FILE` is; the application is
        // the one found in the sources.
        let over = Overrides {
            set: vec!["wsgi_app", "worker_class"],
            by: "the application found in the sources",
        };
        for (f, settings) in &found.gunicorn {
            self.importing(|im| {
                im.gunicorn_settings(f, settings, &mut p, &over, "the web process's env")
            });
        }
        let has_bind = found
            .gunicorn
            .iter()
            .any(|(_, settings)| settings.iter().any(|s| s.name == "bind"));
        if p.listen
            .as_deref()
            .is_some_and(|l| l.starts_with("0.0.0.0"))
        {
            let port = p
                .listen
                .as_deref()
                .and_then(|l| l.rsplit_once(':'))
                .map(|(_, p)| p.to_string())
                .unwrap_or_else(|| "8000".into());
            p.listen = Some(format!("127.0.0.1:{port}"));
        }
        if p.listen.is_none() && matches!(p.kind, ProcessKind::Wsgi(_) | ProcessKind::Asgi(_)) {
            p.listen = Some("127.0.0.1:8000".into());
        }
        if p.listen.as_deref() == Some("127.0.0.1:8000") && !has_bind {
            self.report.add(
                Source::new(".", 0),
                "listen address",
                Outcome::Decided("127.0.0.1:8000 behind nginx".into()),
            );
        }
        self.draft.processes.insert("web".into(), p);
    }
}

/// How surely a module is the one a server imports: `wsgi` / `asgi` first, then `main` /
/// `app`, then any other (a worker's bootstrap that also builds the app).
fn server_module_rank(module: &str) -> u8 {
    let last = module.rsplit('.').next().unwrap_or(module);
    if last.ends_with("wsgi") || last.ends_with("asgi") {
        0
    } else if last.ends_with("main") || last.ends_with("app") {
        1
    } else {
        2
    }
}

/// A module whose name says it is a script run by hand (`export`, `populate`, `manage`):
/// importing it may do its work.
fn is_script_module(module: &str) -> bool {
    let last = module.rsplit('.').next().unwrap_or(module);
    [
        "export",
        "import",
        "populate",
        "manage",
        "serve",
        "cli",
        "shell",
        "seed",
        "setup",
        "conftest",
        "run",
        "debug",
        "dev",
        "fabfile",
        "tasks",
        "worker",
        "ping",
        "initial_data",
    ]
    .contains(&last)
        || last.starts_with("test")
}
