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
in
{
  # pkgs/by-name/uw/uwsgi/package.nix; `plugins` (a list) and `python3` are arguments of its
  # `override`, which the module calls.
  uwsgi = like "uwsgi" // {
    override =
      args:
      assert lib.isList (args.plugins or [ ]);
      like "uwsgi";
  };
}
