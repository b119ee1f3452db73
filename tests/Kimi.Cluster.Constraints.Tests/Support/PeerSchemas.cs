using System.Text.Json;
using Kimi.Cluster.Tests.Shared;

namespace Kimi.Cluster.Constraints.Tests.Support;

/// <summary>The 204 real tool schemas of ../shared/peer/kvv_walle_tool_schemas.jsonl (their tool_parameters).</summary>
internal static class PeerSchemas
{
    private static readonly Lazy<IReadOnlyList<(string Name, string Schema)>> Loaded = new(Load);

    public static IReadOnlyList<(string Name, string Schema)> All => Loaded.Value;

    private static IReadOnlyList<(string Name, string Schema)> Load()
    {
        string path = SharedFiles.Require("peer", "kvv_walle_tool_schemas.jsonl");
        return [.. File.ReadLines(path).Where(line => line.Length > 0).Select(line =>
        {
            using var row = JsonDocument.Parse(line);
            var root = row.RootElement;
            string name = $"{root.GetProperty("suite").GetString()}:{root.GetProperty("line")}";
            return (name, root.GetProperty("tool_parameters").GetRawText());
        })];
    }
}
