using System.CommandLine;
using Kimi.Cluster.Bench.Load;
using Spectre.Console;

namespace Kimi.Cluster.Bench.Cli;

/// <summary>Owns the `run` subcommand's options; <see cref="RunAction"/> runs it.</summary>
public static class RunCommand
{
    public static Command Create()
    {
        var url = new Option<Uri>("--url")
        {
            Description = "Server base address (loopback only).",
            DefaultValueFactory = _ => new Uri("http://127.0.0.1:8000"),
            // System.CommandLine has no converter for Uri.
            CustomParser = ParseUrl,
        };
        var numPrompts = new Option<int>("--num-prompts") { Description = "Requests to send.", DefaultValueFactory = _ => 100 };
        var inputLen = new Option<int>("--input-len") { Description = "Prompt tokens per request.", DefaultValueFactory = _ => 128 };
        var outputLen = new Option<int>("--output-len") { Description = "Generated tokens per request (max_tokens, with ignore_eos).", DefaultValueFactory = _ => 128 };
        var concurrency = new Option<int?>("--concurrency") { Description = "Most requests in flight at once (default: no cap)." };
        var rate = new Option<double?>("--request-rate") { Description = "Poisson arrivals at this many requests/s (default: all at once)." };
        var seed = new Option<int>("--seed") { Description = "Seed of the prompts and arrival times.", DefaultValueFactory = _ => 0 };
        var vocab = new Option<int>("--vocab-size") { Description = "Token ids are drawn from 0..V-1 (512 is the built-in model's vocabulary).", DefaultValueFactory = _ => 512 };
        var timeout = new Option<double>("--timeout") { Description = "Seconds one request may take before it counts as failed.", DefaultValueFactory = _ => 120 };
        var maxDuration = new Option<double>("--max-duration") { Description = "Seconds the whole run may take; unfinished requests then count as failed.", DefaultValueFactory = _ => 1800 };
        var newConnections = new Option<bool>("--new-connections")
        {
            Description = "Send each request on a new connection (Connection: close). For servers that drop kept-alive " +
                "connections under load, which the client only finds when it reuses one (llama-server with 64 streams does).",
        };
        var warmup = new Option<int>("--warmup-prompts")
        {
            Description = "Requests sent first, with the same lengths and concurrency and prompts of their own, and left out of " +
                "the results: a server that compiles its code as it runs (.NET's JIT) is measured once it has.",
            DefaultValueFactory = _ => 0,
        };
        var output = new Option<FileInfo?>("--output") { Description = "Write the result as JSON to this file." };
        var command = new Command("run", "Send random token-id prompts as streaming completions and measure TTFT, ITL, E2E latency and throughput.")
        {
            url, numPrompts, inputLen, outputLen, concurrency, rate, seed, vocab, timeout, maxDuration, newConnections, warmup, output,
        };
        command.SetAction((parse, cancellation) => RunAction.ExecuteAsync(
            new BenchSettings(
                parse.GetRequiredValue(url),
                parse.GetValue(numPrompts),
                parse.GetValue(inputLen),
                parse.GetValue(outputLen),
                parse.GetValue(concurrency),
                parse.GetValue(rate),
                parse.GetValue(seed),
                parse.GetValue(vocab),
                parse.GetValue(timeout),
                parse.GetValue(maxDuration),
                parse.GetValue(newConnections),
                parse.GetValue(warmup)),
            parse.GetValue(output)?.FullName,
            AnsiConsole.Console,
            cancellation));
        return command;
    }

    private static Uri? ParseUrl(System.CommandLine.Parsing.ArgumentResult result)
    {
        string text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
        if (Uri.TryCreate(text, UriKind.Absolute, out var url))
            return url;
        result.AddError($"--url: '{text}' is not an absolute address such as http://127.0.0.1:8000.");
        return null;
    }
}
