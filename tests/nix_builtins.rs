//! Nix that app2nix writes and that needs no nixpkgs, evaluated by the real `nix-instantiate`
//! (which `.ci/run` installs): the filter that keeps files that can hold secrets out of every
//! generated source must leave out exactly the files `check` says it leaves out.

use std::process::Command;

/// `builtins.match` of the generated regex on `name`, as Nix evaluates it.
fn nix_matches(regex: &str, name: &str) -> bool {
    let expr = format!(
        "builtins.match {} {} != null",
        app2nix::nix::string(regex),
        app2nix::nix::string(name)
    );
    nix_eval(&expr) == serde_json::Value::Bool(true)
}

/// `expr` evaluated by the real `nix-instantiate`, as JSON.
fn nix_eval(expr: &str) -> serde_json::Value {
    let out = Command::new("nix-instantiate")
        .args(["--eval", "--strict", "--json", "-E", expr])
        .env(
            "NIX_STATE_DIR",
            std::env::temp_dir().join("app2nix-tests-nix"),
        )
        .output()
        .expect("nix-instantiate (apt-get install nix-bin)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON")
}

/// The line rule for package managers' configuration files, as Nix applies it to each
/// lower-cased line, agrees with `check`'s.
#[test]
fn nix_finds_the_credentials_check_finds() {
    let regex = app2nix::secrets::credential_line_regex();
    for text in [
        "//registry.npmjs.org/:_authToken=x",
        "_auth = dXNlcjpw",
        "npmauthident: \"u:p\"",
        "registry=https://u:p@npm.example.org/",
        "registry=https://registry.npmjs.org/",
        "legacy-peer-deps=true",
        "nodelinker: node-modules",
        "scope=https://npm.example.org/@acme/",
        "",
    ] {
        assert_eq!(
            nix_matches(&regex, text),
            app2nix::secrets::holds_credentials(text.as_bytes()),
            "{text}: Nix and app2nix disagree"
        );
    }
}

#[test]
fn nix_leaves_out_the_files_check_reports() {
    let regex = app2nix::secrets::secret_file_regex();
    for name in [
        ".env",
        ".env.production",
        ".env.example",
        ".envrc",
        "tls.key",
        "server.pem",
        "store.p12",
        "id_rsa",
        "id_rsa.pub",
        "id_ed25519",
        ".netrc",
        ".pgpass",
        "credentials.json",
        "client_secret_42.apps.json",
        "service-account-prod.json",
        "secrets.yaml",
        "secrets.py",
        "main.py",
        "env.py",
        "key.txt",
        "monkey",
        "a.key.bak",
        "x.pem~",
        // Credentials of tools (issue 20).
        ".git-credentials",
        ".pypirc",
        "pip.conf",
        ".vault-token",
        "id_ed25519_sk",
        "id_ed25519_sk.pub",
        "kubeconfig",
        "prod.kubeconfig",
        ".my.cnf",
        "terraform.tfstate",
        "terraform.tfstate.backup",
        "vars.tfvars",
        "_netrc",
        "credentials",
        "config.json",
        ".npmrc",
    ] {
        assert_eq!(
            nix_matches(&regex, name),
            app2nix::secrets::is_secret_file(name),
            "{name}: Nix and app2nix disagree"
        );
    }
}

