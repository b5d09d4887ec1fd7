# Packages of nixpkgs (NixOS 26.05) the shared stand-in `pkgs` lacks, as the same inert records:
# nothing is built, a module's use of them is evaluated. Add one only after reading nixpkgs for it.
{ lib, pkgs }:
let
  # The stand-in's own shape (`pkgs.hello` is one of its records), renamed.
  like =
    name:
    pkgs.hello
    // {
      inherit name;
      pname = name;
      outPath = "/nix/store/00000000000000000000000000000000-${name}";
      meta.mainProgram = name;
    };
  # A fetcher's result: a fixed-output derivation (its `hash` is checked where it is built).
  fetched =
    name: args:
    assert lib.isString (args.hash or "");
    like name;
in
{
  # Frontends built from bun, pnpm and Yarn locks (`<app>-<asset>.nix`, called with
  # callPackage). pkgs/by-name/bu/bun/package.nix; writableTmpDirAsHomeHook is
  # pkgs/by-name/wr/writableTmpDirAsHomeHook.
  bun = like "bun";
  writableTmpDirAsHomeHook = like "writable-tmp-dir-as-home-hook";
  # pkgs/development/tools/pnpm (pnpm_10) and pkgs/build-support/node/fetch-pnpm-deps/default.nix:
  # fetchPnpmDeps { pname, src, hash, pnpm, fetcherVersion } and pnpmConfigHook.
  pnpm_10 = like "pnpm";
  fetchPnpmDeps =
    args:
    assert lib.elem (args.fetcherVersion or null) [
      1
      2
      3
    ];
    fetched "${args.pname}-pnpm-deps" args;
  pnpmConfigHook = like "pnpm-config-hook";
  # pkgs/build-support/node/fetch-yarn-deps/default.nix: fetchYarnDeps { yarnLock | src, hash }
  # and yarnConfigHook.
  fetchYarnDeps = fetched "offline";
  yarnConfigHook = like "yarn-config-hook";
  # pkgs/by-name/ya/yarn-berry/fetcher: yarn-berry_4.fetchYarnBerryDeps { src, hash,
  # missingHashes } and yarn-berry_4.yarnBerryConfigHook.
  yarn-berry_4 = like "yarn-berry" // {
    fetchYarnBerryDeps = fetched "offline";
    yarnBerryConfigHook = like "yarn-berry-config-hook";
  };

  # pkgs/by-name/uw/uwsgi/package.nix; `plugins` (a list) and `python3` are arguments of its
  # `override`, which the module calls.
  uwsgi = like "uwsgi" // {
    override =
      args:
      assert lib.isList (args.plugins or [ ]);
      like "uwsgi";
  };
}
