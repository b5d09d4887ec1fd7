//! The VM test of a deployment on several hosts: one machine per host (the edge on the public
//! VLAN 1 and the private VLAN 2, the others on VLAN 2 only), each with its roles, the test
//! secrets its roles decrypt, and the checks only several machines can make: requests spread
//! over the app hosts and survive one of them stopping, the database admits the app's role from
//! the app hosts only, migrations ran once, no host's closure holds a secret.
//!
//! May call: `model` (read only).

use serde::Serialize;

use super::monitoring::secret_test_value;
use super::secrets::test_value;
use crate::model::{
    Cluster, ClusterHost, DATABASE_PASSWORD, Database, Delivery, Listen, Model, REDIS_PASSWORD,
    Role, RouteTarget, Secret, Tls,
};

/// The VLAN of the edge, the client and the ACME server.
const PUBLIC_VLAN: u8 = 1;
/// The deployment's private network.
const PRIVATE_VLAN: u8 = 2;

#[derive(Debug, Serialize)]
pub(super) struct ClusterTest {
    hosts: Vec<HostTest>,
    /// The machine serving the sites (`server` on one host).
    edge: String,
    app_hosts: Vec<String>,
    /// `(machine, private interface)` of every app host: the test reads its private address.
    app_interfaces: Vec<(String, String)>,
    /// A machine that is neither an app nor the tasks host, which the database must refuse.
    outsider: Option<String>,
    tasks_host: String,
    database_host: Option<String>,
    /// The database host's interface on the private VLAN.
    database_interface: Option<String>,
    /// The units that must not exist on each machine.
    absent: Vec<AbsentTest>,
    /// The units of the tasks (on the tasks host).
    task_units: Vec<String>,
    /// The app's target, stopped on one app host to prove failover.
    target: String,
    /// The units of the processes (on every app host).
    process_units: Vec<String>,
    /// The setup tasks' units (on the tasks host), which must have run exactly once.
    once_units: Vec<String>,
    /// A route to a process: the URL the client requests, its TLS and the process's unit.
    spread: Option<SpreadTest>,
    /// The database: its name (= role) and the role's test password.
    database: Option<DatabaseTest>,
    /// Every test secret value, which no machine's closure may hold.
    secret_values: Vec<String>,
    /// The health check, asked of every app host by name from the edge.
    health: Option<HealthTest>,
    /// Redis on the database host: its port and test password, the variable of its URL.
    redis: Option<RedisTest>,
    /// restic: its backup unit and wrapper (each machine with something to back up runs it).
    restic: Option<ResticTest>,
    /// The database's dumps, on the database host: the dump unit.
    postgresql_dump: Option<String>,
}

/// What one machine must not run. The process and task units are named once in the script
/// (`PROCESS_UNITS`, `TASK_UNITS`), so the script grows with hosts plus units, not their product.
#[derive(Debug, Serialize)]
struct AbsentTest {
    machine: String,
    processes: bool,
    tasks: bool,
    /// Other units (nginx, PostgreSQL, Redis).
    units: Vec<String>,
}

#[derive(Debug, Serialize)]
struct ResticTest {
    unit: String,
    wrapper: String,
}

#[derive(Debug, Serialize)]
struct RedisTest {
    port: u16,
    password: String,
    /// A URL the app gets, and the database path it ends with (empty for database 0).
    url_env: String,
    db_path: String,
}

#[derive(Debug, Serialize)]
struct HealthTest {
    port: u16,
    path: String,
    /// The `Host` nginx sends (the site's first domain) and the scheme it forwards.
    host: Option<String>,
    scheme: String,
}

#[derive(Debug, Serialize)]
struct HostTest {
    name: String,
    /// VLANs in the test framework's order: the first gives `primaryIPAddress`.
    vlans: Vec<u8>,
    /// The interface on the private VLAN (`eth<position>`).
    interface: String,
    /// On the private VLAN only: its address there is `primaryIPAddress`.
    private_only: bool,
    app: bool,
    /// The agenix secrets declared on it (`<app>-<NAME>`), with their owners.
    age_secrets: Vec<(String, String)>,
    /// Secret names delivered in the environment.
    env_secrets: Vec<String>,
    /// Secret names delivered as files (`<NAME>_FILE`).
    file_secrets: Vec<String>,
    /// With restic: the paths its latest snapshot must hold (none: it runs no backup).
    backups: Vec<String>,
}

