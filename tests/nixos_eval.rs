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

/// The fixture `name` copied into a temporary directory and its module generated there: the
/// directory (kept while the module is used) and the module's path.
fn fixture_module(name: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    common::copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(name),
        dir.path(),
    );
    let out = common::run(dir.path(), &["generate", "--module-only"]);
    assert_eq!(out.status.code(), Some(0), "{}", common::printed(&out));
    let module = dir.path().join(format!("{name}.nix"));
    (dir, module)
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

/// The example on several hosts, evaluated as each of its machines (and with a third app host
/// added in the configuration, as a user scaling out would): each runs what its roles place on
/// it, the edge balances over every app host, the database admits the app's role from the app
/// hosts only, and each opens its ports on the private interface only.
#[test]
#[ignore = "needs NIXPKGS_LIB and nix-instantiate: run by .ci/run"]
fn each_host_runs_its_roles() {
    let module = Path::new(env!("CARGO_MANIFEST_DIR")).join("modules/nanotrace-cluster.nix");
    let as_host = |host: &str| {
        common::nixos_eval(
            &[(&module, "nanotrace-cluster")],
            &format!(
                r#"{{ services.nanotrace-cluster.host = "{host}";
  services.nanotrace-cluster.hosts.app3 = {{ roles = [ "app" ]; address = "10.0.0.13"; interface = "ens10"; }}; }}"#
            ),
            true,
            r#"let units = lib.filterAttrs (n: _: lib.hasPrefix "nanotrace-cluster" n) config.systemd.services; in {
  units = lib.attrNames units;
  url = units.nanotrace-cluster-web.environment.DATABASE_URL or null;
  bind = units.nanotrace-cluster-web.serviceConfig.ExecStart or null;
  waits = lib.length (units.nanotrace-cluster-web.serviceConfig.ExecStartPre or [ ]);
  nginx = config.services.nginx.enable;
  servers = lib.attrNames (config.services.nginx.upstreams.nanotrace-cluster-web.servers or { });
  maxFails = lib.mapAttrs (_: s: s.max_fails) (config.services.nginx.upstreams.nanotrace-cluster-web.servers or { });
  postgresql = config.services.postgresql.enable;
  tcpip = config.services.postgresql.enableTCPIP;
  listen = config.services.postgresql.settings.listen_addresses or null;
  hba = config.services.postgresql.authentication;
  open = config.networking.firewall.allowedTCPPorts;
  private = lib.mapAttrs (_: i: i.allowedTCPPorts) config.networking.firewall.interfaces;
  secrets = lib.attrNames config.age.secrets;
}"#,
        )
    };
    let edge = as_host("edge");
    assert_eq!(edge["units"], serde_json::json!([]), "{edge}");
    assert_eq!(edge["nginx"], true);
    assert_eq!(
        edge["servers"],
        serde_json::json!(["10.0.0.11:8000", "10.0.0.12:8000", "10.0.0.13:8000"])
    );
    assert_eq!(edge["maxFails"]["10.0.0.13:8000"], 3);
    assert_eq!(edge["open"], serde_json::json!([80, 443]));
    assert_eq!(edge["private"], serde_json::json!({}));
    assert_eq!(edge["secrets"], serde_json::json!([]));

    let app1 = as_host("app1");
    assert_eq!(
        app1["units"],
        serde_json::json!([
            "nanotrace-cluster-auth",
            "nanotrace-cluster-migrate",
            "nanotrace-cluster-web"
        ])
    );
    assert_eq!(
        app1["url"],
        "postgresql+psycopg2://nanotrace-cluster@10.0.0.20:5432/nanotrace-cluster"
    );
    assert!(
        app1["bind"]
            .as_str()
            .is_some_and(|b| b.contains("\"10.0.0.11:8000\"")),
        "{app1}"
    );
    assert_eq!(app1["waits"], 1, "the web process waits for the database");
    assert_eq!(app1["nginx"], false);
    assert_eq!(app1["postgresql"], false);
    assert_eq!(app1["open"], serde_json::json!([]));
    assert_eq!(
        app1["private"],
        serde_json::json!({ "ens10": [8002, 8000] })
    );
    let app2 = as_host("app2");
    assert_eq!(
        app2["units"],
        serde_json::json!(["nanotrace-cluster-auth", "nanotrace-cluster-web"])
    );
    assert_eq!(
        app2["secrets"],
        serde_json::json!([
            "nanotrace-cluster-MAIL_PASSWORD",
            "nanotrace-cluster-PGPASSWORD",
            "nanotrace-cluster-SECRET_KEY"
        ])
    );

    let db = as_host("db");
    assert_eq!(
        db["units"],
        serde_json::json!(["nanotrace-cluster-database-password"])
    );
    assert_eq!(db["postgresql"], true);
    // nixpkgs listens on every address for enableTCPIP; a value of the module's own would
    // conflict with another app's on a shared database host (`two_clusters_share_a_database_host`).
    assert_eq!(db["tcpip"], true);
    assert_eq!(db["listen"], serde_json::Value::Null, "{db}");
    let hba = db["hba"].as_str().unwrap_or_default();
    for app_host in ["10.0.0.11", "10.0.0.12", "10.0.0.13"] {
        let line =
            format!("host \"nanotrace-cluster\" \"nanotrace-cluster\" {app_host}/32 scram-sha-256");
        assert!(hba.contains(&line), "{hba}");
    }
    assert!(!hba.contains("10.0.0.10"), "the edge may not log in: {hba}");
    assert_eq!(db["private"], serde_json::json!({ "ens10": [5432] }));
    assert_eq!(
        db["secrets"],
        serde_json::json!(["nanotrace-cluster-PGPASSWORD"])
    );
}

