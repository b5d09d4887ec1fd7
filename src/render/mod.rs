//! Text from a validated [`Model`]: one submodule per generated file, each owning its typed,
//! serializable context (`module`: the NixOS module and its package; `vm_test`: the VM test's
//! machines and script; `flake`: `flake.nix` and `flake.lock`; `secrets_nix`: agenix
//! recipients). Templates are compiled into the binary (`templates/`, the module's parts under
//! `templates/module/`) and rendered with strict undefined. Every value printed by `{{ … }}`
//! passes through [`crate::nix::string`] (or [`python::python_literal`] in `.py` templates)
//! unless a filter (`attr`, `path`, `inner`, …) made it syntax through the same module: a
//! description value can never become code.
//!
//! May call: `model` (read only), [`crate::nix`], [`crate::shell`], [`crate::secrets`]. Nothing
//! here reads or writes files.

use minijinja::value::Value;
use minijinja::{AutoEscape, Environment, Error, ErrorKind, UndefinedBehavior};

use crate::nix;

pub mod flake;
pub mod module;
pub mod npm_asset;
pub mod python;
pub mod python_env;
pub mod secrets_nix;
pub mod vm_test;

pub use module::{
    ModuleContext, asset_file_name, module, package, package_file_name, python_env_file_name,
};
pub use npm_asset::npm_assets;
pub use python_env::python_env;
pub use secrets_nix::secrets_nix;

/// Templates, embedded at build time.
const TEMPLATES: &[(&str, &str)] = &[
    ("module.nix", include_str!("../../templates/module.nix.j2")),
    (
        "secrets.nix",
        include_str!("../../templates/secrets.nix.j2"),
    ),
    (
        "module/let",
        include_str!("../../templates/module/let.nix.j2"),
    ),
    (
        "module/units-let",
        include_str!("../../templates/module/units-let.nix.j2"),
    ),
    (
        "module/options",
        include_str!("../../templates/module/options.nix.j2"),
    ),
    (
        "module/config",
        include_str!("../../templates/module/config.nix.j2"),
    ),
    (
        "module/units",
        include_str!("../../templates/module/units.nix.j2"),
    ),
    (
        "module/data",
        include_str!("../../templates/module/data.nix.j2"),
    ),
    (
        "module/database-env",
        include_str!("../../templates/module/database-env.nix.j2"),
    ),
    (
        "module/nginx",
        include_str!("../../templates/module/nginx.nix.j2"),
    ),
    (
        "module/tls",
        include_str!("../../templates/module/tls.nix.j2"),
    ),
    (
        "module/cluster-let",
        include_str!("../../templates/module/cluster-let.nix.j2"),
    ),
    (
        "module/process-options",
        include_str!("../../templates/module/process-options.nix.j2"),
    ),
    (
        "module/cluster-options",
        include_str!("../../templates/module/cluster-options.nix.j2"),
    ),
    (
        "module/cluster-assertions",
        include_str!("../../templates/module/cluster-assertions.nix.j2"),
    ),
    (
        "module/cluster",
        include_str!("../../templates/module/cluster.nix.j2"),
    ),
    (
        "module/monitoring-let",
        include_str!("../../templates/module/monitoring-let.nix.j2"),
    ),
    (
        "module/monitoring-options",
        include_str!("../../templates/module/monitoring-options.nix.j2"),
    ),
    (
        "module/monitoring",
        include_str!("../../templates/module/monitoring.nix.j2"),
    ),
    (
        "package.nix",
        include_str!("../../templates/package.nix.j2"),
    ),
    ("flake.nix", include_str!("../../templates/flake.nix.j2")),
    (
        "source-filter",
        include_str!("../../templates/source-filter.nix.j2"),
    ),
    (
        "vm-test.nix",
        include_str!("../../templates/vm-test.nix.j2"),
    ),
    (
        "npm-asset.nix",
        include_str!("../../templates/npm-asset.nix.j2"),
    ),
    (
        "js-asset.nix",
        include_str!("../../templates/js-asset.nix.j2"),
    ),
    (
        "python-env.nix",
        include_str!("../../templates/python-env.nix.j2"),
    ),
    ("vm-test.py", include_str!("../../templates/vm-test.py.j2")),
    (
        "vm-test-cluster.nix",
        include_str!("../../templates/vm-test-cluster.nix.j2"),
    ),
    (
        "vm-test-cluster.py",
        include_str!("../../templates/vm-test-cluster.py.j2"),
    ),
    (
        "vm-test/helpers.py",
        include_str!("../../templates/vm-test/helpers.py.j2"),
    ),
    (
        "vm-test/machine.py",
        include_str!("../../templates/vm-test/machine.py.j2"),
    ),
    (
        "vm-test/sites.py",
        include_str!("../../templates/vm-test/sites.py.j2"),
    ),
    (
        "vm-test/monitoring.py",
        include_str!("../../templates/vm-test/monitoring.py.j2"),
    ),
    (
        "vm-test/monitoring.nix",
        include_str!("../../templates/vm-test/monitoring.nix.j2"),
    ),
    (
        "vm-test/alert-sink.py",
        include_str!("../../templates/vm-test/alert-sink.py"),
    ),
];

