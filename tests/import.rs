//! `app2nix import` on the seeds' deployment files (`tests/import/`): the NanoTrace systemd
//! units, nginx server blocks and `.env`, and the Incident Tracker Compose file, nginx
//! configuration, `.env.prod` and Dockerfile. The imported description must pass `check`, keep
//! no secret value, and generate the same NixOS module as the hand-written example, once both
//! are stripped of what the imported files cannot say (listed per case below).

use std::path::{Path, PathBuf};
use std::process::Output;

mod common;
use common::{copy_dir, run};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

struct Case {
    example: &'static str,
    /// Fixture files, relative to `tests/import/<example>/`.
    files: &'static [&'static str],
    /// Source directories of the example to copy beside the imported description.
    sources: &'static [&'static str],
    src: &'static str,
    /// Tables of the example that the imported files cannot carry (dotted paths).
    not_in_inputs: &'static [&'static str],
    /// Processes the example names differently (example name, imported name).
    renames: &'static [(&'static str, &'static str)],
}

const CASES: &[Case] = &[
    Case {
        example: "nanotrace",
        files: &[
            "nanotrace.service",
            "nanotrace-auth.service",
            "nanotrace",
            "admin.nanotrace.org",
            "auth.nanotrace.org",
            ".env",
            ".python-version",
        ],
        sources: &["app"],
        src: "app",
        // The migration command, the health endpoint and agenix recipients are in the guide's
        // prose and in the app, not in the units or server blocks.
        not_in_inputs: &["tasks.migrate", "health", "agenix"],
        renames: &[],
    },
    Case {
        example: "incident-tracker",
        files: &[
            "deploy/prod-docker-compose.yml",
            "deploy/nginx.conf",
            "deploy/.env.prod",
            "deploy/Dockerfile.backend",
        ],
        sources: &["backend", "frontend"],
        src: "backend",
        // The guide's backups are `docker exec pg_dump` commands, not configuration; its
        // Compose file passes the frontend no build arguments (the example bakes in the API URL).
        not_in_inputs: &["backup", "agenix", "assets.frontend.build_env"],
        renames: &[("api", "backend")],
    },
];

