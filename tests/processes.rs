//! Processes, tasks and the routes to them, as the generated module runs them: each server's
//! command line, gunicorn's worker classes and options, identical units of a worker, packages
//! on a unit's PATH, unbuffered routes, tasks ordered after tasks; and what a real host needs
//! beyond a first deployment: health probes asked as nginx asks, servers trusting exactly the
//! proxies, timeouts that agree, tasks that survive a cold start, run-once tasks recorded in the
//! database, one gunicorn control socket per process.
//!
//! Each test generates a small description and reads the module (or the VM test) as text; the
//! NixOS evaluation of the same shapes runs on `tests/fixtures/workers` in `.ci/run`.

/// The generated files of `description` (module, VM test, …) in a project holding an `app/`
/// directory, by file name; `Err` with the message when it is invalid.
fn generate(description: &str) -> Result<Vec<(String, String)>, String> {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(dir.path().join("app")).expect("app");
    let file = dir.path().join("app2nix.toml");
    std::fs::write(&file, description).expect("write");
    match app2nix::generate::generate(&file, Some(&dir.path().join("out"))) {
        Ok(files) => Ok(files
            .into_iter()
            .map(|f| {
                let name = f
                    .path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                (name, f.text)
            })
            .collect()),
        Err(app2nix::generate::Failure::Invalid(msg)) => Err(msg),
        Err(e) => panic!("{e:?}"),
    }
}

/// The file named `name` among the generated ones.
fn file<'a>(files: &'a [(String, String)], name: &str) -> &'a str {
    files
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, t)| t.as_str())
        .unwrap_or_else(|| {
            panic!(
                "no {name} among {:?}",
                files.iter().map(|f| &f.0).collect::<Vec<_>>()
            )
        })
}

/// The module of `description`.
fn module(description: &str) -> String {
    let files = generate(description).unwrap_or_else(|e| panic!("{e}"));
    file(&files, "demo.nix").to_string()
}

const HEAD: &str = "[app]\nname = \"demo\"\n\n[package.python]\nsrc = \"app\"\ndependencies = [\"flask\", \"rq\"]\n";

/// A description with `body` after the app and package.
fn with(body: &str) -> String {
    format!("{HEAD}\n{body}")
}

/// The arguments of the first ExecStart= of `module` that runs `program`, in order (the quoted
/// words and the Nix expressions, as written).
fn args_of(module: &str, program: &str) -> Vec<String> {
    let start = module
        .find(&format!("/bin/{program} ${{"))
        .or_else(|| module.find(&format!("{program}}} ${{")))
        .unwrap_or_else(|| panic!("no {program} in:\n{module}"));
    let list = &module[start..];
    let open = list.find('[').expect("args");
    let close = list.find("\n            ]").expect("end of args");
    list[open + 1..close]
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| l.trim_matches('"').to_string())
        .collect()
}

fn has_pair(args: &[String], flag: &str, value: &str) -> bool {
    args.windows(2).any(|w| w[0] == flag && w[1] == value)
}

#[test]
fn gunicorn_worker_classes_threads_preload_and_jitter() {
    let m = module(&with(
        "[processes.web]\nwsgi = \"demo.wsgi:app\"\nlisten = \"127.0.0.1:8000\"\nthreads = 3\nmax_requests = 5000\nmax_requests_jitter = 500\npreload = true\naccess_log = false\n",
    ));
    let a = args_of(&m, "gunicorn");
    assert!(has_pair(&a, "--worker-class", "gthread"), "{a:?}");
    assert!(has_pair(&a, "--threads", "3"), "{a:?}");
    assert!(has_pair(&a, "--max-requests-jitter", "500"), "{a:?}");
    assert!(a.contains(&"--preload".to_string()), "{a:?}");
    assert!(!a.contains(&"--access-logfile".to_string()), "{a:?}");
    let m = module(&with(
        "[processes.web]\nwsgi = \"demo:create_app()\"\nlisten = \"127.0.0.1:8000\"\nworker_class = \"gevent\"\n",
    ));
    let a = args_of(&m, "gunicorn");
    assert!(has_pair(&a, "--worker-class", "gevent"), "{a:?}");
    // The worker class's package joins the environment.
    assert!(m.contains("ps.gevent\n"), "{m}");
    assert!(a.last().is_some_and(|l| l == "demo:create_app()"), "{a:?}");
}