/// First line of every generated file; [`crate::output`] refuses to overwrite files without it.
pub const HEADER_PREFIX: &str = "# Generated by app2nix";

/// Where the generated files go, relative to the description, so paths in them resolve.
pub struct Layout {
    /// The description's path as shown in the header (relative to the output directory).
    pub source_label: String,
    /// Prefix turning a description-relative path into one relative to the output directory
    /// (`""`, `"../examples/x/"`).
    pub to_project: String,
}

/// A one-line Nix list of escaped strings.
fn nix_list(items: &[String]) -> String {
    if items.is_empty() {
        return "[ ]".into();
    }
    format!(
        "[ {} ]",
        items
            .iter()
            .map(|i| nix::string(i))
            .collect::<Vec<_>>()
            .join(" ")
    )
}

/// The header comment. The label is the description's file name; anything that could end the
/// comment line is replaced.
fn header(source_label: &str) -> String {
    let label: String = source_label
        .chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect();
    format!(
        "{HEADER_PREFIX} from {label}. Do not edit: change the description and run `app2nix generate`."
    )
}

/// The template environment (built once): strict undefined, and a formatter that writes every
/// value as a Nix literal (a Python literal in `.py` templates).
pub fn environment() -> &'static Environment<'static> {
    static ENV: std::sync::OnceLock<Environment<'static>> = std::sync::OnceLock::new();
    ENV.get_or_init(build_environment)
}

/// How `{{ value }}` prints: as it is when a filter made it syntax (safe), else as a Python
/// literal in `.py` templates, else as a Nix literal (strings escaped by [`crate::nix::string`]).
fn literal(value: &Value, python: bool) -> Result<String, Error> {
    if value.is_safe() {
        return Ok(value.to_string());
    }
    if python {
        return python::python_literal(value);
    }
    if let Some(s) = value.as_str() {
        return Ok(nix::string(s));
    }
    if value.kind() == minijinja::value::ValueKind::Bool {
        return Ok(if value.is_true() { "true" } else { "false" }.to_string());
    }
    if value.is_integer() {
        return Ok(value.to_string());
    }
    Err(Error::new(
        ErrorKind::InvalidOperation,
        format!("cannot write {} as Nix here", value.kind()),
    ))
}

