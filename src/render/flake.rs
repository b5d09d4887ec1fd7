//! The flake around the module: `flake.nix`, the seeded `flake.lock`, and the NixOS VM test
//! (`<app>-vm-test.nix` for the machines, `<app>-vm-test.py` for the test script).
//!
//! The VM test is derived from the model: every process, task, port, site, route, certificate,
//! database and secret the description declares gets a check. Values reach the Nix files through
//! [`crate::nix`] and the Python script through [`python_literal`], never as code.

use std::collections::BTreeMap;

use minijinja::Error;
use minijinja::value::{Value, ValueKind};
use serde::Serialize;
use serde_json::json;

use super::{environment, header, package_file_name};
use crate::model::{Database, Delivery, Listen, Model, Package, RouteTarget, Server, Tls};

/// The NixOS release the generated flake follows.
pub const NIXPKGS_URL: &str = "https://channels.nixos.org/nixos-26.05-small/nixexprs.tar.zst";

/// The domain of the Pebble test CA in nixpkgs' `nixos/tests/common/acme/server` (its snakeoil
/// certificate is issued for it).
const TEST_CA_DOMAIN: &str = "acme.test";

/// Paths between the generated files, all `/`-separated and relative.
#[derive(Debug, Clone)]
pub struct FlakeLayout {
    /// The description's path as shown in the flake's header (relative to the flake).
    pub flake_source_label: String,
    /// From the flake's directory (the description's) to the output directory: `""` or
    /// `"../../modules/"`.
    pub to_out: String,
}

#[derive(Debug, Serialize)]
struct FlakeContext {
    header: String,
    name: String,
    title: String,
    module: String,
    package: Option<String>,
    /// `pythonXY` when the package file takes the interpreter.
    package_python: Option<String>,
    vm_test: String,
    agenix: bool,
    host: Option<HostCtx>,
    systems: Vec<String>,
    nixpkgs_url: String,
}

#[derive(Debug, Serialize)]
struct HostCtx {
    name: String,
    system: String,
    configuration: String,
}

/// Render `flake.nix` (written beside the description).
pub fn flake_nix(m: &Model, layout: &FlakeLayout) -> Result<String, Error> {
    let out = |f: &str| format!("{}{f}", layout.to_out);
    let (package, package_python) = match &m.package {
        Package::Python(py) => (
            Some(out(&package_file_name(&m.name))),
            py.pyproject.then(|| py.interpreter()),
        ),
        _ => (None, None),
    };
    let ctx = FlakeContext {
        header: header(&layout.flake_source_label),
        name: m.name.clone(),
        title: m.description.clone(),
        module: out(&format!("{}.nix", m.name)),
        package,
        package_python,
        vm_test: out(&vm_test_file_name(&m.name)),
        agenix: !m.secrets.is_empty(),
        host: m.host.as_ref().map(|h| HostCtx {
            name: h.name.clone(),
            system: h.system.clone(),
            configuration: h.configuration.clone(),
        }),
        systems: crate::model::SYSTEMS
            .iter()
            .map(|s| s.to_string())
            .collect(),
        nixpkgs_url: NIXPKGS_URL.into(),
    };
    environment()
        .get_template("flake.nix")?
        .render(Value::from(minijinja::value::Serde(&ctx)))
}

/// File name of the VM test's machines (`.nix`); the script is the same name with `.py`.
pub fn vm_test_file_name(app: &str) -> String {
    format!("{app}-vm-test.nix")
}

/// File name of the VM test's script.
pub fn vm_test_script_name(app: &str) -> String {
    format!("{app}-vm-test.py")
}

/// Locked inputs (revision and NAR hash of real releases) for a `flake.lock` that needs no lock
/// step. `nix flake update` replaces them.
const PINS: &str = include_str!("../../templates/pins.json");

