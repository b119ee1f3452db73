using System.Text.Json.Nodes;

namespace Kimi.Cluster.Tests.Shared.Reference;

/// <summary>
/// Edits for <see cref="CheckpointQuantization.EditConfig"/>: a generic path setter and the
/// variants a loader must reject (or accept) by name. Paths are dot-separated object keys from
/// the "quantization_config" object, e.g. "config_groups.group_0.weights.num_bits".
/// </summary>
public static class QuantizationConfigEdits
{
    private const string Int4Weights = "config_groups.group_0.weights";

    /// <summary>Sets (or adds) the value at <paramref name="path"/>, creating missing objects on the way.</summary>
    public static Action<JsonObject> Set(string path, JsonNode? value) => config =>
    {
        var (parent, key) = Walk(config, path, create: true);
        parent![key] = value?.DeepClone();
    };

    /// <summary>Removes the key at <paramref name="path"/> (nothing if it is absent).</summary>
    public static Action<JsonObject> Remove(string path) => config =>
    {
        var (parent, key) = Walk(config, path, create: false);
        parent?.Remove(key);
    };

    public static Action<JsonObject> Int4NumBits(int bits) => Set($"{Int4Weights}.num_bits", bits);

    public static Action<JsonObject> Int4Asymmetric { get; } = Set($"{Int4Weights}.symmetric", false);

    /// <summary>Per-channel instead of per-group: strategy "channel" and, as such configs have it, group_size null.</summary>
    public static Action<JsonObject> Int4ChannelStrategy { get; } =
        Set($"{Int4Weights}.strategy", "channel") + Set($"{Int4Weights}.group_size", null);

    public static Action<JsonObject> Int4GroupSize(int groupSize) => Set($"{Int4Weights}.group_size", groupSize);

    /// <summary>W4A8: dynamic per-token int8 activations next to the int4 weights.</summary>
    public static Action<JsonObject> Int4InputActivations { get; } = Set("config_groups.group_0.input_activations", new JsonObject
    {
        ["dynamic"] = true,
        ["num_bits"] = 8,
        ["strategy"] = "token",
        ["symmetric"] = true,
        ["type"] = "int",
    });

    /// <summary>compressed-tensors' FP8 storage format instead of packed integers.</summary>
    public static Action<JsonObject> FloatQuantizedFormat { get; } = Set("format", "float-quantized");

    public static Action<JsonObject> Fp8WeightBlockSize(int rows, int cols) => Set("weight_block_size", new JsonArray(rows, cols));

    public static Action<JsonObject> Fp8StaticActivations { get; } = Set("activation_scheme", "static");

    public static Action<JsonObject> QuantMethod(string method) => Set("quant_method", method);

    private static (JsonObject? Parent, string Key) Walk(JsonObject config, string path, bool create)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string[] keys = path.Split('.');
        JsonObject? node = config;
        foreach (string key in keys[..^1])
        {
            if (node![key] is JsonObject child)
            {
                node = child;
            }
            else if (create)
            {
                var fresh = new JsonObject();
                node[key] = fresh;
                node = fresh;
            }
            else
            {
                return (null, keys[^1]);
            }
        }
        return (node, keys[^1]);
    }
}
