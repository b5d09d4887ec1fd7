//! Generated modules in the real nixpkgs module system (the option slice of
//! `../shared/tools/nixos-eval`): what a NixOS host does with them beyond one app's defaults.
//! Several apps on one host, a secret given its own file instead of agenix's, the Redis
//! socket's group for the app's user.
//!
//! Needs `NIXPKGS_LIB` and `nix-instantiate`; `.ci/run` runs these with `--ignored` when
//! `NIXPKGS_LIB` is set (see DEVELOPERS.md).

use std::path::{Path, PathBuf};

mod common;

/// Generate `description` in `dir` (with an `app/` source tree); the module's path.
fn module(dir: &Path, app: &str, description: &str) -> PathBuf {
    std::fs::create_dir_all(dir.join("app")).expect("app");
    std::fs::write(dir.join("app2nix.toml"), description).expect("description");
    let out = common::run(dir, &["generate", "--module-only"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    dir.join(format!("{app}.nix"))
}

fn app(name: &str, email: &str, schedule: &str) -> String {
    format!(
        r#"[app]
name = "{name}"

[package.python]
src = "app"

[processes.web]
wsgi = "{name}.wsgi:app"
listen = "127.0.0.1:{port}"

[postgresql]

[backup.postgresql]
schedule = "{schedule}"

[sites.main]
domains = ["{name}.example.org"]
routes = {{ "/" = "web" }}

[acme]
email = "{email}"
accept_terms = true
"#,
        port = if name == "alpha" { 8000 } else { 8001 },
    )
}

/// Two apps on one host: each sets what is its own (its certificate's email, its database's
/// dump schedule), neither a host-wide default the other sets too. A regression: both set
/// `security.acme.defaults.email`, and the host failed to evaluate.
#[test]
#[ignore = "needs NIXPKGS_LIB and nix-instantiate: run by .ci/run"]
fn two_apps_share_a_host() {
    let a = tempfile::tempdir().expect("tempdir");
    let b = tempfile::tempdir().expect("tempdir");
    let ma = module(a.path(), "alpha", &app("alpha", "ops@alpha.org", "02:00"));
    let mb = module(b.path(), "beta", &app("beta", "it@beta.org", "03:00"));
    let summary = common::nixos_eval(
        &[(&ma, "alpha"), (&mb, "beta")],
        "{ }",
        false,
        r#"{
  emails = lib.mapAttrs (_: c: c.email) config.security.acme.certs;
  defaultEmail = config.security.acme.defaults.email;
  dumps = lib.mapAttrs (_: s: s.startAt) (lib.filterAttrs (n: _: lib.hasPrefix "postgresqlBackup-" n) config.systemd.services);
  databases = lib.sort lib.lessThan config.services.postgresqlBackup.databases;
}"#,
    );
    assert_eq!(summary["emails"]["alpha.example.org"], "ops@alpha.org");
    assert_eq!(summary["emails"]["beta.example.org"], "it@beta.org");
    assert!(summary["defaultEmail"].is_null(), "{summary}");
    assert_eq!(summary["databases"], serde_json::json!(["alpha", "beta"]));
    assert_eq!(summary["dumps"]["postgresqlBackup-alpha"], "02:00");
    assert_eq!(summary["dumps"]["postgresqlBackup-beta"], "03:00");
}

const SECRETS: &str = r#"[app]
name = "demo"

[package.python]
src = "app"

[processes.web]
wsgi = "demo.wsgi:app"
listen = "127.0.0.1:8000"

[secrets]
SECRET_KEY = "env"
API_TOKEN = "file"

[redis]
"#;

/// A secret given its own file is not declared to agenix (whose activation would fail to decrypt
/// the committed `.age` file); the others still are. A regression: every secret was declared.
#[test]
#[ignore = "needs NIXPKGS_LIB and nix-instantiate: run by .ci/run"]
fn secrets_given_their_own_file_are_not_agenix_secrets() {
    let dir = tempfile::tempdir().expect("tempdir");
    let m = module(dir.path(), "demo", SECRETS);
    let summary = common::nixos_eval(
        &[(&m, "demo")],
        r#"{ services.demo.secretFiles.API_TOKEN = "/run/keys/api-token"; }"#,
        true,
        r#"{
  age = lib.attrNames config.age.secrets;
  credentials = config.systemd.services.demo-web.serviceConfig.LoadCredential;
  triggers = map toString config.systemd.services.demo-web.restartTriggers;
}"#,
    );
    assert_eq!(summary["age"], serde_json::json!(["demo-SECRET_KEY"]));
    let credentials = summary["credentials"].to_string();
    assert!(
        credentials.contains("API_TOKEN:/run/keys/api-token"),
        "{credentials}"
    );
    assert!(
        credentials.contains("SECRET_KEY:/run/agenix/demo-SECRET_KEY"),
        "{credentials}"
    );
    assert_eq!(summary["triggers"].as_array().map(Vec::len), Some(1));

    // Without agenix, every secret needs its own file: the assertion names the missing ones.
    let out = common::try_nixos_eval(
        &[(&m, "demo")],
        r#"{ services.demo.secretFiles.API_TOKEN = "/run/keys/api-token"; }"#,
        false,
        "null",
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("the secrets SECRET_KEY have no file"),
        "{err}"
    );
    let all = r#"{ services.demo.secretFiles = { API_TOKEN = "/run/keys/a"; SECRET_KEY = "/run/keys/s"; }; }"#;
    common::nixos_eval(&[(&m, "demo")], all, false, "null");
}

/// The app's user reaches the Redis socket as its units do (through the socket's group), so the
/// VM test's `runuser -u demo -- redis-cli` and an admin's `sudo -u demo` work. A regression:
/// only the units had the group.
#[test]
#[ignore = "needs NIXPKGS_LIB and nix-instantiate: run by .ci/run"]
fn the_app_user_reaches_redis() {
    let dir = tempfile::tempdir().expect("tempdir");
    let m = module(dir.path(), "demo", SECRETS);
    let summary = common::nixos_eval(
        &[(&m, "demo")],
        "{ }",
        true,
        r#"{ groups = config.users.users.demo.extraGroups; socket = config.services.redis.servers.demo.group; }"#,
    );
    assert_eq!(summary["groups"], serde_json::json!([summary["socket"]]));
}