/// The `flake.lock` matching [`flake_nix`]'s inputs, as Nix writes it (sorted keys, two-space
/// indentation, final newline).
pub fn flake_lock(m: &Model) -> Result<String, String> {
    let pins: serde_json::Value =
        serde_json::from_str(PINS).map_err(|e| format!("embedded pins.json: {e}"))?;
    let pin = |name: &str| {
        pins.get(name)
            .cloned()
            .ok_or_else(|| format!("embedded pins.json has no `{name}`"))
    };
    let mut nodes = serde_json::Map::new();
    nodes.insert("nixpkgs".into(), pin("nixpkgs")?);
    let mut root_inputs = serde_json::Map::new();
    root_inputs.insert("nixpkgs".into(), json!("nixpkgs"));
    if !m.secrets.is_empty() {
        let mut agenix = pin("agenix")?;
        // `follows` as in flake.nix: nixpkgs from the root, no darwin / home-manager at all.
        agenix["inputs"] = json!({
            "darwin": [],
            "home-manager": [],
            "nixpkgs": ["nixpkgs"],
            "systems": "systems",
        });
        nodes.insert("agenix".into(), agenix);
        nodes.insert("systems".into(), pin("systems")?);
        root_inputs.insert("agenix".into(), json!("agenix"));
    }
    nodes.insert("root".into(), json!({ "inputs": root_inputs }));
    let lock = json!({ "nodes": nodes, "root": "root", "version": 7 });
    serde_json::to_string_pretty(&lock)
        .map(|s| s + "\n")
        .map_err(|e| e.to_string())
}

// ---------------------------------------------------------------------------------------------
// The VM test.

