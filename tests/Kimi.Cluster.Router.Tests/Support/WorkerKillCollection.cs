namespace Kimi.Cluster.Router.Tests.Support;

/// <summary>
/// The tests that kill workers under many concurrent streams (the fault-injection suite, the
/// attention-worker resume): one after the other, not beside each other. Each loads the two cores
/// with its own cluster and long streams, and each times its kill against those streams; run
/// together, a clean-clone run saw the resume test's victim finish before its kill and, in two
/// more, the 3 → 2 → 1 expert-worker case stall for the router's 60 s (that stall's causes are
/// mended since, in MembershipSilo.DeclareDead and PlacementView's hedged calls; the kills'
/// timing against the streams still wants the cores to itself).
/// </summary>
[CollectionDefinition(Name)]
public sealed class WorkerKillCollection
{
    public const string Name = "worker-kills";
}