/// On several hosts with a database of the user's own (`database.createLocally = false`, no
/// database host), the app's units do not wait for one, and nothing reads the missing host.
#[test]
#[ignore = "needs NIXPKGS_LIB and nix-instantiate: run by .ci/run"]
fn an_app_host_without_the_generated_database() {
    let module = Path::new(env!("CARGO_MANIFEST_DIR")).join("modules/nanotrace-cluster.nix");
    let summary = common::nixos_eval(
        &[(&module, "nanotrace-cluster")],
        r#"{ lib, ... }: {
  services.nanotrace-cluster.host = "app2";
  services.nanotrace-cluster.database.createLocally = false;
  services.nanotrace-cluster.hosts.db.roles = lib.mkForce [ "tasks" ];
  services.nanotrace-cluster.hosts.app1.roles = lib.mkForce [ "app" ];
  services.nanotrace-cluster.environment.DATABASE_URL = "postgresql+psycopg2://app@db.example.org/app";
}"#,
        true,
        r#"{
  waits = config.systemd.services.nanotrace-cluster-web.serviceConfig.ExecStartPre;
  url = config.systemd.services.nanotrace-cluster-web.environment.DATABASE_URL;
}"#,
    );
    assert_eq!(summary["waits"], serde_json::json!([]), "{summary}");
    assert_eq!(
        summary["url"],
        "postgresql+psycopg2://app@db.example.org/app"
    );
}

/// Redis and backups on several hosts (the `fleet` fixture): the database host's Redis listens
/// on its private address too and requires the generated password; its port opens on the
/// private interface; the app hosts run no Redis and get the URL at start (it holds the
/// password); restic backs up the state directory on the app hosts and the dumps on the
/// database host.
#[test]
#[ignore = "needs NIXPKGS_LIB and nix-instantiate: run by .ci/run"]
fn redis_on_the_database_host() {
    let (_dir, module) = fixture_module("fleet");
    let as_host = |host: &str| {
        common::nixos_eval(
            &[(&module, "fleet")],
            &format!(r#"{{ services.fleet.host = "{host}"; }}"#),
            true,
            r#"{
  redis = lib.mapAttrs (_: s: { inherit (s) enable bind port requirePassFile; }) config.services.redis.servers;
  private = lib.mapAttrs (_: i: i.allowedTCPPorts) config.networking.firewall.interfaces;
  url = config.systemd.services.fleet-web.environment.REDIS_URL or null;
  script = config.systemd.services.fleet-worker.script or "";
  restic = lib.mapAttrs (_: b: b.paths) config.services.restic.backups;
}"#,
        )
    };
    let data = as_host("data");
    assert_eq!(data["redis"]["fleet"]["enable"], true, "{data}");
    assert_eq!(data["redis"]["fleet"]["bind"], "127.0.0.1 10.1.0.20");
    assert_eq!(data["redis"]["fleet"]["port"], 6379);
    assert_eq!(
        data["redis"]["fleet"]["requirePassFile"],
        "/run/agenix/fleet-REDIS_PASSWORD"
    );
    assert_eq!(
        data["private"],
        serde_json::json!({ "enp7s0": [5432, 6379] })
    );
    // restic: each machine backs up what it holds.
    assert_eq!(
        data["restic"],
        serde_json::json!({ "fleet": ["/var/backup/postgresql"] })
    );
    let worker = as_host("worker2");
    assert_eq!(
        worker["restic"],
        serde_json::json!({ "fleet": ["/var/lib/fleet"] })
    );
    assert_eq!(worker["redis"], serde_json::json!({}), "{worker}");
    assert!(
        worker["url"].is_null(),
        "no password-less URL in the unit: {worker}"
    );
    let script = worker["script"].as_str().unwrap_or_default();
    assert!(
        script.contains(r#": "${REDIS_URL:=redis://:$(app2nix_percent_encode "$REDIS_PASSWORD")@10.1.0.20:6379}""#),
        "{script}"
    );
}

/// `psql` where no PostgreSQL server runs: a SQL task on a tasks host of several hosts (`fleet`'s
/// `worker2`), the app's wait for the database host there, and a SQL task on one host whose
/// database is the user's own (`incident-tracker` with `database.createLocally = false`). A
/// regression: they read `services.postgresql.package`, which nixpkgs sets only on a host that
/// runs the server, and such hosts failed to evaluate.
#[test]
#[ignore = "needs NIXPKGS_LIB and nix-instantiate: run by .ci/run"]
fn psql_runs_where_no_server_runs() {
    let (_fleet_dir, fleet_module) = fixture_module("fleet");
    let fleet = common::nixos_eval(
        &[(&fleet_module, "fleet")],
        r#"{ services.fleet.host = "worker2"; }"#,
        true,
        r#"{
  server = config.services.postgresql.enable;
  seed = config.systemd.services.fleet-seed.script;
}"#,
    );
    assert_eq!(fleet["server"], false, "{fleet}");
    let seed = fleet["seed"].as_str().expect("the seed task's script");
    assert!(seed.contains("-postgresql/bin/psql '--set"), "{seed}");

    let module = Path::new(env!("CARGO_MANIFEST_DIR")).join("modules/incident-tracker.nix");
    let one = common::nixos_eval(
        &[(&module, "incident-tracker")],
        // The flake's module would set the package (its uv environment).
        r#"{ pkgs, ... }: {
  services.incident-tracker.package = pkgs.hello;
  services.incident-tracker.database.createLocally = false;
}"#,
        true,
        r#"{
  server = config.services.postgresql.enable;
  schema = config.systemd.services.incident-tracker-schema.script;
}"#,
    );
    assert_eq!(one["server"], false, "{one}");
    let schema = one["schema"].as_str().expect("the schema task's script");
    assert!(schema.contains("-postgresql/bin/psql '--set"), "{schema}");
}

