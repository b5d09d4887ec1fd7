//! The NixOS VM test: `<app>-vm-test.nix` (the machines) and `<app>-vm-test.py` (the script).
//! The test is derived from the model: every process, task, port, site, route, certificate,
//! database and secret the description declares gets a check. This module owns the test's
//! context; `sites` holds the sites' and certificates' part, `secrets` the secrets' part,
//! `monitoring` the alerts' and metrics' part.
//!
//! May call: `model` (read only) and the template environment of [`super`]. Values reach the
//! Nix file through [`crate::nix`] and the script through [`super::python`], never as code.

mod cluster;
mod monitoring;
mod secrets;
mod sites;

use minijinja::Error;
use minijinja::value::Value;
use serde::Serialize;

use super::{environment, header};
use crate::model::{
    Database, Listen, Model, OnceRecord, Process, REDIS_PASSWORD, RedisLibrary, Server, Tls,
    UrlReader,
};

use secrets::SecretTests;
use sites::SiteTests;

/// The domain of the Pebble test CA in nixpkgs' `nixos/tests/common/acme/server` (its snakeoil
/// certificate is issued for it).
const TEST_CA_DOMAIN: &str = "acme.test";

/// File name of the VM test's machines (`.nix`); the script is the same name with `.py`.
pub fn vm_test_file_name(app: &str) -> String {
    format!("{app}-vm-test.nix")
}

/// File name of the VM test's script.
pub fn vm_test_script_name(app: &str) -> String {
    format!("{app}-vm-test.py")
}

/// Everything both VM test templates read. The sites' and the secrets' parts are flattened:
/// the templates see one set of names.
#[derive(Debug, Serialize)]
struct VmTestContext {
    header: String,
    name: String,
    title: String,
    user: String,
    script: String,
    ca_domain: String,
    #[serde(flatten)]
    sites: SiteTests,
    #[serde(flatten)]
    secrets: SecretTests,
    #[serde(flatten)]
    monitoring: monitoring::MonitoringTests,
    redis: bool,
    /// Redis on loopback TCP with its password.
    redis_tcp: Option<RedisTcpTest>,
    processes: Vec<ProcessTest>,
    tasks: Vec<TaskTest>,
    health: Option<HealthTest>,
    /// The database name.
    postgresql: Option<String>,
    /// The MySQL database's name.
    mysql: Option<String>,
    mysql_backup: bool,
    /// A process unit, and the variables the database and Redis sections give its
    /// environment, with their values.
    wired: Option<(String, Vec<(String, String)>)>,
    /// The database URL as `psql` takes it (SQLAlchemy's `+driver` removed).
    libpq_url: Option<String>,
    /// The directory of the SQLite file.
    sqlite: Option<String>,
    redis_socket: Option<String>,
    postgresql_backup: bool,
    restic: Option<ResticTest>,
    /// The app reads environment files (the test creates them, empty).
    environment_files: bool,
    state_dir: String,
    exposed_ports: Vec<u16>,
    /// Something listens (a process, nginx or an exposed port).
    listens: bool,
    /// The machine that serves the sites: `server`, or the edge host on several hosts.
    edge: String,
    /// The machines of a deployment on several hosts.
    cluster: Option<cluster::ClusterTest>,
    /// The configuration files rendered at start.
    files: Option<FilesTest>,
    /// Assets copied into the source tree (`into`): a process unit that runs there, and each
    /// directory with whether it is a single-page app (an `index.html`).
    placed: Option<(String, Vec<(String, bool)>)>,
    /// Units with packages on their `PATH`: the unit and the packages (attribute paths split at
    /// their dots), which the test machine lists for the script to find in the unit's `PATH`.
    unit_packages: Vec<(String, Vec<Vec<String>>)>,
    /// gunicorn processes: their units, whose control sockets must not share the app's home.
    gunicorn_units: Vec<String>,
    /// Run-once tasks recorded in the database: their units.
    recorded_once: Vec<String>,
    /// gunicorn processes whose access log the test extends with the scheme the app sees
    /// (`wsgi.url_scheme`), by process name.
    scheme_logged: Vec<String>,
}