#[test]
fn each_server_gets_its_own_flags_and_package() {
    let m = module(&with(
        "[processes.a]\nwsgi = \"demo.wsgi:app\"\nserver = \"granian\"\nlisten = \"127.0.0.1:8001\"\nthreads = 4\n\n[processes.b]\nasgi = \"demo.asgi:create_app()\"\nserver = \"hypercorn\"\nlisten = \"unix\"\nmax_requests = 100\nmax_requests_jitter = 10\n\n[processes.c]\nasgi = \"demo.asgi:application\"\nserver = \"daphne\"\nlisten = \"127.0.0.1:8003\"\ntimeout = 120\n\n[processes.d]\nwsgi = \"demo.wsgi:app\"\nserver = \"uwsgi\"\nlisten = \"127.0.0.1:8004\"\nworkers = 4\nthreads = 2\npreload = false\n",
    ));
    let granian = args_of(&m, "granian");
    assert!(has_pair(&granian, "--interface", "wsgi"), "{granian:?}");
    assert!(has_pair(&granian, "--blocking-threads", "4"), "{granian:?}");
    assert!(granian.contains(&"--access-log".to_string()), "{granian:?}");
    let hypercorn = args_of(&m, "hypercorn");
    assert!(
        has_pair(&hypercorn, "--bind", "unix:${cfg.processes.b.socket}"),
        "{hypercorn:?}"
    );
    assert!(
        has_pair(&hypercorn, "--max-requests-jitter", "10"),
        "{hypercorn:?}"
    );
    assert!(
        hypercorn
            .last()
            .is_some_and(|l| l == "asgi:demo.asgi:create_app()"),
        "{hypercorn:?}"
    );
    let daphne = args_of(&m, "daphne");
    assert!(has_pair(&daphne, "--http-timeout", "120"), "{daphne:?}");
    assert!(
        daphne.contains(&"--proxy-headers".to_string()),
        "{daphne:?}"
    );
    let uwsgi = args_of(&m, "uwsgi");
    assert!(has_pair(&uwsgi, "--plugin", "python3"), "{uwsgi:?}");
    assert!(has_pair(&uwsgi, "--threads", "2"), "{uwsgi:?}");
    assert!(uwsgi.contains(&"--lazy-apps".to_string()), "{uwsgi:?}");
    assert!(has_pair(&uwsgi, "--module", "demo.wsgi:app"), "{uwsgi:?}");
    assert!(m.contains("python3 = cfg.python;"), "{m}");
    for package in ["ps.granian\n", "ps.hypercorn\n", "ps.daphne\n"] {
        assert!(m.contains(package), "{package}: {m}");
    }
    // daphne is one process: no workers option.
    assert!(!m.contains("worker processes for c"), "{m}");
}

#[test]
fn uvicorn_calls_factories_and_can_stop_logging_requests() {
    let m = module(&with(
        "[processes.api]\nasgi = \"demo:create_app()\"\nlisten = \"127.0.0.1:8000\"\naccess_log = false\n",
    ));
    let a = args_of(&m, "uvicorn");
    assert!(a.contains(&"--factory".to_string()), "{a:?}");
    assert!(a.contains(&"--no-access-log".to_string()), "{a:?}");
    assert_eq!(
        a.last().map(String::as_str),
        Some("demo:create_app"),
        "{a:?}"
    );
}

#[test]
fn instances_are_identical_units_numbered_by_an_option() {
    let m = module(&with(
        "[processes.worker]\ncommand = \"rq worker --name worker-$INSTANCE\"\ninstances = 3\n",
    ));
    assert!(
        m.contains("lib.nameValuePair \"demo-worker-${toString i}\""),
        "{m}"
    );
    assert!(m.contains("environment.INSTANCE = toString i;"), "{m}");
    assert!(
        m.contains("lib.range 1 cfg.processes.worker.instances"),
        "{m}"
    );
    assert!(m.contains("default = 3;"), "{m}");
    let files = generate(&with(
        "[processes.worker]\ncommand = \"rq worker\"\ninstances = 2\n",
    ))
    .expect("valid");
    let py = file(&files, "demo-vm-test.py");
    assert!(
        py.contains("\"demo-worker-1.service\"") && py.contains("\"demo-worker-2.service\""),
        "{py}"
    );
}