/// Import a case into a fresh project directory holding the example's sources.
fn import(case: &Case) -> (tempfile::TempDir, Output) {
    let project = tempfile::tempdir().expect("tempdir");
    for s in case.sources {
        copy_dir(
            &root().join("examples").join(case.example).join(s),
            &project.path().join(s),
        );
    }
    let fixtures = root().join("tests/import").join(case.example);
    let out_file = project.path().join("app2nix.toml");
    let mut args: Vec<String> = vec!["import".into()];
    args.extend(case.files.iter().map(|f| f.to_string()));
    args.extend([
        "--src".into(),
        case.src.into(),
        "-o".into(),
        out_file.display().to_string(),
    ]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = run(&fixtures, &args);
    (project, out)
}

/// A description without human descriptions, without `tables`, with processes renamed.
fn normalized(text: &str, tables: &[&str], renames: &[(&str, &str)]) -> String {
    let mut t: toml::Table = text.parse().expect("TOML");
    for path in tables {
        let parts: Vec<&str> = path.split('.').collect();
        let mut cur = &mut t;
        for p in &parts[..parts.len() - 1] {
            cur = cur
                .get_mut(*p)
                .and_then(|v| v.as_table_mut())
                .expect("table");
        }
        assert!(cur.remove(parts[parts.len() - 1]).is_some(), "no {path}");
    }
    if let Some(app) = t.get_mut("app").and_then(|a| a.as_table_mut()) {
        app.remove("description");
    }
    for section in ["processes", "tasks"] {
        if let Some(s) = t.get_mut(section).and_then(|a| a.as_table_mut()) {
            for (_, v) in s.iter_mut() {
                if let Some(v) = v.as_table_mut() {
                    v.remove("description");
                }
            }
        }
    }
    for (from, to) in renames {
        let procs = t
            .get_mut("processes")
            .and_then(|p| p.as_table_mut())
            .expect("processes");
        let p = procs.remove(*from).expect("renamed process");
        procs.insert(to.to_string(), p);
        let text = toml::to_string(&t).expect("serialize");
        t = text
            .replace(&format!("\"{from}\""), &format!("\"{to}\""))
            .parse()
            .expect("TOML");
    }
    // The imported health check names its process; the example relies on the default.
    if let Some(h) = t.get_mut("health").and_then(|h| h.as_table_mut()) {
        h.remove("process");
    }
    toml::to_string(&t).expect("serialize")
}

/// The module generated from `description` placed in `dir` (beside the sources).
/// The module (and package) generated from `description`, without the generation stamps: they
/// hash the description's text, which differs between equivalent descriptions.
fn module(dir: &Path, description: &str) -> String {
    std::fs::write(dir.join("app2nix.toml"), description).expect("write");
    let out = run(dir, &["generate", "--module-only", "--stdout"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .expect("utf-8")
        .lines()
        .filter(|l| !l.starts_with(app2nix::output::GENERATION_PREFIX))
        .map(|l| format!("{l}\n"))
        .collect()
}

#[test]
fn imported_descriptions_check_and_match_the_examples() {
    for case in CASES {
        let (project, out) = import(case);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{}: {stderr}", case.example);
        let imported =
            std::fs::read_to_string(project.path().join("app2nix.toml")).expect("written");
        let check = run(project.path(), &["check"]);
        assert_eq!(
            check.status.code(),
            Some(0),
            "{}: {}",
            case.example,
            String::from_utf8_lossy(&check.stderr)
        );

        let example = std::fs::read_to_string(
            root()
                .join("examples")
                .join(case.example)
                .join("app2nix.toml"),
        )
        .expect("example");
        let ours = module(project.path(), &normalized(&imported, &[], &[]));
        let theirs = module(
            project.path(),
            &normalized(&example, case.not_in_inputs, case.renames),
        );
        if ours != theirs {
            let diff: Vec<String> = ours
                .lines()
                .zip(theirs.lines())
                .enumerate()
                .filter(|(_, (a, b))| a != b)
                .take(10)
                .map(|(i, (a, b))| format!("line {}:\n  imported: {a}\n  example:  {b}", i + 1))
                .collect();
            panic!("{}: the modules differ\n{}", case.example, diff.join("\n"));
        }
    }
}

/// Values of secret-looking variables in the inputs never reach the description or the report.
#[test]
fn secret_values_are_never_copied() {
    for case in CASES {
        let (project, out) = import(case);
        let imported =
            std::fs::read_to_string(project.path().join("app2nix.toml")).expect("written");
        let report = String::from_utf8_lossy(&out.stderr);
        let fixtures = root().join("tests/import").join(case.example);
        for f in case.files.iter().filter(|f| f.contains(".env")) {
            for line in std::fs::read_to_string(fixtures.join(f))
                .expect("env")
                .lines()
            {
                let Some((k, v)) = line.split_once('=') else {
                    continue;
                };
                if app2nix::secrets::is_secret_name(k) || k.contains("URL") {
                    // Short values like `password` also occur in the report's prose: look for
                    // them as values; longer ones anywhere.
                    let quoted = toml::Value::String(v.to_string()).to_string();
                    assert!(
                        !imported.contains(&quoted),
                        "{}: {k}'s value is in the description",
                        case.example
                    );
                    assert!(
                        !report.contains(&format!("={v}")),
                        "{}: {k}'s value is in the report",
                        case.example
                    );
                    if v.len() >= 9 {
                        assert!(
                            !imported.contains(v) && !report.contains(v),
                            "{}: {k}'s value leaked",
                            case.example
                        );
                    }
                }
            }
        }
    }
}

/// The report lists every setting with its file and line; `--strict` fails on unmapped ones.
#[test]
fn report_and_strict_mode() {
    let (project, out) = import(&CASES[0]);
    let shown = |o: &Output, p: &Path| {
        String::from_utf8_lossy(&o.stderr).replace(&p.display().to_string(), "<project>")
    };
    let report = shown(&out, project.path());
    insta::assert_snapshot!("import-report-nanotrace", report);
    let description =
        std::fs::read_to_string(project.path().join("app2nix.toml")).expect("written");
    insta::assert_snapshot!("import-nanotrace", description);
    assert!(report.contains("nanotrace.service:12: Restart=always: not mapped"));

    let fixtures = root().join("tests/import/nanotrace");
    let strict = run(&fixtures, &["import", "nanotrace.service", "--strict"]);
    assert_eq!(
        strict.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&strict.stderr)
    );
    assert!(String::from_utf8_lossy(&strict.stdout).contains("[processes.web]"));

    let (project2, out2) = import(&CASES[1]);
    insta::assert_snapshot!(
        "import-report-incident-tracker",
        shown(&out2, project2.path())
    );
    insta::assert_snapshot!(
        "import-incident-tracker",
        std::fs::read_to_string(project2.path().join("app2nix.toml")).expect("written")
    );
}

#[test]
fn import_refuses_what_it_cannot_read_or_overwrite() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("notes.txt"), "hello\n").expect("write");
    let out = run(dir.path(), &["import", "notes.txt"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .starts_with("error: cannot tell what notes.txt is\nhelp: ")
    );

    std::fs::write(dir.path().join("site.conf"), "server {\n  listen 80;\n").expect("write");
    let out = run(dir.path(), &["import", "site.conf"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: site.conf: unterminated block: a `}` is missing\nhelp: check it with `nginx -t`\n"
    );

    let unit = root().join("tests/import/nanotrace/nanotrace.service");
    std::fs::write(dir.path().join("app2nix.toml"), "# mine\n").expect("write");
    let out = run(
        dir.path(),
        &["import", &unit.display().to_string(), "-o", "app2nix.toml"],
    );
    assert_eq!(out.status.code(), Some(3));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("error: refusing to overwrite app2nix.toml")
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("app2nix.toml")).expect("kept"),
        "# mine\n"
    );
    let _: PathBuf = dir.path().to_path_buf();
}

