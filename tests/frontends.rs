//! Frontends built from source and placed where the app reads them (issue 19): each fixture of
//! `tests/fixtures/frontend-*` generated in a copy, its asset files and the module's parts that
//! build, place and serve the assets snapshotted. `.ci/run` evaluates the same fixtures in the
//! module system and `run-flake`.

use std::path::Path;

mod common;

/// The fixtures, by directory name.
const FIXTURES: &[&str] = &[
    "frontend-into",
    "frontend-bun",
    "frontend-pnpm",
    "frontend-yarn",
    "frontend-berry",
];

/// The generated files of `fixture` (asset files whole, the module's asset lines), as one text.
fn generated(fixture: &str) -> String {
    let dir = tempfile::tempdir().expect("tempdir");
    common::copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(fixture),
        dir.path(),
    );
    let out = common::run(dir.path(), &["generate"]);
    assert_eq!(out.status.code(), Some(0), "{}", common::printed(&out));
    let mut files: Vec<_> = std::fs::read_dir(dir.path())
        .expect("read dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "nix"))
        .collect();
    files.sort();
    let mut all = String::new();
    for f in files {
        let name = f
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        // The generation's fingerprint changes with any template: not what these show.
        let text: String = std::fs::read_to_string(&f)
            .expect("read")
            .lines()
            .filter(|l| !l.starts_with("# app2nix generation "))
            .map(|l| format!("{l}\n"))
            .collect();
        if name.ends_with("-vm-test.nix") || name == "flake.nix" || name.ends_with("-package.nix") {
            continue;
        }
        if text.contains("nixosModules") || !name.contains('-') {
            // The module: the lines that build, place and serve the assets.
            let lines: Vec<&str> = text
                .lines()
                .filter(|l| l.contains("assets") || l.contains("$out/"))
                .collect();
            all.push_str(&format!(
                "==> {name} (asset lines) <==\n{}\n",
                lines.join("\n")
            ));
        } else {
            all.push_str(&format!("==> {name} <==\n{text}"));
        }
    }
    all
}

#[test]
fn snapshots() {
    for fixture in FIXTURES {
        insta::assert_snapshot!(*fixture, generated(fixture));
    }
}

/// The fixture's asset file `file`, called with stand-ins for nixpkgs' builders that trace what
/// they are given (as JSON, `kind` naming the builder), and its result's phases: what each
/// builder received, then the result.
fn evaluate(fixture: &str, file: &str) -> (Vec<serde_json::Value>, serde_json::Value) {
    let dir = tempfile::tempdir().expect("tempdir");
    common::copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(fixture),
        dir.path(),
    );
    let out = common::run(dir.path(), &["generate"]);
    assert_eq!(out.status.code(), Some(0), "{}", common::printed(&out));
    let lib = common::nixpkgs_lib();
    let expr = format!(
        r#"
let
  lib = import {lib};
  probes = [ "bun.lock" "package.json" "pnpm-lock.yaml" "yarn.lock" "web/package.json" "web/build.mjs" "app/board/__init__.py" "build.mjs" ];
  store = name: "/nix/store/00000000000000000000000000000000-" + name;
  traced = kind: a: builtins.trace (builtins.toJSON ({{ inherit kind; }} // lib.filterAttrs (_: v: lib.isString v || lib.isInt v || lib.isBool v || v == null) a // {{
    # Which files of the project the source keeps (its filter, asked without copying).
    srcFiles = if a ? src && a.src ? filter then lib.filter (f: a.src.filter "${{toString a.src.origSrc}}/${{f}}" "regular") probes else null;
    lockExists = if a ? yarnLock then builtins.pathExists a.yarnLock else null;
  }}));
  mk = a: let attrs = if lib.isFunction a then a attrs else a; in
    traced "mkDerivation" attrs (attrs // {{ outPath = store (attrs.pname or "drv"); }});
  pkg = name: {{ outPath = store name; inherit name; }};
  # As callPackage passes them: the arguments the file names.
  call = f: args: f (builtins.intersectAttrs (builtins.functionArgs f) args);
  drv = call (import {file}) {{
    inherit lib;
    stdenvNoCC.mkDerivation = mk;
    nodejs = pkg "nodejs";
    bun = pkg "bun";
    writableTmpDirAsHomeHook = pkg "writable-tmp-dir-as-home-hook";
    pnpm_10 = pkg "pnpm-10";
    pnpmConfigHook = pkg "pnpm-config-hook";
    fetchPnpmDeps = a: traced "fetchPnpmDeps" (a // {{ pnpmIsTen = a.pnpm.name == "pnpm-10"; }}) (pkg "pnpm-deps");
    fetchYarnDeps = a: traced "fetchYarnDeps" a (pkg "yarn-deps");
    yarnConfigHook = pkg "yarn-config-hook";
    yarn-berry_4 = pkg "yarn-berry-4" // {{
      fetchYarnBerryDeps = a: traced "fetchYarnBerryDeps" a (pkg "yarn-berry-deps");
      yarnBerryConfigHook = pkg "yarn-berry-config-hook";
    }};
  }};
