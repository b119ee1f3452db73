namespace Kimi.Cluster.Router.Tests.Support;

/// <summary>Test classes in this collection share the expert-parallel clusters.</summary>
[CollectionDefinition(Name)]
public sealed class ExpertParallelCollection : ICollectionFixture<ExpertParallelFixture>
{
    public const string Name = "expert-parallel";
}