#[derive(Debug, Serialize)]
struct SpreadTest {
    url: String,
    tls: String,
    unit: String,
}

#[derive(Debug, Serialize)]
struct DatabaseTest {
    name: String,
    password: String,
    port: u16,
}

impl ClusterTest {
    /// The machine serving the sites.
    pub(super) fn edge(&self) -> &str {
        &self.edge
    }
}

pub(super) fn tests(m: &Model, sites: &[super::sites::SiteTest]) -> Option<ClusterTest> {
    let c = m.cluster.as_ref()?;
    let names = |r: Role| c.with(r).map(|h| h.name.clone()).collect::<Vec<_>>();
    let process_units: Vec<String> = m
        .processes
        .iter()
        .flat_map(|p| super::process_units(m, p))
        .collect();
    Some(ClusterTest {
        hosts: c.hosts.iter().map(|h| host(m, h)).collect(),
        edge: names(Role::Edge).into_iter().next().unwrap_or_default(),
        app_hosts: names(Role::App),
        app_interfaces: c
            .with(Role::App)
            .map(|h| (h.name.clone(), private_interface(h)))
            .collect(),
        outsider: c
            .hosts
            .iter()
            .find(|h| !h.has(Role::App) && !h.has(Role::Tasks))
            .map(|h| h.name.clone()),
        tasks_host: names(Role::Tasks).into_iter().next().unwrap_or_default(),
        database_host: names(Role::Database).into_iter().next(),
        database_interface: c.with(Role::Database).next().map(private_interface),
        absent: absent(m, c),
        task_units: m
            .tasks
            .iter()
            .map(|t| format!("{}.service", m.prefixed(&t.name)))
            .collect(),
        target: format!("{}.target", m.name),
        once_units: m
            .tasks
            .iter()
            .filter(|t| t.schedule.is_none())
            .map(|t| format!("{}.service", m.prefixed(&t.name)))
            .collect(),
        process_units,
        spread: spread(m, sites),
        database: matches!(m.database, Some(Database::Postgresql { .. })).then(|| DatabaseTest {
            name: m.user.clone(),
            password: test_value(&m.name, DATABASE_PASSWORD),
            port: 5432,
        }),
        secret_values: m
            .secrets
            .iter()
            .map(|s| secret_test_value(m, &s.name))
            .collect(),
        restic: m.restic.as_ref().map(|_| ResticTest {
            unit: format!("restic-backups-{}.service", m.name),
            wrapper: format!("restic-{}", m.name),
        }),
        postgresql_dump: postgresql_dump(m).then(|| format!("postgresqlBackup-{}.service", m.user)),
        redis: m.redis.as_ref().and_then(|r| {
            let (url_env, url) = r.urls.iter().next()?;
            Some(RedisTest {
                port: r.port,
                password: test_value(&m.name, REDIS_PASSWORD),
                url_env: url_env.clone(),
                db_path: if url.db == 0 {
                    String::new()
                } else {
                    format!("/{}", url.db)
                },
            })
        }),
        health: m.health.as_ref().and_then(|h| {
            let p = m.processes.iter().find(|p| p.name == h.process)?;
            let site = m.health_site();
            match p.listen {
                Some(Listen::Tcp { port, .. }) => Some(HealthTest {
                    port,
                    path: h.path.clone(),
                    host: site
                        .and_then(super::sites::vhost_domain)
                        .map(|d| super::sites::concrete(&d)),
                    scheme: if site.is_some_and(|s| s.tls == Tls::None) {
                        "http"
                    } else {
                        "https"
                    }
                    .into(),
                }),
                _ => None,
            }
        }),
    })
}

