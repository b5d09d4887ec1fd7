# Example configuration of the `edge` machine of the NanoTrace cluster example: its private
# network (the address given in app2nix.toml). Replace it with the machine's own configuration.
{
  imports = [ ./common.nix ];

  networking.interfaces.ens10.ipv4.addresses = [
    {
      address = "10.0.0.10";
      prefixLength = 24;
    }
  ];
}
