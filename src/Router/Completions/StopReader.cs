using System.Text.Json;
using Kimi.Cluster.Router.Api;

namespace Kimi.Cluster.Router.Completions;

/// <summary>Reads the stop field: null, one string, or an array of up to four strings (OpenAI's limit).</summary>
public static class StopReader
{
    public const int MaxStopStrings = 4;

    public static IReadOnlyList<string> Read(JsonElement? stop)
    {
        if (stop is not { ValueKind: not JsonValueKind.Null } value)
            return [];
        if (value.ValueKind == JsonValueKind.String)
            return [value.GetString()!];
        if (value.ValueKind != JsonValueKind.Array)
            throw Invalid("stop must be a string or an array of strings");
        if (value.GetArrayLength() > MaxStopStrings)
            throw Invalid($"stop may hold at most {MaxStopStrings} strings");
        var stops = new List<string>();
        foreach (var item in value.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String)
                throw Invalid("stop must be a string or an array of strings");
            stops.Add(item.GetString()!);
        }
        return stops;
    }

    private static ApiException Invalid(string message) => ApiException.InvalidRequest(message, "stop");
}