/// A SQL file task whose database is the configuration's own (`database.createLocally = false`)
/// runs against the URL the configuration gives the app, with SQLAlchemy's `+driver` removed for
/// libpq, on one host and on the tasks host of several. A regression (issue 18): it ran
/// `psql --dbname=<user>` against the local socket, where no server runs, and the setup target
/// failed; on several hosts the module did not even evaluate (no database host to name).
#[test]
#[ignore = "needs NIXPKGS_LIB and nix-instantiate: run by .ci/run"]
fn sql_tasks_reach_a_database_of_the_configurations_own() {
    let module = Path::new(env!("CARGO_MANIFEST_DIR")).join("modules/incident-tracker.nix");
    let one = common::nixos_eval(
        &[(&module, "incident-tracker")],
        r#"{ pkgs, ... }: {
  services.incident-tracker.package = pkgs.hello;
  services.incident-tracker.database.createLocally = false;
}"#,
        true,
        "{ schema = config.systemd.services.incident-tracker-schema.script; }",
    );
    let schema = one["schema"].as_str().expect("the schema task's script");
    assert!(schema.contains("url=${DATABASE_URL:?"), "{schema}");
    assert!(
        schema.contains("url=postgresql://${url#*://}") && schema.contains("--dbname=\"$url\""),
        "{schema}"
    );
    assert!(!schema.contains("--dbname=incident-tracker"), "{schema}");

    let (_fleet_dir, fleet) = fixture_module("fleet");
    let tasks_host = common::nixos_eval(
        &[(&fleet, "fleet")],
        r#"{ lib, ... }: {
  services.fleet.host = "worker2";
  services.fleet.database.createLocally = false;
  services.fleet.hosts.data.roles = lib.mkForce [ "app" ];
}"#,
        true,
        "{ seed = config.systemd.services.fleet-seed.script; }",
    );
    let seed = tasks_host["seed"].as_str().expect("the seed task's script");
    assert!(seed.contains("--dbname=\"$url\""), "{seed}");
}

