using System.Text.RegularExpressions;

namespace Kimi.Cluster.Model.Configuration;

/// <summary>
/// The checkpoint's quantization_config, reduced to what loading needs: the scheme, its group or
/// block size, and which Linear layers it quantizes (compressed-tensors' targets and ignore list).
/// </summary>
public sealed record WeightQuantization
{
    public QuantizationScheme Scheme { get; init; } = QuantizationScheme.None;

    /// <summary>Inputs per bf16 scale (INT4).</summary>
    public int GroupSize { get; init; }

    /// <summary>weight_block_size [rows, columns] (FP8).</summary>
    public int BlockRows { get; init; }

    public int BlockColumns { get; init; }

    /// <summary>
    /// compressed-tensors targets of the INT4 group: "Linear" (every Linear layer, the released
    /// checkpoints' choice), plain module names, or "re:" regular expressions.
    /// </summary>
    public IReadOnlyList<string> Targets { get; init; } = ["Linear"];

    /// <summary>compressed-tensors ignore entries: plain module names, or "re:" regular expressions.</summary>
    public IReadOnlyList<string> Ignore { get; init; } = [];

    public static WeightQuantization None { get; } = new();

    /// <summary>
    /// Whether the scheme covers the Linear layer <paramref name="module"/> (a name without
    /// ".weight", K2.5's "language_model." prefix included). FP8 checkpoints say it per tensor (its
    /// dtype), so only INT4 consults its targets and ignore list: the layer must match a target and
    /// no ignore entry. "Linear" matches every Linear layer (another class name none of them), a
    /// plain entry the name or its tail after a dot, a "re:" entry from the start, as
    /// compressed-tensors does.
    /// </summary>
    public bool Covers(string module) => Scheme == QuantizationScheme.Int4Group
        && Targets.Any(target => target == "Linear" || Matches(module, target))
        && !Ignore.Any(entry => Matches(module, entry));

    private static bool Matches(string module, string entry) => entry.StartsWith("re:", StringComparison.Ordinal)
        ? Regex.IsMatch(module, AnchoredPattern(entry), RegexOptions.CultureInvariant)
        : module == entry || module.EndsWith("." + entry, StringComparison.Ordinal);

    /// <summary>The regular expression a "re:" entry matches module names with: its pattern, from the name's start.</summary>
    internal static string AnchoredPattern(string entry) => "^(?:" + entry[3..] + ")";
}
