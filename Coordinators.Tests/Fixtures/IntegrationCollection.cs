namespace Coordinators.Tests.Fixtures;

/// <summary>
/// Tests that start etcd, `coordinators` or node processes share this non-parallel collection:
/// the machines have two cores, and five clusters starting at once would distort failover timings.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class IntegrationCollection
{
    /// <summary>The collection name to put on integration test classes: [Collection(IntegrationCollection.Name)].</summary>
    public const string Name = "Integration";
}
