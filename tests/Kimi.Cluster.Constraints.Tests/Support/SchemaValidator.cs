using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;

namespace Kimi.Cluster.Constraints.Tests.Support;

/// <summary>Validates generated documents with JsonSchema.Net, the independent judge of what the grammar admits.</summary>
internal static class SchemaValidator
{
    /// <summary>Null when the document is valid, else why not (parse error or the validator's errors).</summary>
    public static string? Problem(string schemaText, byte[] document)
    {
        string text;
        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(document);
        }
        catch (DecoderFallbackException e)
        {
            return "not UTF-8: " + e.Message;
        }
        using var parsed = JsonDocument.Parse(text);
        var result = Build(schemaText).Evaluate(parsed.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
        return result.IsValid ? null : string.Join("; ", (result.Details ?? []).Where(d => d.Errors is not null)
            .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}")));
    }

    private static JsonSchema Build(string schemaText)
    {
        // The root $id only names the document (references here are '#...'), and JsonSchema.Net
        // refuses some peer schemas' ids ("#user"): it is left out.
        var node = JsonNode.Parse(schemaText)!;
        if (node is JsonObject root)
            root.Remove("$id");
        return JsonSchema.FromText(node.ToJsonString());
    }
}
