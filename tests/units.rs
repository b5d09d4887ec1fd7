//! Values reach the program exactly as written, as systemd itself reads the units: a description
//! full of `%`, `$`, quotes, backslashes and spaces (in every field that lands in a unit, and in
//! module options a user sets) is generated, evaluated in the real nixpkgs module system (the
//! option slice of `../shared/tools/nixos-eval`), rendered into unit files the way NixOS writes
//! them (`Environment="…"` through `builtins.toJSON`, settings verbatim), and loaded by
//! `systemd-analyze verify`, whose debug dump shows every value after systemd's parsing and
//! specifier expansion. Each must equal what the description or option said.
//!
//! Needs `NIXPKGS_LIB` (a checkout of nix-community/nixpkgs.lib), `nix-instantiate` and
//! `systemd-analyze`; `.ci/run` runs it with `--ignored` when `NIXPKGS_LIB` is set (see
//! DEVELOPERS.md).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use proptest::prelude::*;

mod common;

/// The values a generated module gives its units, evaluated with `extra` (a Nix module) on top.
fn evaluate(module: &Path, extra: &str) -> serde_json::Value {
    common::nixos_eval(
        &[(module, "demo")],
        extra,
        true,
        r#"let unit = u: { inherit (u) description environment serviceConfig unitConfig script; }; in {
  services = lib.mapAttrs (_: unit) config.systemd.services;
  targets = lib.mapAttrs (_: t: t.description) config.systemd.targets;
  timers = lib.mapAttrs (_: t: t.description) config.systemd.timers;
}"#,
    )
}