/// One machine: its VLANs (the edge is also on the public one, first, so that the client and
/// Pebble reach it at `primaryIPAddress`) and what its roles put on it.
fn host(m: &Model, h: &ClusterHost) -> HostTest {
    let edge = h.has(Role::Edge);
    let vlans = if edge {
        vec![PUBLIC_VLAN, PRIVATE_VLAN]
    } else {
        vec![PRIVATE_VLAN]
    };
    let declared: Vec<_> = m.secrets.iter().filter(|s| h.decrypts(s)).collect();
    let app = h.has(Role::App);
    HostTest {
        name: h.name.clone(),
        interface: private_interface(h),
        private_only: !edge,
        vlans,
        app,
        age_secrets: declared
            .iter()
            .map(|s| (m.prefixed(&s.name), format!("{} 400", m.secret_owner(s))))
            .collect(),
        env_secrets: delivered(&declared, Delivery::Env),
        file_secrets: delivered(&declared, Delivery::File),
        backups: backups(m, h),
    }
}

/// The names of `secrets` delivered as `how`.
fn delivered(secrets: &[&Secret], how: Delivery) -> Vec<String> {
    secrets
        .iter()
        .filter(|s| s.delivery == how)
        .map(|s| s.name.clone())
        .collect()
}

/// Dumps of the app's PostgreSQL database, on the database host.
fn postgresql_dump(m: &Model) -> bool {
    m.postgresql_backup.is_some() && matches!(m.database, Some(Database::Postgresql { .. }))
}

/// What restic backs up on a machine: the state directory where the app's units run, the dumps
/// where the database is (see `resticPaths` in the module).
fn backups(m: &Model, h: &ClusterHost) -> Vec<String> {
    if m.restic.is_none() {
        return Vec::new();
    }
    let state = (h.has(Role::App) || h.has(Role::Tasks)).then(|| m.state_dir());
    let dumps =
        (h.has(Role::Database) && postgresql_dump(m)).then(|| "/var/backup/postgresql".into());
    state.into_iter().chain(dumps).collect()
}

/// The machine's interface on the private VLAN, the last of its VLANs (see [`host`]).
fn private_interface(h: &ClusterHost) -> String {
    if h.has(Role::Edge) { "eth2" } else { "eth1" }.to_string()
}

/// What a machine must not run: the processes off the app hosts, the tasks off the tasks host,
/// nginx off the edge, PostgreSQL off the database host.
fn absent(m: &Model, c: &Cluster) -> Vec<AbsentTest> {
    c.hosts
        .iter()
        .map(|h| {
            let mut units = Vec::new();
            if !h.has(Role::Edge) && !m.sites.is_empty() {
                units.push("nginx.service".to_string());
            }
            if !h.has(Role::Database) && matches!(m.database, Some(Database::Postgresql { .. })) {
                units.push("postgresql.service".to_string());
            }
            if !h.has(Role::Database) && m.redis.is_some() {
                units.push(format!("redis-{}.service", m.name));
            }
            AbsentTest {
                machine: h.name.clone(),
                processes: !h.has(Role::App) && !m.processes.is_empty(),
                tasks: !h.has(Role::Tasks) && !m.tasks.is_empty(),
                units,
            }
        })
        .filter(|a| a.processes || a.tasks || !a.units.is_empty())
        .collect()
}

/// The first route to a process listening on TCP, as the client requests it.
fn spread(m: &Model, sites: &[super::sites::SiteTest]) -> Option<SpreadTest> {
    m.sites.iter().zip(sites).find_map(|(site, test)| {
        site.routes.iter().find_map(|r| match &r.target {
            RouteTarget::Process(p)
                if m.processes.iter().any(|proc| {
                    &proc.name == p && matches!(proc.listen, Some(Listen::Tcp { .. }))
                }) =>
            {
                let scheme = if test.tls() == "none" {
                    "http"
                } else {
                    "https"
                };
                let prefix = if r.path.ends_with('/') {
                    r.path.clone()
                } else {
                    format!("{}/", r.path)
                };
                Some(SpreadTest {
                    url: format!("{scheme}://{}{prefix}", site.domains[0]),
                    tls: test.tls().to_string(),
                    unit: format!("{}.service", m.prefixed(p)),
                })
            }
            _ => None,
        })
    })
}