/// Several hosts with `database.tls`: the database host turns TLS on with the given certificate
/// and admits the app's role over TLS only (`hostssl`), and the app hosts require it (issue 18:
/// the role logged in with `host … scram-sha-256`, unencrypted, over the private network).
#[test]
#[ignore = "needs NIXPKGS_LIB and nix-instantiate: run by .ci/run"]
fn the_database_role_logs_in_over_tls() {
    let module = Path::new(env!("CARGO_MANIFEST_DIR")).join("modules/nanotrace-cluster.nix");
    let as_host = |host: &str, ca: &str| {
        common::nixos_eval(
            &[(&module, "nanotrace-cluster")],
            &format!(
                r#"{{ services.nanotrace-cluster.host = "{host}";
  services.nanotrace-cluster.database.tls = {{ enable = true; certificateFile = "/var/lib/postgresql/tls/server.crt"; keyFile = "/var/lib/postgresql/tls/server.key"; caFile = {ca}; }}; }}"#
            ),
            true,
            r#"{
  hba = config.services.postgresql.authentication;
  ssl = config.services.postgresql.settings.ssl or null;
  cert = config.services.postgresql.settings.ssl_cert_file or null;
  mode = config.systemd.services.nanotrace-cluster-web.environment.PGSSLMODE or null;
  root = config.systemd.services.nanotrace-cluster-web.environment.PGSSLROOTCERT or null;
}"#,
        )
    };
    let db = as_host("db", "null");
    assert_eq!(db["ssl"], true, "{db}");
    assert_eq!(db["cert"], "/var/lib/postgresql/tls/server.crt");
    let hba = db["hba"].as_str().unwrap_or_default();
    assert!(
        hba.contains(
            "hostssl \"nanotrace-cluster\" \"nanotrace-cluster\" 10.0.0.11/32 scram-sha-256"
        ),
        "{hba}"
    );
    assert!(!hba.contains("\nhost "), "{hba}");
    let app = as_host("app1", "null");
    assert_eq!(app["mode"], "require", "{app}");
    assert!(app["root"].is_null(), "{app}");
    let verified = as_host("app1", r#""/etc/ssl/db-ca.pem""#);
    assert_eq!(verified["mode"], "verify-ca", "{verified}");
    assert_eq!(verified["root"], "/etc/ssl/db-ca.pem");

    // The database host needs the certificate's files.
    let out = common::try_nixos_eval(
        &[(&module, "nanotrace-cluster")],
        r#"{ services.nanotrace-cluster.host = "db"; services.nanotrace-cluster.database.tls.enable = true; }"#,
        true,
        "null",
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("set certificateFile and keyFile"),
        "{err}"
    );
}

fn mysql_app(name: &str, port: u16) -> String {
    format!(
        r#"[app]
name = "{name}"

[package.python]
src = "app"

[processes.web]
wsgi = "app.wsgi:app"
listen = "127.0.0.1:{port}"

[mysql]
parts = {{ name = "DB_NAME" }}

[backup.mysql]
"#
    )
}

/// Two apps with [mysql] on one host share MariaDB: each has its database (named with `_` for
/// `-`) and socket-authenticated user, both are dumped by the one mysqlBackup, the character set
/// defaults stay overridable by the host, and each app's units start after the server.
#[test]
#[ignore = "needs NIXPKGS_LIB and nix-instantiate: run by .ci/run"]
fn two_mysql_apps_share_a_host() {
    let a = tempfile::tempdir().expect("tempdir");
    let b = tempfile::tempdir().expect("tempdir");
    let ma = module(a.path(), "shop-front", &mysql_app("shop-front", 8000));
    let mb = module(b.path(), "wiki", &mysql_app("wiki", 8001));
    let summary = common::nixos_eval(
        &[(&ma, "shop-front"), (&mb, "wiki")],
        r#"{ pkgs, ... }: { services.mysql.settings.mysqld.collation-server = "utf8mb4_bin"; }"#,
        false,
        r#"{
  package = config.services.mysql.package.name or null;
  databases = lib.sort lib.lessThan config.services.mysql.ensureDatabases;
  users = map (u: { inherit (u) name ensurePermissions; }) config.services.mysql.ensureUsers;
  dumps = lib.sort lib.lessThan config.services.mysqlBackup.databases;
  collation = config.services.mysql.settings.mysqld.collation-server;
  charset = config.services.mysql.settings.mysqld.character-set-server;
  after = config.systemd.services.shop-front-web.after;
  url = config.systemd.services.shop-front-web.environment.DATABASE_URL;
  name = config.systemd.services.shop-front-web.environment.DB_NAME;
}"#,
    );
    assert_eq!(summary["package"], "mariadb", "{summary}");
    assert_eq!(
        summary["databases"],
        serde_json::json!(["shop_front", "wiki"])
    );
    assert_eq!(summary["dumps"], serde_json::json!(["shop_front", "wiki"]));
    let users = summary["users"].to_string();
    assert!(
        users.contains(
            r#""ensurePermissions":{"\\`shop\\\\_front\\`.*":"ALL PRIVILEGES"},"name":"shop-front""#
        ),
        "{users}"
    );
    assert!(
        users.contains(r#""ensurePermissions":{"\\`wiki\\`.*":"ALL PRIVILEGES"},"name":"wiki""#),
        "{users}"
    );
    // Defined once however many apps ask (a second definition would repeat the value), and
    // the host's own wins.
    assert_eq!(summary["charset"], "utf8mb4", "{summary}");
    assert_eq!(summary["collation"], "utf8mb4_bin");
    assert!(
        summary["after"].to_string().contains("\"mysql.service\""),
        "{summary}"
    );
    assert_eq!(
        summary["url"],
        "mysql+mysqldb://shop-front@localhost/shop_front?unix_socket=/run/mysqld/mysqld.sock"
    );
    assert_eq!(summary["name"], "shop_front");
}

