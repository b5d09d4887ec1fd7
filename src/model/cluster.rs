//! A deployment on several machines (`[hosts.<name>]`): which host has which role, how they
//! reach each other over their private network, how colmena and deploy-rs reach them.
//!
//! Owns [`Cluster`], [`ClusterHost`], [`Role`], [`DATABASE_PASSWORD`] and [`REDIS_PASSWORD`];
//! validates
//! `[hosts.*]` and what a description may not do on several hosts (a socket or a state
//! directory the edge cannot reach, SQLite shared by machines, …).
//!
//! May call [`super::check`]; reads the processes, tasks, sites, database and secrets built
//! before it.

use std::net::IpAddr;

use super::app::SYSTEMS;
use super::check::{Checker, shown};
use super::data::Database;
use super::processes::{Listen, Process};
use super::secrets::Secret;
use super::sites::{RouteTarget, Site};
use crate::description::{self as d, Sp};

/// The environment variable that carries the database password to the app's units on several
/// hosts: libpq (psycopg, asyncpg, Django, SQLAlchemy) reads it when the URL has none, so the
/// URL in the environment never holds it.
pub const DATABASE_PASSWORD: &str = "PGPASSWORD";

/// The secret holding the password of the app's Redis server on several hosts: Redis requires
/// it (`requirepass`), and the app's units get it, and the Redis URL with it, at start.
pub const REDIS_PASSWORD: &str = "REDIS_PASSWORD";

/// The secrets app2nix adds for a deployment on several hosts, which a description may not
/// declare itself.
const GENERATED_SECRETS: [&str; 2] = [DATABASE_PASSWORD, REDIS_PASSWORD];

/// The roles whose hosts decrypt a secret: the ACME client's credentials on the edge, the
/// database password on the database host besides the app, the failure notifier's wherever a
/// unit of the app runs (processes, tasks, backups and dumps), every other secret where the
/// app's units run. The module declares the secret there only, and it is encrypted to those
/// hosts.
pub fn decrypted_by(s: &Secret) -> &'static [Role] {
    if s.delivery == super::Delivery::Acme {
        &[Role::Edge]
    } else if s.delivery == super::Delivery::Alerts || GENERATED_SECRETS.contains(&s.name.as_str())
    {
        &[Role::App, Role::Database, Role::Tasks]
    } else {
        &[Role::App, Role::Tasks]
    }
}

/// What a machine of the deployment does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// nginx with the sites and their certificates.
    Edge,
    /// The processes.
    App,
    /// PostgreSQL.
    Database,
    /// Migrations and scheduled tasks (exactly one host).
    Tasks,
}

impl Role {
    const ALL: [(&'static str, Role); 4] = [
        ("edge", Role::Edge),
        ("app", Role::App),
        ("database", Role::Database),
        ("tasks", Role::Tasks),
    ];

    /// The role's name in descriptions, the module and colmena tags.
    pub fn as_str(self) -> &'static str {
        Role::ALL
            .iter()
            .find(|(_, r)| *r == self)
            .map_or("", |(s, _)| s)
    }
}

/// One machine.
#[derive(Debug, Clone)]
pub struct ClusterHost {
    /// Name: `nixosConfigurations.<name>`, the colmena and deploy-rs node, the VM test machine.
    pub name: String,
    /// Its roles, sorted.
    pub roles: Vec<Role>,
    /// Private address.
    pub address: String,
    /// Private network interface.
    pub interface: Option<String>,
    /// SSH user (`None`: root).
    pub ssh_user: Option<String>,
    /// SSH host name or address.
    pub ssh_host: String,
    /// `x86_64-linux` or `aarch64-linux`.
    pub system: String,
    /// Its own configuration file, relative to the description's directory.
    pub configuration: String,
    /// SSH host public key.
    pub host_key: Option<String>,
}

