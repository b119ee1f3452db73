using System.Text.Json.Nodes;
using Kimi.Cluster.Tests.Shared;

namespace Kimi.Cluster.Vision.Tests.Support;

/// <summary>
/// Runs tests/crosscheck/pillow_reference.py: Pillow (decode, BICUBIC resize) and numpy (pad,
/// normalise, patchify) as Moonshot's processor uses them. Needs python3 with PIL and numpy
/// (Debian python3-pil, python3-numpy); .ci/run sets KIMI_REQUIRE_PYTHON_CROSSCHECK=1 so that
/// their absence fails there instead of passing with a message.
/// </summary>
internal static class PillowReference
{
    private static readonly Lazy<Task<string?>> _python = new(() => ExternalProgram.FindPythonAsync("PIL, numpy"));
    private static readonly TimeSpan _runTimeout = TimeSpan.FromMinutes(3);

    /// <summary>The python to run, or null (after failing the test when the cross-check is required).</summary>
    public static async Task<string?> RequireAsync()
    {
        string? python = await _python.Value;
        if (python is null)
        {
            Assert.True(Environment.GetEnvironmentVariable("KIMI_REQUIRE_PYTHON_CROSSCHECK") != "1",
                "python3 with PIL and numpy is required for the vision cross-check (apt-get install python3-pil python3-numpy)");
            Console.WriteLine("skipping the Pillow cross-check: no python3 with PIL and numpy");
        }
        return python;
    }

    /// <summary>Runs the jobs in one process and returns one result object per job.</summary>
    public static async Task<JsonObject[]> RunAsync(string python, IEnumerable<JsonObject> jobs)
    {
        var request = new JsonObject { ["jobs"] = new JsonArray([.. jobs]) };
        var (exitCode, output, errors) = await ExternalProgram.RunAsync(
            python, [ExternalProgram.CrossCheckScript("pillow_reference.py")], ExternalProgram.RepositoryRoot, _runTimeout,
            request.ToJsonString());
        Assert.True(exitCode == 0, $"pillow_reference.py failed: {errors}");
        var results = JsonNode.Parse(output)!["results"]!.AsArray(); // the script always prints one object with results
        return [.. results.Select(r => r!.AsObject())];
    }
}
