using System.Text.Json;
using Kimi.Cluster.Model.Configuration;

namespace Kimi.Cluster.Router.Planning;

/// <summary>
/// What `plan` reads before any download: config.json (a model directory or the file itself),
/// its dense dtype, and the sharded checkpoint's index.json total size when it sits beside it.
/// </summary>
public sealed record PlanInput(ModelConfig Config, string? DenseDtype, long? CheckpointBytes)
{
    public static PlanInput Read(string modelOrConfig)
    {
        string configPath = Directory.Exists(modelOrConfig) ? Path.Combine(modelOrConfig, "config.json") : modelOrConfig;
        if (!File.Exists(configPath))
            throw new FileNotFoundException($"{configPath}: no such file (give a model directory or its config.json)", configPath);
        string text = File.ReadAllText(configPath);
        var config = ModelConfigReader.Parse(text);
        using var json = JsonDocument.Parse(text);
        return new PlanInput(config, ReadDenseDtype(json.RootElement), ReadCheckpointBytes(Path.GetDirectoryName(Path.GetFullPath(configPath))!));
    }

    /// <summary>torch_dtype (or dtype, as newer configs name it) of the text config, else of the top level.</summary>
    private static string? ReadDenseDtype(JsonElement root)
    {
        foreach (var scope in new[] { root.TryGetProperty("text_config", out var text) ? text : default, root })
        {
            if (scope.ValueKind != JsonValueKind.Object)
                continue;
            foreach (string name in new[] { "torch_dtype", "dtype" })
            {
                if (scope.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String)
                    return value.GetString();
            }
        }
        return null;
    }

    private static long? ReadCheckpointBytes(string directory)
    {
        string index = Path.Combine(directory, "model.safetensors.index.json");
        if (!File.Exists(index))
            return null;
        using var json = JsonDocument.Parse(File.ReadAllText(index));
        return json.RootElement.TryGetProperty("metadata", out var metadata)
            && metadata.TryGetProperty("total_size", out var total) && total.TryGetInt64(out long bytes) ? bytes : null;
    }
}