/// Redis on loopback TCP (the `dsn-api` fixture): it requires the generated password, listens
/// on its own port, and the app's units get each URL with the password when they start; a
/// second Redis on the same port is refused by an assertion.
#[test]
#[ignore = "needs NIXPKGS_LIB and nix-instantiate: run by .ci/run"]
fn redis_on_loopback_tcp() {
    let (_dir, module) = fixture_module("dsn-api");
    let summary = common::nixos_eval(
        &[(&module, "dsn-api")],
        "{ }",
        true,
        r#"{
  redis = { inherit (config.services.redis.servers.dsn-api) bind port requirePassFile; };
  url = config.systemd.services.dsn-api-web.environment.REDIS_URL or null;
  serve = config.systemd.services.dsn-api-web.serviceConfig.ExecStart;
}"#,
    );
    assert_eq!(summary["redis"]["bind"], "127.0.0.1", "{summary}");
    assert_eq!(summary["redis"]["port"], 6390);
    assert_eq!(
        summary["redis"]["requirePassFile"],
        "/run/agenix/dsn-api-REDIS_PASSWORD"
    );
    assert!(summary["url"].is_null(), "no password-less URL: {summary}");
    let out = common::try_nixos_eval(
        &[(&module, "dsn-api")],
        r#"{ services.redis.servers.other = { enable = true; port = 6390; }; }"#,
        true,
        "null",
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("another Redis server of this host listens on 6390"),
        "{err}"
    );
}

/// Two apps on several hosts share one database host with different private addresses (the
/// `nanotrace-cluster` example's `db` and the `fleet` fixture's `data`): both PostgreSQL
/// configurations merge. A regression: each set `listen_addresses` to its own host address, and
/// the definitions conflicted.
#[test]
#[ignore = "needs NIXPKGS_LIB and nix-instantiate: run by .ci/run"]
fn two_clusters_share_a_database_host() {
    let (_fleet_dir, fleet) = fixture_module("fleet");
    let cluster = Path::new(env!("CARGO_MANIFEST_DIR")).join("modules/nanotrace-cluster.nix");
    let both = common::nixos_eval(
        &[(&cluster, "nanotrace-cluster"), (&fleet, "fleet")],
        r#"{
  services.nanotrace-cluster.host = "db";
  services.fleet.host = "data";
}"#,
        true,
        r#"{
  databases = config.services.postgresql.ensureDatabases;
  inherit (config.services.postgresql) settings;
  hba = config.services.postgresql.authentication;
  private = lib.mapAttrs (_: i: i.allowedTCPPorts) config.networking.firewall.interfaces;
}"#,
    );
    assert_eq!(
        both["databases"],
        serde_json::json!(["fleet", "nanotrace-cluster"]),
        "{both}"
    );
    let hba = both["hba"].as_str().unwrap_or_default();
    assert!(hba.contains("\"fleet\" \"fleet\" 10.1.0."), "{hba}");
    assert!(
        hba.contains("\"nanotrace-cluster\" \"nanotrace-cluster\" 10.0.0.11/32"),
        "{hba}"
    );
}

/// The DNS provider's credentials file reaches the certificate's renewal unit as configured:
/// nixpkgs writes `security.acme.certs.<name>.environmentFile` into `EnvironmentFile=` as given,
/// so the module escapes `%` (a regression: `secretFiles.CF_DNS = "/run/keys/cf%i"` reached
/// systemd as the specifier `%i`).
#[test]
#[ignore = "needs NIXPKGS_LIB and nix-instantiate: run by .ci/run"]
fn dns_credentials_paths_are_escaped_for_systemd() {
    let (_edge_dir, edge) = fixture_module("edge");
    let certs = common::nixos_eval(
        &[(&edge, "edge")],
        r#"{ services.edge.secretFiles.CF_DNS = "/run/keys/cf%i"; }"#,
        true,
        "lib.mapAttrs (_: c: c.environmentFile) config.security.acme.certs",
    );
    let files: Vec<&serde_json::Value> =
        certs.as_object().expect("certificates").values().collect();
    assert!(!files.is_empty(), "{certs}");
    for f in files {
        assert_eq!(f, "/run/keys/cf%%i", "{certs}");
    }
}