#[derive(Debug, Serialize)]
struct FilesTest {
    /// `<app>-files.service`.
    unit: String,
    /// Each rendered file, and test values it must hold (its secrets').
    rendered: std::collections::BTreeMap<String, Vec<String>>,
    /// `[path in the source tree, rendered file]`.
    links: Vec<(String, String)>,
    /// `VAR=path` of the variables naming files.
    variables: Vec<String>,
    /// The process units that get them.
    units: Vec<String>,
    /// What secrets hold while the source tree builds.
    build_secret: String,
}

#[derive(Debug, Serialize)]
struct RedisTcpTest {
    port: u16,
    password: String,
    /// A process unit that receives the URLs at start, with each variable and its value.
    unit: Option<String>,
    urls: Vec<(String, String)>,
}

#[derive(Debug, Serialize)]
struct ResticTest {
    /// `restic-backups-<app>.service`.
    unit: String,
    /// The `restic-<app>` wrapper the NixOS module installs.
    wrapper: String,
    /// Paths the latest snapshot must hold.
    paths: Vec<String>,
}

#[derive(Debug, Serialize)]
struct ProcessTest {
    unit: String,
    address: Option<String>,
    port: Option<u16>,
    socket: Option<String>,
    /// Where it logs requests (see [`sites::access_log`]).
    access_log: Option<Vec<String>>,
    /// Its server's request timeout as on its command line (`--timeout 300`): the running
    /// process must have it.
    timeout_arg: Option<String>,
}

#[derive(Debug, Serialize)]
struct TaskTest {
    unit: String,
    timer: bool,
    /// The task units it runs after, which must have been done when it started.
    after: Vec<String>,
}

#[derive(Debug, Serialize)]
struct HealthTest {
    url: String,
    socket: Option<String>,
    /// The `Host` nginx sends (the site's first domain) and the scheme it forwards.
    host: Option<String>,
    scheme: String,
}

/// Render the VM test: the machines (`.nix`) and the script (`.py`).
pub fn vm_test(m: &Model, source_label: &str) -> Result<(String, String), Error> {
    let ctx = vm_test_context(m, source_label);
    let env = environment();
    let (nix, py) = if ctx.cluster.is_some() {
        ("vm-test-cluster.nix", "vm-test-cluster.py")
    } else {
        ("vm-test.nix", "vm-test.py")
    };
    let nix = env
        .get_template(nix)?
        .render(Value::from(minijinja::value::Serde(&ctx)))?;
    let py = env
        .get_template(py)?
        .render(Value::from(minijinja::value::Serde(&ctx)))?;
    Ok((nix, py))
}

