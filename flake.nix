# app2nix itself: the tool, its development shell, the example modules it generates, and checks
# that build it, boot every example in a NixOS VM test and prove `modules/` is what it generates.
{
  description = "app2nix: a short description of a web application in, a NixOS module, flake and VM tests out";

  inputs = {
    nixpkgs.url = "https://channels.nixos.org/nixos-26.05-small/nixexprs.tar.zst";
    agenix = {
      url = "github:ryantm/agenix";
      inputs.nixpkgs.follows = "nixpkgs";
      inputs.darwin.follows = "";
      inputs.home-manager.follows = "";
    };
  };

  outputs =
    {
      self,
      nixpkgs,
      agenix,
    }:
    let
      inherit (nixpkgs) lib;
      forAllSystems =
        f:
        lib.genAttrs [
          "x86_64-linux"
          "aarch64-linux"
        ] (system: f nixpkgs.legacyPackages.${system});
      examples = [
        "incident-tracker"
        "nanotrace"
        "request-tracker-utils"
      ];
    in
    {
      packages = forAllSystems (pkgs: {
        default = self.packages.${pkgs.stdenv.hostPlatform.system}.app2nix;
        app2nix = pkgs.rustPlatform.buildRustPackage {
          pname = "app2nix";
          version = (lib.importTOML ./Cargo.toml).package.version;
          src = lib.fileset.toSource {
            root = ./.;
            # The tests read the examples and the committed modules.
            fileset = lib.fileset.unions [
              ./Cargo.toml
              ./Cargo.lock
              ./benches
              ./examples
              ./modules
              ./src
              ./templates
              ./tests
            ];
          };
          cargoLock.lockFile = ./Cargo.lock;
          meta = {
            description = "Turn a short description of a web application into a NixOS module and flake";
            mainProgram = "app2nix";
            license = lib.licenses.mit;
          };
        };
      });

      devShells = forAllSystems (pkgs: {
        default = pkgs.mkShell {
          inputsFrom = [ self.packages.${pkgs.stdenv.hostPlatform.system}.app2nix ];
          packages = [
            pkgs.age
            pkgs.clippy
            pkgs.deadnix
            pkgs.nixfmt
            pkgs.python3Packages.pyflakes
            pkgs.rust-analyzer
            pkgs.rustfmt
          ];
        };
      });

      # The examples' generated modules: `imports = [ app2nix.nixosModules.nanotrace ];`.
      nixosModules = lib.genAttrs examples (name: ./modules/${name}.nix);

      checks = forAllSystems (
        pkgs:
        let
          app2nix = self.packages.${pkgs.stdenv.hostPlatform.system}.app2nix;
        in
        {
          build = app2nix;

          # `modules/` and the example flakes are exactly what this app2nix generates.
          drift = pkgs.runCommand "app2nix-drift" { nativeBuildInputs = [ app2nix ]; } ''
            cp -r ${self} source
            chmod -R u+w source
            cd source
            for description in examples/*/app2nix.toml; do
              app2nix generate -f "$description" --out modules --with-flake --check
            done
            touch $out
          '';

          # Generated Nix has no dead code.
          deadnix = pkgs.runCommand "app2nix-deadnix" { nativeBuildInputs = [ pkgs.deadnix ]; } ''
            deadnix --fail ${./modules} ${./examples}
            touch $out
          '';
        }
        // lib.listToAttrs (
          map (name: {
            name = "${name}-vm";
            value = pkgs.testers.runNixOSTest (
              import ./modules/${name}-vm-test.nix {
                inherit nixpkgs pkgs;
                modules = [
                  agenix.nixosModules.default
                  self.nixosModules.${name}
                ];
              }
            );
          }) examples
        )
      );

      formatter = forAllSystems (pkgs: pkgs.nixfmt-tree);
    };
}