impl ClusterHost {
    /// Whether the host has `role`.
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    /// Whether the host decrypts `secret`: one of its roles uses it (see [`decrypted_by`]).
    pub fn decrypts(&self, secret: &Secret) -> bool {
        decrypted_by(secret).iter().any(|r| self.has(*r))
    }
}

/// The machines, in name order.
#[derive(Debug, Clone)]
pub struct Cluster {
    /// Every host.
    pub hosts: Vec<ClusterHost>,
}

impl Cluster {
    /// The hosts with `role`.
    pub fn with(&self, role: Role) -> impl Iterator<Item = &ClusterHost> {
        self.hosts.iter().filter(move |h| h.has(role))
    }
}

/// What `[hosts.*]` is checked against: the parts of the model built before it.
pub(super) struct Placed<'a> {
    pub(super) processes: &'a [Process],
    pub(super) sites: &'a [Site],
    pub(super) database: &'a Option<Database>,
    pub(super) secrets: &'a [Secret],
}

/// `[hosts.*]`: the machines and their roles, or `None` for a description on one machine.
pub(super) fn cluster(c: &mut Checker, desc: &d::Description, placed: &Placed) -> Option<Cluster> {
    let (first, _) = desc.hosts.iter().next()?;
    if desc.host.is_some() {
        c.err(
            first.span(),
            "`[host]` and `[hosts.*]` both describe where the app runs",
            "keep `[host]` for one machine, or move it into `[hosts.<name>]` for several",
        );
        return None;
    }
    if desc.hosts.len() < 2 {
        c.err(
            first.span(),
            format!("`[hosts.{}]` is the only host", shown(first)),
            "describe one machine with `[host]`; `[hosts.<name>]` is for several",
        );
        return None;
    }
    let hosts: Vec<ClusterHost> = desc
        .hosts
        .iter()
        .filter_map(|(name, h)| host(c, name, h))
        .collect();
    if hosts.len() != desc.hosts.len() {
        return None;
    }
    unique_addresses(c, desc);
    roles_placed(c, desc, &hosts, placed);
    interfaces(c, desc, &hosts, placed);
    host_keys(c, desc, &hosts, placed);
    unsupported(c, desc, &hosts, placed);
    let placement: Vec<String> = hosts
        .iter()
        .map(|h| {
            let roles: Vec<&str> = h.roles.iter().map(|r| r.as_str()).collect();
            format!("{} ({})", h.name, roles.join(", "))
        })
        .collect();
    c.note(format!(
        "on {} hosts: {}; deploy with colmena or deploy-rs from the flake",
        hosts.len(),
        placement.join(", ")
    ));
    Some(Cluster { hosts })
}

/// One `[hosts.<name>]`.
fn host(c: &mut Checker, name: &Sp<String>, h: &d::ClusterHost) -> Option<ClusterHost> {
    let mut ok = host_name(c, name);
    let roles = roles(c, &h.roles);
    ok &= roles.is_some();
    ok &= address(c, &h.address);
    let interface = h.interface.as_ref().filter(|i| interface(c, i));
    ok &= h.interface.is_none() || interface.is_some();
    let ssh = ssh_target(c, &h.ssh);
    ok &= ssh.is_some();
    let system = c.choice(&h.system, "system", SYSTEMS, SYSTEMS[0]);
    let configuration = c.project_path(&h.configuration, "host configuration", false);
    ok &= configuration.is_some();
    let host_key = h.host_key.as_ref().and_then(|k| {
        super::secrets::public_keys(c, std::slice::from_ref(k))
            .into_iter()
            .next()
    });
    ok &= h.host_key.is_none() || host_key.is_some();
    let (ssh_user, ssh_host) = ssh?;
    ok.then(|| ClusterHost {
        name: name.to_string(),
        roles: roles.unwrap_or_default(),
        address: h.address.to_string(),
        interface: interface.map(|i| i.to_string()),
        ssh_user,
        ssh_host,
        system,
        configuration: configuration.unwrap_or_default(),
        host_key,
    })
}

