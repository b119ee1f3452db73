namespace Kimi.Cluster.Model.Benchmarks;

/// <summary>
/// What a decode-step measurement runs: the checkpoint (null: the built-in tiny model), how many
/// sequences decode together, their prompt and generated lengths, and how many fresh rounds.
/// </summary>
public sealed record StepSettings(string? Model, int Batch, int PromptLength, int NewTokens, int Rounds)
{
    /// <summary>The variable that names the checkpoint directory for the BenchmarkDotNet benchmarks.</summary>
    public const string ModelVariable = "KIMI_BENCH_MODEL";

    /// <summary>From --model DIR, --batch N, --prompt-len N, --new-tokens N, --rounds N.</summary>
    /// <exception cref="ArgumentException">A value is missing, not a number, or not positive.</exception>
    public static StepSettings Parse(IReadOnlyList<string> args) => new(
        Value(args, "--model"),
        Positive(args, "--batch", 1),
        Positive(args, "--prompt-len", 64),
        Positive(args, "--new-tokens", 128),
        Positive(args, "--rounds", 5));

    private static string? Value(IReadOnlyList<string> args, string name)
    {
        int index = args.ToList().IndexOf(name);
        if (index < 0)
            return null;
        if (index + 1 >= args.Count)
            throw new ArgumentException($"{name} needs a value.");
        return args[index + 1];
    }

    private static int Positive(IReadOnlyList<string> args, string name, int fallback)
    {
        if (Value(args, name) is not { } text)
            return fallback;
        if (!int.TryParse(text, out int value) || value <= 0)
            throw new ArgumentException($"{name} must be a positive whole number, not '{text}'.");
        return value;
    }
}
