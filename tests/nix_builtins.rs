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
    let out = Command::new("nix-instantiate")
        .args(["--eval", "-E", &expr])
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
    String::from_utf8_lossy(&out.stdout).trim() == "true"
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
    ] {
        assert_eq!(
            nix_matches(&regex, name),
            app2nix::secrets::is_secret_file(name),
            "{name}: Nix and app2nix disagree"
        );
    }
}
