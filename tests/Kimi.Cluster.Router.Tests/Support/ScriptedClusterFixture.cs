using Kimi.Cluster.Tests.Shared;
using Kimi.Cluster.Tests.Shared.Reference;

namespace Kimi.Cluster.Router.Tests.Support;

/// <summary>
/// One `router local` cluster serving the scripted model (<see cref="ScriptedModelWriter"/>) over
/// two expert workers, shared by the chat API tests and killed at the end.
/// </summary>
public sealed class ScriptedClusterFixture : IAsyncLifetime
{
    /// <summary>Attention workers to ask for; 0 leaves out --attention-workers (for a router without it).</summary>
    public const int AttentionWorkers = 2;
    public const int ExpertWorkers = 2;
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(150);
    private readonly TempDirectory _model = new("kimi-scripted-model");
    private RouterProcess? _router;

    public HttpClient Http { get; private set; } = null!;

    public Uri BaseAddress { get; private set; } = null!;

    public string ModelDirectory => _model.Path;

    public string Output => _router?.Output ?? "";

    public static string[] Arguments(string modelDirectory) =>
    [
        "local", "--port", "0", "--model", modelDirectory, "--expert-workers", $"{ExpertWorkers}",
        .. AttentionWorkers > 0 ? new[] { "--attention-workers", $"{AttentionWorkers}" } : [],
    ];

    public async Task InitializeAsync()
    {
        ScriptedModelWriter.Write(_model.Path);
        _router = RouterProcess.Start(Arguments(_model.Path));
        BaseAddress = await _router.WaitUntilReadyAsync(StartTimeout);
        Http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(90) };
    }

    public async Task DisposeAsync()
    {
        Http?.Dispose();
        if (_router is not null)
            await _router.DisposeAsync();
        _model.Dispose();
    }
}
