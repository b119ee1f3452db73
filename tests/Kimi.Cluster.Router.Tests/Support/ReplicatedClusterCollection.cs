namespace Kimi.Cluster.Router.Tests.Support;

/// <summary>The failover test's own collection.</summary>
[CollectionDefinition(Name)]
public sealed class ReplicatedClusterCollection : ICollectionFixture<ReplicatedClusterFixture>
{
    public const string Name = "expert-failover";
}