/// An app asking for nginx's exporter and alerts: `scraper`, `webhook` and `email` as given.
fn monitored(name: &str, port: u16, scraper: &str) -> String {
    format!(
        r#"[app]
name = "{name}"

[package.python]
src = "app"

[processes.web]
wsgi = "{name}.wsgi:app"
listen = "127.0.0.1:{port}"

[tasks.nightly]
command = "true"
schedule = "daily"

[secrets]
HOOK = "alerts"

[backup.restic]
repository = "/srv/restic"
password_file = "/etc/restic-password"

[sites.main]
domains = ["{name}.example.org"]
tls = "none"
routes = {{ "/" = "web" }}

[alerts]
email = ["ops@{name}.example.org"]
webhook = "HOOK"

[metrics]
nginx_exporter = true
scraper = "{scraper}"
"#
    )
}

/// Two apps on one host both ask for nginx's exporter, one scraped from this host, one from
/// another machine: they compose (the exporter listens where both reach it, its port opens to
/// the remote scraper alone), and the host's own settings win over both.
#[test]
#[ignore = "needs NIXPKGS_LIB and nix-instantiate: run by .ci/run"]
fn the_nginx_exporter_is_shared_by_the_apps_of_a_host() {
    let a = tempfile::tempdir().expect("tempdir");
    let b = tempfile::tempdir().expect("tempdir");
    let ma = module(a.path(), "alpha", &monitored("alpha", 8000, "127.0.0.1"));
    let mb = module(b.path(), "beta", &monitored("beta", 8001, "10.0.0.5"));
    let summary = r#"{
  exporter = config.services.prometheus.exporters.nginx.enable;
  listen = config.services.prometheus.exporters.nginx.listenAddress;
  statusPage = config.services.nginx.statusPage;
  iptables = config.networking.firewall.extraCommands;
}"#;
    let modules = [(ma.as_path(), "alpha"), (mb.as_path(), "beta")];
    let both = common::nixos_eval(&modules, "{ }", true, summary);
    assert_eq!(both["exporter"], true, "{both}");
    assert_eq!(both["listen"], "0.0.0.0", "{both}");
    assert_eq!(both["statusPage"], true, "{both}");
    assert_eq!(
        both["iptables"],
        "iptables -w -A nixos-fw -p tcp -s 10.0.0.5 --dport 9113 -j nixos-fw-accept\n",
        "{both}"
    );
    // The local scraper alone keeps the exporter on loopback, and opens nothing.
    let alone = common::nixos_eval(&modules[..1], "{ }", true, summary);
    assert_eq!(alone["listen"], "127.0.0.1", "{alone}");
    assert_eq!(alone["iptables"], "", "{alone}");
    // The host's own choices win.
    let host = common::nixos_eval(
        &modules,
        r#"{ lib, ... }: {
  services.prometheus.exporters.nginx.listenAddress = "10.0.0.10";
  services.nginx.statusPage = false;
  services.beta.metrics.openFirewall = false;
  networking.nftables.enable = true;
}"#,
        true,
        summary,
    );
    assert_eq!(host["listen"], "10.0.0.10", "{host}");
    assert_eq!(host["statusPage"], false, "{host}");
    assert_eq!(host["iptables"], "", "{host}");
}

