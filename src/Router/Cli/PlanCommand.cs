using System.CommandLine;
using Kimi.Cluster.Model.Configuration;
using Kimi.Cluster.Model.Configuration.Capacity;
using Kimi.Cluster.Router.Planning;

namespace Kimi.Cluster.Router.Cli;

/// <summary>Owns the `plan` subcommand: the memory each process needs, from config.json alone, before any download.</summary>
public static class PlanCommand
{
    public static Command Create()
    {
        var defaults = new CapacityOptions();
        var model = new Option<string>("--model") { Description = "A model directory or its config.json.", Required = true };
        var expertWorkers = Option("--expert-workers", "Expert-worker processes; 0 keeps the routed experts in each attention worker.", defaults.ExpertWorkers);
        var replicas = Option("--expert-replicas", "Copies of each expert shard.", defaults.ExpertReplicas);
        var attentionWorkers = Option("--attention-workers", "Attention-worker processes.", defaults.AttentionWorkers);
        var kvTokens = new Option<long>("--kv-cache-tokens")
        {
            Description = "Tokens one attention worker's KV cache holds.",
            DefaultValueFactory = _ => defaults.KvCacheTokens,
        };
        var batchTokens = Option("--max-batch-tokens", "Tokens one step computes.", defaults.MaxBatchTokens);
        var json = new Option<bool>("--json") { Description = "Print the plan as JSON." };
        var command = new Command("plan", "Print how much memory each process needs for a model, from its config.json alone.")
        {
            model, expertWorkers, replicas, attentionWorkers, kvTokens, batchTokens, json,
        };
        command.SetAction(parse =>
        {
            var options = new CapacityOptions(
                parse.GetValue(attentionWorkers), parse.GetValue(expertWorkers), parse.GetValue(replicas),
                parse.GetValue(kvTokens), parse.GetValue(batchTokens), defaults.MaxRunning);
            if (options.Problem() is { } problem)
            {
                Console.Error.WriteLine(problem);
                return 2;
            }
            try
            {
                var input = PlanInput.Read(parse.GetRequiredValue(model));
                var plan = CapacityPlanner.Plan(input.Config, input.DenseDtype, options, input.CheckpointBytes);
                Console.Out.Write(parse.GetValue(json) ? PlanReport.Json(plan, options) + Environment.NewLine : PlanReport.Text(plan, options));
                return 0;
            }
            catch (Exception error) when (error is ModelConfigException or IOException or System.Text.Json.JsonException)
            {
                Console.Error.WriteLine(error.Message);
                return 1;
            }
        });
        return command;
    }

    private static Option<int> Option(string name, string description, int defaultValue) =>
        new(name) { Description = description, DefaultValueFactory = _ => defaultValue };
}
