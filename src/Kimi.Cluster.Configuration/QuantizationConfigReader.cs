using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Kimi.Cluster.Model.Configuration;

/// <summary>
/// Reads quantization_config: compressed-tensors pack-quantized INT4 (K2-Thinking, K2.5) or block
/// FP8 (K2-Instruct, DeepSeek-V3). Any other scheme fails here, at start, naming the field and its
/// value, before a single weight is read.
/// </summary>
internal static class QuantizationConfigReader
{
    public static WeightQuantization Read(JsonObject? config, string path)
    {
        if (config is null)
            return WeightQuantization.None;
        string p = path + "quantization_config.";
        return config.Required<string>("quant_method", p) switch
        {
            "compressed-tensors" => ReadCompressedTensors(config, p),
            "fp8" => ReadFp8(config, p),
            var other => throw new ModelConfigException(p + "quant_method",
                $"'{other}' is not supported (expected compressed-tensors pack-quantized INT4 or fp8)"),
        };
    }

    private static WeightQuantization ReadCompressedTensors(JsonObject config, string p)
    {
        Expect(config, "format", p, "pack-quantized");
        // Parts of a compressed-tensors config that change what the stored values mean or how a
        // forward pass runs; the released INT4 checkpoints leave them null.
        foreach (string part in new[] { "kv_cache_scheme", "transform_config" })
        {
            if (config[part] is { } value)
                throw new ModelConfigException(p + part, $"{value.ToJsonString()} is not supported (the cache and activations stay float32, weights untransformed)");
        }
        if (config["sparsity_config"] is JsonObject sparsity && sparsity.Optional<string?>("format", p + "sparsity_config.", null) is { } sparse and not "dense")
            throw new ModelConfigException(p + "sparsity_config.format", $"'{sparse}' is not supported (weights stored dense only)");
        if (config["config_groups"] is not JsonObject groups || groups.Count != 1)
            throw new ModelConfigException(p + "config_groups", "exactly one quantization group is supported");
        var (name, node) = groups.First();
        string g = $"{p}config_groups.{name}.";
        var group = node as JsonObject ?? throw new ModelConfigException(g.TrimEnd('.'), "expected an object");
        foreach (string activations in new[] { "input_activations", "output_activations" })
        {
            if (group[activations] is not null)
                throw new ModelConfigException(g + activations, $"{group[activations]!.ToJsonString()}: activation quantization is not supported (activations stay float32)");
        }
        var weights = group["weights"] as JsonObject ?? throw new ModelConfigException(g + "weights", "is required");
        string w = g + "weights.";
        Expect(weights, "type", w, "int");
        if (weights.Required<int>("num_bits", w) is var bits and not 4)
            throw new ModelConfigException(w + "num_bits", $"{bits} is not supported (only 4)");
        if (!weights.Optional("symmetric", w, false))
            throw new ModelConfigException(w + "symmetric", "false: only symmetric INT4 is supported");
        Expect(weights, "strategy", w, "group");
        if (weights.Optional("dynamic", w, false))
            throw new ModelConfigException(w + "dynamic", "true is not supported");
        int groupSize = weights.Required<int>("group_size", w);
        if (groupSize is not (32 or 64 or 128))
            throw new ModelConfigException(w + "group_size", $"{groupSize} is not supported (32, 64 or 128)");
        RequireGroupsInOrder(weights, w);
        return new WeightQuantization
        {
            Scheme = QuantizationScheme.Int4Group,
            GroupSize = groupSize,
            // compressed-tensors requires targets; a config without them is read as its usual ["Linear"].
            Targets = group["targets"] is JsonArray targets ? Strings(targets, g + "targets") : ["Linear"],
            Ignore = config["ignore"] is JsonArray ignore ? Strings(ignore, p + "ignore") : [],
        };
    }

    /// <summary>
    /// The entries of a targets or ignore list, each "re:" entry checked to compile as the matcher
    /// uses it (<see cref="WeightQuantization.AnchoredPattern"/>): else an error naming it, not one
    /// at the first layer loaded.
    /// </summary>
    private static string[] Strings(JsonArray list, string path)
    {
        string[] entries = [.. list.Select((_, i) => list.Required<string>(i, path))];
        foreach (string entry in entries.Where(e => e.StartsWith("re:", StringComparison.Ordinal)))
        {
            try
            {
                _ = new Regex(WeightQuantization.AnchoredPattern(entry), RegexOptions.CultureInvariant);
            }
            catch (ArgumentException error)
            {
                throw new ModelConfigException(path, $"'{entry}' is not a regular expression this server reads: {error.Message}");
            }
        }
        return entries;
    }

    /// <summary>
    /// Activation ordering "group" (also "dynamic", or true in older configs) stores a permutation of
    /// the in-features (weight_g_idx) that the groups follow; "weight" ("static") only changed the
    /// order in which columns were quantized, and the stored layout is the usual one.
    /// </summary>
    private static void RequireGroupsInOrder(JsonObject weights, string w)
    {
        switch (weights["actorder"])
        {
            case null:
            case JsonValue flag when flag.TryGetValue(out bool on) && !on:
            case JsonValue order when order.TryGetValue(out string? name) && name is "weight" or "static":
                return;
            case var other:
                throw new ModelConfigException(w + "actorder", $"{other.ToJsonString()} is not supported (its groups follow a stored permutation of the inputs)");
        }
    }

    private static WeightQuantization ReadFp8(JsonObject config, string p)
    {
        Expect(config, "fmt", p, "e4m3", optional: true);
        // "dynamic" names how an FP8 kernel would quantize activations; ours keep them float32.
        Expect(config, "activation_scheme", p, "dynamic", optional: true);
        if (config["weight_block_size"] is not JsonArray block || block.Count != 2)
            throw new ModelConfigException(p + "weight_block_size", "expected [rows, columns] (block FP8 only)");
        int rows = block.Required<int>(0, p + "weight_block_size"), columns = block.Required<int>(1, p + "weight_block_size");
        if (rows <= 0 || columns <= 0)
            throw new ModelConfigException(p + "weight_block_size", $"[{rows}, {columns}] must be positive");
        return new WeightQuantization { Scheme = QuantizationScheme.Fp8Block, BlockRows = rows, BlockColumns = columns };
    }

    private static void Expect(JsonObject json, string name, string path, string expected, bool optional = false)
    {
        string? value = optional ? json.Optional<string?>(name, path, null) : json.Required<string>(name, path);
        if (value is not null && value != expected)
            throw new ModelConfigException(path + name, $"'{value}' is not supported (expected '{expected}')");
    }
}
