using Kimi.Cluster.Router.Cli;
using Kimi.Cluster.Tests.Shared;

namespace Kimi.Cluster.Router.Tests.Hosting;

public sealed class CommandLineValueTests
{
    // Validators ran on values that did not convert and threw (`local --max-body-bytes x` ended in an unhandled
    // InvalidOperationException); the parser's own message is what the user should get.
    [Fact]
    public void EveryNumericOption_GivenText_GetsTheParsersErrorInsteadOfAnException()
    {
        var (tried, problems) = CommandLineProbe.NumericOptionsGivenText(RouterCommand.Create);
        Assert.True(tried >= 20, $"only {tried} numeric options found");
        Assert.Empty(problems);
    }
}
