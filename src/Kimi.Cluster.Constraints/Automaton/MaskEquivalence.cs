namespace Kimi.Cluster.Constraints;

/// <summary>
/// Maps a state to a representative with the same mask, so that states differing only in a
/// string's length counters far from their limits share one mask. A token of at most L bytes
/// moves each counter by at most L, so counters more than L away from every limit decide nothing
/// within one token: they are clamped to L + 1 away. Without this a string under a large
/// maxLength would need a fresh mask at every token.
/// </summary>
internal static class MaskEquivalence
{
    public static Config[] Representative(Config[] configs, int maxTokenLength)
    {
        Config[]? changed = null;
        for (int i = 0; i < configs.Length; i++)
        {
            var clamped = Clamp(configs[i], maxTokenLength + 1);
            if (clamped != configs[i])
                (changed ??= (Config[])configs.Clone())[i] = clamped;
        }
        return changed ?? configs;
    }

    private static Config Clamp(in Config config, int far)
    {
        // With a pattern the exact counts matter (a pattern may allow only some lengths).
        if (config.Mode != JsonMode.String || config.Node is not { Pattern: null } node || (node.MaxLength < 0 && node.MinLength == 0))
            return config;
        // Still needed toward minLength, and room left under maxLength beyond that need.
        int need = node.MinLength - config.B;
        int clampedNeed = Math.Min(need, far);
        int b = node.MinLength - clampedNeed;
        if (node.MaxLength < 0)
            return config with { B = b };
        int slack = node.MaxLength - config.A - need;
        int a = node.MaxLength - (clampedNeed + Math.Min(slack, far));
        return config with { A = a, B = b };
    }
}
