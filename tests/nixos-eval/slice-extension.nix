# Options of NixOS 26.05 the shared slice (../shared/tools/nixos-eval/options.nix) lacks, as
# nixpkgs declares them; `.ci/nixos-eval` imports this file into the slice. Each block names the
# nixpkgs file it mirrors.
{ lib, config, ... }:
let
  inherit (lib) mkOption types;
  opt = type: default: mkOption { inherit type default; };
  msmtp = config.programs.msmtp;
  flake = config.nixpkgs.flake;
in
{
  options = {
    # nixos/modules/services/monitoring/prometheus/exporters.nix (mkExporterOpts, for `nginx`
    # with port 9113) and exporters/nginx.nix (extraOpts). The slice declares `enable`.
    services.prometheus.exporters.nginx = {
      port = opt types.port 9113;
      listenAddress = opt types.str "0.0.0.0";
      extraFlags = opt (types.listOf types.str) [ ];
      openFirewall = opt types.bool false;
      firewallFilter = opt (types.nullOr types.str) null;
      firewallRules = opt (types.nullOr types.lines) null;
      user = opt types.str "nginx-exporter";
      group = opt types.str "nginx-exporter";
      scrapeUri = opt types.str "http://localhost/nginx_status";
      telemetryPath = opt types.str "/metrics";
      sslVerify = opt types.bool true;
      constLabels = opt (types.listOf types.str) [ ];
    };

    # nixos/modules/services/mail/mail.nix: set by the mailers (programs.msmtp, postfix, exim,
    # opensmtpd) to the sendmail wrapper they install as /run/wrappers/bin/sendmail.
    services.mail.sendmailSetuidWrapper = mkOption {
      type = types.nullOr (types.attrsOf types.unspecified);
      default = null;
      internal = true;
    };

    # nixos/modules/services/networking/firewall.nix (`backend`), firewall-iptables.nix
    # (`extraCommands`, `extraStopCommands`), firewall-nftables.nix (`extraInputRules`) and
    # nftables.nix (`networking.nftables.enable`).
    networking.firewall.backend = mkOption {
      type = types.enum [
        "iptables"
        "nftables"
        "firewalld"
      ];
      default = if config.networking.nftables.enable then "nftables" else "iptables";
    };
    networking.firewall.extraCommands = opt types.lines "";
    networking.firewall.extraStopCommands = opt types.lines "";
    networking.firewall.extraInputRules = opt types.lines "";
    networking.nftables.enable = opt types.bool false;

    # nixos/modules/programs/msmtp.nix (the VM tests' mailer).
    programs.msmtp = {
      enable = opt types.bool false;
      setSendmail = opt types.bool true;
      defaults = opt types.attrs { };
      accounts = opt (types.attrsOf types.attrs) { };
      extraConfig = opt types.lines "";
    };

    # nixos/modules/misc/nixpkgs.nix: the platform a flake's machine is built for (`apply =
    # lib.systems.elaborate` and the pkgs it builds are left out: nothing here reads them) and
    # the legacy `system` that eval-config.nix's `system` argument defaults (colmena passes it).
    nixpkgs.hostPlatform = mkOption { type = types.either types.str types.attrs; };
    nixpkgs.system = mkOption { type = types.str; };
    nixpkgs.overlays = opt (types.listOf types.unspecified) [ ];
    nixpkgs.config = opt types.attrs { };

    # nixos/modules/misc/nixpkgs-flake.nix (its config is below): the nixpkgs a machine was
    # built from, which `nixpkgs.lib.nixosSystem` sets to its own source.
    nixpkgs.flake = {
      source = opt (types.nullOr (types.either types.str types.path)) null;
      setNixPath = opt types.bool (flake.source != null);
      setFlakeRegistry = opt types.bool (flake.source != null);
    };
    # nixos/modules/config/nix-flakes.nix (`nix.registry`, entries reduced to their `to`),
    # nix-channel.nix (`nix.channel.enable`) and nix.nix (`nix.nixPath`).
    nix.registry = opt (types.attrsOf (types.submodule { options.to = opt types.attrs { }; })) { };
    nix.channel.enable = opt types.bool true;
    nix.nixPath = opt (types.listOf types.str) [ ];

    # nixos/modules/misc/version.nix: the version a machine reports (/etc/os-release, `nixos-
    # version`), by default that of the `lib` the system is evaluated with.
    system.nixos = {
      release = opt types.str lib.trivial.release;
      versionSuffix = opt types.str lib.trivial.versionSuffix;
      revision = opt (types.nullOr types.str) (lib.trivial.revisionWithDefault null);
      version = mkOption { type = types.str; };
    };
  };

  # What programs.msmtp sets that the modules read: its sendmail wrapper (msmtp.nix's config).
  config.services.mail.sendmailSetuidWrapper = lib.mkIf (msmtp.enable && msmtp.setSendmail) {
    program = "sendmail";
    source = "/nix/store/00000000000000000000000000000000-msmtp/bin/sendmail";
    setuid = false;
    setgid = false;
    owner = "root";
    group = "root";
  };

  # version.nix's config.
  config.system.nixos.version = lib.mkDefault (
    config.system.nixos.release + config.system.nixos.versionSuffix
  );

  # nixpkgs-flake.nix's config: the machine's `nixpkgs` flake and NIX_PATH are its source.
  config.nix = lib.mkIf (flake.source != null) (
    lib.mkMerge [
      (lib.mkIf flake.setFlakeRegistry {
        registry.nixpkgs.to = lib.mkDefault {
          type = "path";
          path = flake.source;
        };
      })
      (lib.mkIf flake.setNixPath {
        nixPath = lib.mkDefault (
          [ "nixpkgs=flake:nixpkgs" ]
          ++ lib.optional config.nix.channel.enable "/nix/var/nix/profiles/per-user/root/channels"
        );
      })
    ]
  );

  # The real firewall modules' assertions that generated modules can trip
  # (firewall-nftables.nix), as the slice mirrors the others'.
  config.assertions = [
    {
      assertion =
        !(config.networking.firewall.enable && config.networking.firewall.backend == "nftables")
        || config.networking.firewall.extraCommands == "";
      message = "extraCommands is incompatible with the nftables based firewall";
    }
  ];
}