#[test]
fn packages_on_a_units_path() {
    let files = generate(&with(
        "[processes.worker]\ncommand = \"rq worker\"\npath = [\"git\", \"poppler-utils\"]\n\n[tasks.thumbnails]\ncommand = \"thumbs\"\npath = [\"imagemagick\"]\n",
    ))
    .expect("valid");
    let m = file(&files, "demo.nix");
    assert!(
        m.contains("path = [\n            pkgs.git\n            pkgs.poppler-utils\n          ];"),
        "{m}"
    );
    assert!(m.contains("path = [ pkgs.imagemagick ];"), "{m}");
    // The helpers keep the Python environment first.
    assert!(
        m.contains("path = [ pythonEnv ] ++ unit.path or [ ];"),
        "{m}"
    );
    let nix = file(&files, "demo-vm-test.nix");
    assert!(
        nix.contains("\"demo-worker.service ${pkgs.lib.getBin pkgs.git}\""),
        "{nix}"
    );
}

#[test]
fn an_unknown_package_is_noted_not_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(dir.path().join("app")).expect("app");
    let file = dir.path().join("app2nix.toml");
    std::fs::write(
        &file,
        with("[processes.worker]\ncommand = \"rq worker\"\npath = [\"imagemagik\"]\n"),
    )
    .expect("write");
    let (model, _) = app2nix::generate::generate_selected(
        &file,
        &app2nix::generate::Selection::everything(Some(&dir.path().join("out"))),
    )
    .unwrap_or_else(|e| panic!("{e:?}"));
    assert!(
        model
            .notes
            .iter()
            .any(|n| n.contains("`imagemagik`") && n.contains("did you mean `imagemagick`?")),
        "{:?}",
        model.notes
    );
}

#[test]
fn unbuffered_routes_stream() {
    let m = module(&with(
        "[processes.web]\nwsgi = \"demo.wsgi:app\"\nworker_class = \"gevent\"\nlisten = \"127.0.0.1:8000\"\n\n[sites.main]\ndomains = [\"demo.example.org\"]\ntls = \"none\"\nroutes = { \"/\" = \"web\", \"/events\" = { process = \"web\", buffering = false } }\n",
    ));
    let events = &m[m.find("\"/events\" = {").expect("location")..];
    let events = &events[..events.find("};").expect("end")];
    for d in [
        "proxy_buffering off;",
        "proxy_cache off;",
        "proxy_set_header Connection \\\"\\\";",
    ] {
        assert!(events.contains(d), "{d}: {events}");
    }
}

#[test]
fn tasks_run_after_tasks() {
    let files = generate(&with(
        "[processes.web]\ncommand = \"serve\"\n\n[tasks.migrate]\ncommand = \"flask db upgrade\"\n\n[tasks.seed]\ncommand = \"flask seed\"\nafter = [\"migrate\"]\n",
    ))
    .expect("valid");
    // The VM test checks the order the units ran in.
    let py = file(&files, "demo-vm-test.py");
    assert!(
        py.contains("(\"demo-seed.service\", [\"demo-migrate.service\"])"),
        "{py}"
    );
    let m = file(&files, "demo.nix");
    let seed = &m[m.find("systemd.services.demo-seed").expect("seed")..];
    assert!(
        seed.contains("after = [ \"demo-migrate.service\" ];"),
        "{seed}"
    );
    assert!(
        seed.contains("requires = [ \"demo-migrate.service\" ];"),
        "{seed}"
    );
}

/// Issue 18, 1: the probes send the site's domain as Host and its scheme, as nginx does.
#[test]
fn health_probes_ask_as_nginx_asks() {
    let files = generate(&with(
        "[processes.web]\nwsgi = \"demo.wsgi:app\"\nlisten = \"127.0.0.1:8000\"\n\n[health]\npath = \"/healthz\"\n\n[sites.main]\ndomains = [\"www.demo.example.org\", \"demo.example.org\"]\nredirect_www = true\nroutes = { \"/\" = \"web\" }\n\n[acme]\nemail = \"ops@example.org\"\naccept_terms = true\n",
    ))
    .expect("valid");
    let m = file(&files, "demo.nix");
    assert!(
        m.contains("healthHost = builtins.head (withoutWww cfg.sites.main.domains);"),
        "{m}"
    );
    assert!(
        m.contains("\"Host: ${healthHost}\"") && m.contains("\"X-Forwarded-Proto: https\""),
        "{m}"
    );
    let py = file(&files, "demo-vm-test.py");
    assert!(
        py.contains("\"--header\", \"Host: demo.example.org\"")
            && py.contains("\"X-Forwarded-Proto: https\""),
        "{py}"
    );
}