/// Machine names of the VM test, which are Python variables, and the flake's attributes.
fn host_name(c: &mut Checker, name: &Sp<String>) -> bool {
    if !c.name(name, "host name") {
        return false;
    }
    if name.contains('-') {
        c.err(
            name.span(),
            format!("host name `{}` has a `-`", shown(name)),
            format!(
                "use letters and digits (`{}`): the VM test's machines are Python variables named after the hosts",
                name.replace('-', "")
            ),
        );
        return false;
    }
    if ["client", "acme"].contains(&name.as_str()) {
        c.err(
            name.span(),
            format!(
                "host name `{}` is a machine of the generated VM test",
                shown(name)
            ),
            "choose another name (the test adds `client` and the ACME server `acme`)",
        );
        return false;
    }
    if let Some(what) = python_name_taken(name) {
        c.err(
            name.span(),
            format!("host name `{}` is {what}", shown(name)),
            "choose another name: the VM test's machines are Python variables named after the hosts, beside the test driver's names and the script's own",
        );
        return false;
    }
    true
}

/// What a host's name would collide with in the VM test script, where the NixOS test driver
/// makes each machine a Python variable of that name (its machines override the driver's own
/// names, and mypy, which checks the script first, declares them as machines): a keyword (the
/// script would not parse), a built-in or a name of the driver the script calls, or a name the
/// script itself binds (`tests/vm_script_names.rs` checks that [`SCRIPT_NAMES`] lists every one
/// of the generated scripts).
pub fn python_name_taken(name: &str) -> Option<&'static str> {
    if PYTHON_KEYWORDS.contains(&name) {
        return Some("a Python keyword");
    }
    if PYTHON_BUILTINS.contains(&name) {
        return Some("a Python built-in");
    }
    let vlan = name
        .strip_prefix("vlan")
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
    if DRIVER_NAMES.contains(&name) || vlan {
        return Some("a name of the NixOS test driver");
    }
    if SCRIPT_NAMES.contains(&name) {
        return Some("a name of the generated VM test script");
    }
    None
}

/// Python's keywords (those a host name can spell).
const PYTHON_KEYWORDS: &[&str] = &[
    "and", "as", "assert", "async", "await", "break", "class", "continue", "def", "del", "elif",
    "else", "except", "finally", "for", "from", "global", "if", "import", "in", "is", "lambda",
    "nonlocal", "not", "or", "pass", "raise", "return", "try", "while", "with", "yield",
];

/// Python's built-in names (those a host name can spell).
const PYTHON_BUILTINS: &[&str] = &[
    "abs",
    "aiter",
    "all",
    "anext",
    "any",
    "ascii",
    "bin",
    "bool",
    "breakpoint",
    "bytearray",
    "bytes",
    "callable",
    "chr",
    "classmethod",
    "compile",
    "complex",
    "copyright",
    "credits",
    "delattr",
    "dict",
    "dir",
    "divmod",
    "enumerate",
    "eval",
    "exec",
    "exit",
    "filter",
    "float",
    "format",
    "frozenset",
    "getattr",
    "globals",
    "hasattr",
    "hash",
    "help",
    "hex",
    "id",
    "input",
    "int",
    "isinstance",
    "issubclass",
    "iter",
    "len",
    "license",
    "list",
    "locals",
    "map",
    "max",
    "memoryview",
    "min",
    "next",
    "object",
    "oct",
    "open",
    "ord",
    "pow",
    "print",
    "property",
    "quit",
    "range",
    "repr",
    "reversed",
    "round",
    "set",
    "setattr",
    "slice",
    "sorted",
    "staticmethod",
    "str",
    "sum",
    "super",
    "tuple",
    "type",
    "vars",
    "zip",
];

