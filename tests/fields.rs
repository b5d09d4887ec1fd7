//! One property test per string-bearing field of the description: a hostile value is either
//! rejected with a clear error (`error: ` and the file's location) or generation succeeds, every
//! generated Nix file parses, and the value comes back unchanged from rnix's string
//! normalisation (inside a string literal or as an attribute name) where the field is copied
//! verbatim. CI runs `PROPTEST_CASES=10000` per field.
//!
//! With `APP2NIX_FIELD_CORPUS=DIR`, the first accepted outputs of every field are written to
//! DIR so `.ci/run` can also run `nix-instantiate --parse` and pyflakes on them.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Mutex;

use proptest::prelude::*;
use rnix::ast::{self, InterpolPart};
use rowan::ast::AstNode;

/// A description with every section, so each field is exercised in context.
const BASE: &str = r#"environment_files = ["/etc/demo/env"]

[app]
name = "demo"
description = "Demo"

[package.python]
src = "app"
version = "3.12"
dependencies = ["flask", "celery"]

[processes.web]
description = "Demo web"
wsgi = "demo.wsgi:app"
listen = "127.0.0.1:8000"

[processes.worker]
command = ["celery", "worker"]

[tasks.migrate]
description = "Demo migrations"
command = "flask db upgrade"

[tasks.nightly]
command = "cleanup"
schedule = "daily"

[env]
MODE = "production"
SITE = "{{url}}/"
AUTH_PROXY_TRUSTED_IPS = { value = "10.0.0.1", public = true }

[secrets]
SECRET_KEY = "env"
CF_DNS = "acme"
SENTRY_DSN = { delivery = "file", optional = true }
ALERT_HOOK = "alerts"
SMTP_PASSWORD = "alerts"

[build]
steps = ["python manage.py collectstatic --noinput"]
env = { DEBUG = "False" }
packages = ["gettext"]

[state]
dirs = ["media"]

[postgresql]
driver = "psycopg2"
parts = { host = "DB_HOST" }

[redis]
urls = { REDIS_URL = "redis-py" }

[backup.restic]
repository = "s3:s3.example.org/bucket"
password_file = "/etc/restic/password"

[health]
path = "/healthz"

[sites.main]
domains = ["demo.example.org"]
client_max_body_size = "20m"
routes = { "/" = "web", "/media/" = { state = "media" }, "/static/" = { source = "static" }, "/old/" = { redirect = "https://demo.example.org/new/" } }

[acme]
email = "ops@example.org"
accept_terms = true
dns_provider = "cloudflare"
dns_credentials = "CF_DNS"

[alerts]
email = ["oncall@example.org"]
from = "alerts@example.org"
smtp = { host = "smtp.example.org", port = 587, user = "alerts@example.org", password = "SMTP_PASSWORD" }
webhook = "ALERT_HOOK"

[metrics]
nginx_exporter = true
path = "/metrics"
process = "web"
scraper = "10.0.0.5"
listen = "0.0.0.0"
port = 9101

[agenix]
host_keys = ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBP9Co0WacK49s6E46oGHh5Y9I3F/on+0wZWZfX0FqSL host"]

[host]
name = "web1"
configuration = "host.nix"
"#;

/// A description on several hosts, for the fields of `[hosts.*]`.
const CLUSTER_BASE: &str = r#"[app]
name = "demo"

[package.python]
src = "app"

[processes.web]
wsgi = "demo.wsgi:app"
listen = "127.0.0.1:8000"

[postgresql]

[secrets]
SECRET_KEY = "env"

[sites.main]
domains = ["demo.example.org"]
tls = "none"
routes = { "/" = "web" }

[agenix]
admin_keys = ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIF9jlv6/Nfg+46lRIvT+HeMIpazJvbL1c1RdpgEY2ssm admin"]

[hosts.edge]
roles = ["edge"]
address = "10.0.0.10"
ssh = "root@edge.example.org"
configuration = "host.nix"

