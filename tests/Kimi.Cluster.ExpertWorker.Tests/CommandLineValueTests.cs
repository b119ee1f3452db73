using Kimi.Cluster.ExpertWorker.Cli;
using Kimi.Cluster.Tests.Shared;

namespace Kimi.Cluster.ExpertWorker.Tests;

public sealed class CommandLineValueTests
{
    // Validators ran on values that did not convert and threw (`--silo-port x` ended in an unhandled
    // InvalidOperationException); the parser's own message is what the user should get.
    [Fact]
    public void EveryNumericOption_GivenText_GetsTheParsersErrorInsteadOfAnException()
    {
        var (tried, problems) = CommandLineProbe.NumericOptionsGivenText(ExpertWorkerCommand.Create);
        Assert.True(tried >= 5, $"only {tried} numeric options found");
        Assert.Empty(problems);
    }
}