/// Secrets planted in deployment files nobody here wrote (`tests/import/planted`: `.env` names
/// and values of every shape, multi-line PEM and JSON, Dockerfile `ENV` pairs, unit
/// `Environment=`, `SetCredential=`, `ExecStartPre=` and gunicorn `--env`, gunicorn.conf.py's
/// settings, `raw_env` and server hooks, a celery broker URL, Compose environments and commands,
/// nginx credential headers and upstream passwords, `RUN` and `ExecStartPost=` commands sending
/// `Authorization: Bearer …`, URLs with a key in place of the user name, `user:password@host`
/// logins, nginx redirects with a password) never reach the description or the report.
#[test]
fn planted_secrets_stay_out_of_the_description_and_the_report() {
    let dir = root().join("tests/import/planted");
    let files = [
        ".env",
        "Dockerfile",
        "app.service",
        "worker.service",
        "docker-compose.yml",
        "site.conf",
        "gunicorn.conf.py",
    ];
    let mut planted = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(dir.join(f)).expect("fixture");
        for (i, _) in text.match_indices("pl4nted") {
            let token: String = text[i..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
                .collect();
            planted.push(token);
        }
    }
    planted.sort();
    planted.dedup();
    assert!(planted.len() >= 30, "{} planted values", planted.len());
    let shown = common::printed(&run(&dir, &[&["import"][..], &files[..]].concat()));
    let leaked: Vec<&String> = planted
        .iter()
        .filter(|v| shown.contains(v.as_str()))
        .collect();
    assert!(
        leaked.is_empty(),
        "{} of {} planted values leaked: {leaked:?}",
        leaked.len(),
        planted.len()
    );
    // What is not secret is still imported.
    assert!(shown.contains("PLAIN = \"visible-value\""), "{shown}");
}

/// A Compose file without `name:` names the app as Compose names the project: after the
/// directory holding it, or its parent when that directory is `deploy`, `docker`, ….
#[test]
fn compose_without_name_is_named_after_its_directory() {
    let dir = tempfile::tempdir().expect("tempdir");
    let deploy = dir.path().join("Shop.App/deploy");
    std::fs::create_dir_all(&deploy).expect("mkdir");
    std::fs::write(
        deploy.join("docker-compose.yml"),
        "services:\n  web:\n    command: gunicorn --bind 0.0.0.0:8000 shop.wsgi:app\n",
    )
    .expect("write");
    let out = run(&deploy, &["import", "docker-compose.yml"]);
    let description = String::from_utf8_lossy(&out.stdout);
    assert!(
        description.contains("name = \"shopapp\""),
        "{description}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run(&deploy, &["import", "./docker-compose.yml", "--src", "."]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("name = \"shopapp\""));
}

/// A gunicorn command's `-c FILE` is read from the `--src` directory and mapped as `init` maps
/// gunicorn.conf.py (the command line's options win, as in gunicorn); the file itself is an
/// input import understands.
#[test]
fn gunicorn_config_files_are_imported() {
    let dir = tempfile::tempdir().expect("tempdir");
    let proj = dir.path().join("shop");
    std::fs::create_dir_all(proj.join("server")).expect("mkdir");
    std::fs::write(
        proj.join("server/gunicorn.conf.py"),
        "workers = 4\nkeepalive = 7\nmax_requests = 2000\nraw_env = [\"SECRET_KEY=pl4nted-raw\", \"MODE=prod\"]\n",
    )
    .expect("write");
    std::fs::write(
        proj.join("docker-compose.yml"),
        "services:\n  backend:\n    command: gunicorn --bind 0.0.0.0:8000 --keep-alive 10 -c gunicorn.conf.py shop.wsgi:app\n",
    )
    .expect("write");
    let out = run(&proj, &["import", "docker-compose.yml", "--src", "server"]);
    let (description, report) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert_eq!(out.status.code(), Some(0), "{report}");
    for want in [
        "workers = 4",
        "keepalive = 10",
        "max_requests = 2000",
        "SECRET_KEY = \"env\"",
        "MODE = \"prod\"",
    ] {
        assert!(description.contains(want), "{want}\n{description}");
    }
    assert!(
        report.contains(
            "docker-compose.yml:3: -c gunicorn.conf.py: mapped: settings read from server/gunicorn.conf.py"
        ),
        "{report}"
    );
    assert!(!report.contains("-c: not mapped"), "{report}");
    assert!(!format!("{description}{report}").contains("pl4nted"));

    let out = run(&proj, &["import", "docker-compose.yml"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains(
        "-c gunicorn.conf.py: not mapped: the configuration file is not among the inputs"
    ));
    let out = run(
        &proj,
        &["import", "docker-compose.yml", "server/gunicorn.conf.py"],
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("keepalive = 10"));
    let out = run(&proj, &["import", "server/gunicorn.conf.py"]);
    let report = String::from_utf8_lossy(&out.stderr);
    assert!(!report.contains("cannot tell what"), "{report}");
    assert!(
        report.contains("server/gunicorn.conf.py: gunicorn configuration: not mapped"),
        "{report}"
    );
}