/// The VM test creates the app's environment files with tmpfiles, whose rules nixpkgs writes as
/// `'f' '<path>' '0600' …`: the generated escaping, evaluated by Nix, must give the file its
/// exact name in the real `systemd-tmpfiles` (a regression: `'` broke the rule and `\` was
/// taken as an escape).
#[test]
fn vm_tests_create_environment_files_with_their_exact_names() {
    let Ok(tmpfiles) = which("systemd-tmpfiles") else {
        // `.ci/run` requires it (it comes with systemd-analyze in Debian's systemd).
        eprintln!("systemd-tmpfiles is not installed: skipped");
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(dir.path().join("app")).expect("app");
    let names = ["it's.env", "back\\slash.env", "100%.env", "sp ace.env"];
    let files: Vec<String> = names.iter().map(|n| format!("/etc/demo/{n}")).collect();
    let description = format!(
        "environment_files = {}\n[app]\nname = \"demo\"\n[package.python]\nsrc = \"app\"\n[processes.web]\nwsgi = \"demo:app\"\nlisten = \"127.0.0.1:8000\"\n",
        toml::Value::from(files.clone())
    );
    std::fs::write(dir.path().join("app2nix.toml"), description).expect("write");
    let generated = app2nix::generate::generate(&dir.path().join("app2nix.toml"), None)
        .unwrap_or_else(|e| panic!("{e:?}"));
    let vm_test = generated
        .iter()
        .find(|f| f.text.contains("systemd.tmpfiles.settings"))
        .expect("the VM test creates the environment files");
    // The escaping function the VM test applies, as written there.
    let escape = vm_test
        .text
        .split_once("lib.replaceStrings")
        .and_then(|(_, rest)| rest.split_once(") config.services"))
        .map(|(args, _)| format!("lib.replaceStrings {args}"))
        .expect("the escaping in the VM test");
    let list: Vec<String> = files.iter().map(|f| app2nix::nix::string(f)).collect();
    let expr = format!(
        "let lib = builtins; in builtins.concatStringsSep \"\" (map (p: \"'f' '${{({escape}) p}}' '0600' '-' '-' '-'\\n\") [ {} ])",
        list.join(" ")
    );
    let rules = nix_eval(&expr)
        .as_str()
        .expect("the rules, a string")
        .to_string();
    let root = dir.path().join("root");
    std::fs::create_dir_all(root.join("etc/demo")).expect("root");
    std::fs::write(dir.path().join("rules.conf"), &rules).expect("rules");
    let run = Command::new(tmpfiles)
        .arg(format!("--root={}", root.display()))
        .arg("--create")
        .arg(dir.path().join("rules.conf"))
        .output()
        .expect("systemd-tmpfiles");
    assert!(
        run.status.success(),
        "{rules}{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let mut made: Vec<String> = std::fs::read_dir(root.join("etc/demo"))
        .expect("created")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    made.sort();
    let mut expected: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    expected.sort();
    assert_eq!(made, expected, "{rules}");
}

/// `program` on `PATH`.
fn which(program: &str) -> Result<std::path::PathBuf, ()> {
    std::env::var_os("PATH")
        .and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|p| p.join(program))
                .find(|p| p.is_file())
        })
        .ok_or(())
}

/// `overrides`: the interpreter expression app2nix writes gives a package set in which the
/// replaced package is the replacement, for the set itself (`python.pkgs`) and for what
/// `withPackages` is given: evaluated against a stand-in with nixpkgs' `override { self;
/// packageOverrides }` shape (an overlay over the set, `self` tying the knot).
#[test]
fn overridden_interpreters_use_the_replacement_everywhere() {
    let overrides: std::collections::BTreeMap<String, String> =
        [("django".to_string(), "django_6".to_string())].into();
    let interpreter = app2nix::nix::python_interpreter("python3", &overrides);
    let expr = format!(
        r#"let
  mkPython = packageOverrides: self:
    let
      base = {{ django = "django-5.2"; django_6 = "django-6.0"; djangorestframework = "drf-for-" + set.django; }};
      set = base // packageOverrides set base;
    in {{
      pkgs = set;
      withPackages = f: f set;
      override = args: mkPython args.packageOverrides args.self;
      inherit self;
    }};
  pkgs = {{ python3 = mkPython (_: _: {{ }}) null; }};
  python = {interpreter};
in [ python.pkgs.django python.self.pkgs.django (python.withPackages (ps: ps.djangorestframework)) ]"#
    );
    assert_eq!(
        nix_eval(&expr),
        serde_json::json!(["django-6.0", "django-6.0", "drf-for-django-6.0"])
    );
    // Without overrides, the interpreter is nixpkgs' own.
    assert_eq!(
        app2nix::nix::python_interpreter("python312", &Default::default()),
        "pkgs.python312"
    );
}

/// The VM test's alert sink reaches the client as the Python source it is: the indented Nix
/// string it is written into (then re-indented by nixfmt) evaluates to the template's text, byte
/// for byte.
#[test]
fn the_alert_sink_survives_its_nix_string() {
    let example = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("modules/request-tracker-utils-vm-test.nix");
    let text = std::fs::read_to_string(&example).expect("the example's VM test");
    let start = "alertSink = pkgs.writeText \"app2nix-alert-sink.py\" ";
    let from = text.find(start).expect("the sink") + start.len();
    let len = text[from..].find("'';").expect("the string's end") + 2;
    let sink = nix_eval(&text[from..from + len]);
    let source = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates/vm-test/alert-sink.py"),
    )
    .expect("the sink's source");
    assert_eq!(sink.as_str(), Some(source.as_str()));
}
