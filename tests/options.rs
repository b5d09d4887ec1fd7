//! Offline proof that generated modules set only NixOS 26.05 options, with values of the right
//! type: every example's and fixture's module and VM test machines are checked against
//! `tests/nixos-options/26.05.toml` (see `tests/nixos_options/mod.rs`), and deliberately broken
//! modules must be rejected.

mod nixos_options;

use std::path::{Path, PathBuf};

use nixos_options::{Options, Report};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn options() -> Options {
    let text = std::fs::read_to_string(root().join("tests/nixos-options/26.05.toml"))
        .expect("option data");
    Options::load(&text).unwrap_or_else(|e| panic!("26.05.toml: {e}"))
}

/// Every description the repository ships: the examples and the test fixtures.
fn descriptions() -> Vec<PathBuf> {
    let mut out = Vec::new();
    for dir in ["examples", "tests/fixtures"] {
        for e in std::fs::read_dir(root().join(dir)).expect("ls") {
            let p = e.expect("entry").path().join("app2nix.toml");
            if p.exists() {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// (file name, module text, VM test text) for one description.
fn generated(description: &Path) -> (String, String, String) {
    let out = tempfile::tempdir().expect("tempdir");
    let files = app2nix::generate::generate(description, Some(out.path()))
        .unwrap_or_else(|e| panic!("{}: {e:?}", description.display()));
    let find = |suffix: &str| {
        files
            .iter()
            .find(|f| {
                f.path.to_string_lossy().ends_with(suffix)
                    && !f
                        .path
                        .to_string_lossy()
                        .ends_with(&format!("-package{suffix}"))
            })
            .map(|f| (f.path.display().to_string(), f.text.clone()))
            .unwrap_or_else(|| panic!("no {suffix}"))
    };
    let (name, module) = files
        .iter()
        .find(|f| {
            let n = f
                .path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            n.ends_with(".nix")
                && !n.contains("-package")
                && !n.contains("-vm-test")
                && n != "flake.nix"
                && n != "secrets.nix"
        })
        .map(|f| (f.path.display().to_string(), f.text.clone()))
        .expect("module");
    let (_, test) = find("-vm-test.nix");
    (name, module, test)
}

fn fail_on(what: &str, report: &Report) {
    assert!(
        report.errors.is_empty(),
        "{what}:\n  {}",
        report.errors.join("\n  ")
    );
}

#[test]
fn generated_modules_and_vm_tests_set_only_known_options_with_the_right_types() {
    let base = options();
    let mut checked = 0;
    for d in descriptions() {
        let (name, module, test) = generated(&d);
        let mut opts = base.clone();
        opts.add_module_options(&module).expect("own options");
        let report = nixos_options::check_module(&opts, &module).expect("module parses");
        fail_on(&name, &report);
        checked += report.checked.len();
        let report = nixos_options::check_vm_test(&opts, &test).expect("test parses");
        fail_on(&format!("{name} (VM test)"), &report);
        checked += report.checked.len();
    }
    eprintln!("checked {checked} option definitions");
    assert!(
        checked > 300,
        "only {checked} option definitions were checked"
    );
}

/// Host-wide settings that an app module must leave to the host: a second app setting them too
/// (to another value) makes the host fail to evaluate. A regression: every module set
/// `security.acme.defaults.email`.
const HOST_WIDE: &[&str] = &[
    "security.acme.defaults",
    "services.postgresqlBackup.startAt",
    "services.postgresqlBackup.compression",
    "services.postgresqlBackup.location",
    "services.nginx.clientMaxBodySize",
    "services.nginx.proxyTimeout",
    "services.nginx.appendHttpConfig",
    "services.nginx.commonHttpConfig",
    "networking.hostName",
];

#[test]
fn modules_leave_host_wide_settings_to_the_host() {
    let opts = options();
    for d in descriptions() {
        let (name, module, _) = generated(&d);
        let mut opts = opts.clone();
        opts.add_module_options(&module).expect("own options");
        let report = nixos_options::check_module(&opts, &module).expect("module parses");
        let set: Vec<&String> = report
            .checked
            .iter()
            .filter(|p| HOST_WIDE.iter().any(|h| p.starts_with(h)))
            .collect();
        assert!(set.is_empty(), "{name} sets host-wide {set:?}");
    }
}

/// Deliberately broken copies of a generated module: each must be rejected, naming the path.
#[test]
fn broken_modules_are_rejected() {
    let description = root().join("examples/nanotrace/app2nix.toml");
    let (_, module, test) = generated(&description);
    let mut opts = options();
    opts.add_module_options(&module).expect("own options");
    let cases: &[(&str, &str, &str, &str)] = &[
        (
            "wrong type: bool as string",
            "forceSSL = true;",
            "forceSSL = \"yes\";",
            "services.nginx.virtualHosts.${…}.forceSSL",
        ),
        (
            "typo'd option",
            "recommendedProxySettings = lib.mkDefault true;",
            "recommendedProxySetting = lib.mkDefault true;",
            "services.nginx.recommendedProxySetting",
        ),
        (
            "removed in 26.05",
            "acceptTerms = true;",
            "acceptTerms = true;\n          preliminarySelfsigned = false;",
            "security.acme.preliminarySelfsigned",
        ),
        (
            "misspelt serviceConfig key, through a let binding",
            "ProtectSystem = \"strict\";",
            "ProtectSytem = \"strict\";",
            "serviceConfig.ProtectSytem",
        ),
        (
            "serviceConfig value outside its enum",
            "ProtectSystem = \"strict\";",
            "ProtectSystem = \"strictest\";",
            "serviceConfig.ProtectSystem",
        ),
        (
            "port as a string",
            "          80\n          443\n",
            "          \"80\"\n          443\n",
            "networking.firewall.allowedTCPPorts",
        ),
        (
            "port out of range",
            "          80\n          443\n",
            "          80\n          70000\n",
            "networking.firewall.allowedTCPPorts",
        ),
        (
            "own option, wrong type through mkDefault",
            "FLASK_ENV = lib.mkDefault \"production\";",
            "FLASK_ENV = lib.mkDefault 1;",
            "services.nanotrace.environment.FLASK_ENV",
        ),
        (
            "typo inside mkIf",
            "isSystemUser = true;",
            "isSystemUsr = true;",
            "users.users.nanotrace.isSystemUsr",
        ),
        (
            "agenix mode as a number, inside optionalAttrs",
            "mode = \"0400\";",
            "mode = 400;",
            "age.secrets.nanotrace-MAIL_PASSWORD.mode",
        ),
        (
            "list where a string belongs",
            "webroot = \"/var/lib/acme/acme-challenge\";",
            "webroot = [ \"/var/lib/acme/acme-challenge\" ];",
            "security.acme.certs.nanotrace.webroot",
        ),
        (
            "typo in the unit helper, reached through its application",
            "partOf = [ \"nanotrace.target\" ];",
            "partof = [ \"nanotrace.target\" ];",
            "systemd.services.nanotrace-auth.partof",
        ),
        (
            "typo in a unit's own settings, the helper's argument",
            "script = \"flask --app backend.wsgi db upgrade\";",
            "scrpit = \"flask --app backend.wsgi db upgrade\";",
            "systemd.services.nanotrace-migrate.scrpit",
        ),
        (
            "serviceConfig key the helper merges in",
            "RestartSec = 5;",
            "RestartSecs = 5;",
            "serviceConfig.RestartSecs",
        ),
        (
            "option the module declares through a helper, set with the wrong type",
            "services.nanotrace.environment = {",
            "services.nanotrace.processes.web.environment.BAD = true;\n        services.nanotrace.environment = {",
            "services.nanotrace.processes.web.environment.BAD` expects a string",
        ),
        (
            "undeclared option of the module itself",
            "services.nanotrace.environment = {",
            "services.nanotrace.environmentt = {",
            "services.nanotrace.environmentt",
        ),
    ];
    for (what, from, to, path) in cases {
        assert!(module.contains(from), "{what}: the module has no `{from}`");
        let broken = module.replacen(from, to, 1);
        let report = nixos_options::check_module(&opts, &broken).expect("parses");
        assert!(
            report.errors.iter().any(|e| e.contains(path)),
            "{what}: not rejected (expected an error about `{path}`), got {:?}",
            report.errors
        );
    }
    // The VM test's machines are checked the same way.
    let broken = test.replacen(
        "virtualisation.memorySize = 2048;",
        "virtualisation.memorySize = \"2G\";",
        1,
    );
    assert_ne!(broken, test);
    let report = nixos_options::check_vm_test(&opts, &broken).expect("parses");
    assert!(
        report
            .errors
            .iter()
            .any(|e| e.contains("virtualisation.memorySize")),
        "{:?}",
        report.errors
    );
}

/// A guard written around one value carries no parentheses (`lib.mkIf cfg.redis.createLocally`,
/// as nixfmt leaves a hand-written module), for every example and fixture. A regression: the
/// role guards of several hosts left `lib.mkIf (cfg.database.createLocally)` in one-host
/// modules.
#[test]
fn guards_around_one_value_have_no_parentheses() {
    for d in descriptions() {
        let (name, module, _) = generated(&d);
        for line in module.lines() {
            let Some(rest) = line.split("lib.mkIf (").nth(1) else {
                continue;
            };
            let inner = rest.split(')').next().unwrap_or_default();
            assert!(
                !inner.is_empty()
                    && inner
                        .chars()
                        .any(|c| !(c.is_ascii_alphanumeric() || "._-".contains(c))),
                "{name}: redundant parentheses in `{}`",
                line.trim()
            );
        }
    }
}