/// Every unit of the app (processes, tasks, the backup) reports to the notifier, which reports
/// nothing of its own and is rate-limited; its sandbox is relaxed only for a setuid or setgid
/// sendmail, and a host without sendmail is warned.
#[test]
#[ignore = "needs NIXPKGS_LIB and nix-instantiate: run by .ci/run"]
fn every_unit_reports_its_failure() {
    let a = tempfile::tempdir().expect("tempdir");
    let m = module(a.path(), "alpha", &monitored("alpha", 8000, "127.0.0.1"));
    let summary = r#"let
  s = config.systemd.services;
  n = s."alpha-notify-failed@";
in {
  onFailure = lib.mapAttrs (_: u: u.onFailure) (lib.getAttrs [ "alpha-web" "alpha-nightly" "restic-backups-alpha" ] s);
  notifierOnFailure = n.onFailure;
  burst = n.startLimitBurst;
  interval = n.startLimitIntervalSec;
  credentials = n.serviceConfig.LoadCredential;
  groups = n.serviceConfig.SupplementaryGroups;
  noNewPrivileges = n.serviceConfig.NoNewPrivileges or null;
  protectSystem = n.serviceConfig.ProtectSystem;
  warnings = config.warnings;
  owner = config.age.secrets.alpha-HOOK.owner;
}"#;
    let plain = common::nixos_eval(&[(&m, "alpha")], "{ }", true, summary);
    for unit in ["alpha-web", "alpha-nightly", "restic-backups-alpha"] {
        assert_eq!(
            plain["onFailure"][unit],
            serde_json::json!(["alpha-notify-failed@%n.service"]),
            "{plain}"
        );
    }
    assert_eq!(plain["notifierOnFailure"], serde_json::json!([]), "{plain}");
    assert_eq!(plain["burst"], 5, "{plain}");
    assert_eq!(plain["interval"], 3600, "{plain}");
    assert_eq!(
        plain["credentials"],
        serde_json::json!(["HOOK:/run/agenix/alpha-HOOK"]),
        "{plain}"
    );
    assert_eq!(plain["groups"], serde_json::json!(["systemd-journal"]));
    assert_eq!(plain["owner"], "root", "{plain}");
    assert_eq!(plain["noNewPrivileges"], true, "{plain}");
    // No mailer on this host: a warning names what to do.
    assert!(
        plain["warnings"]
            .to_string()
            .contains("has none: configure a mailer"),
        "{plain}"
    );
    // msmtp's sendmail: no warning, the sandbox stays whole.
    let msmtp = common::nixos_eval(
        &[(&m, "alpha")],
        "{ programs.msmtp.enable = true; }",
        true,
        summary,
    );
    assert_eq!(msmtp["warnings"], serde_json::json!([]), "{msmtp}");
    assert_eq!(msmtp["protectSystem"], "strict", "{msmtp}");
    // A setgid sendmail (postfix's postdrop) may gain its group and write the mail queue.
    let postfix = common::nixos_eval(
        &[(&m, "alpha")],
        r#"{ services.mail.sendmailSetuidWrapper = { program = "sendmail"; source = "/x"; setuid = false; setgid = true; owner = "root"; group = "postdrop"; }; }"#,
        true,
        summary,
    );
    assert!(postfix["noNewPrivileges"].is_null(), "{postfix}");
    assert_eq!(postfix["protectSystem"], "full", "{postfix}");
    // Alerts turned off: no unit reports, and no notifier.
    let off = common::nixos_eval(
        &[(&m, "alpha")],
        "{ services.alpha.alerts.enable = false; }",
        true,
        r#"{ web = config.systemd.services.alpha-web.onFailure; notifier = config.systemd.services ? "alpha-notify-failed@"; }"#,
    );
    assert_eq!(off["web"], serde_json::json!([]), "{off}");
    assert_eq!(off["notifier"], false, "{off}");
}

/// On several hosts each machine that runs a unit of the app reports its own failures (with
/// the webhook's secret decrypted there), and nginx's exporter runs on the edge alone.
#[test]
#[ignore = "needs NIXPKGS_LIB and nix-instantiate: run by .ci/run"]
fn each_host_reports_its_own_units() {
    let (_dir, module) = fixture_module("fleet");
    let as_host = |host: &str| {
        common::nixos_eval(
            &[(&module, "fleet")],
            &format!(r#"{{ services.fleet.host = "{host}"; }}"#),
            true,
            r#"let s = config.systemd.services; in {
  notifier = s ? "fleet-notify-failed@";
  reporting = lib.sort lib.lessThan (lib.attrNames (lib.filterAttrs (_: u: u.onFailure != [ ]) s));
  secret = config.age.secrets ? fleet-ALERT_WEBHOOK_URL;
  exporter = config.services.prometheus.exporters.nginx.enable;
  refused = lib.attrNames (config.services.nginx.virtualHosts."fleet.example.org".locations or { });
}"#,
        )
    };
    let front = as_host("front");
    assert_eq!(front["notifier"], true, "{front}");
    assert_eq!(
        front["reporting"],
        serde_json::json!(["fleet-web", "fleet-worker", "restic-backups-fleet"]),
        "{front}"
    );
    assert_eq!(front["exporter"], true, "{front}");
    assert_eq!(
        front["refused"],
        serde_json::json!(["/", "= /metrics", "= /metrics/"]),
        "{front}"
    );
    let worker = as_host("worker2");
    assert_eq!(worker["secret"], true, "{worker}");
    assert_eq!(worker["exporter"], false, "{worker}");
    assert!(
        worker["reporting"]
            .as_array()
            .is_some_and(|r| r.contains(&serde_json::json!("fleet-nightly"))),
        "{worker}"
    );
    let data = as_host("data");
    assert_eq!(data["notifier"], true, "{data}");
    assert_eq!(
        data["reporting"],
        serde_json::json!([
            "fleet-database-password",
            "postgresqlBackup-fleet",
            "restic-backups-fleet"
        ]),
        "{data}"
    );
}

