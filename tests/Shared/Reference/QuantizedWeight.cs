namespace Kimi.Cluster.Tests.Shared.Reference;

/// <summary>
/// One quantized Linear weight: what to store and what it means. <paramref name="Parts"/> are named by
/// suffix only ("weight_packed", "weight_scale", "weight_shape", or "weight", "weight_scale_inv");
/// the writer puts the module's stored prefix in front.
/// </summary>
/// <param name="Dequantized">code · scale per element of the [out, in] weight, as a loader must reconstruct it.</param>
/// <param name="CodeDtype">Type of the stored codes: I32 (packed nibbles) or F8E4M3.</param>
public sealed record QuantizedWeight(double[] Dequantized, StoredDtype CodeDtype, IReadOnlyList<EncodedTensor> Parts);
