//! What a command line is, whatever file it was found in: a web server and the application it
//! serves, a background worker or scheduler, a migration, a build step, another management
//! command, a script, a wait for the database, a development server, an administrator's tool,
//! an installation step. One classification for every reader, so `python3 manage.py
//! collectstatic` means the same in a Dockerfile, a Procfile and an upgrade script.
//!
//! It calls nothing but [`crate::import`]'s file-name helper; it reads no file.

/// Web servers app2nix can run (or run a drop-in for).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum ServerKind {
    /// gunicorn (`module:app`, `'module:create_app()'`).
    Gunicorn,
    /// uvicorn (`module:app`, `--factory`).
    Uvicorn,
    /// `fastapi run` (uvicorn underneath; the app from `--entrypoint`, a path, or
    /// `[tool.fastapi] entrypoint`).
    FastapiRun,
    /// uWSGI (`--module`, `--wsgi-file`, an ini file).
    Uwsgi,
    /// granian (`--interface wsgi|asgi`).
    Granian,
    /// hypercorn (ASGI).
    Hypercorn,
    /// daphne (ASGI, Django Channels).
    Daphne,
    /// waitress (WSGI).
    Waitress,
}

/// What a command does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Role {
    /// A web server.
    Server(ServerKind),
    /// A background worker of a task queue (`celery`, `rq`, `dramatiq`, `huey`, `arq`,
    /// `django-q`).
    Worker(&'static str),
    /// A periodic-task scheduler (`celery beat`, `rqscheduler`).
    Scheduler(&'static str),
    /// A schema migration.
    Migrate,
    /// A build step: its output belongs in the package (static files, compiled translations).
    Build,
    /// Another command of the app's framework or CLI (`manage.py sendalerts`, `fitness
    /// bootstrap`), by its name.
    Management(String),
    /// `python path/to/script.py`: a script of the project.
    Script(String),
    /// Waits for the database or another service: systemd's ordering does that.
    Wait,
    /// A development server.
    Dev,
    /// An administrator's interactive or monitoring tool.
    Admin,
    /// Installs or prepares the container's file system.
    Install,
    /// Shell plumbing (`echo`, `set`, `exit`…).
    Plumbing,
    /// Anything else.
    Other,
}

/// Commands of Django's `manage.py` that build files into the package.
const DJANGO_BUILD: &[&str] = &[
    "collectstatic",
    "compress",
    "compilemessages",
    "compilescss",
];
/// Commands of Django's `manage.py` that migrate.
const DJANGO_MIGRATE: &[&str] = &["migrate", "migrate_schemas"];
/// Interactive or diagnostic Django commands.
const DJANGO_ADMIN: &[&str] = &[
    "createsuperuser",
    "changepassword",
    "shell",
    "shell_plus",
    "dbshell",
    "showmigrations",
    "makemigrations",
    "check",
    "test",
    "diffsettings",
    "inspectdb",
    "sqlmigrate",
    "dumpdata",
];
/// Django commands that wait for the database.
const DJANGO_WAIT: &[&str] = &["wait_for_db", "wait_for_database", "waitfordb"];
/// Django commands that run a task queue's worker, by queue system.
const DJANGO_WORKERS: &[(&str, &str)] = &[
    ("rqworker", "rq"),
    ("rqworker-pool", "rq"),
    ("run_huey", "huey"),
    ("qcluster", "django-q"),
    ("celery", "celery"),
    ("process_tasks", "background-tasks"),
    ("db_worker", "django-tasks"),
];
/// Django commands that run a scheduler.
const DJANGO_SCHEDULERS: &[(&str, &str)] = &[("rqscheduler", "rq")];

/// Programs that install or prepare a container's file system, never part of a deployment.
const INSTALL: &[&str] = &[
    "pip",
    "pip3",
    "pipx",
    "poetry",
    "pipenv",
    "apt-get",
    "apt",
    "apk",
    "yum",
    "dnf",
    "microdnf",
    "chown",
    "chmod",
    "chgrp",
    "mkdir",
    "cp",
    "mv",
    "rm",
    "ln",
    "useradd",
    "adduser",
    "addgroup",
    "groupadd",
    "usermod",
    "curl",
    "wget",
    "tar",
    "unzip",
    "git",
    "touch",
    "install",
    "update-ca-certificates",
    "locale-gen",
    "ldconfig",
    "find",
    "sed",
    "cat",
    "tee",
    "setcap",
    "venv",
    "virtualenv",
    "ensurepip",
];
/// Shell plumbing.
const PLUMBING: &[&str] = &[
    "echo", "printf", "set", "exit", "return", "true", "false", ":", "test", "[", "[[", "cd",
    "export", "source", ".", "shift", "trap", "unset", "local", "read", "wait", "break",
    "continue", "eval", "umask", "ulimit", "cd", "pushd", "popd", "env", "exec", "sleep", "date",
    "whoami", "id", "ls", "pwd", "which", "command", "type", "hash", "sh", "bash",
];
/// Waits for a service.
const WAITERS: &[&str] = &[
    "wait-for-it",
    "wait-for-it.sh",
    "wait-for",
    "wait-for.sh",
    "dockerize",
    "pg_isready",
    "nc",
    "netcat",
    "timeout",
    "until",
];

/// The last component of a path.
fn base(w: &str) -> &str {
    w.rsplit('/').next().unwrap_or(w)
}

/// The command without its wrappers (`exec`, `uv run`, `poetry run`, `pipenv run`,
/// `python -m X`, `env A=b`, `nice`, `su-exec user`, `gosu user`, `tini --`) and with the
/// program's directory dropped (`/opt/venv/bin/gunicorn` → `gunicorn`): the words that say
/// what it is.
pub(super) fn unwrap(argv: &[String]) -> Vec<String> {
    let mut a: Vec<String> = argv.to_vec();
    loop {
        let Some(first) = a.first().map(|f| base(f).to_string()) else {
            return a;
        };
        let two = |x: &str| a.get(1).is_some_and(|s| s == x);
        let drop = match first.as_str() {
            "exec" | "nice" | "nohup" | "time" | "stdbuf" => 1,
            "uv" | "poetry" | "pipenv" | "pdm" | "hatch" | "rye" if two("run") => {
                // `uv run --no-sync gunicorn`: options of the runner go too.
                2 + a[2..].iter().take_while(|w| w.starts_with('-')).count()
            }
            "tini" | "dumb-init" => 1 + a[1..].iter().take_while(|w| w.starts_with('-')).count(),
            "gosu" | "su-exec" | "chpst" | "setpriv" => 2,
            "env" => {
                1 + a[1..]
                    .iter()
                    .take_while(|w| w.contains('=') || w.starts_with('-'))
                    .count()
            }
            p if is_python(p) && two("-m") => 2,
            p if is_python(p) => {
                // `python -u manage.py`: interpreter options go; `python manage.py x` is
                // `manage.py x`; `python -c CODE` stays (it is code, not a script).
                let opts = a[1..]
                    .iter()
                    .take_while(|w| w.starts_with('-') && *w != "-m" && *w != "-c")
                    .count();
                match a.get(1 + opts).map(String::as_str) {
                    Some("-m") => 2 + opts,
                    Some(script) if script.ends_with(".py") => 1 + opts,
                    _ => 0,
                }
            }
            _ => 0,
        };
        if drop == 0 || drop > a.len() {
            // `/opt/venv/bin/gunicorn` is gunicorn; a script keeps its path.
            if let Some(f) = a.first_mut().filter(|f| !f.ends_with(".py")) {
                *f = base(f).to_string();
            }
            return a;
        }
        a.drain(..drop);
    }
}

/// `python`, `python3`, `python3.12`.
pub(super) fn is_python(p: &str) -> bool {
    p == "python"
        || p.strip_prefix("python3")
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
}

/// The framework subcommand a command runs (`manage.py migrate` → `migrate`, `flask db upgrade`
/// → `db upgrade`, `django-admin compilemessages` → `compilemessages`), with the rest of its
/// words.
pub(super) fn subcommand(words: &[String]) -> Option<(&'static str, String, &[String])> {
    let first = words.first()?;
    if first == "manage.py"
        || first.ends_with("/manage.py")
        || first == "django-admin"
        || first == "django"
    {
        let cmd = words.iter().skip(1).find(|w| !w.starts_with('-'))?;
        let at = words.iter().position(|w| w == cmd)?;
        return Some(("django", cmd.clone(), &words[at + 1..]));
    }
    if first == "flask" {
        // `flask --app x db upgrade`: skip the CLI's own options.
        let mut i = 1;
        while let Some(w) = words.get(i) {
            if w == "--app" || w == "-A" || w == "--env-file" || w == "-e" {
                i += 2;
            } else if w.starts_with('-') {
                i += 1;
            } else {
                break;
            }
        }
        let group = words.get(i)?;
        let cmd = match words.get(i + 1).filter(|w| !w.starts_with('-')) {
            Some(sub) if ["db", "translate", "assets", "digest"].contains(&group.as_str()) => {
                format!("{group} {sub}")
            }
            _ => group.clone(),
        };
        return Some(("flask", cmd, &words[i..]));
    }
    None
}

/// What `argv` does. `scripts` are the project's own console scripts (`[project.scripts]`),
/// whose subcommands are management commands of the app.
pub(super) fn classify(argv: &[String], scripts: &[String]) -> Role {
    let w = unwrap(argv);
    let Some(prog) = w.first().map(String::as_str) else {
        return Role::Plumbing;
    };
    if let Some((framework, cmd, rest)) = subcommand(&w) {
        return framework_command(framework, &cmd, rest);
    }
    match prog {
        "gunicorn" => return Role::Server(ServerKind::Gunicorn),
        "uvicorn" => {
            return if w.iter().any(|a| a == "--reload") {
                Role::Dev
            } else {
                Role::Server(ServerKind::Uvicorn)
            };
        }
        "uwsgi" => return Role::Server(ServerKind::Uwsgi),
        "granian" => {
            return if w.iter().any(|a| a == "--reload") {
                Role::Dev
            } else {
                Role::Server(ServerKind::Granian)
            };
        }
        "hypercorn" => return Role::Server(ServerKind::Hypercorn),
        "daphne" => return Role::Server(ServerKind::Daphne),
        "waitress-serve" => return Role::Server(ServerKind::Waitress),
        "fastapi" => {
            return match w.get(1).map(String::as_str) {
                Some("run") => Role::Server(ServerKind::FastapiRun),
                Some("dev") => Role::Dev,
                _ => Role::Other,
            };
        }
        "celery" => return celery(&w),
        "rq" => return rq(&w),
        "rqworker" => return Role::Worker("rq"),
        "rqscheduler" => return Role::Scheduler("rq"),
        "dramatiq" => return Role::Worker("dramatiq"),
        "huey_consumer" | "huey_consumer.py" => return Role::Worker("huey"),
        "arq" => return Role::Worker("arq"),
        "alembic" => {
            return match w.get(1).map(String::as_str) {
                Some("upgrade") => Role::Migrate,
                _ => Role::Admin,
            };
        }
        "pybabel" => {
            return match w.get(1).map(String::as_str) {
                Some("compile") => Role::Build,
                _ => Role::Admin,
            };
        }
        "npm" | "yarn" | "pnpm" | "bun" | "npx" | "sass" | "node" | "msgfmt" => {
            return node_or_build(&w);
        }
        "flower" => return Role::Admin,
        _ => {}
    }
    if WAITERS.contains(&prog) {
        return Role::Wait;
    }
    if INSTALL.contains(&prog) {
        return Role::Install;
    }
    if PLUMBING.contains(&prog) {
        return Role::Plumbing;
    }
    if is_python(prog) {
        // `python -c CODE`, `python` alone.
        return Role::Other;
    }
    if prog.ends_with(".py") {
        let script = prog.to_string();
        // The script as written (`app/initial_data.py`), not its base name.
        let written = argv
            .iter()
            .find(|a| a.ends_with(".py"))
            .cloned()
            .unwrap_or(script);
        return if is_wait_script(&written) {
            Role::Wait
        } else if written.is_empty() {
            Role::Other
        } else {
            Role::Script(written)
        };
    }
    if scripts.iter().any(|s| s == prog) {
        let sub = w.iter().skip(1).find(|a| !a.starts_with('-'));
        return match sub {
            Some(s) if DJANGO_MIGRATE.contains(&s.as_str()) => Role::Migrate,
            Some(s) if DJANGO_BUILD.contains(&s.as_str()) => Role::Build,
            Some(s) => Role::Management(s.clone()),
            None => Role::Other,
        };
    }
    Role::Other
}

/// A Django or Flask subcommand.
fn framework_command(framework: &str, cmd: &str, rest: &[String]) -> Role {
    // A task queue's command group under the app's CLI (Flask-RQ2's `flask rq worker`, a
    // `manage.py rq scheduler`, `manage.py celery worker`): what the queue's own CLI does
    // with the same words.
    if cmd == "rq" || cmd == "celery" {
        // Flask's words start at the group; Django's follow the command.
        let after = rest
            .strip_prefix(std::slice::from_ref(&cmd.to_string()))
            .unwrap_or(rest);
        let mut words = vec![cmd.to_string()];
        words.extend(after.iter().cloned());
        let role = if cmd == "celery" {
            celery(&words)
        } else {
            rq(&words)
        };
        if role != Role::Other {
            return role;
        }
    }
    if framework == "django" {
        if DJANGO_MIGRATE.contains(&cmd) {
            return Role::Migrate;
        }
        if DJANGO_BUILD.contains(&cmd) {
            return Role::Build;
        }
        if cmd == "runserver" || cmd == "runserver_plus" || cmd == "runsslserver" {
            return Role::Dev;
        }
        if DJANGO_ADMIN.contains(&cmd) {
            return Role::Admin;
        }
        if DJANGO_WAIT.contains(&cmd) {
            return Role::Wait;
        }
        if let Some((_, q)) = DJANGO_WORKERS.iter().find(|(c, _)| *c == cmd) {
            return Role::Worker(q);
        }
        if let Some((_, q)) = DJANGO_SCHEDULERS.iter().find(|(c, _)| *c == cmd) {
            return Role::Scheduler(q);
        }
        if cmd == "check" && rest.iter().any(|r| r == "--database") {
            return Role::Wait;
        }
        return Role::Management(cmd.to_string());
    }
    match cmd {
        "db upgrade" => Role::Migrate,
        "translate compile" | "assets build" | "digest compile" => Role::Build,
        "run" => Role::Dev,
        "shell" | "routes" | "db migrate" | "db init" | "db revision" | "db downgrade"
        | "translate init" | "translate update" => Role::Admin,
        other => Role::Management(other.to_string()),
    }
}

/// `rq worker|scheduler|info|…`.
fn rq(w: &[String]) -> Role {
    match w.get(1).map(String::as_str) {
        Some("worker") | Some("worker-pool") => Role::Worker("rq"),
        Some("scheduler") => Role::Scheduler("rq"),
        Some("info") | Some("empty") | Some("requeue") | Some("suspend") | Some("resume") => {
            Role::Admin
        }
        _ => Role::Other,
    }
}

/// `celery -A app worker|beat|flower|…`.
fn celery(w: &[String]) -> Role {
    // The subcommand is the first word that is neither an option nor an option's value.
    let mut i = 1;
    while let Some(a) = w.get(i) {
        if a == "-A"
            || a == "--app"
            || a == "-b"
            || a == "--broker"
            || a == "--workdir"
            || a == "--config"
        {
            i += 2;
        } else if a.starts_with('-') {
            i += 1;
        } else {
            break;
        }
    }
    match w.get(i).map(String::as_str) {
        Some("worker") | Some("multi") => Role::Worker("celery"),
        Some("beat") => Role::Scheduler("celery"),
        Some("flower") | Some("events") | Some("inspect") | Some("status") | Some("purge")
        | Some("control") | Some("shell") | Some("report") => Role::Admin,
        _ => Role::Other,
    }
}

/// Node and friends: installs and builds of a frontend are build steps; a development server
/// is not.
fn node_or_build(w: &[String]) -> Role {
    let sub = w.get(1).map(String::as_str).unwrap_or("");
    let script = w.get(2).map(String::as_str).unwrap_or("");
    if w[0] == "npm"
        && (sub == "install" || sub == "i")
        && w.iter().any(|a| a == "-g" || a == "--global")
    {
        return Role::Install;
    }
    if ["dev", "start", "serve", "watch", "preview"].contains(&sub)
        || (sub == "run" && ["dev", "start", "serve", "watch", "preview"].contains(&script))
    {
        return Role::Dev;
    }
    Role::Build
}

/// A script whose name says it waits for a service (`ping.py`, `backend_pre_start.py`,
/// `wait_for_db.py`, `check_db.py`).
pub(super) fn is_wait_script(path: &str) -> bool {
    let name = base(path).trim_end_matches(".py").to_ascii_lowercase();
    name == "ping"
        || name.contains("wait")
        || name.contains("pre_start")
        || name.contains("prestart_check")
        || name.starts_with("check_db")
        || name.ends_with("_ping")
}

/// The application a server command serves (`module:app`, `'module:create_app()'`), as written
/// among its words: the first positional argument that looks like one, or the value of the
/// server's option that names it.
pub(super) fn app_target(kind: &ServerKind, argv: &[String]) -> Option<String> {
    let w = unwrap(argv);
    let opt = |names: &[&str]| -> Option<String> {
        for (i, a) in w.iter().enumerate() {
            for n in names {
                if a == n {
                    return w.get(i + 1).cloned();
                }
                if let Some(v) = a.strip_prefix(&format!("{n}=")) {
                    return Some(v.to_string());
                }
            }
        }
        None
    };
    match kind {
        ServerKind::Uwsgi => {
            if let Some(m) = opt(&["--module", "-w", "--wsgi"]) {
                return Some(if m.contains(':') {
                    m
                } else {
                    format!("{m}:application")
                });
            }
            return None;
        }
        ServerKind::FastapiRun => {
            if let Some(e) = opt(&["--entrypoint", "-e"]) {
                return Some(e);
            }
        }
        ServerKind::Waitress if w.iter().any(|a| a == "--call") => {
            return w.iter().rev().find(|a| looks_like_target(a)).map(|t| {
                if t.ends_with(')') {
                    t.clone()
                } else {
                    format!("{t}()")
                }
            });
        }
        _ => {}
    }
    // Options that take a value, so their values are not taken for the app.
    let valued = [
        "-b",
        "--bind",
        "-w",
        "--workers",
        "-k",
        "--worker-class",
        "-c",
        "--config",
        "-t",
        "--timeout",
        "--host",
        "--port",
        "--uds",
        "--log-level",
        "--access-logfile",
        "--error-logfile",
        "--worker-tmp-dir",
        "--threads",
        "--max-requests",
        "--max-requests-jitter",
        "--keep-alive",
        "--chdir",
        "--pythonpath",
        "-e",
        "--env",
        "--name",
        "-n",
        "--interface",
        "--graceful-timeout",
        "--forwarded-allow-ips",
        "--root-path",
        "--timeout-keep-alive",
        "-u",
        "--user",
        "-g",
        "--group",
        "--pid",
        "-p",
        "--listen",
        "--limit-max-requests",
        "--log-config",
        "--proxy-headers-allowed",
    ];
    let mut i = 1;
    let mut module = None;
    while let Some(a) = w.get(i) {
        if valued.contains(&a.as_str()) {
            i += 2;
            continue;
        }
        if !a.starts_with('-') && looks_like_target(a) {
            return Some(a.clone());
        }
        if !a.starts_with('-') && looks_like_target(&format!("{a}:application")) {
            module = Some(a.clone());
        }
        i += 1;
    }
    // gunicorn takes a bare module with its default variable `application`.
    match kind {
        ServerKind::Gunicorn => module.map(|m| format!("{m}:application")),
        _ => None,
    }
}

/// `pkg.module:variable` or `pkg.module:factory()` (with arguments), or a bare module path a
/// server takes with its default variable (`pulse.wsgi` for uWSGI's `module`).
pub(super) fn looks_like_target(s: &str) -> bool {
    let (module, var) = match s.split_once(':') {
        Some((m, v)) => (m, v),
        None => return false,
    };
    let ident = |t: &str| {
        !t.is_empty()
            && t.split('.').all(|p| {
                !p.is_empty()
                    && p.chars()
                        .next()
                        .is_some_and(|c| c.is_alphabetic() || c == '_')
                    && p.chars().all(|c| c.is_alphanumeric() || c == '_')
            })
    };
    let var_name = var.split('(').next().unwrap_or("");
    ident(module) && ident(var_name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Vec<String> {
        crate::shell::words(s)
    }

    #[test]
    fn roles_of_common_commands() {
        let none: Vec<String> = Vec::new();
        let cases: &[(&str, Role)] = &[
            (
                "exec gunicorn 'Arena:create_app()' --bind 0.0.0.0:8000",
                Role::Server(ServerKind::Gunicorn),
            ),
            (
                "/opt/venv/bin/gunicorn --config /opt/x.py inventory.wsgi",
                Role::Server(ServerKind::Gunicorn),
            ),
            ("python3 manage.py collectstatic --no-input", Role::Build),
            ("./manage.py compress", Role::Build),
            ("python -m django migrate --noinput", Role::Migrate),
            ("flask db upgrade", Role::Migrate),
            ("flask --app x translate compile", Role::Build),
            ("pybabel compile -d app/translations", Role::Build),
            ("alembic upgrade head", Role::Migrate),
            (
                "celery --app fitness worker --pool=gevent",
                Role::Worker("celery"),
            ),
            (
                "celery -A proj beat --schedule /x",
                Role::Scheduler("celery"),
            ),
            ("celery -A proj flower", Role::Admin),
            ("rq worker blog-tasks", Role::Worker("rq")),
            (
                "python3 /opt/inventory/inventory/manage.py rqworker high default low",
                Role::Worker("rq"),
            ),
            (
                "./manage.py sendalerts --skip-checks",
                Role::Management("sendalerts".into()),
            ),
            ("python manage.py runserver 0.0.0.0:8000", Role::Dev),
            ("uvicorn main:app --reload", Role::Dev),
            (
                "fastapi run --workers 4",
                Role::Server(ServerKind::FastapiRun),
            ),
            ("fastapi dev app/main.py", Role::Dev),
            ("python ping.py", Role::Wait),
            ("python app/backend_pre_start.py", Role::Wait),
            (
                "python app/initial_data.py",
                Role::Script("app/initial_data.py".into()),
            ),
            ("pip install -r requirements.txt", Role::Install),
            ("npm ci", Role::Build),
            ("npm run dev", Role::Dev),
            ("npm install -g sass", Role::Install),
            (
                "uv run --no-sync gunicorn app:app",
                Role::Server(ServerKind::Gunicorn),
            ),
            ("manage.py createsuperuser", Role::Admin),
            ("flask rq worker", Role::Worker("rq")),
            ("./manage.py rq scheduler", Role::Scheduler("rq")),
            ("./manage.py rq worker high low", Role::Worker("rq")),
            (
                "python manage.py celery -A proj beat",
                Role::Scheduler("celery"),
            ),
            (
                "uwsgi /opt/hc/docker/uwsgi.ini",
                Role::Server(ServerKind::Uwsgi),
            ),
        ];
        for (cmd, role) in cases {
            assert_eq!(&classify(&v(cmd), &none), role, "{cmd}");
        }
        let scripts = vec!["fitness".to_string()];
        assert_eq!(
            classify(&v("fitness bootstrap --no-process-static"), &scripts),
            Role::Management("bootstrap".into())
        );
    }

    #[test]
    fn app_targets() {
        assert_eq!(
            app_target(
                &ServerKind::Gunicorn,
                &v("gunicorn 'Arena:create_app()' --bind '0.0.0.0:8000' --workers 1")
            ),
            Some("Arena:create_app()".into())
        );
        assert_eq!(
            app_target(
                &ServerKind::Gunicorn,
                &v("gunicorn -b :5000 --access-logfile - blog:app")
            ),
            Some("blog:app".into())
        );
        assert_eq!(
            app_target(&ServerKind::Uwsgi, &v("uwsgi --module pulse.wsgi")),
            Some("pulse.wsgi:application".into())
        );
        assert_eq!(
            app_target(&ServerKind::FastapiRun, &v("fastapi run --workers 4")),
            None
        );
        assert_eq!(
            app_target(
                &ServerKind::Gunicorn,
                &v(
                    "gunicorn --pythonpath /opt/inventory/inventory --config /opt/inventory/gunicorn.py inventory.wsgi"
                )
            ),
            Some("inventory.wsgi:application".into())
        );
    }
}
