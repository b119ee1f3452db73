using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using Kimi.Cluster.Bench.Checkpoints;
using Spectre.Console;

namespace Kimi.Cluster.Bench.Cli;

/// <summary>Owns the `checkpoint` subcommand's options; <see cref="CheckpointAction"/> runs it.</summary>
public static class CheckpointCommand
{
    public static Command Create()
    {
        var d = CheckpointSpec.BenchSized;
        var output = new Option<DirectoryInfo>("--output") { Description = "Model directory to write (config.json and safetensors).", Required = true };
        var force = new Option<bool>("--force") { Description = "Replace the model files of a non-empty --output." };
        var summary = new Option<FileInfo?>("--summary") { Description = "Also write the printed summary as JSON to this file." };
        var hidden = Int("--hidden", "hidden_size.", d.Hidden);
        var layers = Int("--layers", "num_hidden_layers.", d.Layers);
        var firstDense = Int("--first-dense", "first_k_dense_replace: leading layers with a dense MLP.", d.FirstDense);
        var experts = Int("--experts", "n_routed_experts.", d.Experts);
        var topK = Int("--top-k", "num_experts_per_tok.", d.TopK);
        var shared = Int("--shared-experts", "n_shared_experts.", d.SharedExperts);
        var moeIntermediate = Int("--moe-intermediate", "moe_intermediate_size (per expert).", d.MoeIntermediate);
        var intermediate = Int("--intermediate", "intermediate_size (dense MLP).", d.Intermediate);
        var vocab = Int("--vocab", "vocab_size.", d.Vocab);
        var heads = Int("--heads", "num_attention_heads.", d.Heads);
        var qLora = Int("--q-lora-rank", "q_lora_rank; 0 writes q_proj instead of q_a_proj/q_b_proj.", d.QLoraRank);
        var kvLora = Int("--kv-lora-rank", "kv_lora_rank.", d.KvLoraRank);
        var qkNope = Int("--qk-nope", "qk_nope_head_dim.", d.QkNope);
        var qkRope = Int("--qk-rope", "qk_rope_head_dim.", d.QkRope);
        var vHead = Int("--v-head", "v_head_dim.", d.VHead);
        var maxPositions = Int("--max-positions", "max_position_embeddings.", d.MaxPositions);
        var format = new Option<string>("--format") { Description = "bf16; int4 (routed experts, compressed-tensors); fp8 (block e4m3 Linears).", DefaultValueFactory = _ => "bf16" };
        format.AcceptOnlyFromAmong("bf16", "int4", "fp8");
        var groupSize = Int("--group-size", "Inputs per INT4 scale: 32, 64 or 128 (a row's last group is shorter where it does not divide the inputs).", d.GroupSize);
        var seed = new Option<long>("--seed") { Description = "Seed of the weights.", DefaultValueFactory = _ => (long)d.Seed };
        var shardBytes = new Option<long>("--shard-bytes")
        {
            Description = "Most bytes per safetensors file, e.g. 2GB, 500MB, 4GiB or a plain count; more than one file adds model.safetensors.index.json.",
            DefaultValueFactory = _ => d.ShardBytes,
            CustomParser = ParseBytes,
        };
        var hotExperts = new Option<int[]>("--hot-experts")
        {
            Description = "Experts the gate picks for nearly every token (their routing bias raised by 1), e.g. 0,1,2: skewed load for expert balancing.",
            CustomParser = result => [.. result.Tokens.SelectMany(t => t.Value.Split(',', StringSplitOptions.RemoveEmptyEntries))
                .Select(text => int.TryParse(text, CultureInfo.InvariantCulture, out int id) ? id : -1)],
            AllowMultipleArgumentsPerToken = true,
        };
        var command = new Command("checkpoint", "Write a random Kimi K2 model directory (config.json + safetensors) for benchmarks, streaming.")
        {
            output, force, summary, hidden, layers, firstDense, experts, topK, shared, moeIntermediate, intermediate, vocab, heads,
            qLora, kvLora, qkNope, qkRope, vHead, maxPositions, format, groupSize, seed, shardBytes, hotExperts,
        };
        command.SetAction((parse, cancellation) => CheckpointAction.ExecuteAsync(
            new CheckpointSpec
            {
                Hidden = parse.GetValue(hidden), Layers = parse.GetValue(layers), FirstDense = parse.GetValue(firstDense),
                Experts = parse.GetValue(experts), TopK = parse.GetValue(topK), SharedExperts = parse.GetValue(shared),
                MoeIntermediate = parse.GetValue(moeIntermediate), Intermediate = parse.GetValue(intermediate),
                Vocab = parse.GetValue(vocab), Heads = parse.GetValue(heads), QLoraRank = parse.GetValue(qLora),
                KvLoraRank = parse.GetValue(kvLora), QkNope = parse.GetValue(qkNope), QkRope = parse.GetValue(qkRope),
                VHead = parse.GetValue(vHead), MaxPositions = parse.GetValue(maxPositions),
                Format = Enum.Parse<CheckpointFormat>(parse.GetRequiredValue(format), ignoreCase: true),
                GroupSize = parse.GetValue(groupSize), Seed = unchecked((ulong)parse.GetValue(seed)), ShardBytes = parse.GetValue(shardBytes),
                HotExperts = parse.GetValue(hotExperts) ?? [],
            },
            parse.GetRequiredValue(output).FullName,
            parse.GetValue(force),
            parse.GetValue(summary)?.FullName,
            AnsiConsole.Console,
            cancellation));
        return command;
    }

    private static Option<int> Int(string name, string description, int defaultValue) =>
        new(name) { Description = description, DefaultValueFactory = _ => defaultValue };

    /// <summary>A count with an optional unit: KB/MB/GB are powers of 1000 (as HF's max_shard_size), KiB/MiB/GiB of 1024.</summary>
    private static long ParseBytes(ArgumentResult result)
    {
        string text = result.Tokens.Count > 0 ? result.Tokens[0].Value.Trim() : "";
        int split = text.TakeWhile(c => char.IsDigit(c) || c == '.').Count();
        long? unit = text[split..].Trim().ToUpperInvariant() switch
        {
            "" or "B" => 1,
            "KB" => 1_000, "MB" => 1_000_000, "GB" => 1_000_000_000,
            "KIB" => 1L << 10, "MIB" => 1L << 20, "GIB" => 1L << 30,
            _ => null,
        };
        if (unit is { } multiplier && double.TryParse(text[..split], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double count)
            && count * multiplier is >= 1 and < long.MaxValue)
            return (long)(count * multiplier);
        result.AddError($"--shard-bytes: '{text}' is not a size such as 2GB, 500MB, 4GiB or 1048576.");
        return 0;
    }
}
