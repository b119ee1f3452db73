using System.Collections.Concurrent;
using System.Globalization;
using Kimi.Cluster.Kernels;

namespace Kimi.Cluster.Model.Checkpoints;

/// <summary>
/// Bytes of weights this process holds, by the form it holds them in: INT4 (packed nibbles + bf16
/// scales), FP8 (e4m3 + float32 block scales), BF16, F16, and F32 (norms, biases, kv_b_proj's
/// halves when not stored as bf16, anything stored as F32). Counted as weights are loaded.
/// </summary>
public sealed class ResidentWeights
{
    private readonly ConcurrentDictionary<string, long> _bytes = new(StringComparer.Ordinal);

    public static string FormatName(WeightFormat format) => format switch
    {
        WeightFormat.Int4Group => "INT4",
        WeightFormat.Fp8Block => "FP8",
        WeightFormat.BFloat16 => "BF16",
        WeightFormat.Float16 => "F16",
        _ => "F32",
    };

    public void Add(string form, long bytes) => _bytes.AddOrUpdate(form, bytes, (_, held) => held + bytes);

    public void Add(WeightMatrix matrix)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        Add(FormatName(matrix.Format), matrix.StoredBytes);
    }

    /// <summary>A matrix loaded as stored and then held in another form instead (dequantized to float32, say).</summary>
    public void Replace(WeightMatrix stored, string form, long bytes)
    {
        ArgumentNullException.ThrowIfNull(stored);
        Add(FormatName(stored.Format), -stored.StoredBytes);
        Add(form, bytes);
    }

    /// <summary>Bytes per form, in a fixed order.</summary>
    public IReadOnlyDictionary<string, long> ByForm => _bytes.OrderBy(p => p.Key, StringComparer.Ordinal).ToDictionary(p => p.Key, p => p.Value);

    public override string ToString() => Describe(ByForm);

    /// <summary>"BF16 1,234 B, F32 56 B": bytes by form as the logs show them.</summary>
    public static string Describe(IReadOnlyDictionary<string, long> bytesByForm)
    {
        ArgumentNullException.ThrowIfNull(bytesByForm);
        return bytesByForm.Count == 0 ? "none"
            : string.Join(", ", bytesByForm.Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Key} {p.Value:N0} B")));
    }
}
