namespace Kimi.Cluster.Router.Tests.Support;

/// <summary>Test classes in this collection share one running cluster.</summary>
[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<RouterClusterFixture>
{
    public const string Name = "cluster";
}