#[derive(Debug, Serialize)]
struct VmTestContext {
    header: String,
    name: String,
    title: String,
    user: String,
    script: String,
    /// A Pebble ACME server node issues the certificates (HTTP-01).
    pebble: bool,
    ca_domain: String,
    /// Names the server publishes (through the test resolver) and the client resolves.
    server_names: Vec<String>,
    secrets: Vec<SecretTest>,
    /// Secret name → test value.
    secret_values: BTreeMap<String, String>,
    /// `[path, "owner mode"]` of every decrypted secret.
    secret_owners: Vec<(String, String)>,
    /// Units whose main process receives the app's secrets.
    secret_units: Vec<String>,
    env_secrets: Vec<String>,
    file_secrets: Vec<String>,
    /// Sites with their own certificate files: replaced by a test certificate.
    test_cert_vhosts: Vec<String>,
    test_cert_domains: Vec<String>,
    /// The certificates name the staging server themselves: Pebble must override each.
    staging: bool,
    redis: bool,
    // The script's data.
    processes: Vec<ProcessTest>,
    tasks: Vec<TaskTest>,
    health: Option<HealthTest>,
    /// The database name.
    postgresql: Option<String>,
    /// The directory of the SQLite file.
    sqlite: Option<String>,
    redis_socket: Option<String>,
    postgresql_backup: bool,
    restic: Option<ResticTest>,
    certs: Vec<CertTest>,
    sites: Vec<SiteTest>,
    state_dir: String,
    exposed_ports: Vec<u16>,
    /// Some route is checked in a process's access log.
    logged_routes: bool,
    /// Some site serves HTTPS.
    https: bool,
    /// Something listens (a process, nginx or an exposed port).
    listens: bool,
    /// Some route serves a single-page app.
    spa_routes: bool,
    /// Some site's nginx settings are checked in the running configuration.
    nginx_settings: bool,
    /// Some route's upstream keepalive is checked.
    keepalive_routes: bool,
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

/// An nginx setting and the bytes of its size (`client_max_body_size`).
#[derive(Debug, Serialize)]
struct BodyLimit {
    setting: String,
    bytes: u64,
}

#[derive(Debug, Serialize)]
struct SecretTest {
    age: String,
    value: String,
}

#[derive(Debug, Serialize)]
struct ProcessTest {
    unit: String,
    address: Option<String>,
    port: Option<u16>,
    socket: Option<String>,
    /// Where it logs requests (see [`access_log`]).
    access_log: Option<Vec<String>>,
}

#[derive(Debug, Serialize)]
struct TaskTest {
    unit: String,
    timer: bool,
}

#[derive(Debug, Serialize)]
struct HealthTest {
    url: String,
    socket: Option<String>,
}

#[derive(Debug, Serialize)]
struct CertTest {
    name: String,
    /// Issued by Pebble; otherwise only NixOS's self-signed certificate exists in the test.
    pebble: bool,
}

#[derive(Debug, Serialize)]
struct SiteTest {
    name: String,
    domains: Vec<String>,
    /// `pebble`, `self-signed`, `test-cert` or `none`.
    tls: String,
    www: Vec<(String, String)>,
    routes: Vec<RouteTest>,
    /// The security header preset is expected (and HSTS over HTTPS).
    security_headers: bool,
    /// Directives the site's server block must hold (`proxy_read_timeout 300s;`).
    directives: Vec<String>,
    body_limit: Option<BodyLimit>,
}

#[derive(Debug, Serialize)]
struct RouteTest {
    path: String,
    /// The path ending in `/`, for appending probe names.
    prefix: String,
    /// `proxy`, `spa`, `static`, `state` or `redirect`.
    kind: String,
    /// proxy: where the process logs requests.
    access_log: Option<Vec<String>>,
    unit: String,
    dir: String,
    code: u16,
    location: String,
    /// proxy: the app's TCP port when nginx keeps connections to it open.
    keepalive_port: Option<u16>,
    body_limit: Option<BodyLimit>,
}

/// A test value for a secret: recognisable in logs, test-only, different per secret.
fn test_value(app: &str, secret: &str) -> String {
    format!("app2nix-vm-test-{app}-{secret}-value")
}

/// A name the VM test can resolve for `domain` (wildcards get a concrete label).
fn concrete(domain: &str) -> String {
    match domain.strip_prefix("*.") {
        Some(rest) => format!("app2nix-probe.{rest}"),
        None => domain.to_string(),
    }
}

/// `www.X` beside `X`: the domains nginx redirects, as in the module's `wwwAliases`.
fn www_aliases(domains: &[String]) -> Vec<String> {
    domains
        .iter()
        .filter(|d| {
            d.strip_prefix("www.")
                .is_some_and(|bare| domains.iter().any(|o| o == bare))
        })
        .cloned()
        .collect()
}

/// Where a process logs the requests it serves: `["journal", unit]` or `["file", path]`.
fn access_log(m: &Model, process: &str) -> Option<Vec<String>> {
    let p = m.processes.iter().find(|p| p.name == process)?;
    if matches!(p.server, Server::Command(_)) {
        // An arbitrary command may not log requests: the route check falls back to the status.
        return None;
    }
    Some(if p.access_log_file {
        vec!["file".into(), m.access_log_path(&p.name)]
    } else {
        vec!["journal".into(), format!("{}.service", m.prefixed(&p.name))]
    })
}

/// The TCP port of a process nginx keeps connections to (see
/// [`crate::model::Process::upstream_keepalive_timeout`]).
fn keepalive_port(m: &Model, process: &str) -> Option<u16> {
    let p = m.processes.iter().find(|p| p.name == process)?;
    p.upstream_keepalive_timeout()?;
    match &p.listen {
        Some(Listen::Tcp { port, .. }) => Some(*port),
        _ => None,
    }
}

/// The VM test posts bodies just above and below a size limit; limits above this are not
/// exercised (the test machines have 2 GiB of memory).
const LARGEST_TESTED_BODY: u64 = 64 * 1024 * 1024;

/// An nginx size (`20m`, `512k`, `1g`, `1000`) in bytes, when small enough to test.
fn body_limit(setting: &str) -> Option<BodyLimit> {
    let (digits, unit) = setting.split_at(setting.trim_end_matches(char::is_alphabetic).len());
    let factor = match unit.to_ascii_lowercase().as_str() {
        "" => 1,
        "k" => 1024,
        "m" => 1024 * 1024,
        "g" => 1024 * 1024 * 1024,
        _ => return None,
    };
    let bytes = digits.parse::<u64>().ok()?.checked_mul(factor)?;
    // 0 disables the check; tiny limits leave no room below.
    (bytes > 1024 && bytes <= LARGEST_TESTED_BODY).then(|| BodyLimit {
        setting: setting.to_string(),
        bytes,
    })
}

/// Render the VM test: the machines (`.nix`) and the script (`.py`).
pub fn vm_test(m: &Model, source_label: &str) -> Result<(String, String), Error> {
    let ctx = vm_test_context(m, source_label);
    let env = environment();
    let nix = env
        .get_template("vm-test.nix")?
        .render(Value::from(minijinja::value::Serde(&ctx)))?;
    let py = env
        .get_template("vm-test.py")?
        .render(Value::from(minijinja::value::Serde(&ctx)))?;
    Ok((nix, py))
}

fn vm_test_context(m: &Model, source_label: &str) -> VmTestContext {
    let acme = m.acme.as_ref();
    let shared = acme.is_some_and(|a| a.shared);
    let dns01 = acme.is_some_and(|a| a.dns_provider.is_some());
    let staging = acme.is_some_and(|a| a.staging);

    let unit = |n: &str| format!("{}.service", m.prefixed(n));
    let processes = m
        .processes
        .iter()
        .map(|p| {
            let (address, port, socket) = match &p.listen {
                Some(Listen::Tcp { host, port }) => {
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
                unit: unit(&p.name),
                address,
                port,
                socket,
                access_log: access_log(m, &p.name),
            }
        })
        .collect();
    let tasks = m
        .tasks
        .iter()
        .map(|t| TaskTest {
            unit: if t.schedule.is_some() {
                format!("{}.timer", m.prefixed(&t.name))
            } else {
                unit(&t.name)
            },
            timer: t.schedule.is_some(),
        })
        .collect();
    let health = m.health.as_ref().and_then(|h| {
        let p = m.processes.iter().find(|p| p.name == h.process)?;
        match &p.listen {
            Some(Listen::Tcp { host, port }) => {
                let host = match host.as_str() {
                    "0.0.0.0" => "127.0.0.1".to_string(),
                    "::" => "[::1]".to_string(),
                    h if h.contains(':') => format!("[{h}]"),
                    h => h.to_string(),
                };
                Some(HealthTest {
                    url: format!("http://{host}:{port}{}", h.path),
                    socket: None,
                })
            }
            Some(Listen::Unix) => Some(HealthTest {
                url: format!("http://localhost{}", h.path),
                socket: Some(m.socket_path(&p.name)),
            }),
            None => None,
        }
    });

    // Certificates and how each site's TLS is checked.
    let mut certs: Vec<CertTest> = Vec::new();
    let mut sites = Vec::new();
    let mut server_names = Vec::new();
    let mut test_cert_vhosts = Vec::new();
    let mut test_cert_domains = Vec::new();
    for s in &m.sites {
        let www = if s.redirect_www {
            www_aliases(&s.domains)
        } else {
            Vec::new()
        };
        let main: Vec<String> = s
            .domains
            .iter()
            .filter(|d| !www.contains(d))
            .cloned()
            .collect();
        let vhost = main.first().cloned().unwrap_or_default();
        let tls = match &s.tls {
            Tls::None => "none",
            Tls::Files { .. } => {
                test_cert_vhosts.push(vhost.clone());
                test_cert_vhosts.extend(www.iter().cloned());
                test_cert_domains.extend(s.domains.iter().map(|d| concrete(d)));
                "test-cert"
            }
            Tls::Acme => {
                let cert = if shared {
                    m.name.clone()
                } else {
                    vhost.clone()
                };
                if !certs.iter().any(|c| c.name == cert) {
                    certs.push(CertTest {
                        name: cert.clone(),
                        pebble: !dns01,
                    });
                }
                if dns01 { "self-signed" } else { "pebble" }
            }
        };
        server_names.extend(s.domains.iter().map(|d| concrete(d)));
        let routes = s
            .routes
            .iter()
            .map(|r| {
                let mut t = RouteTest {
                    prefix: format!("{}/", r.path.trim_end_matches('/')),
                    path: r.path.clone(),
                    kind: String::new(),
                    access_log: None,
                    unit: String::new(),
                    dir: String::new(),
                    code: 0,
                    location: String::new(),
                    keepalive_port: None,
                    body_limit: r.client_max_body_size.as_deref().and_then(body_limit),
                };
                match &r.target {
                    RouteTarget::Process(p) => {
                        t.kind = "proxy".into();
                        t.unit = unit(p);
                        t.access_log = access_log(m, p);
                        t.keepalive_port = keepalive_port(m, p).filter(|_| !r.websockets);
                    }
                    RouteTarget::Asset { spa, .. } => {
                        t.kind = if *spa { "spa" } else { "static" }.into();
                    }
                    RouteTarget::State(dir) => {
                        t.kind = "state".into();
                        t.dir = format!("{}/{dir}", m.state_dir());
                    }
                    RouteTarget::Redirect { url, code } => {
                        t.kind = "redirect".into();
                        t.code = *code;
                        // nginx variables expand per request: compare the fixed prefix.
                        t.location = url.split('$').next().unwrap_or_default().to_string();
                    }
                }
                t
            })
            .collect();
        let directives = [
            s.client_max_body_size
                .as_ref()
                .map(|v| format!("client_max_body_size {v};")),
            s.proxy_read_timeout
                .as_ref()
                .map(|v| format!("proxy_read_timeout {v};")),
        ]
        .into_iter()
        .flatten()
        .collect();
        sites.push(SiteTest {
            name: s.name.clone(),
            domains: main.iter().map(|d| concrete(d)).collect(),
            tls: tls.into(),
            www: www
                .iter()
                .map(|w| (w.clone(), w.trim_start_matches("www.").to_string()))
                .collect(),
            routes,
            security_headers: s.security_headers,
            directives,
            body_limit: s.client_max_body_size.as_deref().and_then(body_limit),
        });
    }
    server_names.sort();
    server_names.dedup();

    let secrets: Vec<SecretTest> = m
        .secrets
        .iter()
        .map(|s| SecretTest {
            age: m.prefixed(&s.name),
            value: test_value(&m.name, &s.name),
        })
        .collect();
    let secret_values = m
        .secrets
        .iter()
        .map(|s| (s.name.clone(), test_value(&m.name, &s.name)))
        .collect();
    let secret_owners = m
        .secrets
        .iter()
        .map(|s| {
            let owner = if s.delivery == Delivery::Acme {
                "acme"
            } else {
                &m.user
            };
            (
                format!("/run/agenix/{}", m.prefixed(&s.name)),
                format!("{owner} 400"),
            )
        })
        .collect();
    let named = |d: Delivery| -> Vec<String> {
        m.secrets
            .iter()
            .filter(|s| s.delivery == d)
            .map(|s| s.name.clone())
            .collect()
    };
    let (env_secrets, file_secrets) = (named(Delivery::Env), named(Delivery::File));
    let secret_units = if env_secrets.is_empty() && file_secrets.is_empty() {
        Vec::new()
    } else {
        m.processes.iter().map(|p| unit(&p.name)).collect()
    };

    let logged_routes = sites
        .iter()
        .any(|s: &SiteTest| s.routes.iter().any(|r| r.access_log.is_some()));
    let https = sites.iter().any(|s| s.tls != "none");
    let listens = !sites.is_empty() || m.processes.iter().any(|p| p.listen.is_some());
    let spa_routes = sites
        .iter()
        .any(|s| s.routes.iter().any(|r| r.kind == "spa"));
    let nginx_settings = sites.iter().any(|s| !s.directives.is_empty());
    let keepalive_routes = sites
        .iter()
        .any(|s| s.routes.iter().any(|r| r.keepalive_port.is_some()));
    VmTestContext {
        spa_routes,
        nginx_settings,
        keepalive_routes,
        logged_routes,
        https,
        listens,
        header: header(source_label),
        name: m.name.clone(),
        title: m.description.clone(),
        user: m.user.clone(),
        script: vm_test_script_name(&m.name),
        pebble: certs.iter().any(|c| c.pebble),
        ca_domain: TEST_CA_DOMAIN.into(),
        server_names,
        secrets,
        secret_values,
        secret_owners,
        secret_units,
        env_secrets,
        file_secrets,
        test_cert_vhosts,
        test_cert_domains,
        staging,
        redis: m.redis_url_env.is_some(),
        processes,
        tasks,
        health,
        postgresql: matches!(m.database, Some(Database::Postgresql { .. })).then(|| m.user.clone()),
        sqlite: match &m.database {
            Some(Database::Sqlite { path, .. }) => {
                let file = format!("{}/{path}", m.state_dir());
                Some(match file.rsplit_once('/') {
                    Some((dir, _)) => dir.to_string(),
                    None => file,
                })
            }
            _ => None,
        },
        redis_socket: m
            .redis_url_env
            .as_ref()
            .map(|_| format!("/run/redis-{}/redis.sock", m.name)),
        postgresql_backup: m.postgresql_backup.is_some()
            && matches!(m.database, Some(Database::Postgresql { .. })),
        restic: m.restic.as_ref().map(|_| ResticTest {
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
        }),
        certs,
        sites,
        state_dir: m.state_dir(),
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

/// `value` as a Python literal: strings are JSON strings (a subset of Python's string syntax),
/// so no value can end the literal or become code.
pub fn python_literal(value: &Value) -> Result<String, Error> {
    let bad = |what: &str| {
        Error::new(
            minijinja::ErrorKind::InvalidOperation,
            format!("cannot write {what} as Python"),
        )
    };
    Ok(match value.kind() {
        ValueKind::String => python_string(value.as_str().unwrap_or_default()),
        ValueKind::Bool => if value.is_true() { "True" } else { "False" }.into(),
        ValueKind::None | ValueKind::Undefined => "None".into(),
        ValueKind::Number if value.is_integer() => value.to_string(),
        ValueKind::Seq => {
            let items = value
                .try_iter()?
                .map(|v| python_literal(&v))
                .collect::<Result<Vec<_>, _>>()?;
            format!("[{}]", items.join(", "))
        }
        ValueKind::Map => {
            let mut items = Vec::new();
            for k in value.try_iter()? {
                let v = value.get_item(&k)?;
                items.push(format!("{}: {}", python_literal(&k)?, python_literal(&v)?));
            }
            format!("{{{}}}", items.join(", "))
        }
        other => return Err(bad(&other.to_string())),
    })
}

/// A Python string literal for `s`.
pub fn python_string(s: &str) -> String {
    // serde_json cannot fail on a str.
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_strings_cannot_escape() {
        for s in ["", "a\"b", "\\", "x\ny", "{}", "'''", "\u{7f}é\u{2028}"] {
            let lit = python_string(s);
            assert!(lit.starts_with('"') && lit.ends_with('"'));
            let back: String = serde_json::from_str(&lit).expect("json");
            assert_eq!(back, s);
        }
    }

    #[test]
    fn www_aliases_need_their_bare_domain() {
        let d = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            www_aliases(&d(&["a.org", "www.a.org", "www.b.org"])),
            d(&["www.a.org"])
        );
    }

    #[test]
    fn the_lock_matches_the_inputs_of_flake_nix() {
        let pins: serde_json::Value = serde_json::from_str(PINS).expect("pins");
        assert_eq!(pins["nixpkgs"]["original"]["url"], NIXPKGS_URL);
        assert_eq!(pins["agenix"]["original"]["repo"], "agenix");
        for node in ["nixpkgs", "agenix", "systems"] {
            let locked = &pins[node]["locked"];
            assert!(
                locked["narHash"]
                    .as_str()
                    .is_some_and(|h| h.starts_with("sha256-")),
                "{node} is locked to a NAR hash"
            );
            assert!(
                locked["rev"].as_str().is_some_and(|r| r.len() == 40),
                "{node}"
            );
        }
    }

    #[test]
    fn python_literals_of_every_kind() {
        let v = Value::from(minijinja::value::Serde(
            serde_json::json!({"a": [1, true, null, "x\"y"]}),
        ));
        assert_eq!(
            python_literal(&v).expect("literal"),
            r#"{"a": [1, True, None, "x\"y"]}"#
        );
    }

    #[test]
    fn wildcards_get_a_probe_label() {
        assert_eq!(concrete("*.apps.x.org"), "app2nix-probe.apps.x.org");
        assert_eq!(concrete("x.org"), "x.org");
    }
}