fn vm_test_context(m: &Model, source_label: &str) -> VmTestContext {
    let sites = sites::tests(m);
    let cluster = cluster::tests(m, &sites.sites);
    let monitoring = monitoring::tests(m, &sites.sites);
    VmTestContext {
        edge: cluster
            .as_ref()
            .map_or_else(|| "server".to_string(), |c| c.edge().to_string()),
        cluster,
        listens: !sites.sites.is_empty() || m.processes.iter().any(|p| p.listen.is_some()),
        header: header(source_label),
        name: m.name.clone(),
        title: m.description.clone(),
        user: m.user.clone(),
        script: vm_test_script_name(&m.name),
        ca_domain: TEST_CA_DOMAIN.into(),
        sites,
        secrets: secrets::tests(m),
        monitoring,
        redis: m.redis.is_some(),
        redis_tcp: redis_tcp(m),
        processes: processes(m),
        tasks: tasks(m),
        health: health(m),
        unit_packages: unit_packages(m),
        gunicorn_units: m
            .processes
            .iter()
            .filter(|p| matches!(p.server, Server::Gunicorn { .. }))
            .map(|p| unit(m, &p.name))
            .collect(),
        recorded_once: m
            .tasks
            .iter()
            .filter(|t| t.once == Some(OnceRecord::Postgresql))
            .map(|t| unit(m, &t.name))
            .collect(),
        scheme_logged: sites::scheme_logged(m),
        postgresql: matches!(m.database, Some(Database::Postgresql { .. })).then(|| m.user.clone()),
        mysql: matches!(m.database, Some(Database::Mysql(_))).then(|| mysql_database(&m.user)),
        mysql_backup: m.mysql_backup,
        wired: wired(m),
        libpq_url: match &m.database {
            Some(db @ Database::Postgresql(_)) if db.url_env().is_some() => {
                database_env(m, db).into_iter().next().map(|(_, url)| {
                    let rest = url.split_once("://").map_or("", |(_, r)| r);
                    format!("postgresql://{rest}")
                })
            }
            _ => None,
        },
        sqlite: sqlite_dir(m),
        redis_socket: m.redis.as_ref().filter(|r| !r.tcp).map(|_| redis_socket(m)),
        postgresql_backup: m.postgresql_backup.is_some()
            && matches!(m.database, Some(Database::Postgresql { .. })),
        restic: restic(m),
        environment_files: !m.environment_files.is_empty(),
        state_dir: m.state_dir(),
        files: files(m),
        placed: m.processes.first().and_then(|p| {
            let dirs: Vec<(String, bool)> = m
                .assets
                .iter()
                .filter_map(|a| Some((a.into.clone()?, a.spa)))
                .collect();
            (m.built_source() && !dirs.is_empty()).then(|| (unit(m, &p.name), dirs))
        }),
        exposed_ports: m
            .processes
            .iter()
            .filter(|p| p.expose)
            .filter_map(|p| match &p.listen {
                Some(Listen::Tcp { port, .. }) => Some(*port),
                _ => None,
            })
            .collect(),
    }
}

/// The configuration files: where each is rendered, the secrets' test values it must hold
/// (optional secrets the test does not provide aside), its link and its variable.
fn files(m: &Model) -> Option<FilesTest> {
    if m.files.is_empty() {
        return None;
    }
    let path = |f: &crate::model::ConfigFile| format!("{}/{}", m.files_dir(), f.file_name);
    Some(FilesTest {
        unit: unit(m, "files"),
        rendered: m
            .files
            .iter()
            .map(|f| {
                let values = f
                    .secrets
                    .iter()
                    .filter(|s| m.secrets.iter().any(|x| &x.name == *s && x.agenix()))
                    .map(|s| secrets::test_value(&m.name, s))
                    .collect();
                (path(f), values)
            })
            .collect(),
        links: m
            .files
            .iter()
            .filter_map(|f| Some((f.path.clone()?, path(f))))
            .collect(),
        variables: m
            .files
            .iter()
            .filter_map(|f| Some(format!("{}={}", f.env.as_ref()?, path(f))))
            .collect(),
        units: m.processes.iter().map(|p| unit(m, &p.name)).collect(),
        build_secret: crate::model::BUILD_SECRET.into(),
    })
}

/// The MySQL database of the app's user (the module's `mysqlDatabase`).
fn mysql_database(user: &str) -> String {
    user.replace('-', "_")
}

/// The socket of the app's Redis (nixpkgs' default for a named server).
fn redis_socket(m: &Model) -> String {
    format!("/run/redis-{}/redis.sock", m.name)
}

/// The variables the database section sets on one host, with their values (the URL first).
fn database_env(m: &Model, db: &Database) -> Vec<(String, String)> {
    let Some(server) = db.server() else {
        return Vec::new();
    };
    let user = &m.user;
    let mysql = matches!(db, Database::Mysql(_));
    let name = if mysql {
        mysql_database(user)
    } else {
        user.clone()
    };
    let mut env = Vec::new();
    if let Some(url_env) = &server.url_env {
        let url = if mysql {
            format!(
                "{}://{user}@localhost/{name}?unix_socket=/run/mysqld/mysqld.sock",
                db.scheme()
            )
        } else {
            let host = if server.reader == UrlReader::Pydantic {
                "localhost"
            } else {
                ""
            };
            format!(
                "{}://{user}@{host}/{name}?host=/run/postgresql",
                db.scheme()
            )
        };
        env.push((url_env.clone(), url));
    }
    for (part, var) in server.parts.variables() {
        let value = match (part, mysql) {
            ("host", false) => "/run/postgresql".to_string(),
            ("host", true) => "localhost".to_string(),
            ("port", false) => "5432".to_string(),
            ("port", true) => "3306".to_string(),
            ("socket", _) => "/run/mysqld/mysqld.sock".to_string(),
            ("name", _) => name.clone(),
            _ => user.clone(),
        };
        env.push((var.to_string(), value));
    }
    env
}