[hosts.app1]
roles = ["app", "tasks", "database"]
address = "10.0.0.11"
interface = "ens10"
ssh = "deploy@10.0.0.11"
system = "aarch64-linux"
configuration = "host.nix"
host_key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIL9fR6IFMTfj9j41/qhz2wOXpmr0jA6MXD1ZLxdZYKrJ app1"
"#;

/// A configuration file's description, for the fields of `[files.*]` (the renderer it ships
/// makes every module longer: the other fields do without).
const FILES_BASE: &str = r#"[app]
name = "demo"

[package.python]
src = "app"

[processes.web]
wsgi = "demo.wsgi:app"
listen = "127.0.0.1:8000"

[secrets]
SECRET_KEY = "env"

[sites.main]
domains = ["demo.example.org"]
tls = "none"
routes = { "/" = "web" }

[files.config]
path = "demo/local_settings.py"
env = "DEMO_SETTINGS"
text = "HOSTS = {{domains}}\nKEY = {{secret.SECRET_KEY}}\n"
"#;

/// `FILES_BASE` with `from` replaced by `to`.
fn in_files(from: &str, to: String) -> String {
    assert!(FILES_BASE.contains(from), "FILES_BASE has no `{from}`");
    FILES_BASE.replacen(from, &to, 1)
}

/// `CLUSTER_BASE` with `from` replaced by `to`.
fn in_cluster(from: &str, to: String) -> String {
    assert!(CLUSTER_BASE.contains(from), "CLUSTER_BASE has no `{from}`");
    CLUSTER_BASE.replacen(from, &to, 1)
}

/// `BASE` with its `[postgresql]` table replaced by `[mysql]` and `to`.
fn in_mysql(to: String) -> String {
    with(
        "[postgresql]\ndriver = \"psycopg2\"\nparts = { host = \"DB_HOST\" }",
        format!("[mysql]\n{to}"),
    )
}

/// How a field's accepted value must show up in the output.
#[derive(Clone, Copy)]
enum Expect {
    /// Somewhere in a Nix string literal or attribute name, unchanged.
    Verbatim,
    /// Transformed (a version, an address split in host and port, a validated name): only
    /// "rejected or parses" is checked.
    Transformed,
    /// Written into a unit setting systemd reads specifiers in (`Description=`): verbatim but
    /// for `%`, which is doubled so systemd reads the value back unchanged.
    UnitText,
    /// One word of a shell script line: quoted for the shell (`tests/escaping.rs` proves that a
    /// shell reads the quoted word back unchanged).
    ShellWord,
    /// A value that may name the deployment's values (`{{domain}}`): its literal text between
    /// placeholders is in a Nix string unchanged, the placeholders are interpolations. The
    /// function gives the whole value the field is set to: the hostile text only means
    /// something beside its placeholders (`{{` before `{{port}}` is literal text).
    Templated(fn(&str) -> String),
}

