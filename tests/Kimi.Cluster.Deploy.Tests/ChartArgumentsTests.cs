using System.CommandLine;
using AttentionWorkerCommand = Kimi.Cluster.AttentionWorker.Cli.WorkerCommand;
using ExpertWorkerCommand = Kimi.Cluster.ExpertWorker.Cli.ExpertWorkerCommand;
using RouterCommand = Kimi.Cluster.Router.Cli.RouterCommand;

namespace Kimi.Cluster.Deploy.Tests;

/// <summary>
/// Every argument the chart gives a container is one its program's command line knows: the
/// rendered args are parsed by the real commands, so a renamed or missing option fails here
/// rather than in a crash-looping pod.
/// </summary>
[Trait("Needs", "Processes")]
public sealed class ChartArgumentsTests
{
    public static TheoryData<string?> ValuesFiles => new() { null, "full-values.yaml", "in-cluster-redis-values.yaml", "tls-values.yaml" };

    [Theory]
    [MemberData(nameof(ValuesFiles))]
    public async Task ContainerArguments_AreEachAnOptionOfTheirProgram(string? valuesFile)
    {
        if (await DeployTools.UnavailableReasonAsync() is { } reason) { Console.WriteLine(reason); return; }
        var chart = await Chart.RenderAndValidateAsync(valuesFile is null ? null : [Chart.CiValues(valuesFile)]);

        var programs = new (string Kind, string Name, Func<RootCommand> Command)[]
        {
            ("Deployment", "kimi-router", RouterCommand.Create),
            ("StatefulSet", "kimi-attention", AttentionWorkerCommand.Create),
            ("StatefulSet", "kimi-expert", ExpertWorkerCommand.Create),
        };
        foreach (var (kind, name, command) in programs.Where(p => chart.Has(p.Kind, p.Name)))
        {
            string[] args = Chart.Args(chart.Container(kind, name));
            var result = command().Parse(args);

            Assert.True(result.UnmatchedTokens.Count == 0, $"{name}: unknown arguments {string.Join(" ", result.UnmatchedTokens)}");
            // Values are checked by the programs against the pod (e.g. that the model directory exists); names are checked here.
            var unknown = result.Errors.Where(error => error.Message.Contains("Unrecognized", StringComparison.Ordinal)).ToList();
            Assert.True(unknown.Count == 0, $"{name}: {string.Join("; ", unknown.Select(error => error.Message))}");
        }
    }
}
