namespace Kimi.Cluster.Kernels.Benchmarks;

/// <summary>One MoE layer as the expert benchmark builds it: expert sizes, and how many of the global experts this shard holds.</summary>
public sealed record ExpertLayerShape(int Hidden, int Intermediate, int LocalExperts, int GlobalExperts, int TopK)
{
    /// <summary>Kimi K2's expert sizes, 16 experts of a 64-expert layer here, top-8 (about 2 of 8 land here per token).</summary>
    public static readonly ExpertLayerShape KimiShard = new(7168, 2048, 16, 64, 8);

    /// <summary>
    /// Parses "hidden x intermediate x experts" (all experts local, top-8), as the bench model's
    /// layer is written: 1024x256x128.
    /// </summary>
    public static ExpertLayerShape Parse(string text)
    {
        string[] parts = text.Split('x');
        var sizes = parts.Select(p => int.TryParse(p, out int size) && size > 0 ? size : 0).ToArray();
        if (sizes.Length != 3 || sizes.Contains(0) || sizes[2] < 8)
        {
            throw new ArgumentException($"--expert-layer is hidden x intermediate x experts (at least 8 experts, for top-8), such as 1024x256x128, not '{text}'.");
        }
        return new ExpertLayerShape(sizes[0], sizes[1], sizes[2], sizes[2], 8);
    }

    public override string ToString() => $"{Hidden}x{Intermediate}, {LocalExperts} of {GlobalExperts} experts here, top-{TopK}";
}
