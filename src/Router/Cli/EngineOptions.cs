using System.CommandLine;
using System.Globalization;

namespace Kimi.Cluster.Router.Cli;

/// <summary>
/// The attention worker's engine knobs that `local` passes through unchanged (KV cache size,
/// block size, step token budget, batch and queue limits); the worker checks and documents them.
/// Only the ones given are passed, so the worker's defaults stay in one place.
/// </summary>
public sealed class EngineOptions
{
    private readonly Option<int?>[] _options =
    [
        new("--kv-cache-tokens") { Description = "KV cache size in tokens (the attention worker's default when omitted)." },
        new("--block-size") { Description = "Tokens per KV cache block." },
        new("--max-batch-tokens") { Description = "Token budget of one engine step (decodes plus prefill chunks)." },
        new("--max-running") { Description = "Most sequences in the running batch." },
        new("--max-waiting") { Description = "Most requests waiting; beyond it requests are refused with 429." },
    ];

    private readonly Option<long?> _cacheBytes = new("--kv-cache-bytes")
    {
        Description = "KV cache size in bytes instead of tokens (overrides --kv-cache-tokens).",
    };

    public void AddTo(Command command)
    {
        foreach (var option in _options)
            command.Options.Add(option);
        command.Options.Add(_cacheBytes);
    }

    /// <summary>The given options as worker arguments, e.g. ["--block-size", "16"].</summary>
    public IReadOnlyList<string> Read(ParseResult parse)
    {
        var arguments = _options.Where(o => parse.GetValue(o) is not null)
            .SelectMany(o => new[] { o.Name, parse.GetValue(o)!.Value.ToString(CultureInfo.InvariantCulture) }) // not null: filtered above
            .ToList();
        if (parse.GetValue(_cacheBytes) is long bytes)
            arguments.AddRange([_cacheBytes.Name, bytes.ToString(CultureInfo.InvariantCulture)]);
        return arguments;
    }
}
