using System.Text.Json.Nodes;
using Kimi.Cluster.Tests.Shared;
using Kimi.Cluster.Text.Chat;

namespace Kimi.Cluster.Text.Tests.Chat;

/// <summary>
/// K2.5's TypeScript tool declarations against Moonshot's own encoder: the recorded outputs in
/// ../shared/kimi-files/kimi-k2.5/ts-encoder-fixtures (each expected/NAME.txt is what Moonshot's
/// tool_declaration_ts.py made of schemas/NAME.json). Ours, and the Python reference encoder the
/// template cross-check uses, must both reproduce them.
/// </summary>
public sealed class ToolEncoderFixtureTests
{
    private static string FixtureRoot => Path.GetDirectoryName(SharedFiles.Require("kimi-files", "kimi-k2.5", "ts-encoder-fixtures", "schemas", "01_simple_string.json"))!;

    public static TheoryData<string> Fixtures() => new(FixtureNames());

    private static string[] FixtureNames() =>
        [.. Directory.GetFiles(FixtureRoot, "*.json").Order(StringComparer.Ordinal).Select(f => Path.GetFileNameWithoutExtension(f))];

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Encode_MatchesMoonshotsEncoder_OnItsRecordedFixtures(string name)
    {
        var (tools, expected) = Load(name);

        Assert.Equal(expected, TypeScriptToolDeclaration.Encode(tools));
    }

    [Fact]
    [Trait("Needs", "Processes")]
    public async Task ReferenceEncoder_MatchesMoonshotsEncoder_OnItsRecordedFixtures()
    {
        if (await ExternalProgram.FindPythonAsync("jinja2") is not { } python)
        {
            Assert.True(Environment.GetEnvironmentVariable("KIMI_REQUIRE_PYTHON_CROSSCHECK") != "1",
                "python3 with jinja2 is required for the chat template cross-check (apt-get install python3-jinja2)");
            return;
        }
        var fixtures = FixtureNames().Select(Load).ToList();
        var request = new JsonObject { ["encode_tools"] = new JsonArray([.. fixtures.Select(f => (JsonNode)new JsonArray([.. f.Tools.Select(t => (JsonNode)t.DeepClone())]))]) };

        var (exitCode, output, errors) = await ExternalProgram.RunAsync(
            python, [ExternalProgram.CrossCheckScript("chat_template_reference.py")], ExternalProgram.RepositoryRoot,
            TimeSpan.FromMinutes(2), request.ToJsonString());

        Assert.True(exitCode == 0, $"chat_template_reference.py failed: {errors}");
        var encoded = JsonNode.Parse(output)!.AsArray().Select(n => (string?)n).ToList();
        Assert.Equal(fixtures.Select(f => f.Expected), encoded);
    }

    private static (List<JsonObject> Tools, string Expected) Load(string name)
    {
        var tools = JsonNode.Parse(File.ReadAllText(Path.Combine(FixtureRoot, name + ".json")))!.AsArray().Select(t => t!.AsObject()).ToList();
        string expected = File.ReadAllText(Path.Combine(FixtureRoot, "..", "expected", name + ".txt"));
        return (tools, expected);
    }
}