fn toml_str(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// A unit setting's value as NixOS writes it (systemd-lib's attrsToSection).
fn setting(v: &serde_json::Value) -> Vec<String> {
    match v {
        serde_json::Value::Array(items) => items.iter().flat_map(setting).collect(),
        serde_json::Value::Bool(b) => vec![if *b { "true" } else { "false" }.into()],
        serde_json::Value::Number(n) => vec![n.to_string()],
        serde_json::Value::String(s) => vec![s.clone()],
        _ => vec![],
    }
}

/// The unit file NixOS writes for a service. The program of `ExecStart=` (a store path that does
/// not exist here) becomes `/bin/echo`; its arguments stay. A `script` becomes the `ExecStart=`
/// of its own store file, as nixpkgs' systemd module does (the option slice leaves that out).
fn unit_file(svc: &serde_json::Value) -> String {
    let mut out = String::from("[Unit]\n");
    out.push_str(&format!(
        "Description={}\n",
        svc["description"].as_str().unwrap_or("")
    ));
    for (k, v) in svc["unitConfig"].as_object().into_iter().flatten() {
        for line in setting(v) {
            out.push_str(&format!("{k}={line}\n"));
        }
    }
    out.push_str("[Service]\n");
    let has_script = svc["script"].as_str().is_some_and(|s| !s.is_empty());
    if has_script && svc["serviceConfig"].get("ExecStart").is_none() {
        out.push_str("ExecStart=/bin/echo\n");
    }
    for (k, v) in svc["environment"].as_object().into_iter().flatten() {
        if let Some(v) = v.as_str() {
            out.push_str(&format!(
                "Environment={}\n",
                serde_json::to_string(&format!("{k}={v}")).expect("json")
            ));
        }
    }
    for (k, v) in svc["serviceConfig"].as_object().into_iter().flatten() {
        // Settings systemd-analyze would check against this machine (users, devices, paths).
        if [
            "User",
            "Group",
            "StateDirectory",
            "LogsDirectory",
            "RuntimeDirectory",
        ]
        .contains(&k.as_str())
        {
            continue;
        }
        for line in setting(v) {
            let line = if k.starts_with("Exec") {
                let (_, args) = line.split_once(' ').unwrap_or((&line, ""));
                format!("/bin/echo {args}")
            } else {
                line
            };
            out.push_str(&format!("{k}={line}\n"));
        }
    }
    out
}

/// `systemd-analyze verify`'s debug dump of one unit file: `Key: value` lines, exec command
/// lines as `Command Line`.
fn systemd_view(name: &str, text: &str) -> Vec<(String, String)> {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join(name);
    std::fs::write(&path, text).expect("unit");
    let out = Command::new("systemd-analyze")
        .args(["verify", "--man=no"])
        .arg(&path)
        .env("SYSTEMD_LOG_LEVEL", "debug")
        .env("SYSTEMD_LOG_TARGET", "console")
        .output()
        .expect("systemd-analyze");
    // The dump is on standard output, the log on standard error.
    let log = String::from_utf8_lossy(&out.stdout).into_owned();
    let dump = log
        .split(&format!("-> Unit {name}:"))
        .nth(1)
        .unwrap_or_else(|| {
            panic!(
                "no dump of {name}:\n{}\n{text}",
                String::from_utf8_lossy(&out.stderr)
            )
        });
    dump.lines()
        .skip(1)
        .take_while(|l| l.starts_with('\t'))
        .filter_map(|l| l.trim_start().split_once(": "))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// An exec command line as systemd's dump quotes it, split back into arguments, then with the
/// `$$` → `$` that systemd applies when it runs the command.
fn command_args(line: &str) -> Vec<String> {
    let mut args = Vec::new();
    let mut cur = String::new();
    let mut chars = line.chars().peekable();
    let mut quoted = false;
    let mut in_word = false;
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                quoted = !quoted;
                in_word = true;
            }
            '\\' => {
                in_word = true;
                match chars.next() {
                    Some('n') => cur.push('\n'),
                    Some('t') => cur.push('\t'),
                    Some('x') => {
                        let hex: String = chars.by_ref().take(2).collect();
                        cur.push(char::from(u8::from_str_radix(&hex, 16).expect("hex")));
                    }
                    Some(other) => cur.push(other),
                    None => {}
                }
            }
            ' ' if !quoted => {
                if in_word {
                    args.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            c => {
                cur.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        args.push(cur);
    }
    args.into_iter().map(|a| a.replace("$$", "$")).collect()
}

/// Whether `dump` shows `key` with exactly `value`.
fn shows(dump: &[(String, String)], key: &str, value: &str) -> bool {
    dump.iter().any(|(k, v)| k == key && v == value)
}

/// Generate `description` (with an `app/` source tree): the module's path, or `None` when the
/// description is refused (exit 2, which is a fine outcome for a hostile value).
fn generate(dir: &Path, description: &str) -> Option<PathBuf> {
    std::fs::create_dir_all(dir.join("app")).expect("app");
    std::fs::write(dir.join("app2nix.toml"), description).expect("description");
    let out = common::run(dir, &["generate", "--module-only"]);
    match out.status.code() {
        Some(0) => Some(dir.join("demo.nix")),
        Some(2) => None,
        _ => panic!("{}", String::from_utf8_lossy(&out.stderr)),
    }
}

/// Values for every field that reaches a unit.
struct Values {
    env: String,
    process_env: String,
    task_env: String,
    process_description: String,
    task_description: String,
    app_description: String,
    environment_file: String,
    option_env: String,
    secret_file: String,
    working_directory: String,
}

fn description(v: &Values) -> String {
    format!(
        r#"environment_files = [{environment_file}]

[app]
name = "demo"
description = {app_description}

[package.python]
src = "app"
dependencies = ["flask"]

[processes.web]
description = {process_description}
wsgi = "demo.wsgi:app"
listen = "127.0.0.1:8000"
env = {{ PROCESS_VALUE = {process_env} }}

[processes.worker]
command = ["sleep", "infinity"]
listen = "127.0.0.1:9000"

[tasks.nightly]
description = {task_description}
command = "true"
schedule = "daily"
env = {{ TASK_VALUE = {task_env} }}

[env]
VALUE = {env}

[secrets]
TOKEN = "file"
"#,
        environment_file = toml_str(&v.environment_file),
        app_description = toml_str(&v.app_description),
        process_description = toml_str(&v.process_description),
        process_env = toml_str(&v.process_env),
        task_description = toml_str(&v.task_description),
        task_env = toml_str(&v.task_env),
        env = toml_str(&v.env),
    )
}

/// The module options a user sets, as a Nix module.
fn options(v: &Values) -> String {
    format!(
        "{{ services.demo.environment.FROM_OPTION = {}; services.demo.secretFiles.TOKEN = {}; services.demo.workingDirectory = {}; }}",
        common::nix_str(&v.option_env),
        common::nix_str(&v.secret_file),
        common::nix_str(&v.working_directory),
    )
}

/// Check every value against what systemd reads: the problems found, or `None` when the
/// description refuses a value.
fn check(v: &Values) -> Option<Vec<String>> {
    let dir = tempfile::tempdir().expect("tempdir");
    let module = generate(dir.path(), &description(v))?;
    let eval = evaluate(&module, &options(v));
    let mut problems = Vec::new();
    let mut expect = |ok: bool, what: String| {
        if !ok {
            problems.push(what);
        }
    };
    let units: BTreeMap<&str, Vec<(String, String)>> = ["demo-web", "demo-worker", "demo-nightly"]
        .iter()
        .map(|u| {
            let text = unit_file(&eval["services"][u]);
            (*u, systemd_view(&format!("{u}.service"), &text))
        })
        .collect();
    for (unit, dump) in &units {
        for (name, value) in [("VALUE", &v.env), ("FROM_OPTION", &v.option_env)] {
            expect(
                shows(dump, "Environment", &format!("{name}={value}")),
                format!("{unit}: {name} is not {value:?}"),
            );
        }
        expect(
            dump.iter().any(|(k, val)| {
                k == "Environment"
                    && val.starts_with("TOKEN_FILE=/run/credentials/")
                    && val.ends_with("/TOKEN")
            }),
            format!("{unit}: TOKEN_FILE is not the credential's path"),
        );
        expect(
            shows(
                dump,
                "EnvironmentFile",
                &format!("{} (ignore_errors=no)", v.environment_file),
            ) || shows(dump, "EnvironmentFile", &v.environment_file),
            format!("{unit}: EnvironmentFile is not {:?}", v.environment_file),
        );
        expect(
            shows(dump, "WorkingDirectory", &v.working_directory),
            format!("{unit}: WorkingDirectory is not {:?}", v.working_directory),
        );
    }
    let web = &units["demo-web"];
    expect(
        shows(
            web,
            "Environment",
            &format!("PROCESS_VALUE={}", v.process_env),
        ),
        "demo-web: PROCESS_VALUE".into(),
    );
    expect(
        shows(web, "Description", &v.process_description),
        format!("demo-web: Description is not {:?}", v.process_description),
    );
    // A command process learns where to listen from the variables the module wires.
    for wired in ["HOST=127.0.0.1", "PORT=9000"] {
        expect(
            shows(&units["demo-worker"], "Environment", wired),
            format!("demo-worker: no {wired}"),
        );
    }
    let nightly = &units["demo-nightly"];
    expect(
        shows(
            nightly,
            "Environment",
            &format!("TASK_VALUE={}", v.task_env),
        ),
        "demo-nightly: TASK_VALUE".into(),
    );
    expect(
        shows(nightly, "Description", &v.task_description),
        format!("demo-nightly: Description is not {:?}", v.task_description),
    );
    // gunicorn's arguments after systemd's parsing: the bind address and the application.
    let command = web
        .iter()
        .find(|(k, _)| k == "Command Line")
        .map(|(_, c)| command_args(c))
        .unwrap_or_default();
    expect(
        command
            .windows(2)
            .any(|w| w == ["--bind", "127.0.0.1:8000"])
            && command.last().map(String::as_str) == Some("demo.wsgi:app"),
        format!("demo-web: gunicorn's arguments are {command:?}"),
    );
    // The credential's source path (LoadCredential=NAME:PATH) as systemd resolves it.
    let text = unit_file(&eval["services"]["demo-web"]);
    let credential = text
        .lines()
        .find_map(|l| l.strip_prefix("LoadCredential=TOKEN:"))
        .unwrap_or_default()
        .replace("%%", "%");
    expect(
        credential == v.secret_file
            && !text
                .lines()
                .any(|l| l.starts_with("LoadCredential=") && has_lone_specifier(l)),
        format!(
            "demo-web: LoadCredential reads {credential:?}, not {:?}",
            v.secret_file
        ),
    );
    for (kind, name, expected) in [
        ("targets", "demo", v.app_description.clone()),
        (
            "timers",
            "demo-nightly",
            format!("Timer for {}", v.task_description),
        ),
    ] {
        // `[Unit]` reads the same in every unit type: checked in a service of its own.
        let text = eval[kind][name].as_str().unwrap_or_default();
        let view = systemd_view(
            &format!("{name}-description.service"),
            &format!("[Unit]\nDescription={text}\n[Service]\nExecStart=/bin/true\n"),
        );
        expect(
            shows(&view, "Description", &expected),
            format!("{name} ({kind}): Description is not {expected:?}"),
        );
    }
    Some(problems)
}

/// A `%` not part of `%%`: a specifier systemd would expand.
fn has_lone_specifier(s: &str) -> bool {
    s.replace("%%", "").contains('%')
}

fn hostile_values(seed: &[String; 10]) -> Values {
    Values {
        env: seed[0].clone(),
        process_env: seed[1].clone(),
        task_env: seed[2].clone(),
        process_description: seed[3].clone(),
        task_description: seed[4].clone(),
        app_description: seed[5].clone(),
        environment_file: format!("/etc/demo/{}", seed[6]),
        option_env: seed[7].clone(),
        secret_file: format!("/run/keys/{}", seed[8]),
        working_directory: format!("/srv/{}", seed[9]),
    }
}

/// The reproducers of the real-host review: `DATE_FORMAT = "%Y-%m-%d"` reached the app as a
/// unit path and a machine id.
#[test]
#[ignore = "needs NIXPKGS_LIB, nix-instantiate and systemd-analyze: run by .ci/run"]
fn specifiers_and_variables_reach_the_program_unchanged() {
    let seed = [
        "%Y-%m-%d",
        "%h and %%",
        "$HOME ${HOME} $$",
        "100% done",
        "50%off \"quoted\"",
        "Rate: 100%",
        "env%i",
        "%d/x 'q' \\ back",
        "token%n",
        "dir%u",
    ]
    .map(String::from);
    let problems = check(&hostile_values(&seed)).expect("the description is valid");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Single-line text systemd keeps as it is (no control characters, no line breaks; the
/// description refuses those): specifiers, variables, quotes, backslashes and non-ASCII.
fn unit_value() -> impl Strategy<Value = String> {
    "[%$a-zA-Z0-9 \"'\\\\{}()=;:@#!*?~é€-]{1,24}"
}

/// A path segment: no `/`, and not `.` or `..`, which systemd normalizes away.
fn path_segment() -> impl Strategy<Value = String> {
    "[%$a-zA-Z0-9_-][%$a-zA-Z0-9._-]{0,15}"
}

proptest! {
    #![proptest_config(ProptestConfig { cases: std::env::var("APP2NIX_UNIT_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(16), ..ProptestConfig::default() })]

    #[test]
    #[ignore = "needs NIXPKGS_LIB, nix-instantiate and systemd-analyze: run by .ci/run"]
    fn every_value_in_a_unit_comes_back_unchanged(
        texts in proptest::array::uniform6(unit_value()),
        paths in proptest::array::uniform4(path_segment()),
    ) {
        // Descriptions are trimmed by systemd; the description check refuses edge spaces.
        let texts = texts.map(|t| t.trim().to_string());
        prop_assume!(texts.iter().all(|t| !t.is_empty()));
        let seed = [
            texts[0].clone(), texts[1].clone(), texts[2].clone(), texts[3].clone(),
            texts[4].clone(), texts[5].clone(), paths[0].clone(), texts[0].clone(),
            paths[1].clone(), paths[2].clone(),
        ];
        // A refused value is a fine outcome; an accepted one must reach systemd unchanged.
        if let Some(problems) = check(&hostile_values(&seed)) {
            prop_assert!(problems.is_empty(), "{}", problems.join("\n"));
        }
    }
}
