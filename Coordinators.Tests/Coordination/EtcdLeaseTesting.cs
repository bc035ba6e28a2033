using Akka.Actor;
using Akka.Configuration;
using Akka.Coordination;
using Coordinators.Actors.Coordination;

namespace Coordinators.Tests.Coordination;

/// <summary>Builds EtcdLeases for tests the way Akka's LeaseProvider does (section + Akka.Coordination's defaults).</summary>
internal static class EtcdLeaseTesting
{
    public static readonly Akka.Configuration.Config SystemHocon = ConfigurationFactory.ParseString("akka.loglevel = INFO")
        .WithFallback(LeaseProvider.DefaultConfig());

    public static LeaseSettings Settings(IEnumerable<string> endpoints, string root, string name, string owner, string ttl, string interval, string extra = "")
    {
        var section = ConfigurationFactory.ParseString($$"""
            endpoints = [{{string.Join(", ", endpoints.Select(e => "\"" + e + "\""))}}]
            root = "{{root}}"
            heartbeat-timeout = {{ttl}}
            heartbeat-interval = {{interval}}
            lease-operation-timeout = 3s
            {{extra}}
            """);
        return LeaseSettings.Create(section.WithFallback(LeaseProvider.DefaultConfig().GetConfig("akka.coordination.lease")), name, owner);
    }

    public static EtcdLease Create(ExtendedActorSystem system, IEnumerable<string> endpoints, string root, string name, string owner,
        string ttl, string interval, TimeProvider time, string extra = "") =>
        new(Settings(endpoints, root, name, owner, ttl, interval, extra), system, time);
}
