using System.CommandLine;

namespace Kimi.Cluster.Model.Benchmarks;

/// <summary>The `--quick` command line: its options, their checks, and <see cref="QuickSteps"/> as its action.</summary>
public static class QuickCommand
{
    public static RootCommand Create()
    {
        var quick = new Option<bool>("--quick") { Description = "Measure with a Stopwatch instead of running BenchmarkDotNet." };
        var model = new Option<string?>("--model") { Description = "Checkpoint directory; the built-in tiny model when omitted." };
        var batch = AtLeast("--batch", "Sequences decoded together.", 1, 1);
        var promptLength = AtLeast("--prompt-len", "Prompt tokens per sequence.", 64, 1);
        // The prefill samples the first token, so one new token would leave no decode step to time.
        var newTokens = AtLeast("--new-tokens", "Tokens generated per sequence.", 128, 2);
        var rounds = AtLeast("--rounds", "Fresh rounds; the first is a warm-up.", 5, 1);
        var timeline = new Option<bool>("--timeline")
        {
            Description = "After the last round, each kernel call of its decode steps (mean run time and the time before it outside the kernels).",
        };
        var floor = new Option<bool>("--floor")
        {
            Description = "Probe the read bandwidth (the kernels' threads) between windows of 32 decode steps and report each window's memory floor "
                + "(the weight bytes a step reads at that bandwidth) against its median step.",
        };
        var command = new RootCommand("The engine's decode step in process.") { quick, model, batch, promptLength, newTokens, rounds, timeline, floor };
        command.SetAction(parse =>
        {
            try
            {
                return QuickSteps.Run(new StepSettings(
                    parse.GetValue(model), parse.GetValue(batch), parse.GetValue(promptLength), parse.GetValue(newTokens), parse.GetValue(rounds))
                {
                    Timeline = parse.GetValue(timeline),
                    Floor = parse.GetValue(floor),
                });
            }
            catch (ArgumentException error)
            {
                // A request the engine refuses (a prompt past the model's positions, say): its message, not a stack trace.
                Console.Error.WriteLine(error.Message);
                return 2;
            }
        });
        return command;
    }

    private static Option<int> AtLeast(string name, string description, int defaultValue, int minimum)
    {
        var option = new Option<int>(name) { Description = description, DefaultValueFactory = _ => defaultValue };
        // Reads the token itself: a value that is not a number already has the parser's own error,
        // and asking for the converted value then throws instead of reporting it.
        option.Validators.Add(result =>
        {
            if (result.Tokens is [var token] && int.TryParse(token.Value, out int value) && value < minimum)
                result.AddError($"{name} must be at least {minimum}.");
        });
        return option;
    }
}
