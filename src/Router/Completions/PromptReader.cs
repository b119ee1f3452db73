using System.Text.Json;
using Kimi.Cluster.Router.Api;

namespace Kimi.Cluster.Router.Completions;

/// <summary>
/// Reads the prompt field: token ids are accepted; text is refused because the served
/// models have no tokenizer yet; several prompts in one request are refused for now.
/// </summary>
public static class PromptReader
{
    public const string NoTokenizerMessage =
        "this model has no tokenizer yet, so text prompts cannot be served; send the prompt as an array of token ids, e.g. \"prompt\": [1, 2, 3]";

    public static IReadOnlyList<int> Read(JsonElement? prompt)
    {
        if (prompt is not { ValueKind: not JsonValueKind.Null } value)
            throw Invalid("prompt is required: an array of token ids");
        if (value.ValueKind == JsonValueKind.String)
            throw Invalid(NoTokenizerMessage);
        if (value.ValueKind != JsonValueKind.Array)
            throw Invalid("prompt must be an array of token ids");
        if (value.GetArrayLength() == 0)
            throw Invalid("prompt is empty; send at least one token id");
        var first = value[0];
        if (first.ValueKind is JsonValueKind.String or JsonValueKind.Array)
            return ReadBatchOfOne(value);
        return ReadTokenIds(value);
    }

    private static IReadOnlyList<int> ReadBatchOfOne(JsonElement prompts)
    {
        if (prompts.GetArrayLength() > 1)
            throw Invalid("several prompts in one request are not supported yet; send one prompt per request");
        var only = prompts[0];
        if (only.ValueKind == JsonValueKind.String)
            throw Invalid(NoTokenizerMessage);
        if (only.GetArrayLength() == 0)
            throw Invalid("prompt is empty; send at least one token id");
        return ReadTokenIds(only);
    }

    private static int[] ReadTokenIds(JsonElement array)
    {
        var tokenIds = new int[array.GetArrayLength()];
        int i = 0;
        foreach (var item in array.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt32(out tokenIds[i]))
                throw Invalid($"prompt[{i}] is not a token id (an integer); a prompt is an array of token ids");
            i++;
        }
        return tokenIds;
    }

    private static ApiException Invalid(string message) => ApiException.InvalidRequest(message, "prompt");
}