/// The NixOS test driver's names for the script (`test_symbols` of its driver.py; the others
/// have a `_`, which host names do not), `machine` (its name for a test's only machine) and
/// the `vlan<N>` of each VLAN.
const DRIVER_NAMES: &[&str] = &[
    "debug", "driver", "log", "machine", "machines", "os", "retry", "subtest", "t", "vlans",
];

/// The names the generated VM test scripts bind that a host name can spell (the others have a
/// `_` or capitals): their imports, helpers, loop variables and the locals of helpers that
/// call a machine. `tests/vm_script_names.rs` keeps the list complete.
pub const SCRIPT_NAMES: &[&str] = &[
    "a",
    "address",
    "alert",
    "arg",
    "args",
    "argument",
    "argv",
    "arrived",
    "asset",
    "auth",
    "b",
    "base",
    "before",
    "block",
    "blocks",
    "body",
    "bundle",
    "code",
    "command",
    "condition",
    "conf",
    "connections",
    "conninfo",
    "content",
    "decrypted",
    "depth",
    "directive",
    "directory",
    "domain",
    "done",
    "dropin",
    "earlier",
    "end",
    "env",
    "environment",
    "expected",
    "extra",
    "fetch",
    "files",
    "found",
    "grep",
    "headers",
    "holds",
    "i",
    "index",
    "interface",
    "json",
    "kept",
    "key",
    "kind",
    "leaks",
    "limit",
    "line",
    "lines",
    "link",
    "listed",
    "location",
    "mail",
    "metric",
    "n",
    "name",
    "names",
    "out",
    "owners",
    "package",
    "password",
    "path",
    "paths",
    "pid",
    "pong",
    "port",
    "post",
    "psql",
    "re",
    "recipient",
    "refused",
    "rendered",
    "request",
    "resolve",
    "restarts",
    "roots",
    "runs",
    "scraped",
    "secrets",
    "sent",
    "sep",
    "served",
    "sh",
    "shlex",
    "shown",
    "size",
    "source",
    "start",
    "started",
    "status",
    "stopped",
    "stored",
    "target",
    "text",
    "tls",
    "token",
    "trust",
    "unit",
    "units",
    "url",
    "v",
    "value",
    "where",
    "who",
];

/// `roles = [...]`: known, not repeated, at least one.
fn roles(c: &mut Checker, list: &Sp<Vec<Sp<String>>>) -> Option<Vec<Role>> {
    if list.is_empty() {
        c.err(
            list.span(),
            "a host without roles",
            "give it one or more of `edge`, `app`, `database`, `tasks`",
        );
        return None;
    }
    let names: Vec<&str> = Role::ALL.iter().map(|(s, _)| *s).collect();
    let mut roles = Vec::new();
    let mut ok = true;
    for r in list.iter() {
        let name = c.choice(&Some(r.clone()), "role", &names, "");
        match Role::ALL.iter().find(|(s, _)| *s == name) {
            Some((_, role)) if roles.contains(role) => {
                c.err(
                    r.span(),
                    format!("role `{name}` is listed twice"),
                    "list each role once",
                );
                ok = false;
            }
            Some((_, role)) => roles.push(*role),
            None => ok = false,
        }
    }
    roles.sort();
    ok.then_some(roles)
}

/// A private address: an IP address a machine can have on a network.
fn address(c: &mut Checker, a: &Sp<String>) -> bool {
    match a.parse::<IpAddr>() {
        Ok(ip) if ip.is_loopback() || ip.is_unspecified() || ip.is_multicast() => {
            c.err(
                a.span(),
                format!("`{}` is not an address other hosts can reach", shown(a)),
                "give the host's address on the private network the hosts share (`10.0.0.11`)",
            );
            false
        }
        Ok(_) => true,
        Err(_) => {
            c.err(
                a.span(),
                format!("`{}` is not an IP address", shown(a)),
                "give the host's address on the private network the hosts share (`10.0.0.11`, `fd00::11`)",
            );
            false
        }
    }
}