/// A process of the app and what the database and Redis sections put in its environment
/// (Redis's socket URLs; TCP URLs hold the password and are checked with Redis).
fn wired(m: &Model) -> Option<(String, Vec<(String, String)>)> {
    let unit = m.processes.first().map(|p| unit(m, &p.name))?;
    let mut env = m
        .database
        .as_ref()
        .map(|db| database_env(m, db))
        .unwrap_or_default();
    if let Some(r) = m.redis.as_ref().filter(|r| !r.tcp) {
        let socket = redis_socket(m);
        for (k, u) in &r.urls {
            let (scheme, key) = match u.library {
                RedisLibrary::RedisPy => ("unix", "db"),
                RedisLibrary::CeleryBroker => ("redis+socket", ""),
                RedisLibrary::CeleryBackend => ("redis+socket", "virtual_host"),
                RedisLibrary::Limits => ("redis+unix", "db"),
                RedisLibrary::Tcp => continue,
            };
            let query = if u.db == 0 || key.is_empty() {
                String::new()
            } else {
                format!("?{key}={}", u.db)
            };
            env.push((k.clone(), format!("{scheme}://{socket}{query}")));
        }
    }
    (!env.is_empty()).then_some((unit, env))
}

/// Redis on loopback TCP: its port, the test password, and the URLs a process gets at start.
fn redis_tcp(m: &Model) -> Option<RedisTcpTest> {
    let r = m.redis.as_ref().filter(|r| r.tcp)?;
    let password = secrets::test_value(&m.name, REDIS_PASSWORD);
    let urls = r
        .urls
        .iter()
        .map(|(k, u)| {
            let path = if u.db == 0 {
                String::new()
            } else {
                format!("/{}", u.db)
            };
            (
                k.clone(),
                format!("redis://:{password}@127.0.0.1:{}{path}", r.port),
            )
        })
        .collect();
    Some(RedisTcpTest {
        port: r.port,
        password,
        unit: m.processes.first().map(|p| unit(m, &p.name)),
        urls,
    })
}

/// `<app>-<name>.service`.
fn unit(m: &Model, name: &str) -> String {
    format!("{}.service", m.prefixed(name))
}

/// The units of a process: one, or one per instance (`<app>-<name>-<i>`).
pub(super) fn process_units(m: &Model, p: &Process) -> Vec<String> {
    if p.instances > 1 {
        (1..=p.instances)
            .map(|i| format!("{}-{i}.service", m.prefixed(&p.name)))
            .collect()
    } else {
        vec![unit(m, &p.name)]
    }
}

/// Every unit with packages on its `PATH`, and the packages.
fn unit_packages(m: &Model) -> Vec<(String, Vec<Vec<String>>)> {
    let split = |path: &[String]| -> Vec<Vec<String>> {
        path.iter()
            .map(|a| a.split('.').map(str::to_string).collect())
            .collect()
    };
    let processes = m
        .processes
        .iter()
        .filter(|p| !p.path.is_empty())
        .flat_map(|p| process_units(m, p).into_iter().map(|u| (u, split(&p.path))));
    let tasks = m
        .tasks
        .iter()
        .filter(|t| !t.path.is_empty())
        .map(|t| (unit(m, &t.name), split(&t.path)));
    processes.chain(tasks).collect()
}