in
{{
  inherit (drv) pname version;
  phases = lib.concatStrings (map (p: drv.${{p}} or "") [ "configurePhase" "buildPhase" "installPhase" ]);
  inputs = map (p: p.name) drv.nativeBuildInputs;
}}
"#,
        lib = lib.display(),
        file = dir.path().join(file).display(),
    );
    let out = std::process::Command::new("nix-instantiate")
        .args(["--eval", "--strict", "--json", "-E", &expr])
        .output()
        .expect("nix-instantiate");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let traces = stderr
        .lines()
        .filter_map(|l| l.strip_prefix("trace: "))
        .map(|l| serde_json::from_str(l).expect("traced JSON"))
        .collect();
    let result = serde_json::from_slice(&out.stdout).expect("JSON");
    (traces, result)
}

/// The builders get what nixpkgs' take (read in nixpkgs: `pkgs/build-support/node/
/// fetch-pnpm-deps/default.nix`, `fetch-yarn-deps/default.nix`), the download's hash is
/// `lib.fakeHash` until the description has one, bun installs offline-ready `node_modules` in a
/// fixed-output derivation of the lock and package.json files alone, and the build runs the
/// lock's tool in the workspace member.
#[test]
#[ignore = "needs NIXPKGS_LIB and nix-instantiate: run by .ci/run"]
fn asset_files_call_the_builders_as_nixpkgs_defines_them() {
    let fake = "sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
    let (traces, result) = evaluate("frontend-bun", "board-frontend.nix");
    let fod = traces
        .iter()
        .find(|t| t["outputHash"].is_string())
        .expect("a fixed-output derivation");
    assert_eq!(fod["outputHash"], fake, "{fod}");
    assert_eq!(fod["outputHashMode"], "recursive");
    assert_eq!(fod["dontFixup"], true);
    assert_eq!(
        fod["srcFiles"],
        serde_json::json!(["bun.lock", "package.json", "web/package.json"])
    );
    assert!(
        fod["buildPhase"]
            .as_str()
            .unwrap_or("")
            .contains("bun install --frozen-lockfile --ignore-scripts")
    );
    let phases = result["phases"].as_str().unwrap_or("");
    assert!(
        phases.contains(
            "cp -R /nix/store/00000000000000000000000000000000-board-frontend-node-modules/. ."
        ),
        "{phases}"
    );
    assert!(
        phases.contains("pushd web") && phases.contains("bun run build"),
        "{phases}"
    );
    assert!(phases.contains("cp -r app/board/static $out"), "{phases}");

    let (traces, result) = evaluate("frontend-pnpm", "notes-frontend.nix");
    let deps = traces
        .iter()
        .find(|t| t["kind"] == "fetchPnpmDeps")
        .expect("fetchPnpmDeps");
    assert_eq!(
        (deps["fetcherVersion"].as_u64(), deps["hash"].as_str()),
        (Some(3), Some(fake))
    );
    assert_eq!(
        (deps["pname"].as_str(), deps["pnpmIsTen"].as_bool()),
        (Some("notes-frontend"), Some(true))
    );
    assert!(
        deps["srcFiles"].as_array().is_some_and(
            |f| f.contains(&"pnpm-lock.yaml".into()) && f.contains(&"build.mjs".into())
        ),
        "{deps}"
    );
    assert_eq!(
        result["inputs"],
        serde_json::json!(["nodejs", "pnpm-10", "pnpm-config-hook"])
    );
    assert!(
        result["phases"]
            .as_str()
            .unwrap_or("")
            .contains("pnpm run build")
    );

    let (traces, result) = evaluate("frontend-yarn", "wiki-help.nix");
    let deps = traces
        .iter()
        .find(|t| t["kind"] == "fetchYarnDeps")
        .expect("fetchYarnDeps");
    assert_eq!(
        (deps["hash"].as_str(), deps["lockExists"].as_bool()),
        (Some(fake), Some(true))
    );
    assert_eq!(
        result["inputs"],
        serde_json::json!(["nodejs", "yarn-config-hook"])
    );
    assert!(
        result["phases"]
            .as_str()
            .unwrap_or("")
            .contains("yarn run build")
    );

    let (traces, result) = evaluate("frontend-berry", "atlas-frontend.nix");
    let deps = traces
        .iter()
        .find(|t| t["kind"] == "fetchYarnBerryDeps")
        .expect("fetchYarnBerryDeps");
    assert_eq!(deps["hash"].as_str(), Some(fake), "{deps}");
    assert!(
        deps["srcFiles"]
            .as_array()
            .is_some_and(|f| f.contains(&"yarn.lock".into())),
        "{deps}"
    );
    assert_eq!(
        result["inputs"],
        serde_json::json!(["nodejs", "yarn-berry-4", "yarn-berry-config-hook"])
    );
}