/// `services.<app>.hosts.<n>.address` is an address, not a string that reaches pg_hba.conf as
/// written: a value with a newline and a rule of its own is refused by the module system, an
/// IPv6 address is taken (issue 20). So is the interface, which names firewall rules and a unit.
#[test]
#[ignore = "needs NIXPKGS_LIB and nix-instantiate: run by .ci/run"]
fn host_addresses_and_interfaces_are_typed() {
    let module = Path::new(env!("CARGO_MANIFEST_DIR")).join("modules/nanotrace-cluster.nix");
    let with_app3 = |address: &str, interface: &str| {
        common::try_nixos_eval(
            &[(&module, "nanotrace-cluster")],
            &format!(
                r#"{{ services.nanotrace-cluster.host = "db";
  services.nanotrace-cluster.hosts.app3 = {{ roles = [ "app" ]; address = {}; interface = {}; }}; }}"#,
                common::nix_str(address),
                common::nix_str(interface),
            ),
            true,
            "{ hba = config.services.postgresql.authentication; hosts = config.services.nanotrace-cluster.hosts; }",
        )
    };
    for (address, interface) in [
        ("10.0.0.13/0 trust\nhost all all 0.0.0.0/0 trust", "ens10"),
        ("10.0.0.13 trust", "ens10"),
        ("db.example.org", "ens10"),
        ("10.0.0.13", "ens10\nExecStartPre=/bin/sh"),
        ("10.0.0.13", "ens 10"),
    ] {
        let out = with_app3(address, interface);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            !out.status.success() && err.contains("is not of type"),
            "{address:?} {interface:?}: {err}"
        );
    }
    for address in ["10.0.0.13", "fd00::13", "::ffff:10.0.0.13"] {
        let out = with_app3(address, "ens10");
        let summary: serde_json::Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|_| panic!("{address}: {}", String::from_utf8_lossy(&out.stderr)));
        let hba = summary["hba"].as_str().unwrap_or_default();
        assert!(hba.contains(address), "{address}: {hba}");
    }
}

/// A machine of the cluster example is the same system whichever engine deploys it (issue 18,
/// item 9): `nixosConfigurations.<host>` (nixpkgs' `lib.nixosSystem`, which adds the flake's
/// nixpkgs source and its version) and colmena's hive (nixpkgs' eval-config.nix, with the
/// plain lib of the channel's files), both modelled on their sources in
/// `tests/nixos-eval/deploy-engines.nix`. The nixpkgs is a channel tarball as flake.lock pins
/// it: `.version-suffix` and `.git-revision` beside `lib/`.
#[test]
#[ignore = "needs NIXPKGS_LIB and nix-instantiate: run by .ci/run"]
fn deploy_engines_build_the_same_system() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let channel = tempfile::tempdir().expect("tempdir");
    common::copy_dir(&common::nixpkgs_lib(), &channel.path().join("lib"));
    std::fs::write(
        channel.path().join(".version-suffix"),
        ".10927.78e9c786dc08",
    )
    .expect("suffix");
    std::fs::write(
        channel.path().join(".git-revision"),
        "78e9c786dc08cd4f3420c2395cd977206a9b1da2",
    )
    .expect("revision");
    let out = std::process::Command::new("nix-instantiate")
        .args(["--eval", "--strict", "--json"])
        .arg(root.join("tests/nixos-eval/deploy-engines.nix"))
        .arg("--arg")
        .arg("libDir")
        .arg(channel.path().join("lib"))
        .arg("--arg")
        .arg("dir")
        .arg(root.join("examples/nanotrace-cluster"))
        .arg("--arg")
        .arg("tools")
        .arg(root.join("../shared/tools/nixos-eval"))
        .env("NIX_STATE_DIR", "/tmp/nix-state")
        .env("NIX_LOG_DIR", "/tmp/nix-log")
        .output()
        .expect("nix-instantiate");
    assert!(out.status.success(), "{}", common::printed(&out));
    let systems: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let hosts = systems["nixosConfigurations"]
        .as_object()
        .expect("nixosConfigurations");
    assert_eq!(
        hosts.keys().collect::<Vec<_>>(),
        ["app1", "app2", "db", "edge"]
    );
    for (host, by_nixos_system) in hosts {
        let by_colmena = &systems["colmena"][host];
        for (key, value) in by_nixos_system.as_object().expect("system") {
            assert_eq!(
                &by_colmena[key], value,
                "{host}: {key} differs between nixosConfigurations and colmena"
            );
        }
        assert_eq!(by_colmena["flakeSource"], systems["nixpkgs"], "{host}");
        assert_eq!(
            by_colmena["registry"]["nixpkgs"]["path"], systems["nixpkgs"],
            "{host}"
        );
        assert_eq!(by_colmena["versionSuffix"], ".20260930.78e9c78", "{host}");
        assert_eq!(by_colmena["hostName"], host.as_str());
    }
}
