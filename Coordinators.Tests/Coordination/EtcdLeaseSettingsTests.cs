using Akka.Configuration;
using Akka.Coordination;
using Coordinators.Actors.Coordination;

namespace Coordinators.Tests.Coordination;

/// <summary>How EtcdLease reads its HOCON section, and the Akka.Hosting option that writes it.</summary>
public sealed class EtcdLeaseSettingsTests
{
    [Fact]
    public void Create_Defaults_TtlFromHeartbeatTimeoutAndGuardMarginATenth()
    {
        var s = EtcdLeaseSettings.Create(EtcdLeaseTesting.Settings(["http://127.0.0.1:1"], "r", "n", "o", "2500ms", "1s"), EtcdLease.ConfigPath);

        Assert.Equal(TimeSpan.FromSeconds(3), s.Ttl);
        Assert.Equal(TimeSpan.FromSeconds(1), s.KeepAliveInterval);
        Assert.Equal(TimeSpan.FromMilliseconds(300), s.GuardMargin);
        Assert.Equal(TimeSpan.FromSeconds(3), s.OperationTimeout);
        Assert.Equal("r/lease/n", s.KeyOf("n"));
    }

    [Theory]
    [InlineData("endpoints = []", "akka.coordination.lease.etcd.endpoints: got an empty list")]
    [InlineData("endpoints = \"ftp://x:1\"", "akka.coordination.lease.etcd.endpoints: got \"ftp://x:1\", expected http://HOST:PORT")]
    [InlineData("lease-guard-margin = 9s", "akka.coordination.lease.etcd.lease-guard-margin: got 9s, expected above 0 and below the TTL minus heartbeat-interval (9s)")]
    [InlineData("username = bob", "akka.coordination.lease.etcd.password: got null, expected a password for the etcd user \"bob\"")]
    [InlineData("tls.cert-file = c.pem", "akka.coordination.lease.etcd.tls.key-file: got null")]
    public void Create_BadValue_ErrorNamesTheKeyAndTheValue(string hocon, string expected)
    {
        var error = Assert.Throws<ConfigurationException>(() =>
            EtcdLeaseSettings.Create(EtcdLeaseTesting.Settings(["http://127.0.0.1:1"], "r", "n", "o", "10s", "1s", hocon), EtcdLease.ConfigPath));

        Assert.StartsWith(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Option_ToHocon_ReadsBackAsTheSameSettings()
    {
        var option = new EtcdLeaseOption
        {
            Endpoints = ["http://10.0.0.1:2379", "https://10.0.0.2:2379"],
            Root = "my\"app",
            Username = "u",
            Password = "p\\w",
            CaFile = "/ca.pem",
            HeartbeatTimeout = TimeSpan.FromSeconds(6),
            HeartbeatInterval = TimeSpan.FromSeconds(1),
            OperationTimeout = TimeSpan.FromSeconds(2),
            GuardMargin = TimeSpan.FromMilliseconds(750),
        };
        var config = ConfigurationFactory.ParseString(option.ToHocon()).WithFallback(LeaseProvider.DefaultConfig());
        var section = config.GetConfig(EtcdLease.ConfigPath);

        var s = EtcdLeaseSettings.Create(LeaseSettings.Create(section.WithFallback(config.GetConfig("akka.coordination.lease")), "n", "o"), EtcdLease.ConfigPath);

        Assert.Equal(EtcdLease.LeaseClass, section.GetString("lease-class"));
        Assert.Equal(option.Endpoints, s.Endpoints);
        Assert.Equal(("my\"app", "u", "p\\w", "/ca.pem"), (s.Root, s.Username, s.Password, s.CaFile));
        Assert.Equal((TimeSpan.FromSeconds(6), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromMilliseconds(750)),
            (s.Ttl, s.KeepAliveInterval, s.OperationTimeout, s.GuardMargin));
        Assert.Equal(typeof(EtcdLease), Type.GetType(EtcdLease.LeaseClass));
    }

    [Fact]
    public void Create_ReadmeHocon_Parses()
    {
        // The block README.md shows, verbatim.
        var config = ConfigurationFactory.ParseString("""
            akka.coordination.lease.etcd {
              lease-class = "Coordinators.Actors.Coordination.EtcdLease, Coordinators.Actors"
              endpoints = ["http://10.0.0.1:2379", "http://10.0.0.2:2379"]   # or one comma-separated string
              root = "my-app"                  # the lease named N is the key my-app/lease/N (default root: coordinators)
              username = null, password = null # etcd auth
              tls { ca-file = null, cert-file = null, key-file = null }
              heartbeat-timeout = 10s          # the etcd lease TTL (whole seconds, at least 2 s)
              heartbeat-interval = 2s          # keep-alive period, below half the TTL
              lease-operation-timeout = 5s     # bound of Acquire and Release
              lease-guard-margin = null        # CheckLease turns false this long before the TTL; null: TTL/10 within 250 ms-1 s
            }
            """).WithFallback(LeaseProvider.DefaultConfig());
        var section = config.GetConfig(EtcdLease.ConfigPath).WithFallback(config.GetConfig("akka.coordination.lease"));

        var s = EtcdLeaseSettings.Create(LeaseSettings.Create(section, "n", "o"), EtcdLease.ConfigPath);

        Assert.Equal(typeof(EtcdLease), Type.GetType(section.GetString("lease-class")));
        Assert.Equal(["http://10.0.0.1:2379", "http://10.0.0.2:2379"], s.Endpoints);
        Assert.Equal(("my-app/lease/n", (string?)null, (string?)null), (s.KeyOf("n"), s.Username, s.CaFile));
        Assert.Equal((TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(1)),
            (s.Ttl, s.KeepAliveInterval, s.OperationTimeout, s.GuardMargin));
    }
}