/// A network interface name as Linux allows it (the firewall names it in its rules).
fn interface(c: &mut Checker, i: &Sp<String>) -> bool {
    let ok = !i.is_empty()
        && i.len() <= 15
        && i.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b))
        && !i.starts_with(['-', '.']);
    if !ok {
        c.err(
            i.span(),
            format!("`{}` is not a network interface name", shown(i)),
            "give the interface of the private network as `ip link` shows it (`ens10`, `eth1`), at most 15 letters, digits, `_`, `.` or `-`",
        );
    }
    ok
}

/// `host` or `user@host`: an SSH user and a host name or address, nothing a shell or
/// `ssh` would read as an option.
fn ssh_target(c: &mut Checker, s: &Sp<String>) -> Option<(Option<String>, String)> {
    let (user, host) = match s.split_once('@') {
        Some((u, h)) => (Some(u), h),
        None => (None, s.as_str()),
    };
    let user_ok = user.is_none_or(|u| {
        !u.is_empty()
            && !u.starts_with('-')
            && u.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b))
    });
    let host_ok = host.parse::<IpAddr>().is_ok()
        || (!host.is_empty()
            && !host.starts_with(['-', '.'])
            && host
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b".-".contains(&b)));
    if user_ok && host_ok {
        return Some((user.map(str::to_string), host.to_string()));
    }
    c.err(
        s.span(),
        format!("`{}` is not an SSH target", shown(s)),
        "write `host` or `user@host` (`root@app1.example.org`, `deploy@10.0.0.11`); put ports and options in ~/.ssh/config",
    );
    None
}

fn unique_addresses(c: &mut Checker, desc: &d::Description) {
    let mut seen: Vec<(IpAddr, &Sp<String>)> = Vec::new();
    for (name, h) in &desc.hosts {
        let Ok(ip) = h.address.parse::<IpAddr>() else {
            continue;
        };
        if let Some((_, other)) = seen.iter().find(|(a, _)| *a == ip) {
            c.err(
                h.address.span(),
                format!(
                    "hosts `{}` and `{}` have the same address `{}`",
                    shown(other),
                    shown(name),
                    shown(&h.address)
                ),
                "give each host its own address on the private network",
            );
        }
        seen.push((ip, name));
    }
}

/// Every role the app needs is on a host: one edge when there are sites, app hosts when
/// there are processes, one database host for PostgreSQL, exactly one tasks host; and no
/// role is given that nothing needs.
fn roles_placed(c: &mut Checker, desc: &d::Description, hosts: &[ClusterHost], p: &Placed) {
    let postgresql = matches!(p.database, Some(Database::Postgresql { .. }));
    let database = match (postgresql, desc.redis.is_some()) {
        (true, true) => "PostgreSQL and Redis",
        (false, true) => "Redis",
        _ => "PostgreSQL",
    };
    let wanted = [
        (Role::Edge, !p.sites.is_empty(), Some(1), "the sites"),
        (Role::App, true, None, "the processes"),
        (
            Role::Database,
            postgresql || desc.redis.is_some(),
            Some(1),
            database,
        ),
        (Role::Tasks, true, Some(1), "migrations and scheduled tasks"),
    ];
    let (first, _) = desc.hosts.iter().next().expect("hosts is not empty");
    for (role, needed, most, what) in wanted {
        let on: Vec<&ClusterHost> = hosts.iter().filter(|h| h.has(role)).collect();
        let name = role.as_str();
        if needed && on.is_empty() {
            c.err(
                first.span(),
                format!("no host has the role `{name}`, which runs {what}"),
                format!("add `{name}` to the roles of one host"),
            );
        } else if !needed && !on.is_empty() {
            let h = on[0];
            c.err(
                role_span(desc, &h.name, name),
                format!(
                    "host `{}` has the role `{name}`, but the description has no {what}",
                    h.name
                ),
                format!("remove `{name}` from its roles"),
            );
        } else if let Some(most) = most
            && on.len() > most
        {
            let names: Vec<&str> = on.iter().map(|h| h.name.as_str()).collect();
            c.err(
                role_span(desc, &on[1].name, name),
                format!(
                    "the role `{name}` is on {} hosts ({}); it runs {what}, on one host",
                    on.len(),
                    names.join(", ")
                ),
                format!("keep `{name}` on one of them"),
            );
        }
    }
}