fn build_environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    match minijinja::syntax::SyntaxConfig::builder()
        .trim_blocks(true)
        .lstrip_blocks(true)
        .keep_trailing_newline(true)
        .build()
    {
        Ok(syntax) => env.set_syntax(syntax),
        Err(e) => panic!("default syntax with whitespace control is valid: {e}"),
    }
    // Python templates (the VM test script) print values as Python literals, the rest as Nix.
    env.set_auto_escape_callback(|name| {
        if name.ends_with(".py") {
            AutoEscape::Custom("python".into())
        } else {
            AutoEscape::Custom("nix".into())
        }
    });
    env.set_formatter(|out, state, value| {
        let python = matches!(state.auto_escape(), AutoEscape::Custom(k) if k == "python");
        let text = literal(value, python)?;
        out.write_str(&text)
            .map_err(|_| Error::new(ErrorKind::WriteFailure, "write failed"))
    });
    env.add_filter("attr", |s: &str| Value::from_safe_string(nix::attr_name(s)));
    env.add_filter("path", |s: &str| {
        Value::from_safe_string(nix::relative_path(s))
    });
    env.add_filter("str", |s: &str| Value::from_safe_string(nix::string(s)));
    // Text of a unit setting that systemd reads specifiers in (`Description=`): `%` stays `%`.
    env.add_filter("systemd", |s: &str| s.replace('%', "%%"));
    env.add_filter("lines", |v: Vec<String>| {
        Value::from_safe_string(nix_list(&v))
    });
    // For comments (Nix or Python): control characters could end the comment line.
    env.add_filter("comment", |s: &str| {
        Value::from_safe_string(
            s.chars()
                .map(|c| if c.is_control() { '?' } else { c })
                .collect(),
        )
    });
    // A VM test machine as a Python name (machine names are checked to be identifiers).
    env.add_filter("machine", |s: &str| -> Result<Value, Error> {
        let ok = s.starts_with(|c: char| c.is_ascii_lowercase())
            && s.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
        if ok {
            Ok(Value::from_safe_string(s.to_string()))
        } else {
            Err(Error::new(
                ErrorKind::InvalidOperation,
                format!("`{s}` is no machine name"),
            ))
        }
    });
    env.add_filter("inner", |s: &str| {
        Value::from_safe_string(nix::string_content(s))
    });
    // What every generated source leaves out (`templates/source-filter.nix.j2`), from the one
    // list of src/secrets/files.rs.
    env.add_global(
        "excluded_dirs",
        Value::from(crate::secrets::excluded_dirs()),
    );
    env.add_global(
        "credential_configs",
        Value::from(
            crate::secrets::CREDENTIAL_CONFIGS
                .iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>(),
        ),
    );
    env.add_global(
        "credential_line_regex",
        Value::from(crate::secrets::credential_line_regex()),
    );
    for (name, source) in TEMPLATES {
        // Templates are part of the binary; a broken one is a bug caught by every test.
        if let Err(e) = env.add_template(name, source) {
            panic!("template {name} does not compile: {e}");
        }
    }
    env
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model;

    #[test]
    fn values_are_escaped_by_default() {
        let env = environment();
        let out = env.render_str("{{ v }} {{ n }} {{ b }} {{ k|attr }}", minijinja::context! { v => "${builtins.abort \"x\"}", n => 3, b => true, k => "a b" }).expect("renders");
        assert_eq!(out, r#""\${builtins.abort \"x\"}" 3 true "a b""#);
    }

    #[test]
    fn undefined_is_an_error_and_lists_cannot_be_printed() {
        let env = environment();
        assert!(
            env.render_str("{{ missing }}", minijinja::context! {})
                .is_err()
        );
        assert!(
            env.render_str("{{ v }}", minijinja::context! { v => vec![1] })
                .is_err()
        );
    }

    /// Under auto-escaping, `~` escapes its unsafe operands when another is safe, so code built
    /// with `~` from a filter's output comes out quoted. Templates must not do it.
    #[test]
    fn templates_do_not_concatenate_filtered_output() {
        const SAFE_FILTERS: &[&str] = &["|attr", "|path", "|inner", "|str", "|lines", "|safe"];
        for (name, source) in TEMPLATES {
            for block in source.split("{{").skip(1).chain(source.split("{%").skip(1)) {
                let expr = block.split(['}', '%']).next().unwrap_or("");
                let first_safe = SAFE_FILTERS.iter().filter_map(|f| expr.find(f)).min();
                if let (Some(f), Some(t)) = (first_safe, expr.rfind('~')) {
                    assert!(t < f, "{name}: `~` after a filter in `{expr}`");
                }
            }
        }
    }

    /// The module for `description`, generated in a project with an `app/` directory holding
    /// `db/schema.sql`.
    fn module_for(description: &str) -> String {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join("app/db")).expect("app");
        std::fs::write(dir.path().join("app/db/schema.sql"), "").expect("sql");
        let desc = crate::description::parse(description).expect("parses");
        let ctx = model::Context {
            project_dir: dir.path(),
        };
        let m = model::build(&desc, &ctx).expect("valid");
        let layout = Layout {
            source_label: "app2nix.toml".into(),
            to_project: String::new(),
        };
        module(&m, &layout).expect("renders")
    }

    /// Upstream keepalive is real: a location proxying to a server that keeps connections
    /// clears the Connection header its included proxy headers would otherwise leave at `close`;
    /// gunicorn's sync workers, which close every connection, get no keepalive at all.
    #[test]
    fn keepalive_only_where_the_server_keeps_connections() {
        let site = |proc_: &str| {
            format!(
                "[app]\nname = \"demo\"\n[package.python]\nsrc = \"app\"\n[processes.web]\n{proc_}\nlisten = \"127.0.0.1:8000\"\n[sites.main]\ndomains = [\"demo.example.org\"]\ntls = \"none\"\nroutes = {{ \"/\" = \"web\", \"/ws/\" = {{ process = \"web\", websockets = true }} }}\n"
            )
        };
        let asgi = module_for(&site("asgi = \"demo:app\""));
        assert!(
            asgi.contains("keepalive 16;\n") && asgi.contains("keepalive_timeout 4s;\n"),
            "{asgi}"
        );
        assert_eq!(
            asgi.matches("proxy_set_header Connection \\\"\\\";")
                .count(),
            1,
            "{asgi}"
        );
        let wsgi = module_for(&site("wsgi = \"demo:app\""));
        assert!(!wsgi.contains("keepalive 16"), "{wsgi}");
        assert!(!wsgi.contains("proxy_set_header Connection"), "{wsgi}");
    }

    /// The VM test creates the app's environment files (empty, `%` escaped for tmpfiles): a
    /// unit whose `EnvironmentFile=` is missing does not start, so without them every unit of an
    /// app with `environment_files` failed in the test (a regression test).
    #[test]
    fn vm_tests_create_the_environment_files() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join("app")).expect("app");
        let desc = crate::description::parse(
            "environment_files = [\"/etc/demo/env\"]\n[app]\nname = \"demo\"\n[package.python]\nsrc = \"app\"\n[processes.web]\nwsgi = \"demo:app\"\nlisten = \"127.0.0.1:8000\"\n",
        )
        .expect("parses");
        let ctx = model::Context {
            project_dir: dir.path(),
        };
        let m = model::build(&desc, &ctx).expect("valid");
        let (nix, _) = vm_test::vm_test(&m, "app2nix.toml").expect("renders");
        assert!(
            nix.contains("systemd.tmpfiles.settings.\"10-demo-vm-test\"")
                && nix.contains("config.services.demo.environmentFiles"),
            "{nix}"
        );
    }

    /// A server reached only through WebSocket locations gets no keepalive: nixpkgs' WebSocket
    /// locations send `Connection: close` with every plain request, so the kept connections
    /// would never be reused (a regression: the upstream kept them, its comment said the
    /// locations cleared the header, and none did).
    #[test]
    fn no_keepalive_behind_websocket_locations_alone() {
        let m = module_for(
            "[app]\nname = \"demo\"\n[package.python]\nsrc = \"app\"\n[processes.web]\nasgi = \"demo:app\"\nlisten = \"127.0.0.1:8000\"\n[sites.main]\ndomains = [\"demo.example.org\"]\ntls = \"none\"\nroutes = { \"/\" = { process = \"web\", websockets = true } }\n",
        );
        assert!(!m.contains("keepalive 16"), "{m}");
        assert!(m.contains("only WebSocket locations proxy here"), "{m}");
        assert!(!m.contains("proxy_set_header Connection"), "{m}");
    }

    /// A SQL task reads its file from the source tree the module built (a regression: the path
    /// was relative to the module, `${appSource}/../examples/…`, outside the store path).
    #[test]
    fn sql_files_are_read_from_the_source_tree() {
        let m = module_for(
            "[app]\nname = \"demo\"\n[package.python]\nsrc = \"app\"\n[postgresql]\n[tasks.schema]\nsql = \"./db/../db/schema.sql\"\n[processes.web]\ncommand = [\"sleep\", \"infinity\"]\n",
        );
        assert!(m.contains("\"--file=${appSource}/db/schema.sql\""), "{m}");
    }

    /// Values naming the deployment's read the module's options, and their text stays text: a
    /// `$` right before a placeholder is escaped (`$${` would be Nix's literal `${`, a
    /// regression the property tests found), a literal `{{` stays.
    #[test]
    fn placeholders_read_the_options_and_text_stays_text() {
        let m = module_for(
            "[app]\nname = \"demo\"\n[package.python]\nsrc = \"app\"\n[processes.web]\nwsgi = \"demo:app\"\nlisten = \"127.0.0.1:8000\"\nenv = { AT = \"{{listen}}\" }\n[env]\nA = \"cost $${{state_dir}}\"\nB = \"{{ \\\"{{\\\" }}x}} {{origins}}\"\nC = \"{{url}}/\"\n[sites.main]\ndomains = [\"demo.example.org\", \"www.demo.example.org\"]\nredirect_www = true\nroutes = { \"/\" = \"web\" }\n[acme]\nemail = \"ops@example.org\"\naccept_terms = true\n",
        );
        assert!(
            m.contains(r#"A = lib.mkDefault "cost $\$${cfg.stateDir}";"#),
            "{m}"
        );
        assert!(
            m.contains(r#"B = lib.mkDefault "{{x}} ${lib.concatStringsSep "," siteOrigins}";"#),
            "{m}"
        );
        assert!(
            m.contains(r#"C = lib.mkDefault "https://${siteDomain}/";"#),
            "{m}"
        );
        assert!(
            m.contains("siteDomain = builtins.head (withoutWww cfg.sites.main.domains);"),
            "{m}"
        );
        assert!(
            m.contains(r#"siteOrigins = map (d: "https://${d}") cfg.sites.main.domains;"#),
            "{m}"
        );
        assert!(
            m.contains(r#"AT = lib.mkDefault "${hostPort cfg.processes.web}";"#),
            "{m}"
        );
    }

    #[test]
    fn header_cannot_escape_the_comment() {
        assert!(!header("a\nrm -rf /").contains('\n'));
    }
}
