using Kimi.Cluster.Router.Generation;

namespace Kimi.Cluster.Router.Tests.Generation;

public sealed class StopStringMatcherTests
{
    [Fact]
    public void Push_SendsEverythingAtOnce_WhenThereAreNoStopStrings()
    {
        var matcher = new StopStringMatcher([]);

        Assert.Equal(("hello", false), matcher.Push("hello"));
        Assert.Equal("", matcher.Finish());
    }

    [Fact]
    public void Push_HoldsAPossibleStartOfAStopStringUntilItIsRuledOut()
    {
        var matcher = new StopStringMatcher(["ab!"]);

        Assert.Equal(("x", false), matcher.Push("xa"));
        Assert.Equal(("", false), matcher.Push("b"));
        Assert.Equal(("abc", false), matcher.Push("c"));
    }

    [Fact]
    public void Push_EndsTheTextBeforeAStopString_WhenItIsSplitOverPushes()
    {
        var matcher = new StopStringMatcher(["END"]);

        Assert.Equal(("one ", false), matcher.Push("one E"));
        Assert.Equal(("", true), matcher.Push("ND two"));
    }

    [Fact]
    public void Push_StopsAtTheEarliestOfSeveralStopStrings()
    {
        var matcher = new StopStringMatcher(["later", "soon"]);

        Assert.Equal(("a ", true), matcher.Push("a soon later"));
    }

    [Fact]
    public void Finish_ReleasesHeldBackText_WhenGenerationEndsWithoutAMatch()
    {
        var matcher = new StopStringMatcher(["xyz"]);

        Assert.Equal(("ab", false), matcher.Push("abxy"));
        Assert.Equal("xy", matcher.Finish());
    }
}
