using System.CommandLine;
using Kimi.Cluster.Router.Hosting;
using Kimi.Cluster.Router.Images;
using Kimi.Cluster.Router.Routing;
using Kimi.Cluster.ServiceDefaults;

namespace Kimi.Cluster.Router.Cli;

/// <summary>Owns the router's limits, image input and routing options, shared by `local` and `serve`.</summary>
public sealed class LimitOptions
{
    /// <summary>Comma-separated API keys, added to those given with --api-key.</summary>
    public const string ApiKeysVariable = "KIMI_API_KEYS";

    private readonly Option<int?> _maxPromptTokens = Positive<int?>("--max-prompt-tokens",
        "Longest prompt accepted, in tokens (default: the model's context length).", null);

    private readonly Option<int?> _maxTokens = Positive<int?>("--max-tokens-limit",
        "Largest max_tokens accepted (default: the model's context length).", null);

    private readonly Option<long> _maxBodyBytes = Positive("--max-body-bytes",
        "Largest request body in bytes; bigger ones get 413.", RouterLimits.DefaultMaxBodyBytes);

    private readonly Option<int> _maxConcurrent = Positive("--max-concurrent-requests",
        "Worker calls (one per choice) running at once over all attention workers; more wait in the router's queue.",
        RouterLimits.DefaultMaxConcurrentRequests);

    private readonly Option<int> _maxQueued = new("--max-queued-requests")
    {
        Description = "Worker calls that may wait in the router's queue; beyond it, 429 with Retry-After.",
        DefaultValueFactory = _ => RouterLimits.DefaultMaxQueuedRequests,
    };

    private readonly Option<double> _requestTimeout = Positive("--request-timeout",
        "Seconds a generation may take (queue wait included) before it is cancelled with a 504.",
        RouterLimits.DefaultRequestTimeout.TotalSeconds);

    private readonly Option<double> _stallTimeout = Positive("--stall-timeout",
        "Seconds an attention worker may go silent in the middle of a generation before it counts as lost and the generation resumes on another worker.",
        RouterLimits.DefaultStallTimeout.TotalSeconds);

    private readonly Option<double> _healthTimeout = Positive("--health-timeout",
        "Seconds an attention worker with generations running may take to answer a health check; two missed in a row count it as lost, and its generations resume on another worker.",
        RouterLimits.DefaultHealthTimeout.TotalSeconds);

    private readonly Option<string[]> _apiKeys = new("--api-key")
    {
        Description = $"An accepted API key (repeatable; ${ApiKeysVariable} adds comma-separated ones). With any key, /v1/* needs Authorization: Bearer <key>.",
    };

    private readonly Option<bool> _enforceKimiSampling = new("--enforce-kimi-sampling")
    {
        Description = "Refuse chat requests whose sampling differs from Kimi K2.5's fixed values (temperature 1.0 with thinking, 0.6 without; top_p 0.95; penalties 0; n 1), as Moonshot's vendor rules ask.",
    };

    private readonly Option<long> _affinitySlack = new("--affinity-slack-tokens")
    {
        Description = "A request follows its prompt prefix's attention worker unless that worker's outstanding tokens exceed the least loaded one's by more than this.",
        DefaultValueFactory = _ => RoutingOptions.DefaultAffinitySlackTokens,
    };

    private readonly Option<bool> _disableRemoteImages = new("--disable-remote-images")
    {
        Description = "Take images only inline (base64 data: URLs); image_url parts with http(s) URLs get a 400 instead of being fetched.",
    };

    private readonly Option<long> _maxImageBytes = Positive("--max-image-bytes",
        "Largest encoded image (inline or fetched), in bytes; bigger ones get a 400. Inline images also count toward --max-body-bytes.",
        ImageInputOptions.DefaultMaxImageBytes);

    private readonly Option<double> _imageFetchTimeout = Positive("--image-fetch-timeout",
        "Seconds fetching one http(s) image may take before the request gets a 400.", ImageInputOptions.DefaultFetchTimeout.TotalSeconds);

    private readonly Option<int> _maxImages = Positive("--max-images-per-request",
        "Most images one request may hold over all its messages.", ImageInputOptions.DefaultMaxImagesPerRequest);

    public LimitOptions()
    {
        _maxQueued.Validators.Add(result =>
        {
            if (result.TryGetValue(out int value) && value < 0)
                result.AddError("--max-queued-requests must be 0 or more.");
        });
        _affinitySlack.Validators.Add(result =>
        {
            if (result.TryGetValue(out long value) && value < 0)
                result.AddError("--affinity-slack-tokens must be 0 or more.");
        });
    }

    public void AddTo(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        command.Add(_maxPromptTokens);
        command.Add(_maxTokens);
        command.Add(_maxBodyBytes);
        command.Add(_maxConcurrent);
        command.Add(_maxQueued);
        command.Add(_requestTimeout);
        command.Add(_stallTimeout);
        command.Add(_healthTimeout);
        command.Add(_apiKeys);
        command.Add(_enforceKimiSampling);
        command.Add(_affinitySlack);
        command.Add(_disableRemoteImages);
        command.Add(_maxImageBytes);
        command.Add(_imageFetchTimeout);
        command.Add(_maxImages);
    }

    public ImageInputOptions ReadImages(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        return new ImageInputOptions
        {
            AllowRemote = !parse.GetValue(_disableRemoteImages),
            MaxImageBytes = parse.GetValue(_maxImageBytes),
            FetchTimeout = TimeSpan.FromSeconds(parse.GetValue(_imageFetchTimeout)),
            MaxImagesPerRequest = parse.GetValue(_maxImages),
        };
    }

    public RouterLimits ReadLimits(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        string[] fromEnvironment = (Environment.GetEnvironmentVariable(ApiKeysVariable) ?? "")
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return new RouterLimits
        {
            MaxPromptTokens = parse.GetValue(_maxPromptTokens),
            MaxTokens = parse.GetValue(_maxTokens),
            MaxBodyBytes = parse.GetValue(_maxBodyBytes),
            MaxConcurrentRequests = parse.GetValue(_maxConcurrent),
            MaxQueuedRequests = parse.GetValue(_maxQueued),
            RequestTimeout = TimeSpan.FromSeconds(parse.GetValue(_requestTimeout)),
            StallTimeout = TimeSpan.FromSeconds(parse.GetValue(_stallTimeout)),
            HealthTimeout = TimeSpan.FromSeconds(parse.GetValue(_healthTimeout)),
            ApiKeys = [.. (parse.GetValue(_apiKeys) ?? []).Concat(fromEnvironment).Distinct(StringComparer.Ordinal)],
            EnforceKimiSampling = parse.GetValue(_enforceKimiSampling),
        };
    }

    public RoutingOptions ReadRouting(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        return new RoutingOptions { AffinitySlackTokens = parse.GetValue(_affinitySlack) };
    }

    private static Option<T> Positive<T>(string name, string description, T defaultValue)
    {
        var option = new Option<T>(name) { Description = description };
        if (defaultValue is not null)
            option.DefaultValueFactory = _ => defaultValue;
        option.Validators.Add(result =>
        {
            if (result.TryGetValue(out T? value) && value is not null && Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture) <= 0)
                result.AddError($"{name} must be more than 0.");
        });
        return option;
    }
}