/// Where `role` is listed in `[hosts.<host>] roles`.
fn role_span(desc: &d::Description, host: &str, role: &str) -> std::ops::Range<usize> {
    desc.hosts
        .get(host)
        .and_then(|h| {
            h.roles
                .iter()
                .find(|r| r.as_str() == role)
                .map(|r| r.span())
        })
        .unwrap_or(0..0)
}

/// App and database hosts open their ports on the private interface: they must name it.
fn interfaces(c: &mut Checker, desc: &d::Description, hosts: &[ClusterHost], p: &Placed) {
    // The edge reaches the processes its sites route to; the others stay on loopback.
    let app_ports = super::sites::routed_processes(p.sites, p.processes)
        .any(|proc| matches!(proc.listen, Some(Listen::Tcp { .. })));
    for h in hosts {
        let needs = (h.has(Role::App) && app_ports) || h.has(Role::Database);
        if needs && h.interface.is_none() {
            let span = desc
                .hosts
                .get(h.name.as_str())
                .map_or(0..0, |d| d.address.span());
            c.err(
                span,
                format!("host `{}` opens ports to the other hosts but names no private interface", h.name),
                "add `interface = \"ens10\"` (the interface of its private network, as `ip link` shows it): the firewall opens its ports there only",
            );
        }
    }
}

/// With secrets and `[agenix]`, each host that decrypts one names its key, and the host keys
/// of `[agenix]` (every secret to every machine) are not used.
fn host_keys(c: &mut Checker, desc: &d::Description, hosts: &[ClusterHost], p: &Placed) {
    let Some(agenix) = &desc.agenix else {
        return;
    };
    if let Some(k) = agenix.host_keys.first() {
        c.err(
            k.span(),
            "`[agenix] host_keys` gives every secret to every machine",
            "on several hosts, give each its key as `[hosts.<name>] host_key`: each secret is encrypted to the hosts that use it",
        );
    }
    let generated = matches!(p.database, Some(Database::Postgresql { .. })) || desc.redis.is_some();
    for h in hosts {
        // The database and Redis passwords (added to the secrets after this check) go to the
        // app, tasks and database hosts.
        let decrypts = p.secrets.iter().any(|s| h.decrypts(s))
            || (generated && (h.has(Role::App) || h.has(Role::Tasks) || h.has(Role::Database)));
        if decrypts && h.host_key.is_none() {
            let span = desc
                .hosts
                .get(h.name.as_str())
                .map_or(0..0, |d| d.ssh.span());
            c.err(
                span,
                format!("host `{}` decrypts secrets but has no `host_key`", h.name),
                "add `host_key = \"ssh-ed25519 AAAA...\"` (its /etc/ssh/ssh_host_ed25519_key.pub) for secrets/secrets.nix",
            );
        }
    }
}

