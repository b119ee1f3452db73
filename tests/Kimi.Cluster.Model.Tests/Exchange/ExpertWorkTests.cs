using Kimi.Cluster.Model.Exchange;

namespace Kimi.Cluster.Model.Tests.Exchange;

/// <summary>An expert work's pairs as the kernels take them: each pair with its token, in order.</summary>
public sealed class ExpertWorkTests
{
    [Fact]
    public void Assignments_GiveEachPairItsToken_WhateverThePairsPerToken()
    {
        // Token 1 has no pair here (its experts are elsewhere), token 2 three.
        var work = new ExpertWork(3, 2, new float[8], [2, 0, 3, 1], [5, 7, 1, 2, 3, 9], [0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f]).Checked();

        var assignments = work.Assignments();

        Assert.Equal([0, 0, 2, 2, 2, 3], assignments.Select(a => a.Token));
        Assert.Equal(work.ExpertIds, assignments.Select(a => a.Expert));
        Assert.Equal(work.Weights, assignments.Select(a => a.Weight));
        Assert.Equal(assignments.Select(a => a.Token), Enumerable.Range(0, 6).Select(work.TokenOf));
    }

    [Fact]
    public void Routed_GivesEveryTokenItsTopK()
    {
        var routing = new ExpertRouting(2, 3, [4, 5, 6, 7, 8, 9], [1f, 2f, 3f, 4f, 5f, 6f]);
        var work = ExpertWork.Routed(1, 4, new float[8], routing);
        Assert.Equal([3, 3], work.PairsPerToken);
        Assert.Equal([0, 0, 0, 1, 1, 1], work.Assignments().Select(a => a.Token));
    }
}