/// Every process: its units and where the test reaches it.
fn processes(m: &Model) -> Vec<ProcessTest> {
    m.processes
        .iter()
        .flat_map(|p| process_units(m, p).into_iter().map(move |u| (p, u)))
        .map(|(p, unit)| {
            let (address, port, socket) = match &p.listen {
                Some(Listen::Tcp { host, port }) => {
                    // A wildcard listener is probed on loopback.
                    let probe = match host.as_str() {
                        "0.0.0.0" => "127.0.0.1",
                        "::" => "::1",
                        h => h,
                    };
                    (Some(probe.to_string()), Some(*port), None)
                }
                Some(Listen::Unix) => (None, None, Some(m.socket_path(&p.name))),
                None => (None, None, None),
            };
            ProcessTest {
                unit,
                address,
                port,
                socket,
                access_log: sites::access_log(m, &p.name),
                timeout_arg: timeout_arg(p),
            }
        })
        .collect()
}

/// Every task: its service, or the timer of a scheduled one.
fn tasks(m: &Model) -> Vec<TaskTest> {
    m.tasks
        .iter()
        .map(|t| TaskTest {
            unit: if t.schedule.is_some() {
                format!("{}.timer", m.prefixed(&t.name))
            } else {
                unit(m, &t.name)
            },
            timer: t.schedule.is_some(),
            after: t.after.iter().map(|a| unit(m, a)).collect(),
        })
        .collect()
}

/// A server's request timeout as its command line has it.
fn timeout_arg(p: &Process) -> Option<String> {
    let flag = match p.server {
        Server::Gunicorn { .. } => "--timeout",
        Server::Uwsgi { .. } => "--harakiri",
        Server::Daphne { .. } => "--http-timeout",
        _ => return None,
    };
    p.timeout.map(|t| format!("{flag} {t}"))
}

/// The health check's URL (and socket), as the test reaches the process, and the site's name
/// and scheme nginx would send.
fn health(m: &Model) -> Option<HealthTest> {
    let h = m.health.as_ref()?;
    let p = m.processes.iter().find(|p| p.name == h.process)?;
    let site = m.health_site();
    let host = site
        .and_then(sites::vhost_domain)
        .map(|d| sites::concrete(&d));
    let scheme = match site.map(|s| &s.tls) {
        Some(Tls::None) => "http",
        _ => "https",
    }
    .to_string();
    let (url, socket) = match &p.listen {
        Some(Listen::Tcp { host, port }) => {
            let host = match host.as_str() {
                "0.0.0.0" => "127.0.0.1".to_string(),
                "::" => "[::1]".to_string(),
                h if h.contains(':') => format!("[{h}]"),
                h => h.to_string(),
            };
            (format!("http://{host}:{port}{}", h.path), None)
        }
        Some(Listen::Unix) => (
            format!("http://localhost{}", h.path),
            Some(m.socket_path(&p.name)),
        ),
        None => return None,
    };
    Some(HealthTest {
        url,
        socket,
        host,
        scheme,
    })
}

/// The directory of the SQLite file, which the test checks the app owns.
fn sqlite_dir(m: &Model) -> Option<String> {
    match &m.database {
        Some(Database::Sqlite { path, .. }) => {
            let file = format!("{}/{path}", m.state_dir());
            Some(match file.rsplit_once('/') {
                Some((dir, _)) => dir.to_string(),
                None => file,
            })
        }
        _ => None,
    }
}

/// The restic backup the test runs, and what its snapshot must hold.
fn restic(m: &Model) -> Option<ResticTest> {
    m.restic.as_ref().map(|_| ResticTest {
        unit: format!("restic-backups-{}.service", m.name),
        wrapper: format!("restic-{}", m.name),
        paths: std::iter::once(m.state_dir())
            .chain(match &m.database {
                Some(Database::Sqlite { path, .. }) => Some(format!(
                    "/var/backup/{}/{}",
                    m.name,
                    path.rsplit('/').next().unwrap_or(path)
                )),
                _ => None,
            })
            .collect(),
    })
}