/// What one machine can do for itself but several cannot share: each refused with the way out.
fn unsupported(c: &mut Checker, desc: &d::Description, hosts: &[ClusterHost], p: &Placed) {
    let (first, _) = desc.hosts.iter().next().expect("hosts is not empty");
    let app_hosts = hosts.iter().filter(|h| h.has(Role::App)).count();
    let sqlite_apart =
        app_hosts > 1 || hosts.iter().any(|h| h.has(Role::App) != h.has(Role::Tasks));
    if let (Some(Database::Sqlite { .. }), Some(s)) = (p.database, &desc.sqlite)
        && sqlite_apart
    {
        c.err(
            s.span(),
            "a SQLite file lives on one machine; these hosts would each have their own",
            "use [postgresql] (on the database host), or run the processes and tasks on one host",
        );
    }
    if let (Some(Database::Mysql(_)), Some(my)) = (p.database, &desc.mysql) {
        c.err(
            my.span(),
            "[mysql] runs on one host: its user logs in over the local socket, as the same system user",
            "use [postgresql] for a deployment on several hosts (its role logs in over the private network with a generated password), or describe one machine with `[host]`",
        );
    }
    for s in p.secrets {
        if GENERATED_SECRETS.contains(&s.name.as_str()) {
            let span = desc
                .secrets
                .keys()
                .find(|k| k.as_str() == s.name)
                .map_or(first.span(), |k| k.span());
            c.err(
                span,
                format!("`{}` is a password app2nix gives the app on several hosts", s.name),
                format!("remove it from [secrets]: the encrypted `<app>-{}` secret is generated for the app and database hosts", s.name),
            );
        }
    }
    listening(c, desc, p);
    routes(c, desc, p);
}

/// Processes on the app hosts: the edge reaches them on each host's private address, which the
/// module puts in place of a loopback or wildcard `listen` address; another address would be
/// one machine's only, and a port opened to the world bypasses the edge.
fn listening(c: &mut Checker, desc: &d::Description, p: &Placed) {
    for proc in p.processes {
        let Some((key, d)) = desc.processes.iter().find(|(k, _)| k.as_str() == proc.name) else {
            continue;
        };
        if proc.expose {
            let span = key.span();
            c.err(
                span,
                format!("process `{}` is exposed to the world, which on several hosts bypasses the edge", proc.name),
                "route it through a site (`routes = { \"/\" = \"<process>\" }`), or remove `expose`",
            );
        }
        if let Some(Listen::Tcp { host, .. }) = &proc.listen {
            let replaceable = host
                .parse::<IpAddr>()
                .is_ok_and(|ip| ip.is_loopback() || ip.is_unspecified())
                || host == "localhost";
            if !replaceable {
                let span = d.listen.as_ref().map_or(0..0, |l| l.span());
                c.err(
                    span,
                    format!("process `{}` listens on `{host}`, an address of one machine", proc.name),
                    "write a loopback address (`127.0.0.1:8000`): on several hosts each app host listens on its own private address instead",
                );
            }
        }
    }
}

/// Routes the edge cannot serve: unix sockets and state directories are on the app hosts.
fn routes(c: &mut Checker, desc: &d::Description, p: &Placed) {
    for site in p.sites {
        for r in &site.routes {
            let reason = match &r.target {
                RouteTarget::Process(name) => p
                    .processes
                    .iter()
                    .find(|proc| &proc.name == name && matches!(proc.listen, Some(Listen::Unix)))
                    .map(|_| {
                        format!(
                            "process `{name}` listens on a unix socket, which the edge cannot reach"
                        )
                    }),
                RouteTarget::State(dir) => Some(format!(
                    "the state directory `{dir}` is on the app hosts, not on the edge"
                )),
                _ => None,
            };
            if let Some(reason) = reason {
                let span = route_span(desc, &site.name, &r.path);
                c.err(
                    span,
                    format!("route `{}` of site `{}`: {reason}", r.path, site.name),
                    "on several hosts the edge proxies to processes listening on TCP (`listen = \"127.0.0.1:8000\"`: each app host listens on its private address), and serves assets from the package",
                );
            }
        }
    }
}

fn route_span(desc: &d::Description, site: &str, path: &str) -> std::ops::Range<usize> {
    desc.sites
        .get(site)
        .and_then(|s| {
            s.routes
                .keys()
                .find(|k| k.as_str() == path)
                .map(|k| k.span())
        })
        .unwrap_or(0..0)
}