/// Issue 18, 2: servers trust X-Forwarded-* from nginx only: loopback on one host, the edge's
/// private addresses on several, anything on the app's unix socket.
#[test]
fn servers_trust_exactly_the_proxies() {
    let m = module(&with(
        "[processes.web]\nwsgi = \"demo.wsgi:app\"\nlisten = \"127.0.0.1:8000\"\n\n[processes.api]\nasgi = \"demo.asgi:app\"\nlisten = \"unix\"\n\n[processes.other]\ncommand = 'serve --port \"$PORT\"'\nlisten = \"127.0.0.1:8002\"\n",
    ));
    assert!(m.contains("trustedProxies = \"127.0.0.1,::1\";"), "{m}");
    assert!(has_pair(
        &args_of(&m, "gunicorn"),
        "--forwarded-allow-ips",
        "trustedProxies"
    ));
    assert!(has_pair(
        &args_of(&m, "uvicorn"),
        "--forwarded-allow-ips",
        "*"
    ));
    assert!(m.contains("FORWARDED_ALLOW_IPS = trustedProxies;"), "{m}");
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(dir.path().join("app")).expect("app");
    std::fs::write(dir.path().join("host.nix"), "{ }\n").expect("host");
    let file = dir.path().join("app2nix.toml");
    std::fs::write(
        &file,
        with("[processes.web]\nwsgi = \"demo.wsgi:app\"\nlisten = \"127.0.0.1:8000\"\n\n[sites.main]\ndomains = [\"demo.example.org\"]\ntls = \"none\"\nroutes = { \"/\" = \"web\" }\n\n[hosts.edge]\nroles = [\"edge\"]\naddress = \"10.0.0.10\"\nssh = \"root@edge\"\nconfiguration = \"host.nix\"\n\n[hosts.app1]\nroles = [\"app\", \"tasks\"]\naddress = \"10.0.0.11\"\ninterface = \"ens10\"\nssh = \"root@app1\"\nconfiguration = \"host.nix\"\n"),
    )
    .expect("write");
    let files = app2nix::generate::generate(&file, Some(&dir.path().join("out"))).expect("valid");
    let cluster = files
        .iter()
        .find(|f| f.path.ends_with("demo.nix"))
        .map(|f| f.text.clone())
        .expect("module");
    assert!(
        cluster.contains(
            "trustedProxies = lib.concatMapStringsSep \",\" (h: h.address) (hostsWith \"edge\");"
        ),
        "{cluster}"
    );
    let test = files
        .iter()
        .find(|f| f.path.ends_with("demo-vm-test.py"))
        .map(|f| f.text.clone())
        .expect("test");
    assert!(test.contains("app2nix-scheme=http GET /"), "{test}");
}

/// Issue 18, 3: gunicorn's sync workers end a request after `--timeout`: one setting drives
/// both it and nginx's wait.
#[test]
fn timeouts_agree() {
    let site = |routes: &str, site_timeout: &str| {
        format!(
            "[sites.main]\ndomains = [\"demo.example.org\"]\ntls = \"none\"\n{site_timeout}routes = {routes}\n"
        )
    };
    // nginx waits 300 s: gunicorn lets requests run as long.
    let m = module(&with(&format!(
        "[processes.web]\nwsgi = \"demo.wsgi:app\"\nlisten = \"127.0.0.1:8000\"\n\n{}",
        site("{ \"/\" = \"web\" }", "proxy_read_timeout = \"300s\"\n")
    )));
    assert!(
        has_pair(&args_of(&m, "gunicorn"), "--timeout", "300"),
        "{m}"
    );
    // The VM test checks the running server has it.
    let files = generate(&with(&format!(
        "[processes.web]\nwsgi = \"demo.wsgi:app\"\nlisten = \"127.0.0.1:8000\"\n\n{}",
        site("{ \"/\" = \"web\" }", "proxy_read_timeout = \"300s\"\n")
    )))
    .expect("valid");
    let py = file(&files, "demo-vm-test.py");
    assert!(
        py.contains("(\"demo-web.service\", \"--timeout 300\")"),
        "{py}"
    );
    // The process's timeout: nginx waits as long on its routes.
    let m = module(&with(&format!(
        "[processes.web]\nwsgi = \"demo.wsgi:app\"\nlisten = \"127.0.0.1:8000\"\ntimeout = 120\n\n{}",
        site("{ \"/\" = \"web\" }", "")
    )));
    assert!(m.contains("\"proxy_read_timeout 120s;\""), "{m}");
    // gevent's timeout is a heartbeat: nothing derived.
    let m = module(&with(&format!(
        "[processes.web]\nwsgi = \"demo.wsgi:app\"\nlisten = \"127.0.0.1:8000\"\nworker_class = \"gevent\"\n\n{}",
        site("{ \"/\" = \"web\" }", "proxy_read_timeout = \"300s\"\n")
    )));
    assert!(
        !args_of(&m, "gunicorn").contains(&"--timeout".to_string()),
        "{m}"
    );
}

