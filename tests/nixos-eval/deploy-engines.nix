# A generated flake's machines as each deployment engine evaluates them, in the option slice of
# ../shared/tools/nixos-eval (with slice-extension.nix): `nixosConfigurations.<host>` through
# nixpkgs' `lib.nixosSystem`, and `colmenaHive`'s nodes through colmena's hive evaluation. Both
# engines are modelled on their sources (read them before changing this file):
#
# - nixpkgs flake.nix: `lib` is nixpkgs' lib with the flake's version (lib/flake-version-info.nix)
#   and `nixosSystem`, which evaluates nixos/lib/eval-config.nix with that lib, `system = null`,
#   and one module more: `nixpkgs.flake.source = self.outPath`.
# - colmena src/nix/hive/eval.nix (`evalNode`) and flake.nix (`lib.makeHive`, hermetic): each
#   node is evaluated by the eval-config.nix of `meta.nodeNixpkgs.<name>` (or `meta.nixpkgs`)
#   without `lib` (so with `import ../../lib`: no flake version) and with `system` (eval-config
#   then defaults `nixpkgs.system`), after colmena's own modules (nixpkgs overlays/config of
#   that pkgs, deployment options, `defaults`).
#
# Prints, per machine, what each engine's system is made of (the slice's summary of the
# services, and the options the two evaluations differ on when they differ).
#   nix-instantiate --eval --strict --json tests/nixos-eval/deploy-engines.nix \
#     --arg libDir $NIXPKGS_LIB/lib --arg dir ./examples/nanotrace-cluster --arg tools ../shared/tools/nixos-eval
{
  libDir,
  dir,
  tools,
  extension ? ./slice-extension.nix,
}:
let
  # nixpkgs' lib as a plain import (what colmena's eval-config.nix gets).
  plainLib = import libDir;
  lib = plainLib;
  pkgs = import (tools + "/pkgs.nix") { inherit lib; };

  # The locked nixpkgs input (flake.lock's tarball with its revision).
  source = {
    outPath = "/nix/store/00000000000000000000000000000000-source";
    lastModifiedDate = "20260930121307";
    rev = "78e9c786dc08cd4f3420c2395cd977206a9b1da2";
    shortRev = "78e9c78";
  };

  # What the example's machine files set beyond the slice (their boot loader, file systems,
  # sshd, nix settings and network interfaces): accepted, not compared.
  hostFileOptions =
    { lib, ... }:
    let
      loose = lib.mkOption {
        type = lib.types.attrsOf lib.types.anything;
        default = { };
      };
    in
    {
      options = {
        boot.loader.grub = loose;
        fileSystems = loose;
        services.openssh = loose;
        nix.settings = loose;
        networking.interfaces = loose;
      };
    };

  # One machine evaluated with `evalLib` (whose module argument `lib` it is).
  evalHost =
    evalLib: specialArgs: modules:
    evalLib.evalModules {
      specialArgs = {
        inherit pkgs;
        modulesPath = "/nix/store/00000000000000000000000000000000-nixos/modules";
      }
      // specialArgs;
      modules = [
        (tools + "/options.nix")
        hostFileOptions
      ]
      ++ lib.optional (extension != null) extension
      ++ modules;
    };

  # nixpkgs' flake outputs `lib` and `legacyPackages` (flake.nix).
  flakeLib = (plainLib.extend (import (libDir + "/flake-version-info.nix") source)).extend (
    final: _: {
      nixosSystem =
        args:
        evalHost final { } (
          args.modules
          ++ [
            { config.nixpkgs.flake.source = source.outPath; }
          ]
        );
    }
  );
  nixpkgs = source // {
    lib = flakeLib;
    legacyPackages = lib.genAttrs [ "x86_64-linux" "aarch64-linux" ] (
      system:
      pkgs
      // {
        inherit system;
        lib = flakeLib;
        path = source.outPath;
        overlays = [ ];
        config = { };
      }
    );
    nixosModules = { };
  };

  # colmena's `lib.makeHive`: the nodes evaluated as eval.nix's evalNode does.
  colmena = {
    outPath = "/nix/store/00000000000000000000000000000000-colmena";
    lib.makeHive =
      hive:
      let
        names = lib.filter (
          n:
          !lib.elem n [
            "meta"
            "defaults"
            "network"
          ]
        ) (lib.attrNames hive);
        nodePkgs = name: hive.meta.nodeNixpkgs.${name} or hive.meta.nixpkgs;
        evalNode =
          name:
          let
            npkgs = nodePkgs name;
          in
          evalHost plainLib { inherit name; } [
            # eval-config.nix's pkgsModule (`system` is not null).
            { nixpkgs.system = lib.mkDefault npkgs.system; }
            # evalNode's nixpkgsModule.
            (
              { lib, ... }:
              {
                nixpkgs.overlays = lib.mkBefore npkgs.overlays;
                nixpkgs.config = lib.mkBefore npkgs.config;
              }
            )
            # colmena's deployment options (src/nix/hive/options.nix), reduced to their names.
            {
              options.deployment = lib.mkOption {
                type = lib.types.attrsOf lib.types.anything;
                default = { };
              };
            }
            (hive.defaults or { })
            hive.${name}
          ];
      in
      {
        nodes = lib.genAttrs names evalNode;
      };
  };

  agenix = {
    outPath = "/nix/store/00000000000000000000000000000000-agenix";
    nixosModules.default = import (tools + "/agenix-module.nix");
  };
  unused = name: throw "deploy-engines: the machines do not read the input ${name}";
  flake = import (dir + "/flake.nix");
  inputs = lib.genAttrs (lib.attrNames flake.inputs) (
    n:
    {
      inherit nixpkgs colmena agenix;
    }
    .${n} or (unused n)
  );
  self = outputs // {
    outPath = dir;
  };
  outputs = flake.outputs (inputs // { inherit self; });

  # What a machine's system is made of, as far as the slice declares it.
  system =
    evaluated:
    let
      c = evaluated.config;
      failed = map (a: a.message) (lib.filter (a: !a.assertion) c.assertions);
    in
    if failed != [ ] then
      throw "failed assertions:\n- ${lib.concatStringsSep "\n- " failed}"
    else
      {
        summary = import (tools + "/summary.nix") {
          inherit lib;
          config = c;
          withAgenix = c ? age;
        };
        inherit (c.system.nixos) version versionSuffix revision;
        flakeSource = c.nixpkgs.flake.source;
        registry = lib.mapAttrs (_: r: r.to) c.nix.registry;
        inherit (c.nix) nixPath;
        inherit (c.networking) hostName;
        hostPlatform = c.nixpkgs.hostPlatform;
      };
in
{
  nixpkgs = source.outPath;
  nixosConfigurations = lib.mapAttrs (_: system) outputs.nixosConfigurations;
  colmena = lib.mapAttrs (_: system) outputs.colmenaHive.nodes;
}
