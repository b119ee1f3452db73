using System.Text.Json;

namespace Kimi.Cluster.Bench.Client;

/// <summary>
/// Reads the lines of an OpenAI completion stream: `data: {chunk}` blocks ending with
/// `data: [DONE]`. Blank lines, comments and other fields carry nothing we measure.
/// </summary>
public static class SseChunkParser
{
    private const string DataPrefix = "data:";

    /// <summary>The event on this line, or null when the line is not a data line.</summary>
    public static StreamEvent? Parse(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        if (!line.StartsWith(DataPrefix, StringComparison.Ordinal))
            return null;
        string data = line[DataPrefix.Length..].Trim();
        if (data == "[DONE]")
            return StreamEvent.DoneEvent;
        try
        {
            using var document = JsonDocument.Parse(data);
            return FromChunk(document.RootElement);
        }
        catch (JsonException error)
        {
            return new StreamEvent("", null, null, $"unreadable stream chunk: {error.Message}", Done: false);
        }
    }

    private static StreamEvent FromChunk(JsonElement chunk)
    {
        if (chunk.ValueKind != JsonValueKind.Object)
            return new StreamEvent("", null, null, "stream chunk is not a JSON object", Done: false);
        // The server reports a failure after the status line in-stream, as vLLM does.
        if (chunk.TryGetProperty("error", out var error))
            return new StreamEvent("", null, null, ErrorMessage(error), Done: false);
        string text = "";
        if (chunk.TryGetProperty("choices", out var choices) && choices.ValueKind == JsonValueKind.Array)
        {
            foreach (var choice in choices.EnumerateArray())
            {
                if (choice.TryGetProperty("text", out var part) && part.ValueKind == JsonValueKind.String)
                    text += part.GetString();
            }
        }
        int? prompt = null, completion = null;
        if (chunk.TryGetProperty("usage", out var usage) && usage.ValueKind == JsonValueKind.Object)
        {
            prompt = ReadInt(usage, "prompt_tokens");
            completion = ReadInt(usage, "completion_tokens");
        }
        return new StreamEvent(text, prompt, completion, null, Done: false);
    }

    private static int? ReadInt(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.TryGetInt32(out int number) ? number : null;

    private static string ErrorMessage(JsonElement error) =>
        error.ValueKind == JsonValueKind.Object && error.TryGetProperty("message", out var message)
            ? message.ToString()
            : error.ToString();
}