/// Issue 18, 4: a task the processes wait for is tried again until it succeeds, without a
/// failed state in between.
#[test]
fn setup_tasks_survive_a_cold_start() {
    let m = module(&with(
        "[processes.web]\ncommand = \"serve\"\n\n[tasks.migrate]\ncommand = \"flask db upgrade\"\n\n[postgresql]\n",
    ));
    let helper = &m[m.find("taskUnit =").expect("taskUnit")..];
    for setting in [
        "Restart = \"on-failure\";",
        "RestartMode = \"direct\";",
        "RestartMaxDelaySec = \"5min\";",
        "lib.optionalAttrs (unit.serviceConfig.RemainAfterExit or false)",
    ] {
        assert!(helper.contains(setting), "{setting}: {helper}");
    }
}

/// Issue 18, 6: with PostgreSQL, run-once tasks are recorded in the database.
#[test]
fn run_once_tasks_are_recorded_in_the_database() {
    let m = module(&with(
        "[processes.web]\ncommand = \"serve\"\n\n[tasks.seed]\ncommand = \"flask seed\"\nonce = true\n\n[postgresql]\n",
    ));
    assert!(
        m.contains("CREATE TABLE IF NOT EXISTS app2nix.once_tasks"),
        "{m}"
    );
    assert!(
        m.contains("serviceConfig.ExecCondition = lib.mkIf onceInDatabase \"${onceTasks} ${"),
        "{m}"
    );
    // A database the host provides itself is not the module's to write to: the stamp file.
    assert!(
        m.contains("onceInDatabase = cfg.database.createLocally;"),
        "{m}"
    );
    assert!(
        m.contains("unitConfig.ConditionPathExists = lib.mkIf (!onceInDatabase)"),
        "{m}"
    );
    // Without a database: the stamp file.
    let m = module(&with(
        "[processes.web]\ncommand = \"serve\"\n\n[tasks.seed]\ncommand = \"flask seed\"\nonce = true\n",
    ));
    assert!(m.contains(".seed.done") && !m.contains("onceTasks"), "{m}");
}

/// Issue 18, 8: each gunicorn process gets its own control socket directory.
#[test]
fn one_gunicorn_control_socket_per_process() {
    let m = module(&with(
        "[processes.web]\nwsgi = \"demo.wsgi:app\"\nlisten = \"127.0.0.1:8000\"\n\n[processes.admin]\nwsgi = \"demo.admin:app\"\nlisten = \"127.0.0.1:8001\"\n",
    ));
    for p in ["web", "admin"] {
        assert!(
            m.contains(&format!("XDG_RUNTIME_DIR = \"/run/demo-{p}\";")),
            "{p}: {m}"
        );
        assert!(
            m.contains(&format!("serviceConfig.RuntimeDirectory = \"demo-{p}\";")),
            "{p}: {m}"
        );
    }
}

/// The lock holds what the worker class needs too.
#[test]
fn a_lock_must_hold_the_worker_class_package() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = dir.path().join("app");
    std::fs::create_dir_all(&app).expect("app");
    std::fs::write(
        app.join("pyproject.toml"),
        "[project]\nname = \"demo\"\nversion = \"0.1.0\"\n",
    )
    .expect("pyproject");
    std::fs::write(
        app.join("uv.lock"),
        "version = 1\nrequires-python = \">=3.11\"\n\n[[package]]\nname = \"demo\"\nversion = \"0.1.0\"\nsource = { editable = \".\" }\n\n[[package]]\nname = \"gunicorn\"\nversion = \"23.0.0\"\nsource = { registry = \"https://pypi.org/simple\" }\nwheels = [{ url = \"https://files.example/gunicorn-23.0.0-py3-none-any.whl\", hash = \"sha256:00\" }]\n",
    )
    .expect("lock");
    let file = dir.path().join("app2nix.toml");
    std::fs::write(
        &file,
        "[app]\nname = \"demo\"\n\n[package.python]\nsrc = \"app\"\n\n[processes.web]\nwsgi = \"demo:app\"\nworker_class = \"gevent\"\nlisten = \"127.0.0.1:8000\"\n",
    )
    .expect("write");
    match app2nix::generate::generate(&file, Some(&dir.path().join("out"))) {
        Err(app2nix::generate::Failure::Invalid(msg)) => {
            assert!(msg.contains("`gevent` is not in `app/uv.lock`"), "{msg}")
        }
        other => panic!("{:?}", other.map(|_| ())),
    }
}