fn toml_str(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// `BASE` with `from` replaced by `to(value)`; panics if `from` is missing (a broken test).
fn with(from: &str, to: String) -> String {
    assert!(BASE.contains(from), "BASE has no `{from}`");
    BASE.replacen(from, &to, 1)
}

/// String literal values and attribute names of a Nix file, as rnix reads them back.
fn nix_strings(text: &str) -> Vec<String> {
    let parse = rnix::Root::parse(text);
    let node = parse.syntax();
    let mut out: Vec<String> = node
        .descendants()
        .filter_map(ast::Str::cast)
        .map(|s| {
            s.normalized_parts()
                .into_iter()
                .map(|p| match p {
                    InterpolPart::Literal(l) => l,
                    InterpolPart::Interpolation(_) => "\u{0}".to_string(),
                })
                .collect()
        })
        .collect();
    out.extend(
        node.descendants()
            .filter_map(ast::Ident::cast)
            .map(|i| i.syntax().text().to_string()),
    );
    out
}

/// Accepted cases saved per field.
static SAVED: Mutex<BTreeMap<String, usize>> = Mutex::new(BTreeMap::new());

fn save_corpus(field: &str, files: &[app2nix::output::GeneratedFile]) {
    let Ok(dir) = std::env::var("APP2NIX_FIELD_CORPUS") else {
        return;
    };
    // A sample per field is enough for the external parsers; rnix checks every case in-process.
    let n = {
        let mut saved = SAVED.lock().unwrap_or_else(|e| e.into_inner());
        let n = saved.entry(field.to_string()).or_default();
        *n += 1;
        *n
    };
    if n > 10 {
        return;
    }
    let case = Path::new(&dir).join(format!("{field}-{n}"));
    std::fs::create_dir_all(&case).expect("corpus dir");
    for f in files {
        let name = f.path.file_name().expect("file name");
        if f.path.extension().is_some_and(|e| e == "nix" || e == "py") {
            std::fs::write(case.join(name), &f.text).expect("corpus file");
        }
    }
}

/// Generate from `description` and check the outcome for `value`.
fn check(field: &str, description: &str, value: &str, expect: Expect) -> Result<(), TestCaseError> {
    thread_local! {
        // One project directory per test thread: only the description changes between cases.
        static PROJECT: tempfile::TempDir = {
            let dir = tempfile::tempdir().expect("tempdir");
            std::fs::create_dir(dir.path().join("app")).expect("app");
            std::fs::write(dir.path().join("host.nix"), "{ }\n").expect("host");
            dir
        };
    }
    let dir = PROJECT.with(|p| p.path().to_path_buf());
    let file = dir.join("app2nix.toml");
    std::fs::write(&file, description).expect("write");
    match app2nix::generate::generate(&file, Some(&dir.join("out"))) {
        Err(app2nix::generate::Failure::Invalid(msg)) => {
            prop_assert!(msg.starts_with("error: "), "{field}: unclear error: {msg}");
            prop_assert!(
                msg.contains("app2nix.toml"),
                "{field}: the error does not name the file: {msg}"
            );
        }
        Err(app2nix::generate::Failure::Internal(e)) => {
            prop_assert!(false, "{field} = {value:?}: internal error: {e}")
        }
        Ok(files) => {
            let mut strings = Vec::new();
            for f in files
                .iter()
                .filter(|f| f.path.extension().is_some_and(|e| e == "nix"))
            {
                let parse = rnix::Root::parse(&f.text);
                prop_assert!(
                    parse.errors().is_empty(),
                    "{field} = {value:?}: {} does not parse: {:?}",
                    f.path.display(),
                    parse.errors()
                );
                strings.extend(nix_strings(&f.text));
            }
            if let Expect::Templated(whole) = expect {
                let text =
                    app2nix::placeholders::parse(&whole(value)).expect("accepted, so it parses");
                for part in &text.0 {
                    if let app2nix::placeholders::Part::Text(t) = part {
                        prop_assert!(
                            strings.iter().any(|s| s.contains(t.as_str())),
                            "{field} = {value:?} was accepted but its text {t:?} is not in any generated string"
                        );
                    }
                }
                save_corpus(field, &files);
                return Ok(());
            }
            let written = match expect {
                Expect::Verbatim => Some(value.to_string()),
                Expect::UnitText => Some(value.replace('%', "%%")),
                Expect::ShellWord => Some(app2nix::shell::quote(value)),
                Expect::Transformed | Expect::Templated(_) => None,
            };
            if let Some(written) = written.filter(|w| !w.is_empty()) {
                prop_assert!(
                    strings.iter().any(|s| s.contains(&written)),
                    "{field} = {value:?} was accepted but {written:?} is not in any generated string"
                );
            }
            save_corpus(field, &files);
        }
    }
    Ok(())
}

/// Strings biased toward what breaks Nix, Python and shell: quotes, backslashes, `${`, `''`,
/// line breaks, NUL, non-ASCII, plus the shapes valid values of many fields have.
fn hostile() -> impl Strategy<Value = String> {
    prop_oneof![
        "[\\\\\"${}'`;|&<>()*?\\n\\r\\t #/:.@=a-zA-Z0-9_-]{0,40}",
        any::<String>(),
        "[a-z][a-z0-9-]{0,20}",
        "[A-Z][A-Z0-9_]{0,20}",
        "/[a-z0-9/._-]{0,30}",
        Just("${builtins.abort \"pwned\"}".to_string()),
        Just("''${x}''".to_string()),
        Just("\"; }; x = import /etc/passwd; y = {\"".to_string()),
        Just("\"\"\"; import os; os.system('x') #".to_string()),
        // A lone `{{` is literal text when another placeholder's `{{` follows it (CI found it).
        Just("{{".to_string()),
    ]
}

macro_rules! fields {
    ($($name:ident: $expect:expr, |$v:ident| $build:expr;)*) => {
        proptest! {
            $(
                #[test]
                fn $name($v in hostile()) {
                    let description: String = $build;
                    check(stringify!($name), &description, &$v, $expect)?;
                }
            )*
        }
    };
}

fields! {
    app_name: Expect::Transformed, |v| with("name = \"demo\"", format!("name = {}", toml_str(&v)));
    app_description: Expect::Verbatim, |v| with("description = \"Demo\"", format!("description = {}", toml_str(&v)));
    app_user: Expect::Transformed, |v| with("description = \"Demo\"\n", format!("description = \"Demo\"\nuser = {}\n", toml_str(&v)));
    python_src: Expect::Transformed, |v| with("src = \"app\"", format!("src = {}", toml_str(&v)));
    python_version: Expect::Transformed, |v| with("version = \"3.12\"", format!("version = {}", toml_str(&v)));
    python_override: Expect::Transformed, |v| with("dependencies = [\"flask\", \"celery\"]", format!("dependencies = [\"flask\", \"celery\"]\noverrides = {{ flask = {} }}", toml_str(&v)));
    python_group: Expect::Transformed, |v| with("dependencies = [\"flask\", \"celery\"]", format!("dependencies = [\"flask\", \"celery\"]\ngroups = [{}]", toml_str(&v)));
    python_dependency: Expect::Verbatim, |v| with("dependencies = [\"flask\", \"celery\"]", format!("dependencies = [\"flask\", \"celery\", {}]", toml_str(&v)));
    process_name: Expect::Transformed, |v| with("[processes.worker]", format!("[processes.{}]", toml_str(&v)));
    process_description: Expect::UnitText, |v| with("description = \"Demo web\"", format!("description = {}", toml_str(&v)));
    process_wsgi: Expect::Verbatim, |v| with("wsgi = \"demo.wsgi:app\"", format!("wsgi = {}", toml_str(&v)));
    process_listen: Expect::Transformed, |v| with("listen = \"127.0.0.1:8000\"", format!("listen = {}", toml_str(&v)));
    process_command: Expect::Verbatim, |v| with("command = [\"celery\", \"worker\"]", format!("command = {}", toml_str(&v)));
    process_command_argument: Expect::ShellWord, |v| with("command = [\"celery\", \"worker\"]", format!("command = [\"celery\", {}]", toml_str(&v)));
    process_server: Expect::Transformed, |v| with("wsgi = \"demo.wsgi:app\"", format!("wsgi = \"demo.wsgi:app\"\nserver = {}", toml_str(&v)));
    process_worker_class: Expect::Transformed, |v| with("wsgi = \"demo.wsgi:app\"", format!("wsgi = \"demo.wsgi:app\"\nworker_class = {}", toml_str(&v)));
    process_path: Expect::Transformed, |v| with("[processes.worker]\n", format!("[processes.worker]\npath = [{}]\n", toml_str(&v)));
    task_path: Expect::Transformed, |v| with("[tasks.nightly]\n", format!("[tasks.nightly]\npath = [{}]\n", toml_str(&v)));
    task_after: Expect::Transformed, |v| with("[tasks.nightly]\n", format!("[tasks.nightly]\nafter = [{}]\n", toml_str(&v)));
    process_env_value: Expect::Verbatim, |v| with("[processes.worker]\n", format!("[processes.worker]\nenv = {{ LEVEL = {} }}\n", toml_str(&v)));
    task_name: Expect::Transformed, |v| with("[tasks.nightly]", format!("[tasks.{}]", toml_str(&v)));
    task_description: Expect::UnitText, |v| with("description = \"Demo migrations\"", format!("description = {}", toml_str(&v)));
    task_command: Expect::Verbatim, |v| with("command = \"flask db upgrade\"", format!("command = {}", toml_str(&v)));
    task_schedule: Expect::Verbatim, |v| with("schedule = \"daily\"", format!("schedule = {}", toml_str(&v)));
    env_name: Expect::Transformed, |v| with("MODE = \"production\"", format!("{} = \"production\"", toml_str(&v)));
    env_value: Expect::Verbatim, |v| with("MODE = \"production\"", format!("MODE = {}", toml_str(&v)));
    environment_file: Expect::Verbatim, |v| with("environment_files = [\"/etc/demo/env\"]", format!("environment_files = [{}]", toml_str(&v)));
    secret_name: Expect::Transformed, |v| with("SECRET_KEY = \"env\"", format!("{} = \"env\"", toml_str(&v)));
    secrets_dir: Expect::Transformed, |v| with("environment_files = [\"/etc/demo/env\"]", format!("environment_files = [\"/etc/demo/env\"]\nsecrets_dir = {}", toml_str(&v)));
    state_dir: Expect::Transformed, |v| with("dirs = [\"media\"]", format!("dirs = [\"media\", {}]", toml_str(&v)));
    postgresql_url_env: Expect::Transformed, |v| with("driver = \"psycopg2\"", format!("driver = \"psycopg2\"\nurl_env = {}", toml_str(&v)));
    postgresql_url: Expect::Transformed, |v| with("driver = \"psycopg2\"", format!("driver = \"psycopg2\"\nurl = {}", toml_str(&v)));
    postgresql_driver: Expect::Transformed, |v| with("driver = \"psycopg2\"", format!("driver = {}", toml_str(&v)));
    postgresql_part: Expect::Transformed, |v| with("parts = { host = \"DB_HOST\" }", format!("parts = {{ host = {} }}", toml_str(&v)));
    mysql_driver: Expect::Transformed, |v| in_mysql(format!("driver = {}", toml_str(&v)));
    mysql_url: Expect::Transformed, |v| in_mysql(format!("url = {}", toml_str(&v)));
    mysql_url_env: Expect::Transformed, |v| in_mysql(format!("url_env = {}", toml_str(&v)));
    mysql_part: Expect::Transformed, |v| in_mysql(format!("parts = {{ socket = {} }}", toml_str(&v)));
    backup_mysql_schedule: Expect::Transformed, |v| in_mysql(format!("\n[backup.mysql]\nschedule = {}", toml_str(&v)));
    redis_url_name: Expect::Transformed, |v| with("urls = { REDIS_URL = \"redis-py\" }", format!("urls = {{ {} = \"redis-py\" }}", toml_str(&v)));
    redis_library: Expect::Transformed, |v| with("urls = { REDIS_URL = \"redis-py\" }", format!("urls = {{ REDIS_URL = {} }}", toml_str(&v)));
    redis_library_in_table: Expect::Transformed, |v| with("urls = { REDIS_URL = \"redis-py\" }", format!("urls = {{ REDIS_URL = {{ library = {}, db = 1 }} }}", toml_str(&v)));
    restic_repository: Expect::Verbatim, |v| with("repository = \"s3:s3.example.org/bucket\"", format!("repository = {}", toml_str(&v)));
    restic_password_file: Expect::Verbatim, |v| with("password_file = \"/etc/restic/password\"", format!("password_file = {}", toml_str(&v)));
    restic_schedule: Expect::Verbatim, |v| with("password_file = \"/etc/restic/password\"", format!("password_file = \"/etc/restic/password\"\nschedule = {}", toml_str(&v)));
    health_path: Expect::Verbatim, |v| with("path = \"/healthz\"", format!("path = {}", toml_str(&v)));
    site_name: Expect::Transformed, |v| with("[sites.main]", format!("[sites.{}]", toml_str(&v)));
    site_domain: Expect::Verbatim, |v| with("domains = [\"demo.example.org\"]", format!("domains = [{}]", toml_str(&v)));
    site_body_size: Expect::Verbatim, |v| with("client_max_body_size = \"20m\"", format!("client_max_body_size = {}", toml_str(&v)));
    site_read_timeout: Expect::Verbatim, |v| with("client_max_body_size = \"20m\"", format!("proxy_read_timeout = {}", toml_str(&v)));
    route_path: Expect::Verbatim, |v| with("\"/media/\" = { state", format!("{} = {{ state", toml_str(&v)));
    route_redirect: Expect::Verbatim, |v| with("redirect = \"https://demo.example.org/new/\"", format!("redirect = {}", toml_str(&v)));
    acme_email: Expect::Verbatim, |v| with("email = \"ops@example.org\"", format!("email = {}", toml_str(&v)));
    acme_dns_provider: Expect::Verbatim, |v| with("dns_provider = \"cloudflare\"", format!("dns_provider = {}", toml_str(&v)));
    agenix_key: Expect::Verbatim, |v| with("host_keys = [", format!("admin_keys = [{}]\nhost_keys = [", toml_str(&v)));
    host_name: Expect::Transformed, |v| with("name = \"web1\"", format!("name = {}", toml_str(&v)));
    host_configuration: Expect::Transformed, |v| with("configuration = \"host.nix\"", format!("configuration = {}", toml_str(&v)));
    env_value_placeholders: Expect::Templated(|v| format!("{v}{{{{url}}}}{v}{{{{state_dir}}}}")), |v| with("SITE = \"{{url}}/\"", format!("SITE = {}", toml_str(&format!("{v}{{{{url}}}}{v}{{{{state_dir}}}}"))));
    env_public_value: Expect::Verbatim, |v| with("value = \"10.0.0.1\"", format!("value = {}", toml_str(&v)));
    process_env_placeholders: Expect::Templated(|v| format!("{{{{listen}}}}{v}{{{{port}}}}")), |v| with("listen = \"127.0.0.1:8000\"\n", format!("listen = \"127.0.0.1:8000\"\nenv = {{ AT = {} }}\n", toml_str(&format!("{{{{listen}}}}{v}{{{{port}}}}"))));
    task_env_placeholders: Expect::Templated(|v| format!("{{{{state_dir}}}}/{v}{{{{origins}}}}")), |v| with("command = \"cleanup\"", format!("command = \"cleanup\"\nenv = {{ OUT = {} }}", toml_str(&format!("{{{{state_dir}}}}/{v}{{{{origins}}}}"))));
    secret_delivery_table: Expect::Transformed, |v| with("{ delivery = \"file\", optional = true }", format!("{{ delivery = {}, optional = true }}", toml_str(&v)));
    build_step: Expect::Verbatim, |v| with("steps = [\"python manage.py collectstatic --noinput\"]", format!("steps = [{}]", toml_str(&v)));
    build_env_value: Expect::Templated(|v| format!("{v}{{{{source}}}}")), |v| with("env = { DEBUG = \"False\" }", format!("env = {{ DEBUG = {} }}", toml_str(&format!("{v}{{{{source}}}}"))));
    build_package: Expect::Verbatim, |v| with("packages = [\"gettext\"]", format!("packages = [{}]", toml_str(&v)));
    file_path: Expect::Transformed, |v| in_files("path = \"demo/local_settings.py\"", format!("path = {}", toml_str(&v)));
    file_env: Expect::Verbatim, |v| in_files("env = \"DEMO_SETTINGS\"", format!("env = {}", toml_str(&v)));
    file_text: Expect::Verbatim, |v| in_files("text = \"HOSTS = {{domains}}\\nKEY = {{secret.SECRET_KEY}}\\n\"", format!("text = {}", toml_str(&format!("{v}{{{{secret.SECRET_KEY}}}}"))));
    route_source: Expect::Transformed, |v| with("{ source = \"static\" }", format!("{{ source = {} }}", toml_str(&v)));
    alerts_email: Expect::Verbatim, |v| with("email = [\"oncall@example.org\"]", format!("email = [{}]", toml_str(&v)));
    alerts_from: Expect::Verbatim, |v| with("from = \"alerts@example.org\"", format!("from = {}", toml_str(&v)));
    alerts_webhook: Expect::Transformed, |v| with("webhook = \"ALERT_HOOK\"", format!("webhook = {}", toml_str(&v)));
    smtp_host: Expect::Verbatim, |v| with("host = \"smtp.example.org\"", format!("host = {}", toml_str(&v)));
    smtp_user: Expect::Verbatim, |v| with("user = \"alerts@example.org\"", format!("user = {}", toml_str(&v)));
    smtp_password: Expect::Transformed, |v| with("password = \"SMTP_PASSWORD\"", format!("password = {}", toml_str(&v)));
    metrics_path: Expect::Verbatim, |v| with("path = \"/metrics\"", format!("path = {}", toml_str(&v)));
    metrics_process: Expect::Transformed, |v| with("process = \"web\"", format!("process = {}", toml_str(&v)));
    metrics_scraper: Expect::Verbatim, |v| with("scraper = \"10.0.0.5\"", format!("scraper = {}", toml_str(&v)));
    metrics_listen: Expect::Verbatim, |v| with("listen = \"0.0.0.0\"", format!("listen = {}", toml_str(&v)));
    cluster_host_name: Expect::Transformed, |v| in_cluster("[hosts.app1]", format!("[hosts.{}]", toml_str(&v)));
    cluster_role: Expect::Transformed, |v| in_cluster("roles = [\"edge\"]", format!("roles = [{}]", toml_str(&v)));
    cluster_address: Expect::Verbatim, |v| in_cluster("address = \"10.0.0.11\"", format!("address = {}", toml_str(&v)));
    cluster_interface: Expect::Verbatim, |v| in_cluster("interface = \"ens10\"", format!("interface = {}", toml_str(&v)));
    cluster_ssh: Expect::Transformed, |v| in_cluster("ssh = \"deploy@10.0.0.11\"", format!("ssh = {}", toml_str(&v)));
    cluster_system: Expect::Verbatim, |v| in_cluster("system = \"aarch64-linux\"", format!("system = {}", toml_str(&v)));
    cluster_configuration: Expect::Transformed, |v| in_cluster("configuration = \"host.nix\"\nhost_key", format!("configuration = {}\nhost_key", toml_str(&v)));
    cluster_host_key: Expect::Verbatim, |v| in_cluster("host_key = \"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIL9fR6IFMTfj9j41/qhz2wOXpmr0jA6MXD1ZLxdZYKrJ app1\"", format!("host_key = {}", toml_str(&v)));
}

/// The description with a configuration file generates too.
#[test]
fn files_base_description_generates() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(dir.path().join("app")).expect("app");
    let file = dir.path().join("app2nix.toml");
    std::fs::write(&file, FILES_BASE).expect("write");
    let files = app2nix::generate::generate(&file, Some(&dir.path().join("out")));
    assert!(files.is_ok(), "{:?}", files.err());
}

/// The description on several hosts generates too.
#[test]
fn cluster_base_description_generates() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(dir.path().join("app")).expect("app");
    std::fs::write(dir.path().join("host.nix"), "{ }\n").expect("host");
    let file = dir.path().join("app2nix.toml");
    std::fs::write(&file, CLUSTER_BASE).expect("write");
    let files = app2nix::generate::generate(&file, Some(&dir.path().join("out")));
    assert!(files.is_ok(), "{:?}", files.err());
}

/// The base description itself is valid and complete: every field above starts from a
/// description that generates.
#[test]
fn base_description_generates() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(dir.path().join("app")).expect("app");
    std::fs::write(dir.path().join("host.nix"), "{ }\n").expect("host");
    let file = dir.path().join("app2nix.toml");
    std::fs::write(&file, BASE).expect("write");
    let files = app2nix::generate::generate(&file, None).unwrap_or_else(|e| panic!("{e:?}"));
    assert!(
        files
            .iter()
            .any(|f| f.text.contains("nixosConfigurations.web1"))
    );
}
